"""symrf: exact, symbolic receptive-field analysis of convolutional networks.

>>> import symrf
>>> symrf.analyze("conv(3), pool(2, 2), conv(3)").rf
8
"""

from .chain import ChainAnalysis, LayerResult, analyze
from .errors import SymrfError
from .layers import Layer, conv, pool
from .network import Network, Repeat, repeat
from .spec import parse
from .symbols import symbol

__all__ = [
    "ChainAnalysis",
    "Layer",
    "LayerResult",
    "Network",
    "Repeat",
    "SymrfError",
    "analyze",
    "conv",
    "parse",
    "pool",
    "repeat",
    "symbol",
]

__version__ = "0.1.0"
