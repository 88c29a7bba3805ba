"""Several axes: values per axis, asymmetric paddings, reports per axis (height first)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrf import analyze, conv, parse, pool
from symrf.axes import axis_names
from symrf.errors import SymrfError
from symrf.layers import AxesLayer, Layer
from symrf.network import Network
from symrf.per_axis import AxesAnalysis


def test_b_a_2d_chain_is_analysed_per_axis():
    a = analyze("conv((3, 5), 2), conv((3, 1), 2)")
    assert isinstance(a, AxesAnalysis)
    assert (a.rf, a.jump, a.effective_padding) == ((7, 5), (4, 4), (0, 0))
    assert a.axis_names == ("height", "width") and a.axis("width").rf == 5
    assert [row.rf for row in a] == [(3, 5), (7, 5)]


def test_c_two_aligned_2d_stages_in_sequence():
    stage = "parallel([conv((1, 1), 4)], [conv((3, 3), 2, p=1), conv(1, 2)])"
    a = analyze(f"{stage}, {stage}")
    assert (a.rf, a.jump, a.effective_padding, a.aligned) == ((11, 11), (16, 16), (5, 5), True)
    b = analyze("conv((3, 5), 2), conv((3, 1), 2), conv((3, 5), 2), conv((3, 1), 2)")
    assert (b.rf, b.jump, b.effective_padding) == ((31, 21), (16, 16), (0, 0))


def test_each_axis_is_the_1d_network_of_its_values():
    net = parse("conv((1, 7), p=(0, 3)), pool((2, 3), s=(2, 1)), conv(3, p=1)")
    height, width = analyze(net.along(0)), analyze(net.along(1))
    both = analyze(net)
    assert both.rf == (height.rf, width.rf) and both.effective_padding == (height.effective_padding,
                                                                          width.effective_padding)
    assert repr(net.along(1)) == "conv(7, p=3), pool(3, s=1), conv(3, p=1)"


def test_a_single_value_is_used_on_every_axis():
    layer = conv(3, s=(1, 2))
    assert isinstance(layer, AxesLayer) and layer.kernel == (3, 3) and layer.stride == (1, 2)
    assert pool((2, 3)).stride == (2, 3)
    assert isinstance(conv((3,)), Layer)


def test_asymmetric_padding_pairs_per_axis():
    layer = conv((3, 3), p=((0, 1), 1))
    assert layer.padding == (0, 1) and layer.padding_end == (1, None)
    one = conv(3, p=[(0, 1)])
    assert isinstance(one, Layer) and (one.padding, one.padding_end) == (0, 1)
    a = analyze("conv(3, 2, p=[(0, 1)])", input_size=8)
    assert (a.rf, a.effective_padding, a.size) == (3, 0, 4)
    assert parse("conv((3, 3), p=((0, 1), 1))").items == (layer,)
    assert parse("conv(3, p=[(0, 1)])").items == (one,)


def test_a_flat_padding_pair_on_a_single_kernel_is_ambiguous():
    with pytest.raises(SymrfError, match=r"p=\(0, 1\) could mean two axes or \(before, after\) padding"):
        conv(3, p=(0, 1))
    with pytest.raises(SymrfError, match=r"write p=\[\(0, 1\)\] for 0 before and 1 after"):
        parse("conv(3, p=(0, 1))")
    assert conv((3, 3), p=(0, 1)).padding == (0, 1)  # the kernel says there are two axes


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: conv((3, 5), s=(1, 2, 3)), "values per axis must agree in number: the kernel has 2 but the stride"),
        (lambda: conv(()), "has no entries"),
        (lambda: conv(((3, 5), 1)), "an entry of the kernel cannot be a pair"),
        (lambda: conv((3, 3), p=((0, 1, 2), 0)), "a padding pair is (before, after), not (0, 1, 2)"),
        (lambda: conv((3, -1)), "kernel must be positive, got -1 (along the width)"),
    ],
)
def test_bad_values_per_axis(make, message):
    with pytest.raises(SymrfError) as info:
        make()
    assert message in str(info.value)


def test_layers_of_different_axis_counts_cannot_be_mixed():
    with pytest.raises(SymrfError, match="different numbers of axes: 2, 3"):
        analyze(Network.of([conv((3, 3)), conv((3, 3, 3))]))


def test_input_size_per_axis_and_sizes_per_axis():
    a = analyze("conv((3, 5), p=((0, 1), 2)), pool(2)", input_size=(10, 11))
    assert a.size == (4, 5) and [row.size for row in a] == [(9, 11), (4, 5)]
    assert analyze("conv((3, 5)), pool(2)", input_size=20).size == (9, 8)
    with pytest.raises(SymrfError, match="the input size has 3 entries but the network has 2 axes"):
        analyze("conv((3, 5))", input_size=(1, 2, 3))


def test_repr_round_trips_through_the_spec():
    for text in ["conv((3, 5), s=2)", "conv((1, 7), p=(0, 3))", "pool((2, 2))", "conv((3, 3), p=(1, (0, 1)))",
                 "conv((3, 3), s=(1, 2), p='same', d=(1, 2), name='x')", "upsample((2, 1))", "convt((4, 4), s=2, p=1)"]:
        layer = parse(text).items[0]
        assert repr(layer) == text
        assert parse(repr(layer)).items[0] == layer


def test_axis_names():
    assert axis_names(2) == ("height", "width") and axis_names(3) == ("depth", "height", "width")
    assert axis_names(4)[-1] == "axis 4"


def test_warnings_name_their_axis():
    a = analyze("parallel([conv((3, 2), 2, p=(1, 0))], [conv(1, 2)])")
    assert a.aligned is False
    assert a.warnings[0].startswith("width: merge1 is misaligned")


def test_a_2d_symbolic_chain_and_substitution():
    a = analyze("conv((k, 1), s=(s, 1)), conv((k, 3))")
    assert str(a.rf[0]) == "k + s*(k - 1)" and a.rf[1] == 3
    assert a.subs(k=3, s=2).rf == (7, 3)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3),
                          st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=6))
def test_per_axis_values_equal_two_1d_analyses(layers):
    net = Network.of([conv((kh, kw), s=(sh, sw), p=(ph, pw)) if (kh, sh, ph) != (kw, sw, pw) else conv(kh, sh, p=ph)
                      for kh, kw, sh, sw, ph, pw in layers])
    both = analyze(net)
    if net.axis_count == 1:
        return
    for axis in range(2):
        alone = analyze(Network.of([conv(v[axis], v[2 + axis], p=v[4 + axis]) for v in layers]))
        assert both.rf[axis] == alone.rf and both.effective_padding[axis] == alone.effective_padding
        assert both.jump[axis] == alone.jump


def test_the_same_uneven_padding_on_every_axis_prints_as_pairs_and_reads_back():
    layer = pool((3, 3), 2, p=((0, 1), (0, 1)))
    assert repr(layer) == "pool((3, 3), s=2, p=((0, 1), (0, 1)))"
    assert parse(repr(layer)).items[0] == layer
