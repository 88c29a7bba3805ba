"""Every result attribute on each engine: a chain, a closed form, a graph, per-axis networks, a graph file and a
zoo model all answer the same questions of :class:`symrf.Analysis`, with the same types and documented defaults."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pytest
import sympy
from typer.testing import CliRunner

import symrf
from symrf import zoo
from symrf.cli import app
from symrf.graphfile import load_graph, read_graph

runner = CliRunner()

N = symrf.symbol("n")

GRAPH_FILE = """
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

#: name -> (how to build the analysis, the engine's class name, number of axes)
CASES = {
    "chain": (lambda: symrf.analyze("conv(3), pool(2, 2), conv(3)"), "ChainAnalysis", 1),
    "closed_form": (lambda: symrf.analyze("conv(3), n * [conv(3), pool(2)]"), "ClosedFormAnalysis", 1),
    "graph": (lambda: symrf.analyze("conv(7, 2, p=3), 2 * [residual([conv(3, p=1), conv(3, p=1)])]"),
              "GraphAnalysis", 1),
    "per_axis": (lambda: symrf.analyze("conv((3, 5), s=2), conv((3, 1))"), "AxesAnalysis", 2),
    "per_axis_closed_form": (lambda: symrf.analyze("n * [conv((3, 5))]"), "AxesAnalysis", 2),
    "graph_file": (lambda: symrf.analyze(read_graph(GRAPH_FILE)), "GraphAnalysis", 1),
    "zoo": (lambda: zoo.analysis("resnet18"), "GraphAnalysis", 1),
}

#: name -> (rf, rf_min, jump, effective_padding, center, size, number of rows), worked out by hand
KNOWN = {
    "chain": (8, 8, 2, 0, sympy.Rational(7, 2), None, 3),
    "closed_form": (3 * 2**N, 3 * 2**N, 2**N, 0, (3 * 2**N - 1) / 2, None, 2),
    "graph": (23, 7, 2, 11, 0, None, 2),  # conv1 and one row for the repeated residual block (never unrolled)
    "per_axis": ((7, 5), (7, 5), (2, 2), (0, 0), (3, 2), None, 2),
    "per_axis_closed_form": ((2 * N + 1, 4 * N + 1), (2 * N + 1, 4 * N + 1), (1, 1), (0, 0), (N, 2 * N), None, 1),
    "graph_file": (8, 4, 2, 3, sympy.Rational(1, 2), 16, 5),
    "zoo": (435, 11, 32, 217, 0, 7, 29),
}

ROW_FIELDS = ("index", "name", "kind", "layer", "inputs", "rf", "rf_min", "jump", "effective_padding", "start",
              "center", "size", "padding", "aligned", "paths", "phases", "axes", "rf_local")
TOTALS = ("rf", "rf_min", "jump", "effective_padding", "start", "center")
REQUIRED_KEYS = frozenset({*TOTALS, "aligned", "warnings", "notes", "symbols", "layers"})
OPTIONAL_KEYS = frozenset({"axes", "input_size", "size", "phases", "counts"})


@pytest.fixture(params=sorted(CASES))
def case(request):
    make, engine, axes = CASES[request.param]
    return request.param, make(), engine, axes


def is_value(value: object, unknown_allowed: bool = False) -> bool:
    """One exact value along one axis: an int or a sympy expression (None where it may be unknown)."""
    if value is None:
        return unknown_allowed
    return (type(value) is int) or isinstance(value, sympy.Expr)


def is_quantity(value: object, axes: int, unknown_allowed: bool = False) -> bool:
    if axes == 1:
        return is_value(value, unknown_allowed)
    return isinstance(value, tuple) and len(value) == axes and all(is_value(v, unknown_allowed) for v in value)


def equal(a: object, b: object) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and all(map(equal, a, b))
    if a is None or b is None:
        return a is b
    return sympy.expand(sympy.sympify(a) - sympy.sympify(b)) == 0


def read_back(text: object, analysis: symrf.Analysis) -> object:
    """A JSON value read back by sympy, with the analysis's own symbols (which carry assumptions)."""
    return sympy.sympify(text, locals={s.name: s for s in analysis.free_symbols})


# -- the analysis and its totals ---------------------------------------------------------------------------------------


def test_each_case_goes_to_its_engine_and_is_an_analysis(case):
    name, a, engine, axes = case
    assert isinstance(a, symrf.Analysis)
    assert type(a).__name__ == engine
    assert getattr(symrf, engine) is type(a)  # the engine is public (lazily loaded) under its name
    assert a.axis_count == axes


def test_known_totals(case):
    name, a, engine, axes = case
    rf, rf_min, jump, padding, center, size, count = KNOWN[name]
    assert equal(a.rf, rf) and equal(a.rf_min, rf_min) and equal(a.jump, jump)
    assert equal(a.effective_padding, padding) and equal(a.center, center)
    assert a.size == size and len(a) == count


def test_totals_have_the_right_types(case):
    name, a, engine, axes = case
    for quantity in ("rf", "rf_min", "jump"):
        assert is_quantity(getattr(a, quantity), axes), (quantity, getattr(a, quantity))
    for quantity in ("effective_padding", "start", "center"):
        assert is_quantity(getattr(a, quantity), axes, unknown_allowed=True), (quantity, getattr(a, quantity))
    if a.input_size is None:
        assert a.size is None
    else:
        assert is_quantity(a.size, axes)
    # start = -P and centre = (rf - 1)/2 - P, along each axis
    for axis in range(axes):
        def value(quantity, axis=axis):
            return getattr(a, quantity) if axes == 1 else getattr(a, quantity)[axis]

        assert equal(value("start"), -value("effective_padding"))
        assert equal(value("center"), sympy.Rational(1, 2) * (value("rf") - 1) - value("effective_padding"))
        assert equal(value("rf"), a.axis(axis).rf)


def test_flags_messages_and_symbols_have_the_right_types(case):
    name, a, engine, axes = case
    assert a.aligned in (True, False, None)
    assert isinstance(a.warnings, tuple) and all(isinstance(w, str) for w in a.warnings)
    assert isinstance(a.notes, tuple) and all(isinstance(n, str) for n in a.notes)
    assert isinstance(a.free_symbols, frozenset) and all(isinstance(s, sympy.Symbol) for s in a.free_symbols)
    assert isinstance(a.counts, frozenset) and a.counts <= a.free_symbols
    assert isinstance(a.axis_count, int) and a.axis_count == axes
    assert isinstance(a.axis_names, tuple) and len(a.axis_names) == axes
    assert all(isinstance(n, str) for n in a.axis_names)
    assert a.axis_names == (("x",) if axes == 1 else ("height", "width"))
    assert isinstance(a.is_numeric, bool) and a.is_numeric == (not a.free_symbols)
    assert a.phases is None  # no case up-samples
    assert isinstance(a.merges, tuple) and all(isinstance(m, symrf.Row) and m.kind == "merge" for m in a.merges)
    assert set(a.merges) <= set(a.rows)
    assert isinstance(repr(a), str) and type(a).__name__ in repr(a)


def test_symbols_and_counts_per_case(case):
    name, a, engine, axes = case
    symbolic = name in ("closed_form", "per_axis_closed_form")
    assert a.free_symbols == (frozenset({N}) if symbolic else frozenset())
    assert a.counts == (frozenset({N}) if symbolic else frozenset())
    assert a.is_numeric is not symbolic


# -- rows ----------------------------------------------------------------------------------------------------------


def test_rows_are_rows_with_the_same_fields(case):
    name, a, engine, axes = case
    assert isinstance(a.rows, tuple) and len(a.rows) == len(a) > 0
    for index, row in enumerate(a.rows, start=1):
        assert isinstance(row, symrf.Row)
        assert tuple(f.name for f in dataclasses.fields(row)) == ROW_FIELDS
        assert row.index == index and isinstance(row.name, str) and isinstance(row.kind, str)
        assert isinstance(row.inputs, tuple) and all(isinstance(i, str) for i in row.inputs)
        for quantity in ("rf", "rf_min", "jump"):
            assert is_quantity(getattr(row, quantity), axes), (row.name, quantity)
        for quantity in ("effective_padding", "start", "center"):
            assert is_quantity(getattr(row, quantity), axes, unknown_allowed=True), (row.name, quantity)
        assert row.aligned in (True, False, None)
        if axes == 1:
            assert row.axes == ()
        else:
            assert len(row.axes) == axes and all(isinstance(r, symrf.Row) for r in row.axes)
            assert row.rf == tuple(r.rf for r in row.axes) and row.jump == tuple(r.jump for r in row.axes)
    assert list(a) == list(a.rows)
    assert a.names == tuple(row.name for row in a.rows)


def test_the_last_row_carries_the_totals(case):
    name, a, engine, axes = case
    last = a.rows[-1]
    for quantity in TOTALS:
        assert equal(getattr(last, quantity), getattr(a, quantity)), quantity


def test_layer_by_name_and_by_index_agree(case):
    name, a, engine, axes = case
    counts = Counter(a.names)
    checked = 0
    for row in a.rows:
        assert a.row(row.index) == row == a.layer(row.index)
        if counts[row.name] == 1:
            assert a.layer(row.name) == a.layer(row.index) == row
            checked += 1
        else:
            with pytest.raises(symrf.SymrfError, match="several rows are named"):
                a.layer(row.name)
    assert checked > 0


def test_rows_out_of_range_are_errors(case):
    name, a, engine, axes = case
    for bad in (0, -1, len(a) + 1):
        with pytest.raises(symrf.SymrfError):
            a.row(bad)
    with pytest.raises(symrf.SymrfError):
        a.row("1")
    with pytest.raises(symrf.SymrfError):
        a.layer("no such layer")


def test_names_given_twice_are_ambiguous_and_graph_nodes_are_aliases():
    a = symrf.analyze("conv(3, name='c'), residual([conv(3, p=1, name='c')])")
    with pytest.raises(symrf.SymrfError, match=r"several rows are named 'c' \(rows 1, 2\)"):
        a.layer("c")
    assert zoo.analysis("resnet18").layer("conv1").index == 1  # generated names skip the stem's conv1
    tiny = symrf.analyze(read_graph(GRAPH_FILE))
    assert tiny.layer("body") == tiny.layer("body/conv2") == tiny.row(3)


# -- axes ----------------------------------------------------------------------------------------------------------


def test_axes(case):
    name, a, engine, axes = case
    if axes == 1:
        assert a.axis(0) is a and a.axis("x") is a
        for bad in (1, 5, "width"):
            with pytest.raises(symrf.SymrfError):
                a.axis(bad)
        return
    for index, axis_name in enumerate(a.axis_names):
        one = a.axis(index)
        assert isinstance(one, symrf.Analysis) and one.axis_count == 1
        assert a.axis(axis_name) is one
        for quantity in TOTALS:
            assert getattr(one, quantity) == getattr(a, quantity)[index]
    for bad in (2, 5, -1, "depth"):
        with pytest.raises(symrf.SymrfError):  # not an IndexError
            a.axis(bad)


def test_a_per_axis_row_carries_the_layer_of_the_network():
    """Row.layer is "a Layer, an AxesLayer, a Repeat, or None": a row of a network with values per axis holds the
    network's own layer (``conv((3, 5), s=2)``), not its height's 1-D layer; each axis's row holds that axis's."""
    network = symrf.parse("conv((3, 5), s=2), conv((3, 1))")
    a = symrf.analyze(network)
    assert [row.layer for row in a.rows] == list(network.items)
    assert [[r.layer for r in row.axes] for row in a.rows] == [[symrf.conv(3, 2), symrf.conv(5, 2)],
                                                                [symrf.conv(3), symrf.conv(1)]]


# -- intervals, substitution, printing --------------------------------------------------------------------------


def test_input_interval(case):
    name, a, engine, axes = case
    interval = a.input_interval(0)
    intervals = (interval,) if axes == 1 else interval
    assert len(intervals) == axes
    for axis, (first, last) in enumerate(intervals):
        one = a.axis(axis)
        assert equal(first, one.start) and equal(last - first + 1, one.rf)
    shifted = a.input_interval(1)
    for axis, ((first, _), (after, _)) in enumerate(zip(intervals, (shifted,) if axes == 1 else shifted)):
        assert equal(after - first, a.axis(axis).jump)


def test_subs(case):
    name, a, engine, axes = case
    with pytest.raises(symrf.SymrfError, match="there is no symbol"):
        a.subs(no_such_symbol=3)
    if not a.free_symbols:
        same = a.subs()
        assert isinstance(same, symrf.Analysis)
        assert all(getattr(same, q) == getattr(a, q) for q in TOTALS)
        return
    for count in (1, 3):
        given = a.subs(n=count)
        assert isinstance(given, symrf.Analysis) and given.is_numeric and not given.free_symbols
        assert given.axis_count == axes
        for quantity in TOTALS:
            expected = getattr(a, quantity)
            if axes == 1:
                expected = sympy.sympify(expected).xreplace({N: count})
            else:
                expected = tuple(sympy.sympify(v).xreplace({N: count}) for v in expected)
            assert getattr(given, quantity) == expected, (quantity, count)
    assert a.subs({N: 2}).rf == a.subs({"n": 2}).rf == a.subs(n=2).rf  # a symbol or its name


def test_to_dict_has_the_same_keys_on_every_engine(case):
    name, a, engine, axes = case
    data = a.to_dict()
    keys = set(data)
    assert REQUIRED_KEYS <= keys <= REQUIRED_KEYS | OPTIONAL_KEYS, keys ^ REQUIRED_KEYS
    assert ("axes" in keys) == (axes > 1)
    assert ("input_size" in keys) == ("size" in keys) == (a.input_size is not None)
    assert ("counts" in keys) == bool(a.counts)
    assert "phases" not in keys  # no case up-samples
    if a.counts:
        assert data["counts"] == sorted(s.name for s in a.counts)
    assert json.loads(json.dumps(data)) == data
    assert len(data["layers"]) == len(a)
    assert [layer["name"] for layer in data["layers"]] == list(a.names)
    assert data["aligned"] == a.aligned and data["warnings"] == list(a.warnings) and data["notes"] == list(a.notes)
    for quantity in TOTALS:
        written = data[quantity]
        values = [written] if axes == 1 else written
        assert isinstance(values, list) and len(values) == axes
        truth = (getattr(a, quantity),) if axes == 1 else getattr(a, quantity)
        for text, value in zip(values, truth):
            assert equal(read_back(text, a), value), (quantity, text, value)
    if a.input_size is not None:
        assert data["size"] == a.size


def test_the_documented_to_dict_keys_appear_when_they_apply():
    sized = symrf.analyze("conv(3), pool(2)", input_size=16).to_dict()
    assert {"input_size", "size"} <= set(sized) and (sized["input_size"], sized["size"]) == (16, 7)
    up = symrf.analyze("conv(3), upsample(2)")
    assert up.phases is not None and "phases" in up.to_dict()
    both = symrf.analyze("conv((3, 5))", input_size=(9, 11)).to_dict()
    assert both["axes"] == ["height", "width"] and both["size"] == [7, 7] and both["input_size"] == [9, 11]


def test_printers(case):
    name, a, engine, axes = case
    page = a._repr_html_()
    assert isinstance(page, str) and "<table>" in page and "</table>" in page
    maths = a._repr_latex_()
    # bare display environments (MathJax refuses two inside one $$), any other math between $$
    assert isinstance(maths, str) and maths.strip() and (maths.startswith("\\begin{") or maths.startswith("$$"))
    assert "<details><summary>derivation</summary>" in page
    derivation = a.latex()
    assert isinstance(derivation, str) and derivation.strip()
    document = a.latex(document=True)
    assert "\\documentclass" in document and "\\end{document}" in document


# -- documented defaults -----------------------------------------------------------------------------------------


def test_documented_defaults_of_a_chain():
    a = symrf.analyze("conv(3), pool(2, 2), conv(3)")
    assert isinstance(a, symrf.ChainAnalysis)
    assert a.rf_min == a.rf == 8
    assert a.aligned is True
    assert a.warnings == () and a.notes == ()
    assert a.merges == ()
    assert a.phases is None
    assert a.size is None and a.input_size is None
    assert a.counts == frozenset() and a.free_symbols == frozenset()
    assert a.axis_count == 1 and a.axis_names == ("x",)
    assert [row.rf_min for row in a] == [row.rf for row in a] == [3, 4, 8]
    assert all(row.aligned is True and row.paths == () and row.phases is None and row.axes == () for row in a)
    assert a.layer("pool1").rf == 4 and a.layer(2).name == "pool1"
    assert a.input_interval(0) == (0, 7) and a.input_interval(2) == (4, 11)


def test_a_graph_file_on_disk_is_analysed_at_its_input_size(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(GRAPH_FILE)
    spec = load_graph(path)
    a = symrf.analyze(spec)
    assert a.input_size == 32 and a.size == 16 and symrf.load_graph is load_graph
    assert (a.rf, a.rf_min, a.jump, a.effective_padding) == (8, 4, 2, 3)
    assert symrf.analyze(spec, input_size=8).size == 4


# -- the command line --------------------------------------------------------------------------------------------


def test_cli_prints_per_axis_closed_forms():
    result = runner.invoke(app, ["rf", "n * [conv((3, 5))]"])
    assert result.exit_code == 0, result.output
    assert "2*n + 1" in result.stdout and "4*n + 1" in result.stdout


def test_cli_json_of_per_axis_closed_forms():
    result = runner.invoke(app, ["rf", "n * [conv((3, 5))]", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["rf"] == ["2*n + 1", "4*n + 1"]
    assert data["axes"] == ["height", "width"] and data["counts"] == ["n"]
    assert data == symrf.analyze("n * [conv((3, 5))]").to_dict()
