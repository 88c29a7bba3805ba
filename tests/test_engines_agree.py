"""The engines agree wherever they overlap: a chain through the graph engine, a closed form at a count against its
unrolled chain, a network whose axes are equal against its 1-D analysis, a symbolic residual stack against its
unrolled graph."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.chain import ChainAnalysis
from symrf.closed_forms import ClosedFormAnalysis
from symrf.errors import EmptyOutputError
from symrf.graph import GraphAnalysis
from symrf.network import Network
from symrf.per_axis import AxesAnalysis

N = symrf.symbol("n")
QUANTITIES = ("rf", "rf_min", "jump", "effective_padding", "start", "center")
POOLS = {
    "k": (symrf.symbol("k_1"), symrf.symbol("k_2")),
    "s": (symrf.symbol("s_1"), symrf.symbol("s_2")),
    "p": (symrf.symbol("p_1"),),
    "d": (symrf.symbol("d_1"),),
}


def equal(a: object, b: object) -> bool:
    """Exact equality of two values (ints, rationals or sympy expressions); None only equals None."""
    if a is None or b is None:
        return a is b
    if type(a) is int and type(b) is int:
        return a == b
    return sympy.expand(sympy.sympify(a) - sympy.sympify(b)) == 0


def assert_rows_agree(first: symrf.Analysis, second: symrf.Analysis, quantities=QUANTITIES) -> None:
    assert len(first) == len(second)
    for one, other in zip(first.rows, second.rows):
        assert (one.index, one.name, one.kind) == (other.index, other.name, other.kind)
        for quantity in quantities:
            assert equal(getattr(one, quantity), getattr(other, quantity)), (one.name, quantity, one, other)
    for quantity in quantities:
        assert equal(getattr(first, quantity), getattr(second, quantity)), quantity


# -- (a) chains through the chain engine and through the graph engine -----------------------------------------------


def values(role: str, low: int, high: int, symbolic: bool):
    numbers = st.integers(low, high)
    if not symbolic:
        return numbers
    return st.one_of(numbers, numbers, st.sampled_from(POOLS[role]))


@st.composite
def layers(draw, symbolic: bool):
    kind = draw(st.sampled_from(("conv", "pool")))
    k, s = draw(values("k", 1, 7, symbolic)), draw(values("s", 1, 3, symbolic))
    p, d = draw(values("p", 0, 3, symbolic)), draw(values("d", 1, 3, symbolic))
    return (symrf.conv if kind == "conv" else symrf.pool)(k, s, p=p, d=d)


def chains(symbolic: bool):
    return st.lists(layers(symbolic), min_size=1, max_size=6)


@settings(max_examples=80, deadline=None)
@given(chains(symbolic=False))
def test_numeric_chains_agree_with_the_graph_engine(items):
    network = Network.of(items)
    chain, graph = ChainAnalysis(network), GraphAnalysis(network)
    assert_rows_agree(chain, graph)
    assert graph.aligned is True and graph.warnings == () and graph.merges == ()


@settings(max_examples=60, deadline=None)
@given(chains(symbolic=True))
def test_symbolic_chains_agree_with_the_graph_engine(items):
    network = Network.of(items)
    chain, graph = ChainAnalysis(network), GraphAnalysis(network)
    assert_rows_agree(chain, graph)
    assert chain.free_symbols == graph.free_symbols == network.free_symbols


@settings(max_examples=80, deadline=None)
@given(chains(symbolic=False), st.integers(1, 120))
def test_numeric_chains_with_an_input_size_agree_with_the_graph_engine(items, size):
    network = Network.of(items)
    try:
        chain = ChainAnalysis(network, size)
    except symrf.SymrfError as error:
        with pytest.raises(symrf.SymrfError, match="empty"):
            GraphAnalysis(network, size)
        assert "empty" in str(error)
        return
    graph = GraphAnalysis(network, size)
    assert_rows_agree(chain, graph, (*QUANTITIES, "size"))
    assert chain.size == graph.size and type(chain.size) is int


@settings(max_examples=50, deadline=None)
@given(chains(symbolic=True), st.data())
def test_symbolic_chains_with_a_symbolic_input_size_agree_with_the_graph_engine(items, data):
    """Sizes are floors, kept in different but equal forms: compare them at numbers for every symbol."""
    network = Network.of(items)
    size = symrf.symbol("N")
    chain, graph = ChainAnalysis(network, size), GraphAnalysis(network, size)
    assert_rows_agree(chain, graph)
    ranges = {"k": (1, 7), "s": (1, 3), "p": (0, 3), "d": (1, 3)}
    point = {sym: data.draw(st.integers(*ranges[sym.name[0]]), label=sym.name) for sym in network.free_symbols}
    point[size] = 10_000  # large enough that no output is empty
    for one, other in zip(chain.rows, graph.rows):
        assert sympy.sympify(one.size).xreplace(point) == sympy.sympify(other.size).xreplace(point), one.name
    numeric = ChainAnalysis(network.xreplace(point), 10_000)
    assert sympy.sympify(chain.size).xreplace(point) == numeric.size


# -- (b) a closed form at a count against the unrolled chain ------------------------------------------------------


def spec_layer(kind: str, k: object, s: int, p: object, d: int) -> str:
    return f"{kind}({k}, {s}, p={p}, d={d})"


@st.composite
def block_layers(draw, symbolic: bool = True):
    kind = draw(st.sampled_from(("conv", "pool")))
    k = draw(st.one_of(st.integers(1, 7), st.just("k_1")) if symbolic else st.integers(1, 7))
    p = draw(st.one_of(st.integers(0, 3), st.just("p_1")) if symbolic else st.integers(0, 3))
    return spec_layer(kind, k, draw(st.integers(1, 3)), p, draw(st.integers(1, 3)))


@settings(max_examples=60, deadline=None)
@given(st.lists(block_layers(), max_size=2), st.lists(block_layers(), min_size=1, max_size=3))
def test_closed_forms_equal_their_unrolled_chains(prefix, block):
    spec = ", ".join([*prefix, f"n * [{', '.join(block)}]"])
    closed = symrf.analyze(spec)
    assert isinstance(closed, ClosedFormAnalysis) and closed.counts == frozenset({N})
    # the rows: one per layer before the block, one for the repeat, and it carries the totals
    assert [row.kind for row in closed.rows][-1] == "repeat" and len(closed) == len(prefix) + 1
    repeat = closed.rows[-1]
    for quantity in QUANTITIES:
        assert equal(getattr(repeat, quantity), getattr(closed, quantity)), quantity
    if prefix:
        before = ChainAnalysis(symrf.parse(", ".join(prefix)))
        for one, other in zip(closed.rows[:-1], before.rows):
            for quantity in QUANTITIES:
                assert equal(getattr(one, quantity), getattr(other, quantity)), (one.name, quantity)
    for count in range(1, 6):
        unrolled = ChainAnalysis(symrf.parse(", ".join([*prefix, *block * count])))
        given_count = closed.subs(n=count)
        assert not given_count.counts
        for quantity in QUANTITIES:
            formula = sympy.sympify(getattr(closed, quantity)).xreplace({N: count})
            assert equal(formula, getattr(unrolled, quantity)), (quantity, count)
            assert equal(getattr(given_count, quantity), getattr(unrolled, quantity)), (quantity, count)


@settings(max_examples=40, deadline=None)
@given(st.lists(block_layers(symbolic=False), min_size=1, max_size=3), st.integers(1, 5))
def test_a_numeric_closed_form_substitutes_to_the_chain_with_every_row(block, count):
    closed = symrf.analyze(f"conv(3), n * [{', '.join(block)}]").subs(n=count)
    unrolled = symrf.analyze(", ".join(["conv(3)", *block * count]))
    assert isinstance(unrolled, ChainAnalysis)
    if count == 1:  # the block itself: every layer has a row
        assert isinstance(closed, ChainAnalysis)
        assert_rows_agree(closed, unrolled)
    else:  # an integer repetition stays whole (never unrolled): its row ends where the unrolled chain ends
        assert [row.kind for row in closed.rows] == ["conv", "repeat"]
        for quantity in ("rf", "jump", "effective_padding", "start", "center"):
            assert getattr(closed.rows[-1], quantity) == getattr(unrolled, quantity) == getattr(closed, quantity)


# -- (c) a network whose axes are equal against the 1-D network ----------------------------------------------------


@st.composite
def equal_axes_layers(draw):
    """A layer written twice: along one axis, and with the same values on two axes."""
    kind = draw(st.sampled_from(("conv", "pool")))
    k, s, p, d = draw(st.integers(1, 7)), draw(st.integers(1, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3))
    one = f"{kind}({k}, s={s}, p={p}, d={d})"
    two = f"{kind}(({k}, {k}), s=({s}, {s}), p=({p}, {p}), d=({d}, {d}))"
    return one, two


@st.composite
def equal_axes_networks(draw):
    """Two specs of one network: 1-D and 2-D with equal axes, as a chain, a repeated block or with a residual."""
    items = draw(st.lists(equal_axes_layers(), min_size=1, max_size=4))
    ones, twos = [one for one, _ in items], [two for _, two in items]
    shape = draw(st.sampled_from(("chain", "repeat", "residual")))
    if shape == "repeat":
        cut = draw(st.integers(0, len(items) - 1))
        return (", ".join([*ones[:cut], f"n * [{', '.join(ones[cut:])}]"]),
                ", ".join([*twos[:cut], f"n * [{', '.join(twos[cut:])}]"]))
    if shape == "residual":
        body_k, body_p = draw(st.integers(1, 5)), draw(st.integers(0, 2))
        one_body, two_body = f"conv({body_k}, p={body_p})", f"conv(({body_k}, {body_k}), p=({body_p}, {body_p}))"
        return (", ".join([*ones, f"residual([{one_body}])"]), ", ".join([*twos, f"residual([{two_body}])"]))
    return ", ".join(ones), ", ".join(twos)


def evaluated(analysis: symrf.Analysis) -> symrf.Analysis:
    """The analysis, with everything it computes on first use computed (an empty output is an error here)."""
    _ = analysis.rows, analysis.size, analysis.notes, analysis.rf
    return analysis


@settings(max_examples=60, deadline=None)
@given(equal_axes_networks(), st.one_of(st.none(), st.integers(1, 80)))
def test_equal_axes_give_the_1d_analysis_on_every_axis(specs, size):
    one_spec, two_spec = specs
    try:
        one = evaluated(symrf.analyze(one_spec, input_size=size))
    except symrf.SymrfError as error:
        with pytest.raises(type(error)):
            evaluated(symrf.analyze(two_spec, input_size=size))
        return
    two = evaluated(symrf.analyze(two_spec, input_size=size))
    assert isinstance(two, AxesAnalysis) and two.axis_count == 2
    quantities = (*QUANTITIES, "size")
    for axis in (0, 1, "height", "width"):
        along = two.axis(axis)
        assert type(along) is type(one)
        assert_rows_agree(along, one, quantities)
        assert along.aligned == one.aligned and along.notes == one.notes and along.warnings == one.warnings
    for row, flat in zip(two.rows, one.rows):
        for quantity in quantities:
            assert getattr(row, quantity) == (getattr(flat, quantity),) * 2 or (
                getattr(row, quantity) is None and getattr(flat, quantity) is None), (row.name, quantity)
    for quantity in quantities:
        assert getattr(two, quantity) == (getattr(one, quantity),) * 2 or (
            getattr(two, quantity) is None and getattr(one, quantity) is None), quantity


@pytest.mark.parametrize("spec", [
    "conv(2), conv(1)",  # the chain
    "conv(2), residual([conv(1)])",  # the graph
    "conv(2), n * [conv(1)]",  # a closed form
    "conv((2, 2)), n * [conv((1, 1))]",  # a closed form along each axis
    "conv((2, 2)), conv((1, 1))",  # a chain along each axis
])
def test_every_engine_reports_an_empty_output_when_analysing(spec):
    """docs/api.md: analyze(network, input_size) -- "a layer whose output would be empty raises EmptyOutputError";
    the error comes from analyze itself, whatever the engine, not later from rows, size or to_dict."""
    with pytest.raises(EmptyOutputError, match="empty"):
        symrf.analyze(spec, input_size=1)


# -- (d) a symbolic residual stack against its unrolled graph -------------------------------------------------------


@st.composite
def residual_blocks(draw):
    """A block with a residual inside (stride 1 in its body), maybe a strided layer around it."""
    body = [spec_layer("conv", draw(st.integers(1, 5)), 1, draw(st.integers(0, 2)), draw(st.integers(1, 2)))
            for _ in range(draw(st.integers(1, 3)))]
    parts = [f"residual([{', '.join(body)}])"]
    for _ in range(draw(st.integers(0, 2))):
        extra = spec_layer(draw(st.sampled_from(("conv", "pool"))), draw(st.integers(1, 4)), draw(st.integers(1, 2)),
                           draw(st.integers(0, 2)), 1)
        parts.insert(draw(st.integers(0, len(parts))), extra)
    return ", ".join(parts)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(("", "conv(7, 2, p=3), ", "conv(3), pool(2), ")), residual_blocks())
def test_symbolic_residual_stacks_equal_their_unrolled_graphs(prefix, block):
    symbolic = symrf.analyze(f"{prefix}n * [{block}]")
    assert isinstance(symbolic, GraphAnalysis) and symbolic.counts == frozenset({N})
    for count in range(1, 5):
        given_count = symbolic.subs(n=count)
        unrolled = symrf.analyze(f"{prefix}{count} * [{block}]")
        assert isinstance(given_count, GraphAnalysis) and not given_count.free_symbols
        for quantity in ("rf", "rf_min", "jump"):
            assert equal(getattr(given_count, quantity), getattr(unrolled, quantity)), (quantity, count)
            formula = sympy.sympify(getattr(symbolic, quantity)).xreplace({N: count})
            assert equal(formula, getattr(unrolled, quantity)), (quantity, count, getattr(symbolic, quantity))
        assert given_count.aligned == unrolled.aligned
        if unrolled.aligned:
            for quantity in ("effective_padding", "start", "center"):
                assert equal(getattr(given_count, quantity), getattr(unrolled, quantity)), (quantity, count)
                formula = getattr(symbolic, quantity)
                if formula is not None:
                    assert equal(sympy.sympify(formula).xreplace({N: count}), getattr(unrolled, quantity)), (
                        quantity, count, formula)
