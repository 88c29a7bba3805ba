"""The segment algebra (symrf.segments) is the one home of composition and repetition; the measured fast paths
(the numeric chain loop, StridedSum, solving's saturating integer fold) must agree with it."""

from __future__ import annotations

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symrf import analyze, conv
from symrf.network import Network
from symrf.segments import Summary, summarize
from symrf.solving import _repeat
from symrf.symbols import symbol

layers = st.builds(lambda k, s, p, d: conv(k, s, p=p, d=d), st.integers(1, 7), st.integers(1, 3), st.integers(0, 3),
                   st.integers(1, 3))


@settings(max_examples=200, deadline=None)
@given(st.lists(layers, min_size=1, max_size=8))
def test_numeric_chain_loop_equals_the_folded_segments(chain):
    analysis = analyze(Network.of(chain))
    total = Summary.identity()
    for index, layer in enumerate(chain, start=1):
        total = total.then(Summary.of_layer(layer))
        assert (analysis.rf_at(index), analysis.jump_at(index), analysis.effective_padding_at(index),
                analysis.center_at(index)) == (1 + total.span, total.jump, total.effective_padding, total.center)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["k_1", "k_2", 3]), st.sampled_from(["s_1", 1, 2]),
                          st.sampled_from(["p_1", 0, 1])), min_size=1, max_size=5))
def test_strided_sums_of_symbolic_chains_equal_the_segments(values):
    chain = Network.of([conv(k, s, p=p) for k, s, p in values])
    analysis = analyze(chain)
    summary = summarize(chain)
    assert sympy.expand(analysis.rf - 1 - summary.span) == 0
    assert sympy.expand(analysis.effective_padding - summary.effective_padding) == 0
    assert sympy.expand(analysis.center - summary.center) == 0
    assert sympy.expand(analysis.jump - summary.jump) == 0


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 50), st.integers(1, 5), st.integers(0, 30))
def test_solvings_integer_repetition_equals_the_geometric_series(span, jump, count):
    repeated = Summary(span, jump, 0, 0).repeated(count)
    assert _repeat(span, jump, count, None) == (repeated.span, repeated.jump)


def test_a_symbolic_repetition_is_the_geometric_series():
    n, k, s = symbol("n"), symbol("k"), symbol("s")
    repeated = Summary.of_layer(conv(k, s)).repeated(n)
    for values in ({n: 3, k: 3, s: 2}, {n: 4, k: 5, s: 1}):
        unrolled = Summary.identity()
        for _ in range(values[n]):
            unrolled = unrolled.then(Summary.of_layer(conv(values[k], values[s])))
        assert repeated.span.subs(values) == unrolled.span and repeated.jump.subs(values) == unrolled.jump
