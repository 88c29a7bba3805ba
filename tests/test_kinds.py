"""Layer kinds beyond conv and pool: transposed convolution, up-sampling, global pooling, TF padding modes."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symrf import analyze, conv, convt, global_pool, parallel, parse, pool, upsample
from symrf.errors import SymrfError
from symrf.graph import GraphAnalysis
from symrf.network import Network
from symrf.recurrence import same_padding, transposed_inputs

from .graph_oracle import SizeMismatch, answer, build, sizes

# -- padding modes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(1, 20))
@pytest.mark.parametrize("kernel, stride", [(1, 1), (3, 1), (3, 2), (2, 2), (7, 2), (3, 3), (5, 4), (1, 2)])
def test_same_padding_follows_tensorflows_definition(size, kernel, stride):
    out = -(-size // stride)  # TensorFlow: the output has ceil(n / s) pixels, padded as little as possible
    total = max((out - 1) * stride + kernel - size, 0)
    assert same_padding(size, kernel, stride) == (total // 2, total - total // 2)
    assert analyze(f"conv({kernel}, {stride}, p='same')", input_size=size).size == out


def test_same_padding_without_an_input_size():
    assert analyze("conv(5, p='same')").effective_padding == 2  # stride 1: known for every size
    a = analyze("conv(3, 2, p='same'), conv(3, p='same')")
    assert (a.rf, a.jump, a.effective_padding, a.start, a.center) == (7, 2, None, None, None)
    assert "conv1: the 'same' padding is unknown without an input size" in a.notes[0]
    n = sympy.Symbol("n", integer=True, positive=True)
    assert analyze("conv(3, 2, p='same')", input_size=32 * n).effective_padding == 0  # 32n is even: sympy knows


def test_valid_is_no_padding_and_padding_modes_are_for_conv_and_pool():
    assert conv(3, p="valid") == conv(3) and pool(3, 2, p="VALID") == pool(3, 2)
    with pytest.raises(SymrfError, match="padding 'same' applies to conv and pool layers only"):
        convt(3, 2, p="same")
    with pytest.raises(SymrfError, match="'same' and 'valid' are padding modes"):
        conv("same")


def test_same_padding_in_a_graph_needs_the_size_at_the_layer():
    a = analyze("conv(3, 2, p='same'), conv(3, 2, p='same')", input_size=9)
    # 9 -> 5 (total 2, before 1), 5 -> 3 (total 2, before 1)
    assert [row.padding for row in a] == [(1, 1), (1, 1)]
    assert (a.effective_padding, a.size) == (3, 3)


# -- transposed convolutions and up-sampling --------------------------------------------------------------------


def test_transposed_convolution_phases():
    a = analyze("convt(4, 2, p=1)")
    assert a.jump == sympy.Rational(1, 2)
    # output y reads x = (y + 1 - j)/2: y = 0 reads {0}... by phase: two inputs each, shifted by half a pixel
    assert [(p.phase, p.rf, p.start) for p in a.phases] == [(0, 2, -1), (1, 2, 0)]
    assert transposed_inputs(0, 4, 2, 1, 1) == [-1, 0]


def test_a_transposed_convolution_with_a_kernel_smaller_than_its_stride_leaves_phases_empty():
    a = analyze("convt(1, 2)")
    assert [(p.rf, p.start) for p in a.phases] == [(1, 0), (0, None)]
    assert a.rf == 1 and a.rf_min == 0


def test_upsampling_then_downsampling_returns_to_one_phase():
    a = analyze("conv(3), upsample(2), conv(3, p=1), pool(2)")
    assert a.phases is None and a.jump == 1
    assert a.input_interval(0) == (-1, 3) and a.rf == 5


def test_rf_after_upsampling_is_the_largest_over_phases():
    a = analyze("conv(3, 2), convt(3, 2, p=1), conv(3)")
    assert [p.rf for p in a.phases] == [5, 7] and a.rf == 7
    assert a.output.phases[1].start == 0


def test_upsample_is_a_transposed_convolution_for_receptive_fields():
    for spec in ["conv(3), upsample(3), conv(2)", "pool(2), upsample(2)"]:
        up = analyze(spec)
        factor = parse(spec).items[-2 if spec.endswith("conv(2)") else -1].stride
        as_convt = analyze(spec.replace(f"upsample({factor})", f"convt({factor}, {factor})"))
        assert up.phases == as_convt.phases


def test_up_layers_need_numbers():
    with pytest.raises(SymrfError, match="needs integer values"):
        analyze("convt(k, 2)")
    with pytest.raises(SymrfError, match="up-sampling after layers with symbols"):
        analyze("conv(k), upsample(2)")
    with pytest.raises(SymrfError, match="need integer values and a known padding"):
        analyze("upsample(2), conv(k)")


def test_sizes_of_transposed_convolutions():
    assert analyze("convt(4, 2, p=1)", input_size=16).size == 32
    assert analyze("upsample(3)", input_size=5).size == 15


# -- global pooling -------------------------------------------------------------------------------------------------


def test_global_pooling_reads_the_whole_input():
    a = analyze("conv(3, p=1), pool(2), global_pool()", input_size=32)
    # 16 features, 2 pixels apart, each reading 4 pixels from -1: [-1, 32]
    assert (a.rf, a.input_interval(0), a.size) == (34, (-1, 32), 1)
    symbolic = analyze("conv(3, p=1), pool(2), global_pool(name='gap')")
    assert sympy.expand(symbolic.rf - 2 * sympy.Symbol("n_gap", integer=True, positive=True)) == 2
    assert "gap: the RF covers the whole input of the layer, of size n_gap" in symbolic.notes[0]


def test_new_kinds_print_and_parse():
    for text in ["convt(4, s=2, p=1)", "upsample(2)", "global_pool()", "global_pool(name='gap')",
                 "conv(3, s=2, p='same')", "conv(3, p=[(0, 1)])"]:
        assert repr(parse(text).items[0]) == text
    assert upsample(2) == parse("upsample(2)").items[0] and global_pool() == parse("global_pool()").items[0]
    with pytest.raises(SymrfError, match="an upsampling layer has kernel = stride"):
        from symrf.layers import Layer

        Layer("upsample", 3, 2)


# -- against the brute-force oracle ---------------------------------------------------------------------------------


@st.composite
def down_layers(draw, stride: int):
    kind = draw(st.sampled_from([conv, pool]))
    padding = draw(st.sampled_from([0, 1, 2, "same"]))
    kernel = draw(st.integers(1, 4))
    return kind(kernel, stride, p=padding, d=draw(st.integers(1, 2)) if padding != "same" else 1)


@st.composite
def up_layers(draw):
    if draw(st.booleans()):
        return upsample(draw(st.integers(1, 3)))
    return convt(draw(st.integers(1, 4)), draw(st.integers(1, 3)), p=draw(st.integers(0, 2)), d=draw(st.integers(1, 2)))


@st.composite
def sized(draw, stride: int):
    """A conv or pool whose output has ceil(n / stride) pixels: 'same' padding, or an odd kernel half padded."""
    kind = draw(st.sampled_from([conv, pool]))
    kernel = draw(st.integers(1, 4))
    if stride == 1 and kernel % 2 and draw(st.booleans()):
        return kind(kernel, 1, p=kernel // 2)
    return kind(kernel, stride, p="same")


@st.composite
def branch(draw, stride: int):
    """A short chain whose jump multiplies by ``stride`` (1 or 2), maybe going up then down; sizes agree."""
    items = [draw(sized(1)) for _ in range(draw(st.integers(0, 2)))]
    pattern = draw(st.sampled_from(["plain", "up-down"]))
    if pattern == "up-down":
        items += [draw(st.sampled_from([upsample(2), convt(2, 2), convt(4, 2, p=1)])), draw(sized(2 * stride))]
    elif stride > 1:
        items.insert(draw(st.integers(0, len(items))), draw(sized(stride)))
    return items


@st.composite
def kinds_networks(draw):
    items = [draw(down_layers(draw(st.integers(1, 2))))]
    for _ in range(draw(st.integers(1, 3))):
        choice = draw(st.sampled_from(["down", "up", "merge"]))
        if choice == "down":
            items.append(draw(down_layers(draw(st.integers(1, 3)))))
        elif choice == "up":
            items.append(draw(up_layers()))
        else:
            stride = draw(st.integers(1, 2))
            items.append(parallel(*[draw(branch(stride)) for _ in range(draw(st.integers(2, 3)))]))
    if draw(st.integers(0, 4)) == 0:
        items.append(global_pool())
    return Network.of(items)


def analysed_as_the_oracle_sizes(network: Network, nodes: list, size: int) -> GraphAnalysis | None:
    """The analysis at ``size`` with the oracle's sizes filled in; None when symrf refuses the size and the oracle
    finds it too small as well."""
    try:
        a = GraphAnalysis(network, size)
    except SymrfError as exc:
        assert "size" in str(exc) or "empty" in str(exc)
        with pytest.raises(SizeMismatch):
            sizes(nodes, size)
        return None
    sizes(nodes, size)
    return a


@settings(max_examples=200, deadline=None)
@given(kinds_networks(), st.integers(4, 24))
def test_new_kinds_against_the_oracle(network, size):
    nodes = build(network)
    a = analysed_as_the_oracle_sizes(network, nodes, size)
    if a is None:
        return
    assert a.size == nodes[-1].size
    period = len(a.phases) if a.phases else 1
    if network.items[-1].kind == "global_pool":
        period = 1
    exact = [answer(nodes, x) for x in range(period)]
    bounds_only = any("are bounds" in note for note in a.notes)
    assert a.rf >= max(e.rf for e in exact)
    if bounds_only:
        return
    assert a.rf == max(e.rf for e in exact)
    assert a.rf_min == min(e.rf_min for e in exact)
    if network.items[-1].kind != "global_pool" and not any(node.kind in ("convt", "upsample") for node in nodes):
        # alignment is a property of the merges; it is one of the output's paths too when the network is affine
        # (after up-sampling, phases of different widths, and after global pooling, hulls, can move centres)
        assert a.aligned == all(e.aligned for e in exact)
    for x, e in enumerate(exact):
        if a.phases:
            assert a.phases[x].rf == e.rf and a.phases[x].rf_min == e.rf_min
        found = a.input_interval(x)
        if e.rf == 0:
            assert found is None
        else:
            assert found in {ext for ext in e.extents if ext and ext[1] - ext[0] + 1 == e.rf}
    if period > 1 and network.items[-1].kind != "global_pool":  # feature x + U is feature x moved by U * J
        shifted = answer(nodes, period)
        assert shifted.first is not None or exact[0].first is None
        if exact[0].first is not None:
            assert shifted.first == exact[0].first + period * a.jump


# -- repeated blocks that pool globally --------------------------------------------------------------------------


@st.composite
def pooling_blocks(draw):
    """A block with a global pooling somewhere: its first copy sees the network's input size, the others the size
    that its layers after the pooling make of 1."""
    before = [draw(down_layers(draw(st.integers(1, 2)))) for _ in range(draw(st.integers(0, 2)))]
    after = [draw(down_layers(1)) for _ in range(draw(st.integers(0, 2)))]
    return Network.of([*before, global_pool(), *after])


@settings(max_examples=150, deadline=None)
@given(pooling_blocks(), st.integers(1, 4), st.integers(4, 40))
def test_repeated_blocks_that_pool_globally_against_the_oracle(body, count, size):
    from symrf.network import repeat

    network = Network.of([conv(3, p=1), repeat(count, body)])
    nodes = build(network)  # the oracle unrolls the repetition
    a = analysed_as_the_oracle_sizes(network, nodes, size)
    if a is None:
        return
    exact = answer(nodes, 0)
    assert (a.rf, a.rf_min, a.size) == (exact.rf, exact.rf_min, nodes[-1].size)
    assert a.input_interval(0) in {e for e in exact.extents if e and e[1] - e[0] + 1 == exact.rf}
    if a.size > 1:
        assert answer(nodes, 1).first == exact.first + a.jump
    try:
        symbolic = GraphAnalysis(Network.of([conv(3, p=1), repeat("n", body)]), size).subs(n=count)
    except SymrfError as exc:  # every count: refused when a second copy would be empty
        assert count == 1 and "copy 2 of n" in str(exc)
        return
    assert (symbolic.rf, symbolic.jump, symbolic.size) == (a.rf, a.jump, a.size)


def test_a_repeated_global_pooling_uses_the_input_size():
    assert analyze("2 * [global_pool()]", input_size=5).rf == analyze("global_pool(), global_pool()",
                                                                       input_size=5).rf == 5
    repeated, unrolled = (analyze(spec) for spec in ("3 * [conv(1, 2), global_pool()]",
                                                      ", ".join(["conv(1, 2), global_pool()"] * 3)))
    assert (repeated.rf, repeated.jump) == (unrolled.rf, unrolled.jump)  # 2 n - 1 and 8 n, n the first pool's input


# -- up-sampling by more than MAX_PHASES at the end ------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(down=st.lists(st.builds(lambda kind, k, s, p: kind(k, s, p=p), st.sampled_from([conv, pool]),
                               st.integers(1, 4), st.integers(1, 2), st.integers(0, 1)), max_size=3),
       up=st.one_of(st.builds(upsample, st.integers(2, 9)),
                    st.builds(lambda k, s, p: convt(k, s, p=p), st.integers(1, 12), st.integers(2, 9),
                              st.integers(0, 2))),
       size=st.integers(12, 30))
def test_a_last_up_sampling_with_too_many_phases_against_the_oracle(down, up, size):
    """With MAX_PHASES below the stride, the last layer's phases are not listed; RF, smallest RF and jump are those
    of the oracle over all phases, computed without them."""
    network = Network.of([*down, up])
    nodes = build(network)
    try:
        sizes(nodes, size)
    except SizeMismatch:
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("symrf.graph.MAX_PHASES", 1)
        a = GraphAnalysis(network, size)
    exact = [answer(nodes, x) for x in range(up.stride)]
    assert (a.rf, a.rf_min, a.size) == (max(e.rf for e in exact), min(e.rf_min for e in exact), nodes[-1].size)
    assert a.phases is None and a.start is None and a.input_interval(0) is None
    assert a.jump == sympy.Rational(GraphAnalysis(Network.of(down)).jump, up.stride)
    assert any("phases are not listed" in note for note in a.notes)


def test_up_sampling_by_a_huge_stride_is_exact_at_the_end_and_refused_before_more_layers():
    a = analyze("conv(3, 2), upsample(10**3999)")
    assert (a.rf, a.rf_min, a.jump) == (3, 3, sympy.Rational(2, 10**3999))
    b = analyze("convt(5, 10**6, p=1)")
    assert (b.rf, b.rf_min, b.jump) == (1, 0, sympy.Rational(1, 10**6))  # 5 taps: at most 1 input per phase
    with pytest.raises(SymrfError, match="output phases, more than 4,096"):
        analyze("upsample(10**6), conv(3)")
