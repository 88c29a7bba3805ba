"""symrf.design against a brute-force enumeration of the whole box with symrf.analyze (no pruning, no monotonicity),
the large-box case, the JSON shape and the errors."""

from __future__ import annotations

import json
import time
from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import symrf
from symrf import SymrfError, analyze, parse
from symrf.cli import app
from symrf.design import design

runner = CliRunner()


def brute(spec, target, ranges, minimize="layers", max_jump=None, input_size=None, min_output=None, aligned=False):
    """Every assignment of the box, analysed by symrf.analyze on the substituted network: feasible ones with
    (cost, smallest RF), the optimal ones and the Pareto front."""
    network = parse(spec)
    symbols = sorted(network.free_symbols, key=lambda s: s.name)
    names = [s.name for s in symbols]
    feasible = {}
    for values in product(*(range(ranges[n][0], ranges[n][1] + 1) for n in names)):
        concrete = network.xreplace(dict(zip(symbols, values)))
        try:
            a = analyze(concrete, input_size)
            rf, jump, size = (tuple(x) if isinstance(x, tuple) else (x,) for x in (a.rf, a.jump, a.size))
        except SymrfError:
            continue
        if min(rf) < target or (max_jump is not None and max(jump) > max_jump):
            continue
        if input_size is not None and min(size) < (min_output or 1):
            continue
        if aligned and not a.aligned:
            continue
        feasible[values] = (cost_of(concrete, minimize, network.axis_count), min(rf))
    if not feasible:
        return names, feasible, set(), set()
    best = min(c for c, _ in feasible.values())
    optimal = {v for v, (c, _) in feasible.items() if c == best}
    front = set()
    for v, (c, r) in feasible.items():
        if not any((c2 <= c and r2 >= r and (c2, r2) != (c, r)) for c2, r2 in feasible.values()):
            front.add(v)
    return names, feasible, optimal, front


def cost_of(network, minimize, axes):
    """The cost of a numeric network, unrolled by hand (repeats expanded with their integer counts)."""
    total = 0
    for item in network.items:
        if isinstance(item, symrf.Layer):
            total += item.kernel ** axes if minimize == "kernel-area" else 1
        elif isinstance(item, symrf.Repeat):
            total += item.count * cost_of(item.body, minimize, axes)
        elif hasattr(item, "branches"):
            total += sum(cost_of(branch, minimize, axes) for branch in item.branches)
        else:  # values per axis
            product_ = 1
            for layer in item.axes:
                product_ *= layer.kernel
            total += product_ if minimize == "kernel-area" else 1
    return total


def check(spec, target, ranges, **options):
    names, feasible, optimal, front = brute(spec, target, ranges, **{k: v for k, v in options.items()
                                                                       if k != "pareto"})
    if not optimal:
        with pytest.raises(SymrfError):
            design(spec, target, ranges, pareto=True, **options)
        return
    d = design(spec, target, ranges, pareto=True, **options)
    assert d.count == len(optimal)
    listed = {tuple(p.values[n] for n in names) for p in d.solutions}
    assert listed == set(sorted(optimal)[:len(listed)]) and len(listed) == min(len(optimal), 20)
    for point in d.solutions:
        values = tuple(point.values[n] for n in names)
        assert feasible[values][0] == point.cost
        a = analyze(parse(spec).xreplace({symrf.symbol(n): v for n, v in point.values.items()}))
        assert point.rf == a.rf and point.jump == a.jump
    assert {tuple(p.values[n] for n in names) for p in d.pareto} == front


SPECS = [
    ("conv(3), n * [conv(3)], pool(2, 2), m * [conv(3)]", {"n": (1, 6), "m": (1, 6)}),
    ("conv(k), pool(2, 2), n * [conv(3)]", {"k": (1, 7), "n": (0, 5)}),
    ("conv(k, s), n * [residual([conv(3, p=1), conv(3, p=1)])]", {"k": (1, 5), "s": (1, 3), "n": (1, 4)}),
    ("conv(3, p=p), parallel([conv(3, p=1)], [conv(k, p=1)]), n * [conv(3, 2, p=1)]",
     {"p": (0, 2), "k": (1, 5), "n": (1, 3)}),
    ("conv((k, 3)), n * [conv(3, 2)], conv((1, m))", {"k": (1, 6), "n": (1, 3), "m": (1, 4)}),
    ("n * [m * [conv(3)], pool(2, 2)]", {"n": (1, 4), "m": (1, 4)}),
    ("conv(7, 2, p=3), n * [residual([conv(k, p=1)])], conv(3, d=d)", {"n": (1, 4), "k": (1, 5), "d": (1, 3)}),
]


@pytest.mark.parametrize(("spec", "ranges"), SPECS)
@pytest.mark.parametrize("minimize", ["layers", "kernel-area"])
def test_design_equals_brute_force(spec, ranges, minimize):
    for target in (5, 12, 30, 70):
        check(spec, target, ranges, minimize=minimize)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_design_equals_brute_force_with_constraints(data):
    spec, ranges = data.draw(st.sampled_from(SPECS))
    options = {
        "minimize": data.draw(st.sampled_from(["layers", "kernel-area"])),
        "max_jump": data.draw(st.sampled_from([None, 1, 2, 4, 8])),
        "aligned": data.draw(st.booleans()),
    }
    if data.draw(st.booleans()):
        options["input_size"] = data.draw(st.integers(8, 64))
        options["min_output"] = data.draw(st.sampled_from([None, 1, 2, 5]))
    check(spec, data.draw(st.integers(1, 80)), ranges, **options)
