"""A zoo of published architectures, kept as data: one graph file per model in this folder, one builder.

Each ``<name>.toml`` is a graph file (:mod:`symrf.graphfile`) that holds the model in the spec language, its
input size, the layer at which it ends, where the architecture comes from (``source``) and, for the models of
Araujo, Norris & Sim's table, the published receptive field, jump and effective padding (``published``). The
TF-Slim models are the 19 of their library's pre-computed table (``rf_benchmark``), each with every end-point of
that table as a named layer; they use TensorFlow's "same" and "valid" padding, so their values depend on the input
size (224 here).
The torchvision families (DenseNet, GoogLeNet, Inception v3, SqueezeNet, ShuffleNet V2, MnasNet, EfficientNet,
RegNet, ConvNeXt, Wide ResNet, ResNeXt) are written by ``scripts/zoo_from_torchvision.py`` from symrf's PyTorch
importer, with the end-points of their stages and values measured by input gradients (``measured``).

Some models also know their family (:func:`family`): the same architecture with the number of blocks in each stage
a symbol named after the stage, kept in the file's ``[family]`` table. ``counts`` gives the model's own counts and
``stages`` the family's network, stage by stage in order, each a spec written with the count symbols (a stage of
``n`` blocks whose first block differs is that block and ``(n - 1) * [block]``); each stage's name names its output.
The stages may use the blocks that the model's ``spec`` defines (``project(s=2), (n_layer2 - 1) * [unit]``), so that a
block is written once for the model and its family. A model of the same family may give ``stages_from = "other
model"`` instead of repeating the stages (they then use the other model's blocks):

- ``resnet18``, ``resnet34`` (basic blocks) and ``resnet50``, ``resnet101``, ``resnet152`` (bottlenecks): stages
  ``conv1``, ``maxpool``, ``layer1`` ... ``layer4``, counts ``n_layer1`` ... ``n_layer4`` (torchvision's names);
- ``vgg11``, ``vgg16``, ``vgg19``: stages ``block1`` ... ``block5`` (Keras's names), each ``n_block1`` ...
  ``n_block5`` 3x3 convolutions and its 2x2/2 max pool;
- ``mobilenet_v2``: stages ``stem``, ``bottleneck1`` ... ``bottleneck7`` (the rows of the paper's table, counts
  ``n_bottleneck1`` ... ``n_bottleneck7``: its column n) and ``conv_last``.

>>> f = family("resnet50")
>>> f.closed_form().final.rf, f.closed_form().at({"n_layer3": 23})["rf"]
(8*(n_layer1 + 2*n_layer2 + 4*n_layer3 + 8*n_layer4) - 45, 971)

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
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

from ..dag import INPUT, Graph, GraphNode
from ..dispatch import analyze
from ..errors import SpecError, SymrfError, quoted
from ..family_forms import FamilyForm, family_form
from ..graphfile import GraphSpec, load_graph
from ..layers import Value
from ..naming import name_problem
from ..spec import definitions, parse
from ..symbols import symbol

__all__ = ["Family", "ZooRow", "analysis", "families", "family", "get", "names", "table"]

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


# -- families -----------------------------------------------------------------------------------------------------

#: Keys of a ``[family]`` table.
FAMILY_KEYS = frozenset({"counts", "stages", "stages_from"})


@dataclass(frozen=True, slots=True, eq=False)
class Family:
    """A model's family: ``network`` (its stages in sequence, a :class:`~symrf.dag.Graph` whose node names are the
    stages' names) with each stage's count of blocks a symbol, and the model's own ``counts`` (by symbol name).

    >>> f = family("resnet18")
    >>> f.stages, dict(f.counts)["n_layer4"]
    (('conv1', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4'), 2)
    >>> f.analysis().rf
    16*(n_layer1 + 2*n_layer2 + 4*n_layer3 + 8*n_layer4) - 45
    """

    name: str
    network: Graph
    counts: Mapping[str, int]
    stages: tuple[str, ...]

    def analysis(self):
        """The analysis of the family's network (cached): closed forms in the counts at every layer."""
        return _family_analysis(self.name)

    def closed_form(self) -> FamilyForm:
        """The RF, jump and effective padding at every stage as formulas in the counts, with their values at the
        model's counts (:class:`~symrf.family_forms.FamilyForm`: text, JSON, Markdown and LaTeX)."""
        return _closed_form(self.name)

    def at(self, counts: Mapping[str, int] | None = None) -> Graph:
        """The family's network with ``counts`` (by symbol name; the model's own for those not given) in place of
        the symbols: a numeric network."""
        by_name = {sym.name: sym for sym in self.network.free_symbols}
        values = dict(self.counts)
        for key, value in (counts or {}).items():
            if key not in by_name:
                raise SymrfError(f"the {self.name} family has no count {quoted(key)}; its counts are "
                                 f"{', '.join(self.counts)}")
            if type(value) is not int or value < 1:
                raise SymrfError(f"{key} is a number of blocks, a positive integer, not {quoted(value)}")
            values[key] = value
        mapping = {by_name[key]: value for key, value in values.items()}
        nodes = tuple(GraphNode(node.name, node.op.xreplace(mapping), node.inputs) for node in self.network.nodes)
        return Graph(nodes, self.network.output)


@lru_cache(maxsize=1)
def families() -> tuple[str, ...]:
    """The models that know their family, sorted.

    >>> families()[:3]
    ('mobilenet_v2', 'resnet101', 'resnet152')
    """
    return tuple(name for name in names() if _family_table(name) is not None)


@cache
def family(name: str) -> Family:
    """The family of model ``name`` (see the module's notes); an error for a model without one lists those with one.
    """
    get(name)  # an unknown model: the zoo's own message
    table = _family_table(name)
    if table is None:
        raise SymrfError(f"the zoo has no family for {quoted(name)}; models with a family: {', '.join(families())}")
    label = f"{name}.toml: [family]"
    counts = table.get("counts")
    if not isinstance(counts, dict) or not counts:
        raise SymrfError(f"{label}: 'counts' is a table of the stages' counts, such as {{n_layer1 = 3}}")
    for key, value in counts.items():
        if type(value) is not int or value < 1:
            raise SymrfError(f"{label}: the count {quoted(key)} is a positive integer, not {quoted(value)}")
    stages, holder = _stages_of(name, table, label)
    blocks = _blocks(holder)
    lines = blocks.count("\n") + 1
    after = f" (read after the {lines} line{'s' * (lines > 1)} of blocks of {holder}'s spec)" if blocks else ""
    nodes, before = [], INPUT
    for stage, text in stages.items():
        problem = name_problem(stage)
        if problem or stage == INPUT or not isinstance(text, str):
            raise SymrfError(f"{label}: the stage {quoted(stage)} is a name and a spec string")
        try:
            nodes.append(GraphNode(stage, parse(f"{blocks}\n{text}" if blocks else text), (before,)))
        except SpecError as exc:
            raise SymrfError(f"{holder}.toml: stage {stage}{after}: {exc}") from None
        before = stage
    network = Graph(tuple(nodes))
    found = {sym.name for sym in network.free_symbols}
    if found != set(counts):
        missing = sorted(set(counts) - found) or sorted(found - set(counts))
        which = "is not used by the stages" if set(counts) - found else "has no count"
        raise SymrfError(f"{label}: the symbol {quoted(missing[0])} {which}; the counts and the stages' symbols "
                         "must be the same")
    for key in counts:
        symbol(key)  # a reserved name is refused here, with the name
    return Family(name, network, MappingProxyType(dict(counts)), tuple(stages))


@cache
def _family_table(name: str) -> dict | None:
    with open(FOLDER / f"{name}.toml", "rb") as file:
        table = tomllib.load(file).get("family")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise SymrfError(f"{name}.toml: 'family' is a table ([family])")
    unknown = sorted(set(table) - FAMILY_KEYS)
    if unknown:
        raise SymrfError(f"{name}.toml: [family] has an unknown key {quoted(unknown[0])}; it has "
                         f"{', '.join(sorted(FAMILY_KEYS))}")
    return table


@cache
def _blocks(name: str) -> str:
    """The definitions of model ``name``'s spec, as spec text ("" without any): its family's stages use them."""
    with open(FOLDER / f"{name}.toml", "rb") as file:
        spec = tomllib.load(file).get("spec")
    if not isinstance(spec, str):
        return ""
    try:
        return definitions(spec)
    except SpecError as exc:
        raise SymrfError(f"{name}.toml: in 'spec': {exc}") from None


def _stages_of(name: str, table: dict, label: str) -> tuple[dict, str]:
    """The family's stages (name -> spec, in order) and the model whose file holds them."""
    if ("stages" in table) == ("stages_from" in table):
        raise SymrfError(f"{label}: give either 'stages' or 'stages_from' (a model whose stages this family shares)")
    if "stages" in table:
        stages = table["stages"]
        if not isinstance(stages, dict) or not stages:
            raise SymrfError(f"{label}: 'stages' is a table of specs, one per stage, in order")
        return stages, name
    other = table["stages_from"]
    source = _family_table(other) if isinstance(other, str) and other in names() else None
    if source is None or "stages" not in source:
        raise SymrfError(f"{label}: 'stages_from' names a model whose [family] has its own 'stages', not "
                         f"{quoted(other)}")
    return _stages_of(other, source, f"{other}.toml: [family]")


@cache
def _family_analysis(name: str):
    return analyze(family(name).network)


@cache
def _closed_form(name: str) -> FamilyForm:
    model = family(name)
    result = model.analysis()
    by_name = {sym.name: sym for sym in model.network.free_symbols}
    counts = {by_name[key]: value for key, value in model.counts.items()}
    stages = []
    for stage in model.stages:
        row = result.layer(stage)
        stages.append((stage, row.rf, row.jump, row.effective_padding))
    return family_form(name, counts, stages)
