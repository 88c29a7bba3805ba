"""Several paths: merges, alignment, symbolic residual stacks, graph files, against hand values and the oracle."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symrf import analyze, conv, parallel, parse, pool, residual
from symrf.errors import SymrfError
from symrf.graph import Graph, GraphAnalysis, GraphNode, MisalignedError
from symrf.graphfile import load_graph, read_graph
from symrf.network import Network
from symrf.symbols import symbol

from .graph_oracle import answer, build, path_intervals

N = symbol("n")

# -- small graphs with known answers ---------------------------------------------------------------------------------


def test_a_two_paths_of_equal_jump_and_centre():
    a = analyze("parallel([conv(1, 4)], [conv(3, 2, p=1), conv(1, 2)])")
    assert isinstance(a, GraphAnalysis)
    assert (a.rf, a.jump, a.effective_padding, a.aligned) == (3, 4, 1, True)
    assert a.rf_min == 1 and a.center == 0 and a.warnings == ()
    assert [row.name for row in a] == ["conv1", "conv2", "conv3", "merge1"]


def test_c_two_aligned_stages_in_sequence():
    stage = "parallel([conv(1, 4)], [conv(3, 2, p=1), conv(1, 2)])"
    a = analyze(f"{stage}, {stage}")
    # the second stage sees the first's output: r = 3 + (3 - 1) * 4, J = 16, P = 1 + 1 * 4
    assert (a.rf, a.jump, a.effective_padding, a.aligned) == (11, 16, 5, True)
    assert a.rf_min == 1


def test_d_a_misaligned_pair_is_reported_and_strict_mode_refuses_it():
    spec = "parallel([conv(3, 2, p=1)], [conv(3), pool(2)])"
    a = analyze(spec)
    assert a.aligned is False
    (warning,) = a.warnings
    assert "merge1 is misaligned" in warning
    assert "path 1 (conv1) is centred at 0" in warning and "path 2 (pool1) at 3/2" in warning
    assert (a.rf, a.jump, a.effective_padding) == (4, 2, 0)  # the largest path's values
    with pytest.raises(MisalignedError, match="merge1 is misaligned: path 1 .* path 2"):
        analyze(spec, strict=True)
    # a stride-2 kernel of 2 against a stride-2 kernel of 1: centres 1/2 and 0
    assert analyze("parallel([conv(2, 2)], [conv(1, 2)])").aligned is False


def test_e_same_padding_alignment_depends_on_the_input_size():
    spec = "parallel([conv(3, 2, p='same')], [conv(1, 2)])"
    nine, eight = analyze(spec, input_size=9), analyze(spec, input_size=8)
    assert nine.aligned is True and nine.warnings == ()
    assert eight.aligned is False and "misaligned" in eight.warnings[0]
    assert (nine.effective_padding, eight.effective_padding) == (1, 0)
    assert nine.layer("conv1").padding == (1, 1) and eight.layer("conv1").padding == (0, 1)
    unknown = analyze(spec)
    assert unknown.aligned is None and unknown.effective_padding is None and unknown.rf == 3
    assert any("'same' padding is unknown" in note for note in unknown.notes)
    assert any("alignment not checked" in note for note in unknown.notes)


def test_symbolic_residual_stack_has_rf_4n_plus_1():
    a = analyze("n * [residual([conv(3, p=1), conv(3, p=1)])]")
    assert sympy.expand(a.rf - (4 * N + 1)) == 0
    assert (a.rf_min, a.jump, a.aligned) == (1, 1, True)
    assert sympy.expand(a.effective_padding - 2 * N) == 0
    for count in range(1, 6):
        expanded = analyze(f"{count} * [residual([conv(3, p=1), conv(3, p=1)])]")
        assert a.subs(n=count).rf == expanded.rf == 4 * count + 1


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_symbolic_strided_blocks_match_their_expansion(count):
    block = "parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)])"
    symbolic = analyze(f"conv(7, 2, p=3), n * [{block}]").subs(n=count)
    expanded = analyze(f"conv(7, 2, p=3), {count} * [{block}]")
    assert (symbolic.rf, symbolic.jump, symbolic.effective_padding, symbolic.rf_min) == (
        expanded.rf, expanded.jump, expanded.effective_padding, expanded.rf_min)


def test_nested_symbolic_repetitions_of_branches():
    a = analyze("m * [n * [residual([conv(3, p=1)])], pool(2)]")
    expanded = analyze("2 * [3 * [residual([conv(3, p=1)])], pool(2)]")
    assert a.subs(m=2, n=3).rf == expanded.rf == 22
    assert a.subs(m=2, n=3).rf_min == expanded.rf_min == 4


def test_symbolic_maximum_is_max_unless_decidable():
    undecided = analyze("parallel([conv(k)], [conv(m)])")
    assert undecided.rf == sympy.Max(symbol("k"), symbol("m"))
    assert any("cannot tell which path has the largest RF" in note for note in undecided.notes)
    decided = analyze("parallel([conv(k, p=(k - 1)//2)], [])")
    assert decided.rf == symbol("k") and decided.rf_min == 1
    assert not any("largest RF" in note for note in decided.notes)


def test_paths_report_what_arrives_on_each_input_of_every_merge():
    a = analyze("conv(3), residual([conv(3, p=1), conv(3, p=1)], name='block')")
    (merge,) = a.merges
    assert merge.name == "block" and merge.inputs == ("conv3", "conv1")
    body, shortcut = merge.paths
    assert (body.label, body.rf, body.effective_padding, body.center) == ("path 1 (conv3)", 7, 2, 1)
    assert (shortcut.label, shortcut.rf, shortcut.effective_padding, shortcut.center) == ("path 2 (identity)", 3, 0, 1)


def test_merging_paths_of_different_jumps_is_an_error_that_names_them():
    with pytest.raises(SymrfError, match=r"merge1: its inputs have different jumps, 2 along path 1 \(conv1\) and 1"):
        analyze("parallel([conv(3, 2)], [conv(3)])")


def test_merging_outputs_of_different_sizes_is_an_error():
    with pytest.raises(SymrfError, match="merge1: its inputs have different sizes, 6 along path 1 .* and 8"):
        analyze("parallel([conv(3)], [])", input_size=8)


def test_sizes_flow_through_merges():
    a = analyze("conv(3, p=1), residual([conv(3, p=1)]), pool(2)", input_size=10)
    assert [row.size for row in a] == [10, 10, 10, 5]


def test_parallel_blocks_nest_and_repeat():
    inner = "parallel([conv(3, p=1)], [conv(5, p=2)])"
    a = analyze(f"2 * [parallel([{inner}, conv(3, p=1)], [])]")
    assert (a.rf, a.rf_min, a.aligned) == (13, 1, True)
    assert [row.kind for row in a] == ["repeat"]  # integer repetitions are never unrolled
    unrolled = analyze(f"parallel([{inner}, conv(3, p=1)], []), parallel([{inner}, conv(3, p=1)], [])")
    assert (unrolled.rf, unrolled.rf_min, unrolled.aligned) == (13, 1, True)
    assert [row.kind for row in unrolled].count("merge") == 4


def test_parallel_needs_a_path_and_an_empty_path_is_the_identity():
    with pytest.raises(SymrfError, match="at least one path"):
        parallel()
    assert analyze("parallel([])").rf == 1
    assert residual([conv(3, p=1)]) == parallel([conv(3, p=1)], [])
    assert repr(parse("residual([conv(3, p=1)], name='b')").items[0]) == "residual([conv(3, p=1)], name='b')"


def test_chains_still_go_to_the_chain_analysis():
    from symrf.chain import ChainAnalysis

    assert isinstance(analyze("conv(3), pool(2)"), ChainAnalysis)
    assert isinstance(analyze("conv(3), residual([conv(3, p=1)])"), GraphAnalysis)


def test_a_graph_analysis_matches_the_chain_analysis_on_chains():
    spec = "conv(7, 2, p=3), pool(3, 2, p=1), conv(3, p=1), conv(k, s=s, p=q)"
    chain = analyze(spec)
    graph = GraphAnalysis(parse(spec))
    for length in range(len(chain) + 1):
        for quantity in ("rf", "jump", "effective_padding", "start", "center"):
            left = getattr(chain, f"{quantity}_at")(length)
            right = getattr(graph, f"{quantity}_at")(length)
            assert sympy.expand(sympy.sympify(left) - right) == 0, (quantity, length)


def test_cost_is_linear_in_the_number_of_residual_blocks():
    block = residual([conv(3, p=1), conv(3, p=1)])

    def timed(count: int) -> float:
        network = Network.of([conv(7, 2, p=3)] + [block] * count)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            result = analyze(network)
            best = min(best, time.perf_counter() - start)
        assert result.rf == 7 + 8 * count  # 2^count paths, never enumerated
        return best

    assert timed(2000) < 4 * timed(1000)


# -- against the brute-force oracle ---------------------------------------------------------------------------------


def _plain_layer(draw, stride: int):
    kind = draw(st.sampled_from(["conv", "pool"]))
    k = draw(st.integers(1, 5))
    return (conv if kind == "conv" else pool)(k, stride, p=draw(st.integers(0, 2)), d=draw(st.integers(1, 2)))


@st.composite
def chains(draw, stride: int, depth: int):
    """A list of items (layers and parallel blocks) whose strides multiply to ``stride``."""
    count = draw(st.integers(0, 3))
    items = [draw(items_of(1, depth)) for _ in range(count)]
    factors = {1: [], 2: [2], 4: draw(st.sampled_from([[4], [2, 2]]))}[stride]
    for factor in factors:
        items.insert(draw(st.integers(0, len(items))), draw(items_of(factor, depth)))
    return items


@st.composite
def items_of(draw, stride: int, depth: int):
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        return _plain_layer(draw, stride)
    branches = draw(st.lists(chains(stride, depth + 1), min_size=1, max_size=3))
    if stride == 1 and draw(st.booleans()):
        branches.append([])
    return parallel(*branches)


def _check_against_oracle(network: Network) -> None:
    a = GraphAnalysis(network)  # chains too: the sweep must agree with the oracle on them
    nodes = build(network)
    first, second = path_intervals(nodes, 0), path_intervals(nodes, 1)
    lengths = {b - a_ + 1 for a_, b in first}
    assert a.rf == max(lengths) and a.rf_min == min(lengths)
    assert second == {(lo + a.jump, hi + a.jump) for lo, hi in first}
    assert a.aligned == (len({lo + hi for lo, hi in first}) == 1)
    largest = {(lo, hi) for lo, hi in first if hi - lo + 1 == a.rf}
    assert a.input_interval(0) in largest
    # the set-walking oracle agrees with the interval-walking one
    exact = answer(nodes, 0)
    assert (exact.rf, exact.rf_min, exact.aligned) == (a.rf, a.rf_min, a.aligned)


@settings(max_examples=150, deadline=None)
@given(chains(stride=2, depth=0))
def test_random_graphs_against_the_oracle(items):
    _check_against_oracle(Network.of(items))


@settings(max_examples=60, deadline=None)
@given(chains(stride=2, depth=0), st.integers(1, 4))
def test_random_symbolic_repeats_against_their_expansion(items, count):
    from symrf.network import repeat

    body = Network.of(items)
    with_symbol = GraphAnalysis(Network.of([conv(3, 2, p=1), repeat("n", body)])).subs(n=count)
    expanded = GraphAnalysis(Network.of([conv(3, 2, p=1), repeat(count, body)]))
    assert (with_symbol.rf, with_symbol.rf_min, with_symbol.jump, with_symbol.aligned) == (
        expanded.rf, expanded.rf_min, expanded.jump, expanded.aligned)
    if expanded.aligned:
        assert with_symbol.effective_padding == expanded.effective_padding


# -- graph files ---------------------------------------------------------------------------------------------------

TINY = """
name = "tiny"
input_size = 32

[[node]]
name = "stem"
layers = "conv(3, p=1)"

[[node]]
name = "body"
layers = "conv(3, p=1), conv(3, p=1)"

[[node]]
name = "add"
inputs = ["body", "stem"]

[[node]]
name = "down"
layers = "pool(2)"
"""


def test_a_toml_graph_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    spec = load_graph(path)
    assert spec.name == "tiny" and spec.input_size == 32
    a = analyze(spec)
    assert (a.rf, a.rf_min, a.jump, a.effective_padding, a.aligned, a.size) == (8, 4, 2, 3, True, 16)
    assert [row.name for row in a] == ["stem", "body/conv1", "body/conv2", "add", "down"]
    assert a.layer("body").name == "body/conv2"
    assert a.layer("add").paths[1].label == "stem"


def test_a_graph_file_is_the_same_network_as_the_spec():
    from_file = analyze(read_graph(TINY))
    from_spec = analyze("conv(3, p=1), residual([conv(3, p=1), conv(3, p=1)]), pool(2)", input_size=32)
    assert (from_file.rf, from_file.jump, from_file.effective_padding) == (
        from_spec.rf, from_spec.jump, from_spec.effective_padding)


def test_a_graph_file_may_hold_a_spec_and_any_dag():
    assert analyze(read_graph('spec = "conv(3), residual([conv(3, p=1)])"')).rf == 5
    dag = """
    output = "d"
    [[node]]
    name = "a"
    layers = "conv(3, p=1)"
    [[node]]
    name = "b"
    layers = "conv(3, p=1)"
    inputs = ["a"]
    [[node]]
    name = "c"
    layers = "conv(5, p=2)"
    inputs = ["input"]
    [[node]]
    name = "d"
    inputs = ["a", "b", "c"]
    """.replace("    ", "")
    a = analyze(read_graph(dag))
    assert (a.rf, a.rf_min, a.aligned) == (5, 3, True)


def test_graph_nodes_may_come_in_any_order():
    nodes = (GraphNode("b", parse("conv(3)"), ("a",)), GraphNode("a", parse("conv(3)"), ("input",)))
    assert [node.name for node in Graph(nodes).nodes] == ["a", "b"]
    assert analyze(Graph(nodes)).rf == 5


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[node]]\nname = "a"\ninputs = ["b"]\n\n[[node]]\nname = "b"\ninputs = ["a"]\n',
         "the nodes form a cycle: a (line 1) -> b (line 5) -> a (line 1)"),
        ('[[node]]\nname = "a"\n\n[[node]]\nname = "a"\n',
         "node 2 (line 4) 'a': the name 'a' is already used by node 1"),
        ('[[node]]\nname = "a"\ninputs = ["nowhere"]\n', "node 1 (line 1) 'a': its input 'nowhere' is not a node"),
        ('[[node]]\nname = "a"\nlayers = "conv(3), pool(2, s=0)"\n',
         "node 1 (line 1) 'a': pool: stride must be positive, got 0 (at column 20 of its layers)"),
        ('[[node]]\nname = "a"\nlayer = "conv(3)"\n', "node 1 (line 1): unknown key 'layer'"),
        ('[[node]]\nlayers = "conv(3)"\n', "node 1 (line 1): the node has no name"),
        ('[[node]]\nname = "input"\n', "'input' names the network's input"),
        ('nodes = 3', "the nodes must be a non-empty list"),
        ('spec = "conv(3)"\n[[node]]\nname = "a"\n', "either a 'spec' string or a list of nodes"),
        ('shape = 3\nspec = "conv(3)"', "unknown key 'shape'"),
        ('spec = "conv(3"', "in 'spec': syntax error"),
        ("[[node]\n", "not valid TOML"),
        ('[[node]]\nname = "a"\noutput = "b"\n', "unknown key 'output'"),
    ],
)
def test_graph_file_errors_say_where(text, message):
    with pytest.raises(SymrfError) as info:
        read_graph(text, where="net.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("net.toml: ")


def test_an_unknown_output_is_an_error():
    with pytest.raises(SymrfError, match="the output 'b' is not a node"):
        read_graph('output = "b"\n[[node]]\nname = "a"\n')


def test_yaml_graph_files_when_pyyaml_is_installed(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "net.yaml"
    path.write_text("input_size: 32\nnodes:\n  - name: a\n    layers: conv(3, p=1)\n"
                    "  - name: b\n    inputs: [a, input]\n")
    a = analyze(load_graph(path))
    assert (a.rf, a.size, a.aligned) == (3, 32, True)
    path.write_text("nodes:\n  - name: a\n    inputs: [zz]\n")
    with pytest.raises(SymrfError, match=r"net.yaml: node 1 \(line 2\) 'a': its input 'zz' is not a node"):
        load_graph(path)


def test_unreadable_graph_file(tmp_path):
    with pytest.raises(SymrfError, match="cannot read the graph file"):
        load_graph(tmp_path / "missing.toml")


# -- the command line --------------------------------------------------------------------------------------------


def _cli(*args: str):
    from typer.testing import CliRunner

    from symrf.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_rf_of_a_graph_as_json_with_paths():
    import json

    result = _cli("rf", "parallel([conv(1, 4)], [conv(3, 2, p=1), conv(1, 2)])", "--json", "--paths")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["rf"], data["rf_min"], data["jump"], data["effective_padding"], data["aligned"]) == (3, 1, 4, 1, True)
    merge = data["layers"][-1]
    assert merge["kind"] == "merge" and merge["inputs"] == ["conv1", "conv3"]
    assert [(p["label"], p["rf"], p["center"]) for p in merge["paths"]] == [("path 1 (conv1)", 1, 0),
                                                                           ("path 2 (conv3)", 3, 0)]


def test_cli_rf_per_axis_values_are_lists():
    import json

    data = json.loads(_cli("rf", "conv((3, 5), 2), conv((3, 1), 2)", "--json").stdout)
    assert (data["rf"], data["jump"], data["effective_padding"], data["axes"]) == (
        [7, 5], [4, 4], [0, 0], ["height", "width"])
    assert data["layers"][0]["kernel"] == [3, 5]
    sized = json.loads(_cli("rf", "conv((3, 5), 2)", "--json", "--input-size", "9,11").stdout)
    assert sized["size"] == [4, 4] and sized["input_size"] == [9, 11]


def test_cli_misalignment_is_a_warning_and_strict_makes_it_an_error():
    spec = "parallel([conv(3, 2, p='same')], [conv(1, 2)])"
    warned = _cli("rf", spec, "--input-size", "8", "--markdown")
    assert warned.exit_code == 0 and "warning: merge1 is misaligned" in warned.stderr
    assert "| merge1 | merge |" in warned.stdout
    refused = _cli("rf", spec, "--input-size", "8", "--strict")
    assert refused.exit_code == 2 and "error: merge1 is misaligned" in refused.stderr
    assert _cli("rf", spec, "--input-size", "9", "--strict").exit_code == 0
    noted = _cli("rf", spec, "--json")
    assert noted.exit_code == 0 and "note: conv1: the 'same' padding is unknown" in noted.stderr


def test_cli_rf_of_a_graph_file(tmp_path):
    import json

    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    data = json.loads(_cli("rf", str(path), "--json").stdout)
    assert (data["rf"], data["size"], data["input_size"]) == (8, 16, 32)
    assert _cli("rf", str(path), "--latex").stdout.startswith("\\begin{tabular}")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[node]]\nname = "a"\ninputs = ["b"]\n')
    result = _cli("rf", str(bad))
    assert result.exit_code == 2 and "bad.toml: node 1 (line 1) 'a': its input 'b' is not a node" in result.stderr


def test_cli_derives_and_measures_from_edges_on_graphs_too():
    derive = _cli("derive", "residual([conv(3, p=1)])")
    assert derive.exit_code == 0 and "\\max(l_{\\text{conv1}}, l_{\\text{input}})" in derive.stdout
    edges = _cli("rf", "residual([conv(3, p=1)])", "--edges", "--json")
    assert edges.exit_code == 0 and json.loads(edges.stdout)["center"] == "1/2"


@settings(max_examples=60, deadline=None)
@given(chains(stride=2, depth=1), st.integers(2, 4))
def test_the_first_and_last_copy_of_a_repeated_block_with_branches_match_the_unrolled_network(items, count):
    """Rows of a repeated block's first and last copy equal the rows of those layers in the unrolled network."""
    from symrf.network import repeat

    body = Network.of(items)
    whole = GraphAnalysis(Network.of([conv(3, 2, p=1), repeat(count, body)]))
    unrolled = GraphAnalysis(Network.of([conv(3, 2, p=1), *(list(body.items) * count)]))
    copies = whole.copies("repeat1")
    per_copy = (len(unrolled) - 1) // count
    expected = [unrolled.row(i) for i in range(2, 2 + per_copy)]
    expected += [unrolled.row(i) for i in range(len(unrolled) - per_copy + 1, len(unrolled) + 1)]
    assert len(copies) == len(expected)
    for row, want in zip(copies, expected):
        assert (row.kind, row.rf, row.rf_min, row.jump, row.effective_padding, row.center, row.aligned) == (
            want.kind, want.rf, want.rf_min, want.jump, want.effective_padding, want.center, want.aligned)
    assert whole.copies("conv1") == ()


def test_copies_of_blocks_with_branches_and_per_axis_values_in_the_cli():
    from typer.testing import CliRunner

    from symrf.cli import app

    out = CliRunner().invoke(app, ["rf", "conv(3), 3 * [conv(3), residual([conv(3, p=1)])]", "--copies"]).stdout
    last = next(line for line in out.splitlines() if line.startswith("repeat1[3]/merge1"))
    assert last.split()[2:4] == ["15", "9"]  # rf and rf min, as conv7 and merge3 of the unrolled network
    axes = analyze("conv(3), 3 * [conv((3, 5)), pool(2)]")
    assert [(row.name, row.rf) for row in axes.copies("repeat1")][-1] == ("repeat1[3]/pool1", (24, 38))


def test_jumps_that_can_never_be_equal_are_an_error_on_the_first_analysis():
    """2*s is never 1 for a positive integer s. The check once depended on whether sympy's cache already held the
    expanded difference, so a fresh process gave an RF (5) and a second analysis the error: run it fresh."""
    code = ("from symrf import analyze\n"
            "try:\n"
            "    print(analyze('residual([conv(3, 2, p=1), pool(2, s)])').rf)\n"
            "except Exception as exc:\n"
            "    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == ("merge1: its inputs have different jumps, 2*s along path 1 (pool1) and 1 along "
                                     "path 2 (identity); paths can only be merged at the same resolution")
    with pytest.raises(SymrfError, match="different jumps"):
        analyze("residual([conv(3, 2, p=1), pool(2, s)])")
