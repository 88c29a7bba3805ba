"""Solving on networks with parallel paths, graphs, padding modes and values per axis: every answer is checked by
an independent evaluation (the network unrolled with the value substituted, walked by tests/graph_oracle.py, or
symrf.analyze at that value), at the answer and one below (minimality)."""

from __future__ import annotations

import json
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf import solve
from symrf.errors import SymrfError, UnreachableError
from symrf.spec import parse

from .graph_oracle import answer, build
from .test_cli import installed_cli, run

EXAMPLE = "conv(7, 2, p=3), pool(3, 2, p=1), n * [residual([conv(3, p=1), conv(3, p=1)])]"


def oracle_rf(spec: str) -> int:
    """The largest RF over paths of a spec without symbols, walked feature set by feature set (no formula). The
    oracle resolves 'same' only with an input size; padding moves a field, never its size, so 0 stands for it."""
    return answer(build(parse(spec.replace("'same'", "0"))), 0).rf


def unrolled(prefix: str, block: str, copies: int) -> str:
    return ", ".join([prefix] * bool(prefix) + [block] * copies) or "conv(1)"


def assert_least(value: int, rf_at, target: int, least: int = 0) -> None:
    assert rf_at(value) >= target
    if value > least:
        assert rf_at(value - 1) < target


# -- the issue's example ------------------------------------------------------------------------------------------


def test_the_issue_example_from_the_installed_cli():
    result = subprocess.run([*installed_cli(), "solve", EXAMPLE, "--target", "224"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "n = 14 (RF 235 >= 224, RF(13) = 219)"
    block = "residual([conv(3, p=1), conv(3, p=1)])"
    prefix = "conv(7, 2, p=3), pool(3, 2, p=1)"
    assert oracle_rf(unrolled(prefix, block, 14)) == 235 and oracle_rf(unrolled(prefix, block, 13)) == 219


def test_the_example_gives_its_formula_and_derivation():
    solution = solve(EXAMPLE, 224)
    assert solution.formula == 16 * symrf.symbol("n") + 11
    data = solution.to_json()
    assert data["value"] == 14 and data["formula"] == "16*n + 11" and data["method"] == "closed form"
    latex = solution.latex()
    assert "l(14) &= 235 \\geq 224" in latex and "l(13) &= 219 < 224" in latex and "largest receptive field" in latex


def test_huge_targets_answer_quickly_without_unrolling():
    solution = solve(EXAMPLE, 10**30)
    assert solution.value == -(-(10**30 - 11) // 16)
    strided = solve("conv(3), n * [parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)])]", 10**30)
    rf_at = symrf.analyze("conv(3), n * [parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)])]").rf
    n = symrf.symbol("n")
    assert_least(strided.value, lambda v: int(rf_at.xreplace({n: v})), 10**30)


def test_symbolic_answers_along_the_largest_path():
    solution = solve("conv(3, s=2), n * [residual([conv(3, p=1), conv(3, p=1)])], conv(k)", "T")
    chain = solve("conv(3, s=2), n * [conv(3, p=1), conv(3, p=1)], conv(k)", "T")  # its largest path
    assert str(solution.value) == str(chain.value) == "ceiling(T/8 - k/4 - 1/8)"
    assert solution.conditions == chain.conditions and solution.engine == "graph"
    assert solution.subs(k=3, T=100).value == 12 == solve(solution.network, 100, subs={"k": 3}).value


def test_an_undecided_maximum_is_solved_by_the_exact_search():
    solution = solve("conv(3), parallel([conv(k)], [conv(5)])", 9, "k")
    assert solution.value == 7 and solution.formula is None and solution.engine == "graph"
    assert "exact search" in str(solution) and solution.to_json()["method"] == "exact search"
    assert "l(6) &= 8 < 9" in solution.latex()  # 3 + max(k - 1, 4)
    with pytest.raises(SymrfError, match="cannot resolve"):
        solve("conv(3), parallel([conv(k)], [conv(5)])", "T", "k")


# -- random networks with residual and parallel blocks -------------------------------------------------------------

kernels = st.tuples(st.integers(1, 4), st.integers(1, 2), st.sampled_from(["0", "1", "'same'"]))  # (k, d, p)


@st.composite
def blocks(draw) -> str:
    """A residual or parallel block whose paths have one jump: stride-1 layers, then a shared last stride."""
    stride = draw(st.integers(1, 2))
    paths = []
    for _ in range(draw(st.integers(1, 3))):
        layers = draw(st.lists(kernels, max_size=2))
        text = [f"conv({k}, d={d}, p={p})" for k, d, p in layers]
        if stride > 1:
            text.append(f"conv({draw(st.integers(1, 3))}, {stride})")
        paths.append(f"[{', '.join(text)}]")
    if stride == 1 and draw(st.booleans()):
        return f"residual({paths[0]})"
    return f"parallel({', '.join(paths)})"


prefixes = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 2)), max_size=2).map(
    lambda layers: ", ".join(f"conv({k}, {s})" for k, s in layers))


@settings(max_examples=40, deadline=None)
@given(prefix=prefixes, block=blocks(), target=st.integers(1, 120))
def test_the_least_count_of_random_blocks(prefix, block, target):
    spec = f"{prefix + ', ' if prefix else ''}n * [{block}]"
    try:
        solution = solve(spec, target)
    except UnreachableError:
        assert oracle_rf(unrolled(prefix, block, 40)) == oracle_rf(unrolled(prefix, block, 41)) < target
        return
    assert_least(solution.value, lambda v: oracle_rf(unrolled(prefix, block, v)), target)
    assert solution.rf == oracle_rf(unrolled(prefix, block, solution.value))


@settings(max_examples=30, deadline=None)
@given(block=blocks(), other=st.integers(1, 4), target=st.integers(1, 80))
def test_the_least_kernel_with_other_symbols_given(block, other, target):
    spec = f"conv(k, d=d), n * [{block}], parallel([conv(k)], [conv(3)])"
    solution = solve(spec, target, "k", subs={"n": 2, "d": str(other)})

    def at(v: int) -> int:
        return symrf.analyze(parse(f"conv({v}, d={other}), 2 * [{block}], parallel([conv({v})], [conv(3)])")).rf

    assert_least(solution.value, at, target, least=1)


@settings(max_examples=25, deadline=None)
@given(height=st.integers(1, 4), width=st.integers(1, 4), target=st.integers(1, 60))
def test_values_per_axis_every_axis_and_one_axis(height, width, target):
    spec = f"conv(3), n * [residual([conv(({height}, {width}), p=(0, 'same'))])]"
    def at(v: int) -> tuple[int, int]:
        rf = symrf.analyze(parse(f"conv(3), {v} * [residual([conv(({height}, {width}))])]")).rf
        return rf if isinstance(rf, tuple) else (rf, rf)  # no block: one value for both axes
    reachable = [axis for axis, k in enumerate((height, width)) if k > 1]
    for axis in (0, 1):
        if axis not in reachable and target > 3:
            with pytest.raises(UnreachableError):
                solve(spec, target, axis=axis)
            continue
        one = solve(spec, target, axis=axis)
        assert_least(one.value, lambda v, axis=axis: at(v)[axis], target)
    if len(reachable) < 2 and target > 3:
        with pytest.raises(UnreachableError):
            solve(spec, target)
        return
    every = solve(spec, target)
    assert_least(every.value, lambda v: min(at(v)), target)
    assert every.rf == at(every.value)


# -- graph files, imported models, the command line ----------------------------------------------------------------

GRAPH = """
name = "looped"
input_size = 64

[[node]]
name = "stem"
layers = "conv(3, 2, p=1)"

[[node]]
name = "body"
layers = "n * [conv(3, p=1)]"

[[node]]
name = "add"
inputs = ["body", "stem"]

[[node]]
name = "head"
layers = "pool(2)"
"""


def test_graph_files(tmp_path):
    path = tmp_path / "looped.toml"
    path.write_text(GRAPH)
    solution = solve(symrf.load_graph(path), 100)
    # head sees 1 + (k_add - 1) + ... : stem 3 (jump 2), body 2n * 2, pool (2 - 1) * 2
    assert solution.value == 24 and solution.rf == 3 + 4 * 24 + 2 and solution.rf_before == 3 + 4 * 23 + 2
    assert symrf.analyze(symrf.load_graph(path)).rf.xreplace({symrf.symbol("n"): 24}) == solution.rf
    result = run("solve", str(path), "--target", "100", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["value"] == 24
    small = run("solve", str(path), "--target", "300", "--input-size", "8")
    assert small.exit_code == 0 and small.stdout.startswith("n = 74 ")


def test_imported_model_with_symbolic_counts():
    from .test_families import Family

    graph = symrf.from_torch(Family((3, 3, 3, 3)), symbolic="counts")
    solution = solve(graph, 700, "n_layer3", subs={"n_layer1": 2, "n_layer2": 2, "n_layer4": 2})
    n = symrf.symbol("n_layer3")
    values = {symrf.symbol(name): 2 for name in ("n_layer1", "n_layer2", "n_layer4")}
    family = symrf.analyze(graph.xreplace(values))
    assert solution.engine == "axes"
    assert_least(solution.value, lambda v: min(family.subs({n: v}).rf), 700, least=1)


def test_per_axis_from_the_command_line():
    every = run("solve", "n * [conv((3, 5))]", "--target", "21")
    one = run("solve", "n * [conv((3, 5))]", "--target", "21", "--axis", "1")
    assert every.stdout.startswith("n = 10 (RF (21, 41) >= 21 on every axis")
    assert one.stdout.startswith("n = 5 (RF 21 >= 21 on axis 1")
    latex = run("solve", "n * [conv((3, 5))]", "--target", "21", "--latex")
    assert "\\max(10, 5) = 10" in latex.stdout


def test_subs_from_the_command_line():
    result = run("solve", "conv(k, s), n * [residual([conv(k, p=1)])]", "--target", "50", "--subs", "k=3, s=2")
    assert result.exit_code == 0 and result.stdout.startswith("n = 12 ")
    assert oracle_rf(unrolled("conv(3, 2)", "residual([conv(3, p=1)])", 12)) >= 50
    assert oracle_rf(unrolled("conv(3, 2)", "residual([conv(3, p=1)])", 11)) < 50


@pytest.mark.parametrize("args, message", [
    (("conv(3), residual([conv(3, p=1)])", "--target", "10", "--for", "k"), "no symbol k"),
    (("n * [residual([conv(k)])], m * [conv(3)]", "--target", "10"), "several symbols"),
    (("n * [residual([conv(k)])]", "--target", "10", "--subs", "q=3"), "no symbol 'q' in this network (its "
                                                                       "symbols: k, n)"),
    (("n * [residual([conv(k)])]", "--target", "10", "--subs", "k3"), "is not name=value"),
    (("n * [residual([conv(k)])]", "--target", "10", "--subs", "k=__import__('os')"), "not allowed"),
    (("n * [residual([conv(1)])]", "--target", "10"), "never widens"),
    (("conv(3), residual([conv(10 - k)])", "--target", "5", "--for", "k"), "not non-decreasing in k"),
    (("n * [residual([conv(3, p=1)])], convt(4, 2)", "--target", "50"), "up-samples"),
    (("n * [residual([conv(3, p=1)])], global_pool()", "--target", "50"), "whole input"),
    (("parallel([conv(1, 2)], [conv(1, s)])", "--target", "5", "--for", "s"), "jumps"),
    (("n * [conv((3, 5))]", "--target", "21", "--axis", "2"), "no axis 2"),
    (("n * [conv(3, 2)]", "--target", "500", "--input-size", "16"), "at n = 8, for the input size 16"),
])
def test_errors_are_one_line(args, message):
    result = run("solve", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output
