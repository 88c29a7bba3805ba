"""symrf: exact, symbolic receptive-field analysis of convolutional networks.

>>> import symrf
>>> symrf.analyze("conv(3), pool(2, 2), conv(3)").rf
8
"""

from .chain import ChainAnalysis, LayerResult, analyze
from .closed_forms import ClosedFormAnalysis, closed_form, sweep
from .errors import SymrfError
from .graphfile import load_graph
from .layers import Layer, conv, convt, global_pool, pool, upsample
from .network import Network, Repeat, parallel, repeat, residual
from .solving import Solution, solve
from .spec import parse
from .symbols import symbol

__all__ = [
    "ChainAnalysis",
    "ClosedFormAnalysis",
    "Layer",
    "LayerResult",
    "Network",
    "Repeat",
    "Solution",
    "SymrfError",
    "analyze",
    "closed_form",
    "conv",
    "convt",
    "global_pool",
    "load_graph",
    "parallel",
    "parse",
    "pool",
    "repeat",
    "residual",
    "solve",
    "sweep",
    "symbol",
    "upsample",
]

__version__ = "0.1.0"
