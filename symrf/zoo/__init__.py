"""A zoo of published architectures, kept as data: one graph file per model in this folder, one builder.

Each ``<name>.toml`` is a graph file (:mod:`symrf.graphfile`) that holds the model in the spec language, its
input size, the layer at which it ends, where the architecture comes from (``source``) and, for the models of
Araujo, Norris & Sim's table, the published receptive field, jump and effective padding (``published``). The
TF-Slim models use TensorFlow's "same" and "valid" padding, so their values depend on the input size (224 here).
The torchvision families (DenseNet, GoogLeNet, Inception v3, SqueezeNet, ShuffleNet V2, MnasNet, EfficientNet,
RegNet, ConvNeXt, Wide ResNet, ResNeXt) are written by ``scripts/zoo_from_torchvision.py`` from symrf's PyTorch
importer, with the end-points of their stages and values measured by input gradients (``measured``).

>>> import symrf
>>> from symrf import zoo
>>> model = zoo.get("resnet_v1_50")
>>> a = symrf.analyze(model)
>>> a.rf, a.jump, a.effective_padding, a.aligned
(483, 32, 239, True)
>>> "resnet50" in zoo.names()
True
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from ..dispatch import analyze
from ..errors import SymrfError, quoted
from ..graphfile import GraphSpec, load_graph
from ..layers import Value

__all__ = ["ZooRow", "analysis", "get", "names", "table"]

#: Where the model files are.
FOLDER = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class ZooRow:
    """One line of the zoo's table: a model's values at its final layer (tuples for models with several axes)."""

    name: str
    rf: Value | tuple
    jump: Value | tuple
    effective_padding: Value | None | tuple
    input_size: object
    final_layer: str | None
    aligned: bool | None
    source: str | None
    #: Whether ``rf`` is ``rf_local``, the RF of the local paths (a model with squeeze-and-excitation gates, whose
    #: features read the whole input through the gates: its file says ``reports = "rf_local"``).
    local: bool = False


@lru_cache(maxsize=1)
def names() -> tuple[str, ...]:
    """The names of the models, sorted.

    >>> names()[:2]
    ('alexnet', 'alexnet_v2')
    """
    return tuple(sorted(path.stem for path in FOLDER.glob("*.toml")))


@cache
def get(name: str) -> GraphSpec:
    """The model ``name``: its network, input size, final layer, source and published values.

    >>> get("vgg_16").published["rf"]
    212
    """
    if name not in names():
        close = difflib.get_close_matches(name, names(), n=3)
        hint = f"did you mean {' or '.join(close)}?" if close else f"models: {', '.join(names())}"
        raise SymrfError(f"there is no model {quoted(name)} in the zoo; {hint}")
    return load_graph(FOLDER / f"{name}.toml")


@cache
def analysis(name: str, input_size: object = None, strict: bool = False):
    """The analysis of model ``name`` (cached), at its own input size unless ``input_size`` is given."""
    return analyze(get(name), input_size, strict=strict)


def table(input_size: object = None) -> tuple[ZooRow, ...]:
    """Every model's RF, jump and effective padding at its final layer, at its input size (or ``input_size``).

    Models with squeeze-and-excitation gates give ``rf_local`` (``row.local``): through the gates every feature
    reads the whole input.

    >>> [row.rf for row in table() if row.name == "resnet50"]
    [427]
    """
    rows = []
    for name in names():
        model = get(name)
        result = analysis(name, input_size)
        local = model.reports == "rf_local"
        rows.append(ZooRow(name, result.rf_local if local else result.rf, result.jump, result.effective_padding,
                           model.input_size if input_size is None else input_size, model.final_layer,
                           getattr(result, "aligned", True), model.source, local))
    return tuple(rows)
