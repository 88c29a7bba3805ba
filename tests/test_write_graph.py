"""Writing graph files (:func:`symrf.graphfile.write_graph`): what is read back analyses exactly like the graph.

Two sources of graphs: the PyTorch models of ``tests/torch_models.py`` imported with :func:`symrf.from_torch`
(aliases, global context, per-axis layers, ceil-mode padding at the end), and random DAGs drawn by hypothesis
(chains, merges, context, aliases naming nodes and the layers of chains). Every row, every alias, and the
metadata must come back.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.dag import Graph, GraphNode
from symrf.errors import SymrfError
from symrf.graphfile import read_graph, write_graph
from symrf.network import Network


def values(analysis: symrf.Analysis) -> list[tuple]:
    return [(row.name, row.kind, row.rf, row.rf_local, row.rf_min, row.jump, row.start, row.size)
            for row in analysis.rows]


def same_analysis(graph: Graph, size: object, one_axis: bool = False) -> None:
    back = read_graph(write_graph(graph, one_axis=one_axis)).network
    a, b = symrf.analyze(graph, size), symrf.analyze(back, size)
    assert values(a) == values(b)
    assert (a.rf, a.rf_local, a.jump, a.start, a.aligned) == (b.rf, b.rf_local, b.jump, b.start, b.aligned)
    for alias in graph.aliases or {}:
        assert values_of(a.layer(alias)) == values_of(b.layer(alias)), alias


def values_of(row: object) -> tuple:
    return tuple(getattr(row, key) for key in ("rf", "rf_local", "jump", "start", "size"))


# -- imported models ---------------------------------------------------------------------------------------------

torch = pytest.importorskip("torch")
from . import test_torch_truth as truth  # noqa: E402 (needs torch)

IMPORTED = [name for name in truth.CASES if name not in ("shape_branch",)]


@pytest.mark.parametrize("name", IMPORTED)
def test_imported_models_read_back_alike(name: str) -> None:
    case = truth.CASES[name]
    graph = symrf.from_torch(case.model(), case.input_size)
    size = case.input_size if len(case.input_size) > 1 else case.input_size[0]
    same_analysis(graph, size)


def test_a_chain_becomes_one_node_of_named_layers_and_aliases_name_its_layers() -> None:
    graph = symrf.from_torch(truth.tm.VGGLike(), (96, 112))
    text = write_graph(graph)
    assert text.count("[[node]]") == 1 < len(graph.nodes)
    back = read_graph(text).network
    assert symrf.analyze(back, (96, 112)).layer("features.4").rf == symrf.analyze(graph, (96, 112)).layer(
        "features.4").rf == (6, 6)
    assert "features.1" in text  # a ReLU's path, an alias of the conv before it


def test_one_axis_writes_square_layers_once_and_analyses_alike_on_each_axis() -> None:
    graph = symrf.from_torch(truth.tm.ResNetLike(), (224, 224))
    text = write_graph(graph, one_axis=True)
    assert "(7, 7)" not in text and "conv(7, s=2, p=3" in text
    back = read_graph(text).network
    assert values(symrf.analyze(back, (224, 224))) == values(symrf.analyze(graph, (224, 224)))


def test_se_context_is_kept() -> None:
    graph = symrf.from_torch(truth.tm.SENet(), (64, 80))
    text = write_graph(graph)
    assert "context = [" in text
    assert read_graph(text).network.has_context


def test_metadata_come_back() -> None:
    graph = Graph((GraphNode("a", symrf.parse("conv(3)"), ("input",)),), aliases={"stage": "a"})
    measured = [{"layer": "a", "rf": 3, "jump": 1, "start": 0, "method": "by hand"}]
    text = write_graph(graph, name="m", source="here", input_size=[32, 40], reports="rf_local",
                       measured=measured, endpoints=["stage"], unmeasured="n/a", header="line 1\nline 2")
    assert text.startswith("# line 1\n# line 2\n")
    spec = read_graph(text)
    assert (spec.name, spec.source, spec.input_size, spec.reports, spec.endpoints, spec.unmeasured) == (
        "m", "here", (32, 40), "rf_local", ("stage",), "n/a")
    assert [dict(m) for m in spec.measured] == measured
    again = read_graph(write_graph(spec))
    assert (again.name, again.measured, again.endpoints) == (spec.name, spec.measured, spec.endpoints)


def test_bad_keys_and_values_are_one_line_errors() -> None:
    graph = Graph((GraphNode("a", symrf.parse("conv(3)"), ("input",)),))
    with pytest.raises(SymrfError, match="'colour' is not a key"):
        write_graph(graph, colour="red")
    with pytest.raises(SymrfError, match="'reports' is 'rf' or 'rf_local'"):
        read_graph(write_graph(graph, reports="everything"))
    with pytest.raises(SymrfError, match="alias 'x' names 'nowhere'"):
        read_graph('[[node]]\nname = "a"\nlayers = "conv(3)"\n[aliases]\nx = "nowhere"')
    with pytest.raises(SymrfError, match="its input 'ghost' is not a node"):
        read_graph('[[node]]\nname = "a"\nlayers = "conv(3)"\ncontext = ["ghost"]')


# -- random graphs -----------------------------------------------------------------------------------------------

LAYERS = st.sampled_from(["conv(3, p=1)", "conv(1)", "conv(3, 2, p=1)", "pool(2)", "conv(5, p=2, d=2)",
                          "pool(3, 1, p=1)", "conv(2, 2)", "global_pool()"])


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    count = draw(st.integers(1, 9))
    nodes: list[GraphNode] = []
    for index in range(count):
        earlier = ["input"] + [node.name for node in nodes]
        inputs = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
        if draw(st.booleans()):
            inputs = [earlier[-1]]  # chains, which the writer joins
        layers = draw(st.lists(LAYERS, max_size=2)) if len(inputs) > 1 or draw(st.booleans()) else [draw(LAYERS)]
        context = draw(st.lists(st.sampled_from(earlier[1:]), max_size=1)) if len(earlier) > 1 else []
        op = symrf.parse(", ".join(layers)) if layers else Network()
        nodes.append(GraphNode(f"n{index}", op, tuple(inputs), tuple(c for c in context if c not in inputs)))
    names = [node.name for node in nodes]
    aliases = {f"alias{i}": draw(st.sampled_from(names)) for i in range(draw(st.integers(0, 3)))}
    return Graph(tuple(nodes), draw(st.sampled_from(names)), None, aliases or None)


@settings(max_examples=150, deadline=None)
@given(graphs(), st.integers(16, 40))
def test_random_graphs_read_back_alike(graph: Graph, size: int) -> None:
    try:
        symrf.analyze(graph, size)
    except SymrfError:  # merges of different jumps, an empty output: the read-back graph must fail alike
        with pytest.raises(SymrfError):
            symrf.analyze(read_graph(write_graph(graph)).network, size)
        return
    same_analysis(graph, size)
    same_analysis(graph, (size, size), one_axis=True)
