"""symrf: exact, symbolic receptive-field analysis of convolutional networks.

>>> import symrf
>>> symrf.analyze("conv(3), pool(2, 2), conv(3)").rf
8
"""

from importlib import import_module

from .analysis import Analysis, Row
from .chain import ChainAnalysis
from .dispatch import analyze, erf
from .errors import SymrfError
from .layers import Layer, conv, convt, global_pool, pool, upsample
from .network import Network, Repeat, parallel, repeat, residual
from .spec import parse
from .symbols import symbol

#: Public names whose modules load on first use, so that ``import symrf`` (and every CLI call) stays light.
_LAZY = {
    "AxesAnalysis": "per_axis",
    "GraphAnalysis": "graph",
    "ClosedFormAnalysis": "closed_forms",
    "closed_form": "closed_forms",
    "sweep": "closed_forms",
    "Solution": "solving",
    "solve": "solving",
    "design": "searching",
    "Design": "searching",
    "load_graph": "graphfile",
    "from_torch": "torch_import",
    "import_torch": "torch_import",
    "from_onnx": "onnx_import",
    "import_onnx": "onnx_import",
    "plot": "plots",
    "measured_erf": "measured",
    "MeasuredERF": "measured",
    "ERF": "effective",
}

#: What to install when a lazy name needs a package that is missing.
_EXTRAS = {"torch": "PyTorch is not installed: pip install 'symrf[torch]'",
           "onnx": "ONNX is not installed: pip install 'symrf[onnx]'"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        try:
            module = import_module(f".{_LAZY[name]}", __name__)
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").partition(".")[0]
            if missing in _EXTRAS:
                raise SymrfError(_EXTRAS[missing]) from None
            raise
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'symrf' has no attribute {name!r}")

__all__ = [
    "Analysis",
    "AxesAnalysis",
    "ChainAnalysis",
    "ClosedFormAnalysis",
    "Design",
    "ERF",
    "GraphAnalysis",
    "Layer",
    "MeasuredERF",
    "Network",
    "Repeat",
    "Row",
    "Solution",
    "SymrfError",
    "analyze",
    "closed_form",
    "conv",
    "convt",
    "design",
    "erf",
    "from_onnx",
    "from_torch",
    "global_pool",
    "import_onnx",
    "import_torch",
    "load_graph",
    "measured_erf",
    "parallel",
    "parse",
    "plot",
    "pool",
    "repeat",
    "residual",
    "solve",
    "sweep",
    "symbol",
    "upsample",
]

__version__ = "0.1.0"
