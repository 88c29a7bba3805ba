"""Chain analysis against the worked example, published values, a brute-force oracle and substitution."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symrf import analyze, conv, parse, pool
from symrf.chain import ChainAnalysis
from symrf.errors import EmptyOutputError, SymrfError
from symrf.printing import nested_text

from .oracle import dependency_set, walk_back

WORKED_EXAMPLE = "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)"
ALEXNET_V2 = "conv(11, 4), pool(3, 2), conv(5, p=2), pool(3, 2), conv(3, p=1), conv(3, p=1), conv(3, p=1), pool(3, 2)"
VGG16 = """
2 * [conv(3, p=1)], pool(2), 2 * [conv(3, p=1)], pool(2),
3 * [conv(3, p=1)], pool(2), 3 * [conv(3, p=1)], pool(2), 3 * [conv(3, p=1)], pool(2)
"""


def test_worked_example_rf_per_layer():
    analysis = analyze(WORKED_EXAMPLE)
    assert [analysis.rf_at(i) for i in range(8)] == [1, 3, 4, 8, 10, 18, 26, 30]
    assert [row.jump for row in analysis] == [1, 2, 2, 4, 4, 4, 8]
    assert analysis.center == sympy.Rational(29, 2)
    assert analysis.names == ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "pool3")


def test_alexnet_pool5_published_values():
    analysis = analyze(ALEXNET_V2)
    assert (analysis.rf, analysis.jump, analysis.effective_padding) == (195, 32, 64)
    assert analysis.layer("conv5").rf == 163


def test_vgg16_pool5_published_values():
    analysis = analyze(VGG16)
    assert (analysis.rf, analysis.jump, analysis.effective_padding) == (212, 32, 90)
    assert analysis.row(len(analysis) - 1).rf == 196  # conv5_3


def test_output_sizes_follow_pytorch():
    analysis = analyze(VGG16, input_size=224)
    assert analysis.size == 7
    assert analysis.row(3).size == 112
    assert analysis.input_interval(1) == (32 - 90, 32 - 90 + 211)


def test_empty_output_is_an_error():
    with pytest.raises(EmptyOutputError, match="layer 2 .*empty"):
        analyze("conv(3), conv(5)", input_size=6)


def test_symbolic_output_size_and_dilation():
    analysis = analyze("conv(3, s, p=1, d=2)", input_size="N")
    n, s = sympy.symbols("N s", integer=True, positive=True)
    assert sympy.simplify(analysis.size - (sympy.floor((n - 3) / s) + 1)) == 0
    assert analysis.rf == 5


layer_strategy = st.tuples(
    st.integers(1, 7), st.integers(1, 3), st.integers(0, 3), st.integers(1, 3)
)


@settings(max_examples=300, deadline=None)
@given(st.lists(layer_strategy, min_size=1, max_size=12))
def test_matches_brute_force_oracle(params):
    analysis = analyze([conv(k, s, p=p, d=d) for k, s, p, d in params])
    expected = walk_back(params)
    assert analysis.rf == expected["rf"]
    assert analysis.start == expected["start"]
    assert analysis.jump == expected["jump"]
    assert Fraction(str(analysis.center)) == expected["center"]
    for index in range(1, len(params) + 1):
        assert analysis.rf_at(index) == walk_back(params[:index])["rf"]


@settings(max_examples=60, deadline=None)
@given(st.lists(layer_strategy, min_size=1, max_size=6), st.integers(0, 5))
def test_other_features_shift_by_the_jump(params, feature):
    analysis = analyze([conv(k, s, p=p, d=d) for k, s, p, d in params])
    pixels = dependency_set(params, feature)
    first, last = analysis.input_interval(feature)
    assert (min(pixels), max(pixels)) == (first, last)


def _symbolic_chain(length: int) -> str:
    return ", ".join(f"conv(k_{i}, s_{i}, p=p_{i}, d=d_{i})" for i in range(1, length + 1))


@settings(max_examples=40, deadline=None)
@given(st.lists(layer_strategy, min_size=1, max_size=6))
def test_symbolic_equals_numeric_after_substitution(params):
    symbolic = analyze(_symbolic_chain(len(params)), input_size="N")
    values = {"N": 10**7}
    for i, (k, s, p, d) in enumerate(params, start=1):
        values.update({f"k_{i}": k, f"s_{i}": s, f"p_{i}": p, f"d_{i}": d})
    numeric = analyze([conv(k, s, p=p, d=d) for k, s, p, d in params], input_size=10**7)
    by_name = {sym.name: sym for sym in symbolic.free_symbols}
    mapping = {by_name[name]: value for name, value in values.items()}
    for quantity in ("rf", "jump", "effective_padding", "start", "center", "size"):
        assert sympy.sympify(getattr(symbolic, quantity)).xreplace(mapping) == getattr(numeric, quantity), quantity
    substituted = symbolic.subs(values)
    assert substituted.is_numeric and substituted.rf == numeric.rf and substituted.size == numeric.size


def test_nested_form_equals_flat_form():
    analysis = analyze(_symbolic_chain(5))
    for index in range(6):
        flat = sympy.sympify(str(analysis.rf_at(index)))
        nested = sympy.sympify(nested_text(analysis.rf_sum, index))
        assert sympy.expand(flat - nested) == 0


def test_long_symbolic_chain_switches_to_nested_form():
    assert analyze(_symbolic_chain(3)).form() == "flat"
    assert analyze(_symbolic_chain(60)).form() == "nested"


def test_symbols_unify_across_roles():
    analysis = analyze("conv(k, p=k), conv(3, p=q)")
    names = {sym.name: sym for sym in analysis.free_symbols}
    assert names["k"].is_positive and names["q"].is_nonnegative and not names["q"].is_positive


def test_subs_rejects_unknown_symbols_and_bad_values():
    analysis = analyze("conv(k, s)")
    with pytest.raises(SymrfError, match="no symbol 'x'"):
        analysis.subs(x=3)
    with pytest.raises(SymrfError, match="positive"):
        analysis.subs(s=0)


def test_api_and_spec_build_the_same_objects():
    assert parse(WORKED_EXAMPLE).layers == (conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2))
    assert isinstance(analyze([conv(3), pool(2)]), ChainAnalysis)


def test_random_long_numeric_chain_matches_oracle():
    rng = random.Random(7)
    params = [(rng.randint(1, 7), rng.choice([1, 1, 1, 2]), rng.randint(0, 3), rng.randint(1, 3)) for _ in range(300)]
    analysis = analyze([conv(k, s, p=p, d=d) for k, s, p, d in params])
    expected = walk_back(params)
    assert (analysis.rf, analysis.start, analysis.jump) == (expected["rf"], expected["start"], expected["jump"])


@settings(max_examples=100, deadline=None)
@given(st.lists(layer_strategy, min_size=0, max_size=10))
def test_inlined_numeric_loop_matches_the_recurrence_functions(params):
    from symrf import recurrence as rec

    rf, jump, padding = 1, 1, 0
    analysis = analyze([conv(k, s, p=p, d=d) for k, s, p, d in params]) if params else None
    for index, (k, s, p, d) in enumerate(params, start=1):
        rf = rec.next_rf(rf, rec.effective_kernel(k, d), jump)
        padding = rec.next_effective_padding(padding, p, jump)
        jump = rec.next_jump(jump, s)
        assert (analysis.rf_at(index), analysis.effective_padding_at(index), analysis.jump_at(index)) == (
            rf, padding, jump)
        assert analysis.center_at(index) == rec.center(rf, padding)


def test_named_layers_do_not_use_up_automatic_names():
    assert analyze("conv(3, name='stem'), conv(3), pool(2)").names == ("stem", "conv1", "pool1")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["k_{i}", "3", "1"]), st.sampled_from(["s_{i}", "1", "2"]),
                          st.sampled_from(["p_{i}", "0", "1"])), min_size=1, max_size=8))
def test_nested_text_equals_flat_value_on_mixed_chains(choices):
    spec = ", ".join(f"conv({k.replace('{i}', str(i))}, {s.replace('{i}', str(i))}, p={p.replace('{i}', str(i))})"
                     for i, (k, s, p) in enumerate(choices, start=1))
    analysis = analyze(spec)
    if analysis.is_numeric:
        return
    for series in (analysis.rf_sum, analysis.padding_sum, analysis.start_sum, analysis.center_sum):
        for length in range(len(choices) + 1):
            nested = sympy.sympify(nested_text(series, length))
            flat = sympy.sympify(str(series.value(length)))
            assert sympy.expand(nested - flat) == 0, (spec, length)


def test_a_name_shared_by_several_layers_is_ambiguous():
    analysis = analyze("conv(3, name='block'), conv(3, name='block'), pool(2)")
    with pytest.raises(SymrfError, match="rows 1, 2"):
        analysis.layer("block")
    assert analysis.layer(2).rf == 5 and analysis.layer("pool1").rf == 6


def test_symbolic_sizes_collapse_nested_floors():
    analysis = analyze("conv(3, 2, p=1), pool(2), conv(k, s)", input_size="N")
    n, k, s = (sympy.Symbol(name, integer=True, positive=True) for name in "Nks")
    assert analysis.size.count(sympy.floor) == 1
    assert sympy.simplify(analysis.size - (sympy.floor((n - 4 * k + 1) / (4 * s)) + 1)) == 0
    for value in range(9, 60):
        assert analysis.size.xreplace({n: value, k: 2, s: 3}) == analyze(
            "conv(3, 2, p=1), pool(2), conv(2, 3)", input_size=value).size
