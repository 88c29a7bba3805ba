"""The exact ERF with uniform weights (symrf.erf): hand values, a forward brute-force oracle, closed forms, limits,
several axes and the 2-D map, printers and errors.

The oracle knows nothing of symrf's backward walk: it builds the network's linear map forward, in float64, on an
input long enough to hold the whole field (one impulse per input pixel at once: the input is the identity matrix),
each layer averaging the features it reads, each merge averaging its inputs, and reads the row of output feature 0.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import symrf
from symrf import ERF, analyze, conv, convt, erf, parallel, parse, pool, residual, upsample, zoo
from symrf.dag import Graph, GraphNode
from symrf.errors import SymrfError
from symrf.network import Network
from symrf.symbols import symbol

from .graph_oracle import Node, build
from .graph_oracle import sizes as fill_sizes

# -- the oracle -------------------------------------------------------------------------------------------------------


def _inputs_read(node: Node, nodes: list[Node], y: int) -> list[int]:
    """The input features that feature ``y`` of a layer node reads (with repetition, as its taps do)."""
    layer = node.layer
    if node.kind == "global_pool":  # kernel and stride n, as symrf.graph and tests/graph_oracle take it
        n = nodes[node.inputs[0]].size
        return list(range(y * n, y * n + n))
    if node.kind in ("conv", "pool"):
        before = node.before if node.before is not None else layer.padding
        return [y * layer.stride - before + j * layer.dilation for j in range(layer.kernel)]
    if node.kind == "upsample":
        return [y // layer.stride]
    return [(y + layer.padding - j * layer.dilation) // layer.stride for j in range(layer.kernel)
            if (y + layer.padding - j * layer.dilation) % layer.stride == 0]


def _layer_forward(node: Node, nodes: list[Node], array: np.ndarray, origin: int, axis: int) -> tuple[np.ndarray, int]:
    """One layer along ``axis`` of a map whose features start at ``origin``: each output feature the average of what
    it reads, 0 when it reads nothing, NaN when it reads beyond the map (the map must hold what feature 0 needs)."""
    end = origin + array.shape[axis] - 1
    layer = node.layer
    if node.kind in ("conv", "pool", "global_pool"):
        scale = nodes[node.inputs[0]].size if node.kind == "global_pool" else layer.stride
        reach = (layer.kernel * layer.dilation if layer else scale) + 4  # more than the padding and the kernel
        candidates = range((origin - reach) // scale - 1, (end + reach) // scale + 2)
    else:  # a transposed convolution: y reads around y / s
        candidates = range(origin * layer.stride - layer.kernel * layer.dilation - layer.stride,
                           end * layer.stride + layer.kernel * layer.dilation + layer.stride)
    # a feature that reads nothing (a transposed convolution's gaps) is known: 0, wherever it lies
    inside = [y for y in candidates if all(origin <= x <= end for x in _inputs_read(node, nodes, y))]
    assert inside, "the oracle's input is too short"
    rows = []
    for y in range(inside[0], inside[-1] + 1):
        read = _inputs_read(node, nodes, y)
        if not read:
            rows.append(np.zeros_like(np.take(array, 0, axis=axis)))
        elif origin <= min(read) and max(read) <= end:
            rows.append(sum(np.take(array, x - origin, axis=axis) for x in read) / len(read))
        else:
            rows.append(np.full_like(np.take(array, 0, axis=axis), np.nan))
    return np.stack(rows, axis=axis), inside[0]


def oracle(per_axis: list[list[Node]], target: int, grid: list[tuple[int, int]]) -> np.ndarray:
    """The weights of feature 0 of node ``target`` over the input pixels ``grid`` (first and last per axis), by the
    forward linear map; nodes of each axis as tests/graph_oracle.build lists them (same structure on every axis)."""
    axes = range(len(per_axis))
    lengths = [last - first + 1 for first, last in grid]
    pixels = math.prod(lengths)
    maps: dict[int, tuple[list[int], np.ndarray]] = {0: ([first for first, _ in grid],
                                                         np.eye(pixels).reshape(*lengths, pixels))}
    for index in range(1, target + 1):
        node = per_axis[0][index]
        if node.kind == "merge":
            parts = [maps[i] for i in node.inputs]
            low = [max(origin[a] for origin, _ in parts) for a in axes]
            high = [min(origin[a] + array.shape[a] - 1 for origin, array in parts) for a in axes]
            total = sum(array[tuple(slice(low[a] - origin[a], high[a] - origin[a] + 1) for a in axes)]
                        for origin, array in parts)
            maps[index] = (low, total / len(parts))
            continue
        origin, array = maps[node.inputs[0]]
        origin = list(origin)
        for a in axes:
            array, origin[a] = _layer_forward(per_axis[a][index], per_axis[a], array, origin[a], a)
        maps[index] = (origin, array)
    origin, array = maps[target]
    at = tuple(-o for o in origin)
    assert all(0 <= at[a] < array.shape[a] for a in axes), "feature 0 is beyond the oracle's input"
    weights = array[at].reshape(*lengths)
    assert not np.isnan(weights).any(), "feature 0 reads beyond the oracle's input"
    return weights / weights.sum()  # a transposed convolution may leave part of the weight unread: symrf normalises


def oracle_response(network: Network, input_size: int | None = None, margin: int = 2) -> tuple[int, np.ndarray]:
    """The 1-D response by the oracle, from the first pixel of symrf's response less ``margin``."""
    nodes = build(network)
    if input_size is not None:
        fill_sizes(nodes, input_size)
    first, weights = erf(network, input_size).response
    grid = (first - margin, first + len(weights) - 1 + margin)
    return grid[0], oracle([nodes], len(nodes) - 1, [grid])


def assert_matches_oracle(network: Network, input_size: int | None = None) -> None:
    first, weights = erf(network, input_size).response
    start, found = oracle_response(network, input_size)
    exact = np.zeros_like(found)
    exact[first - start:first - start + len(weights)] = [float(w) for w in weights]
    assert np.abs(found - exact).max() <= 1e-12, (network, found, exact)


# -- small networks ---------------------------------------------------------------------------------------------------

small = st.integers(min_value=1, max_value=3)


@st.composite
def down_layers(draw, stride=None):
    kind = draw(st.sampled_from(["conv", "conv", "pool"]))
    kernel = draw(st.integers(min_value=1, max_value=4))
    step = draw(small) if stride is None else stride
    padding = draw(st.integers(min_value=0, max_value=2))
    dilation = draw(st.integers(min_value=1, max_value=2)) if kind == "conv" else 1
    return conv(kernel, step, p=padding, d=dilation) if kind == "conv" else pool(kernel, step, p=padding)


@st.composite
def up_layers(draw):
    if draw(st.booleans()):
        return upsample(draw(st.integers(min_value=2, max_value=3)))
    return convt(draw(st.integers(min_value=1, max_value=4)), draw(small), p=draw(st.integers(0, 2)),
                 d=draw(st.integers(1, 2)))


chains = st.lists(down_layers(), min_size=1, max_size=5)


@st.composite
def branch(draw, stride):
    """A path of layers whose strides multiply to ``stride``."""
    before = draw(st.lists(down_layers(stride=1), max_size=2))
    middle = [draw(down_layers(stride=stride))] if stride > 1 else []
    after = draw(st.lists(down_layers(stride=1), max_size=1))
    return before + middle + after


@st.composite
def blocks(draw):
    choice = draw(st.sampled_from(["layer", "residual", "parallel", "up"]))
    if choice == "layer":
        return [draw(down_layers())]
    if choice == "up":
        return [draw(up_layers())]
    if choice == "residual":
        return [residual(draw(branch(1)))]
    stride = draw(st.sampled_from([1, 2]))
    paths = draw(st.lists(branch(stride), min_size=2, max_size=3))
    return [parallel(*paths)]


graphs = st.lists(blocks(), min_size=1, max_size=4).map(lambda parts: Network.of([x for p in parts for x in p]))


# -- hand values ------------------------------------------------------------------------------------------------------


def test_one_box_by_hand():
    e = erf("conv(3)")
    assert e.response == (0, (Fraction(1, 3),) * 3)  # no padding: the field starts at pixel 0
    assert (e.rf, e.mean, e.variance, e.center) == (3, 1, Fraction(2, 3), 1)
    assert e.sigma_ratio == sympy.sqrt(6) / 9  # sqrt(2/3) / 3
    assert isinstance(e, ERF) and e.axis_count == 1


def test_two_boxes_by_hand():
    e = erf("conv(3), conv(3)")
    assert e.response == (0, tuple(Fraction(n, 9) for n in (1, 2, 3, 2, 1)))
    assert (e.mean, e.variance) == (2, Fraction(4, 3))
    # 68 %: 2/9 + 3/9 + 2/9 = 7/9 holds it, no two neighbours do (5/9); 95 %: 8/9 is too little, so all five
    assert (e.interval68, e.interval95, e.ratio95) == ((1, 3), (0, 4), 1)


def test_a_stride_and_padding_by_hand():
    e = erf("conv(3, 2, p=1), conv(2)")  # feature 0 reads features 0, 1 of conv1: pixels -1..1 and 1..3
    assert e.response == (-1, (Fraction(1, 6), Fraction(1, 6), Fraction(1, 3), Fraction(1, 6), Fraction(1, 6)))
    assert e.mean == 1 == e.center and e.variance == Fraction(2, 3) + 4 * Fraction(1, 4)


def test_a_residual_block_averages_its_paths():
    e = erf("residual([conv(3, p=1)])")  # (1/2) (1/3, 1/3, 1/3) + (1/2) (0, 1, 0)
    assert e.response == (-1, (Fraction(1, 6), Fraction(2, 3), Fraction(1, 6)))
    assert e.mean == 0 and e.variance == Fraction(1, 3)
    assert any("merge averages its inputs" in note for note in e.notes)


def test_intervals_compare_exactly_and_take_the_leftmost():
    e = erf("conv(25)")  # 17 of 25 taps is exactly 68 %; 95 % of 25 is 23.75, so 24 taps
    assert e.interval68 == (0, 16) and e.interval95 == (0, 23)
    assert erf("conv(100)").interval68 == (0, 67) and erf("conv(100)").interval95 == (0, 94)
    assert e.ratio95 == Fraction(24, 25)


def test_pooling_is_averaging_and_said_so():
    e = erf("conv(3), pool(2, 2), conv(3)")
    assert e.response == (0, tuple(Fraction(n, 18) for n in (1, 2, 3, 3, 3, 3, 2, 1)))
    assert e.variance == Fraction(2, 3) + Fraction(1, 4) + 4 * Fraction(2, 3)
    assert any("max pooling" in note for note in e.notes)


# -- against the oracle -----------------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains)
def test_chains_match_the_oracle(layers):
    network = Network.of(layers)
    assert_matches_oracle(network)
    e = erf(network)
    assert sum(e.response[1]) == 1 and e.response[1][0] > 0 and e.response[1][-1] > 0
    assert e.mean == analyze(network).center  # boxes are symmetric: the mean is the centre


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs)
def test_branches_and_up_sampling_match_the_oracle(network):
    try:
        a = analyze(network)
        e = erf(network)
    except SymrfError as error:  # too many up-sampling phases, or a feature 0 that reads nothing
        assert "reads nothing" in str(error) or "phases" in str(error), error
        assume(False)
    assert_matches_oracle(network)
    assert sum(e.response[1]) == 1
    ups = any(node.kind in ("convt", "upsample") for node in build(network))
    if a.aligned and not ups:  # symmetric paths centred alike: the mixture is centred there
        assert e.mean == a.center


def test_a_feature_whose_every_path_reads_a_gap_has_no_response():
    """Both paths of the merge read outputs of convt(1, s=2, p=1) that read nothing (found by hypothesis)."""
    with pytest.raises(SymrfError, match="no input pixel reaches this feature"):
        erf("convt(1, s=2, p=1), residual([pool(1, p=2)])")
    assert erf("convt(1, s=2, p=1), residual([pool(1, p=1)])").response[1] == (Fraction(1),)


def test_a_feature_that_reads_a_gap_of_a_transposed_convolution_matches_the_oracle():
    """conv(2) reads two outputs of convt(1, s=2), one of which reads nothing (found by hypothesis in CI)."""
    network = parse("conv(1, s=3), convt(1, s=2), conv(2)")
    assert erf(network).response == (0, (Fraction(1),))
    assert_matches_oracle(network)


@pytest.mark.parametrize("spec", ["convt(3, 1, d=2)", "convt(4, 2, p=1, d=3), conv(2)",
                                  "conv(3), convt(3, 3, d=2), conv(4)",
                                  "convt(5, 2, p=2, d=2), convt(2, 2), pool(3, 1)", "upsample(3), conv(3, 2, d=2)",
                                  "residual([conv(3, 2, p=1), convt(4, 2, p=1, d=2), conv(2, p=1)])"])
def test_transposed_convolutions_match_the_oracle(spec):
    assert_matches_oracle(parse(spec))
    assert sum(erf(spec).response[1]) == 1


def test_same_padding_and_global_pooling_match_the_oracle():
    for spec, size in (("conv(3, 2, p='same'), conv(4, 3, p='same'), global_pool()", 20),
                       ("conv(3, 2), global_pool(), conv(3, p=1)", 11),
                       ("conv(5, 2, p='same'), residual([conv(3, p='same'), conv(3, p='same')])", 16)):
        assert_matches_oracle(parse(spec), size)
        e = erf(spec, size)
        assert e.mean == analyze(spec, size).center
    assert_matches_oracle(parse("conv(5, 2, p='same'), residual([conv(3, 2, p='same'), upsample(2)])"), 16)


@pytest.mark.parametrize("name", ["vgg16", "resnet50", "mobilenet_v2", "inception_v3"])
def test_zoo_models_match_the_oracle(name):
    model = zoo.get(name)
    network = model.network
    e = erf(model)
    for axis in range(network.axis_count):
        one = network.along(axis)
        nodes = build(one)
        fill_sizes(nodes, model.input_size)
        first, weights = e.response[axis] if network.axis_count > 1 else e.response
        found = oracle([nodes], len(nodes) - 1, [(first - 1, first + len(weights))])
        assert np.abs(found[1:-1] - np.array([float(w) for w in weights])).max() <= 1e-12
        assert found[0] == found[-1] == 0


def test_every_zoo_model_is_centred_at_its_centre():
    for name in zoo.names():
        e = erf(zoo.get(name))
        assert e.mean == e.center, name


# -- closed forms -----------------------------------------------------------------------------------------------------


def closed_form_variance(layers) -> Fraction:
    """sum_l (d_l J_{l-1})^2 (k_l^2 - 1)/12, by hand."""
    total, jump = Fraction(0), 1
    for layer in layers:
        total += Fraction((layer.dilation * jump) ** 2 * (layer.kernel**2 - 1), 12)
        jump *= layer.stride
    return total


@settings(max_examples=80, deadline=None)
@given(chains)
def test_the_variance_of_a_chain_is_its_closed_form(layers):
    e = erf(layers)
    assert e.variance == closed_form_variance(layers)
    first, weights = e.response  # and the response's own second moment agrees
    mean = sum((first + i) * w for i, w in enumerate(weights))
    assert sum((first + i - mean) ** 2 * w for i, w in enumerate(weights)) == e.variance


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), small, st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=4))
def test_the_symbolic_closed_form_of_a_chain_agrees_with_the_exact_response(values):
    names = [(symbol(f"k_{i}"), symbol(f"s_{i}"), symbol(f"p_{i}", nonnegative=True), symbol(f"d_{i}"))
             for i in range(1, len(values) + 1)]
    spec = ", ".join(f"conv({k}, {s}, p={p}, d={d})" for k, s, p, d in names)
    general = erf(spec)
    mapping = {sym: value for group, numbers in zip(names, values) for sym, value in zip(group, numbers)}
    numeric = erf([conv(k, s, p=p, d=d) for k, s, p, d in values])
    assert sympy.simplify(sympy.sympify(general.variance).xreplace(mapping) - numeric.variance) == 0
    assert sympy.sympify(general.mean).xreplace(mapping) == numeric.mean
    assert general.response is None and general.interval95 is None and general.ratio95 is None


@settings(max_examples=25, deadline=None)
@given(st.lists(down_layers(), min_size=1, max_size=3))
def test_the_geometric_series_of_a_repeated_block_equals_the_unrolled_variance(block):
    body = ", ".join(map(repr, block))
    general = erf(f"n * [{body}]")
    for count in range(1, 7):
        unrolled = erf(block * count)
        value = sympy.sympify(general.variance).subs(symbol("n"), count)
        assert sympy.simplify(value - unrolled.variance) == 0
        assert sympy.sympify(general.mean).subs(symbol("n"), count) == unrolled.mean


def test_the_limit_of_sigma_over_the_rf():
    assert erf("n * [conv(3)]").sigma_ratio_limit == 0  # sqrt(2n/3) / (2n + 1) -> 0, like 1/sqrt(n)
    # by hand: sigma^2 = (2/3)(4^n - 1)/3 and l = 2^(n+1) - 1, so sigma / l -> sqrt(2/9) / 2 = sqrt(2)/6
    strided = erf("n * [conv(3, 2)]")
    assert sympy.simplify(strided.variance - sympy.Rational(2, 9) * (4 ** symbol("n") - 1)) == 0
    assert strided.sigma_ratio_limit == sympy.sqrt(2) / 6
    at_forty = erf([conv(3, 2)] * 40).sigma_ratio
    assert abs(float(at_forty) - math.sqrt(2) / 6) < 1e-9
    general = erf("n * [conv(k, s)]").sigma_ratio_limit
    assert general.subs({symbol("k"): 3, symbol("s"): 2}) == sympy.sqrt(2) / 6
    assert general.subs({symbol("k"): 3, symbol("s"): 1}) == 0
    assert erf("conv(3)").sigma_ratio_limit is None


def test_limits_with_segments_around_the_block_and_by_sympy():
    e = erf("conv(7, 2, p=3), n * [conv(3, 2, p=1), conv(3, p=1)], conv(1)")
    # block: variance 2/3 + 4 (2/3) = 10/3, span 2 + 2*2 = 6, jump 2: sqrt((10/3)/3) / (6/1) = sqrt(10)/18
    assert e.sigma_ratio_limit == sympy.sqrt(10) / 18
    two = erf("n * [conv(3)], n * [pool(2)]")  # n in two places: sympy.limit, within a bounded effort
    assert two.sigma_ratio_limit == sympy.sqrt(3) / 6
    several = erf("m * [n * [conv(3)], pool(2)]")
    assert several.sigma_ratio_limit is None and any("one repetition count" in note for note in several.notes)


def test_symbolic_branches_have_no_variance_and_say_so():
    e = erf("residual([conv(k, p=(k - 1)//2)])")
    assert e.variance is None and e.response is None
    assert any("numeric networks only" in note for note in e.notes)
    assert erf("n * [residual([conv(3, p=1)])]").mean == 0  # aligned paths: the mean is the centre


# -- several axes -----------------------------------------------------------------------------------------------------


def marginals(rows: list[list[Fraction]]) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    return tuple(sum(row) for row in rows), tuple(sum(column) for column in zip(*rows))


@pytest.mark.parametrize("spec, size", [
    ("conv((3, 5), s=(1, 2)), pool(2), residual([conv((3, 1), p=(1, 0))])", None),
    ("parallel([conv((3, 1), p=(1, 0))], [conv((1, 3), p=(0, 1))]), conv(3)", None),
    ("conv((3, 2), s=2), convt((4, 3), s=(2, 3), p=1), conv((2, 3))", None),
    ("parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)]), upsample((2, 3)), conv(3)", None),
    ("conv(3, 2, p='same'), residual([conv(3, p='same')]), global_pool()", (13, 17)),
])
def test_the_2d_map_matches_the_oracle_and_its_marginals_are_the_axes(spec, size):
    e = erf(spec, size)
    first_row, first_col, rows = e.map()
    assert sum(map(sum, rows)) == 1
    network = parse(spec)
    per_axis = [build(network.along(axis)) for axis in range(2)]
    if size is not None:
        for axis in range(2):
            fill_sizes(per_axis[axis], size[axis])
    grid = [(first_row - 1, first_row + len(rows)), (first_col - 1, first_col + len(rows[0]))]
    found = oracle(per_axis, len(per_axis[0]) - 1, grid)
    exact = np.zeros_like(found)
    exact[1:-1, 1:-1] = [[float(w) for w in row] for row in rows]
    assert np.abs(found - exact).max() <= 1e-12
    down, across = marginals(rows)
    assert e.response == ((first_row, down), (first_col, across))  # the marginals are the 1-D propagations


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2)), min_size=1,
                max_size=3), st.booleans())
def test_random_2d_maps_marginals_and_the_mixture(layers, branched):
    items = [conv((k_h, k_w), s=(s_h, s_w)) for k_h, k_w, s_h, s_w in layers]
    if branched:
        items.append(parallel([conv((3, 1), p=(1, 0))], [conv((1, 3), p=(0, 1))], []))
    network = Network.of(items)
    e = erf(network)
    first_row, first_col, rows = e.map()
    down, across = marginals(rows)
    assert e.response == ((first_row, down), (first_col, across))
    for axis in range(2):  # each axis's response is the 1-D network's
        assert erf(network.along(axis)).response == e.response[axis]
    per_axis = [build(network.along(axis)) for axis in range(2)]
    grid = [(first_row, first_row + len(rows) - 1), (first_col, first_col + len(rows[0]) - 1)]
    found = oracle(per_axis, len(per_axis[0]) - 1, grid)
    assert np.abs(found - np.array([[float(w) for w in row] for row in rows])).max() <= 1e-12
    if branched:  # a mixture over paths is not the product of its marginals
        assert any(rows[i][j] != down[i] * across[j] for i in range(len(rows)) for j in range(len(rows[0])))


def test_an_input_size_per_axis_gives_tuples():
    e = erf("conv(3), pool(2)", (32, 24))
    assert e.axis_count == 2 and e.rf == (4, 4) and e.variance == (Fraction(11, 12), Fraction(11, 12))
    assert len(e.interval95) == 2 and e.map()[2][0][0] == Fraction(1, 36)


@pytest.mark.parametrize("spec, size", [
    ("conv(3, 2, p=1), residual([conv(3, p=1), conv(3, p=1)]), pool(2, 2), residual([conv(3, p=1)])", (32, 24)),
    ("conv((5, 3), s=(2, 3)), conv((3, 2), s=2, d=(1, 2)), pool(3, 2), conv(7, 3)", None),  # a strided chain
    ("conv((3, 2), s=2), convt((4, 3), s=(2, 3), p=1), conv((2, 3))", None),
    ("convt((3, 2), s=2, d=2), conv(2)", None),  # weight that reaches no pixel: normalised as map() is
    ("30 * [conv(3), conv(2, d=2)]", (200, 200)),  # numerators of more than 64 bits: three 32-bit limbs
])
def test_map_array_is_the_fraction_map_as_floats(spec, size):
    e = erf(spec, size)
    first_row, first_col, rows = e.map()
    row, col, values = e.map_array()
    assert (row, col) == (first_row, first_col) and values.dtype == np.float64
    assert np.allclose(values, np.array([[float(w) for w in line] for line in rows]), rtol=1e-12, atol=0)


def test_map_is_for_two_numeric_axes():
    with pytest.raises(SymrfError, match="two axes"):
        erf("conv(3)").map()
    with pytest.raises(SymrfError, match="needs numbers"):
        erf("conv((3, k))").map()
    with pytest.raises(SymrfError, match="two axes"):
        erf("conv(3)").map_array()


def test_resnet50_map_is_fast_and_exact():
    started = time.perf_counter()
    found = erf(zoo.get("resnet50"), (224, 224))
    first_row, first_col, rows = found.map()
    elapsed = time.perf_counter() - started
    row, col, values = found.map_array()  # 10-byte slots: limbs of 4, 4 and 2 bytes
    assert (row, col) == (first_row, first_col)
    assert np.allclose(values, np.array([[float(w) for w in line] for line in rows]), rtol=1e-12, atol=0)
    assert (first_row, first_col, len(rows), len(rows[0])) == (-213, -213, 427, 427)
    assert sum(map(sum, rows)) == 1 and rows[0][0] == rows[-1][-1] > 0
    assert all(rows[i][j] == rows[j][i] == rows[426 - i][426 - j] for i in range(0, 427, 7) for j in range(427))
    assert elapsed < 10, elapsed  # about 0.1 s; the benchmark has the figure


# -- rows, graphs, inputs ----------------------------------------------------------------------------------------------


def test_a_row_gives_the_erf_of_its_feature():
    spec = "conv(3), pool(2, 2), conv(3), residual([conv(3, p=1)])"  # rows: conv1, pool1, conv2, conv3, merge1
    for index in range(1, 4):
        assert erf(spec, layer=index).response == erf(parse(spec).items[:index]).response
    assert erf(spec, layer=4).response == erf("conv(3), pool(2, 2), conv(3), conv(3, p=1)").response
    assert erf(spec, layer="merge1").response == erf(spec).response
    assert erf(spec, layer="pool1").rf == 4 and erf(spec, layer="pool1").response == erf("conv(3), pool(2, 2)").response
    assert erf(zoo.get("resnet50"), layer="layer2").mean == 0
    with pytest.raises(SymrfError, match="no layer named"):
        erf(spec, layer="nope")


def test_graphs_analyses_and_graph_files_are_accepted():
    g = Graph((GraphNode("a", parse("conv(3, p=1)"), ("input",)), GraphNode("b", Network(), ("a", "input")),
               GraphNode("c", parse("conv(3)"), ("b",))))
    assert erf(g).response == erf("residual([conv(3, p=1)]), conv(3)").response
    assert erf(g, layer="b").response == erf("residual([conv(3, p=1)])").response
    a = analyze("conv(3), pool(2, 2)", 32)
    assert erf(a).response == erf("conv(3), pool(2, 2)").response and erf(a, 64).rf == 4
    assert erf(zoo.get("resnet18")).rf == zoo.analysis("resnet18").rf


def test_global_context_is_left_out():
    g = Graph((GraphNode("a", parse("conv(3, p=1)"), ("input",)), GraphNode("b", Network(), ("a", "input")),
               GraphNode("c", parse("conv(3)"), ("b",), context=("a",))))
    e = erf(g)
    assert e.response == erf("residual([conv(3, p=1)]), conv(3)").response
    assert e.rf == 5 and any("global context" in note for note in e.notes)


def test_up_sampling_keeps_the_mass_and_says_where_the_mean_is():
    e = erf("upsample(2), conv(3)")  # feature 0 reads up-sampled 0, 1, 2: input pixels 0, 0, 1
    assert e.response == (0, (Fraction(2, 3), Fraction(1, 3)))
    assert e.mean == Fraction(1, 3) and any("not the centre" in note for note in e.notes)
    lost = erf("convt(3, 2, d=2), conv(2)")  # odd outputs of the transposed convolution read nothing
    assert sum(lost.response[1]) == 1 and any("normalised" in note for note in lost.notes)


# -- printers ---------------------------------------------------------------------------------------------------------


def test_to_dict_is_exact_json():
    found = erf("conv(3), conv(3)").to_dict()
    assert json.loads(json.dumps(found)) == found
    assert found["response"] == {"first": 0, "weights": ["1/9", "2/9", "1/3", "2/9", "1/9"]}
    assert (found["mean"], found["variance"], found["interval68"], found["interval95"], found["ratio95"]) == \
        (2, "4/3", [1, 3], [0, 4], 1)
    assert sympy.sympify(found["sigma_ratio"]) == erf("conv(3), conv(3)").sigma_ratio
    many = erf("conv((3, 5))").to_dict()
    assert many["axes"] == ["height", "width"] and many["interval95"] == [[0, 2], [0, 4]]
    assert [r["first"] for r in many["response"]] == [0, 0]
    symbolic = erf("n * [conv(3, 2)]").to_dict()
    assert symbolic["sigma_ratio_limit"] == "sqrt(2)/6" and "response" not in symbolic
    names = {entry["name"]: sympy.Symbol(**entry) for entry in symbolic["symbols"]}
    assert sympy.simplify(sympy.parse_expr(symbolic["variance"], local_dict=names) -
                          erf("n * [conv(3, 2)]").variance) == 0


def test_latex_derives_each_term_and_the_series():
    chain = erf("conv(3), pool(2, 2), conv(3)").latex()
    assert "\\sigma^{2}_{3} &= \\frac{11}{12} + (1 \\cdot 2)^{2} \\, \\frac{3^{2} - 1}{12} = \\frac{43}{12}" in chain
    assert "r_{95} &= \\frac{7 - 0 + 1}{l} = 1" in chain
    repeated = erf("n * [conv(3, 2)]").latex(document=True)
    assert repeated.startswith("\\documentclass") and "\\sum_{i=1}^{n}" in repeated
    assert "\\lim_{n \\to \\infty} \\frac{\\sigma}{l} &= \\frac{\\sqrt{2}}{6}" in repeated
    branched = erf("residual([conv(3, p=1)])").latex()
    assert "several paths" in branched and "\\sigma^{2} &= \\frac{1}{3}" in branched
    assert erf("conv((3, 5))").latex().count("Along the") == 2


def test_markdown_has_a_row_per_quantity_and_a_column_per_axis():
    text = erf("conv((3, 5))").markdown()
    assert text.splitlines()[0] == "| quantity | height | width |"
    assert "| variance | 2/3 | 2 |" in text and "| 95 % interval | 0..2 | 0..4 |" in text


# -- errors and limits ------------------------------------------------------------------------------------------------


def test_a_global_pooling_needs_the_input_size():
    with pytest.raises(SymrfError) as found:
        erf("conv(3), global_pool()")
    message = str(found.value)
    assert "\n" not in message and "global_pool1" in message and "input size" in message
    with pytest.raises(SymrfError, match="'same' padding is unknown without an input size"):
        erf("conv(3, 2, p='same'), conv(3)")


def test_responses_too_large_are_notes_and_closed_forms_remain():
    e = erf("10**6 * [conv(3)]")
    assert e.response is None and e.variance == sympy.Rational(2 * 10**6, 3) and e.mean == 10**6
    assert any("not computed" in note for note in e.notes)
    wide = erf("60 * [conv(3, 2)]")
    assert wide.response is None and wide.variance == sympy.Rational(2, 9) * (4**60 - 1)


def test_symrf_erf_is_the_function_even_after_the_module_is_imported():
    code = ("import symrf.effective, symrf\n"
            "from symrf.effective import ERF\n"
            "print(symrf.erf('conv(3)').variance, isinstance(symrf.erf('conv(3)'), ERF))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2/3", "True"]
    assert symrf.erf("conv(3)").variance == Fraction(2, 3)


def test_a_long_chain_has_an_exact_response():  # its speed: bench/bench_erf.py
    e = erf([conv(201)] * 50)
    assert e.rf == 10_001 and sum(e.response[1]) == 1 and e.mean == 5000
