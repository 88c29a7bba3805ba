"""Solving for the least depth (or kernel, stride, dilation) reaching a target RF: every answer is checked with an
independent evaluation of the RF one step before and at the answer, including targets near 10**30 and 10**100."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symrf import Solution, closed_form, solve
from symrf.closed_forms import exact_function, wrap_document
from symrf.errors import SymrfError, UnreachableError
from symrf.symbols import symbol

from .oracle import walk_back

K, S, N, T = symbol("k"), symbol("s"), symbol("n"), symbol("T", nonnegative=True)

layers = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2))  # (k, s, p, d)
growing_blocks = st.lists(layers, min_size=1, max_size=3).filter(lambda b: any(k > 1 for k, _, _, _ in b))


def spec_of(block) -> str:
    return ", ".join(f"conv({k}, {s}, p={p}, d={d})" for k, s, p, d in block)


def rf_of(spec: str, n: int) -> int:
    """The RF of ``spec`` (which repeats with ``n``) at ``n``, from the closed form evaluated with exact ints."""
    analysis = closed_form(spec)
    return exact_function(analysis.rf, [N])(n) if analysis.free_symbols else analysis.rf


def assert_least(solution: Solution, rf_at, target: int, least: int = 0) -> None:
    value = solution.value
    assert type(value) is int
    assert rf_at(value) >= target and solution.rf == rf_at(value)
    if value > least:
        assert rf_at(value - 1) < target and solution.rf_before == rf_at(value - 1)


# -- the examples -----------------------------------------------------------------------------------------


def test_least_number_of_blocks_for_224():
    solution = solve("conv(3), pool(2, 2)", 224)
    assert (solution.symbol, solution.value, solution.rf, solution.rf_before) == (N, 7, 382, 190)
    assert walk_back([(3, 1, 0, 1), (2, 2, 0, 1)] * 7)["rf"] == 382
    assert walk_back([(3, 1, 0, 1), (2, 2, 0, 1)] * 6)["rf"] == 190
    assert solution.to_json() == {"symbol": "n", "value": 7, "rf": 382,
                                  "symbols": [{"name": "n", "integer": True, "positive": True}]}
    assert json.loads(json.dumps(solution.to_json())) == solution.to_json()


def test_exact_powers_are_not_off_by_one():
    # RF of n * [conv(3, s=3)] is 3**n exactly: floating point and ceiling(log) both go wrong here
    for exponent in (5, 19, 40, 200):
        assert solve("conv(3, s=3)", 3**exponent).value == exponent
        assert solve("conv(3, s=3)", 3**exponent + 1).value == exponent + 1
        assert solve("conv(3, s=3)", 3**exponent - 1).value == exponent
    assert solve("conv(5, s=5)", 125).value == 3


def test_target_one_and_targets_already_reached():
    assert solve("conv(3)", 1).value == 0
    reached = solve("conv(7), n * [conv(3)]", 5)
    assert (reached.value, reached.rf, reached.rf_before) == (0, 7, None)
    assert solve("conv(k), conv(3)", 3, "k").value == 1


@pytest.mark.parametrize("bad", [0, -5, 2.5, 224.0, True, "7/2", sympy.Rational(7, 2), "conv(3)", None, [3]])
def test_invalid_targets(bad):
    with pytest.raises(SymrfError):
        solve("conv(3)", bad)


def test_unreachable_targets_say_why():
    with pytest.raises(UnreachableError, match=r"repeating the block \[conv\(1\)\] never widens"):
        solve("conv(1)", 10)
    with pytest.raises(UnreachableError, match="never widens"):
        solve("n * [conv(1), pool(1)], conv(3)", 10)
    with pytest.raises(UnreachableError, match="nothing after it widens"):
        solve("n * [conv(1, s=2)]", 10)
    with pytest.raises(UnreachableError, match="does not depend on p"):
        solve("conv(3, p=p)", 10)
    with pytest.raises(UnreachableError, match="no s up to"):
        solve("conv(3), conv(1, s)", 10, "s")
    assert solve("n * [conv(1, s=2)], conv(3)", 10**30).value == 99  # a stride alone still grows what follows


def test_solve_refuses_non_monotone_and_ambiguous_questions():
    with pytest.raises(SymrfError, match="not non-decreasing in k"):
        solve("conv(10 - k)", 5, "k")
    with pytest.raises(SymrfError, match="several symbols"):
        solve("conv(k, s)", 10)
    with pytest.raises(SymrfError, match="no symbol 'q'"):
        solve("conv(k)", 10, "q")
    with pytest.raises(SymrfError, match="without symbols"):
        solve("conv(3)", 10, "k")
    with pytest.raises(SymrfError, match="up-samples"):  # graphs are solved (tests/test_solve_graphs.py), but not this
        solve("n * [residual([conv(3, p=1)])], convt(2, 2)", 10)


# -- random blocks and targets ----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(block=growing_blocks, target=st.integers(1, 10**6))
def test_every_answer_is_the_least(block, target):
    spec = f"n * [{spec_of(block)}]"
    solution = solve(spec_of(block), target)
    assert_least(solution, lambda n: rf_of(spec, n), target)
    if solution.value <= 200:  # the brute-force oracle agrees too
        assert walk_back(block * solution.value)["rf"] == solution.rf


@settings(max_examples=40, deadline=None)
@given(prefix=st.lists(layers, max_size=2), block=growing_blocks, suffix=st.lists(layers, max_size=2),
       exponent=st.sampled_from([30, 100]), offset=st.integers(-10**6, 10**6))
def test_huge_targets_near_10_to_the_30_and_100(prefix, block, suffix, exponent, offset):
    target = 10**exponent + offset
    spec = ", ".join(p for p in (spec_of(prefix), f"n * [{spec_of(block)}]", spec_of(suffix)) if p)
    solution = solve(spec, target)
    assert_least(solution, lambda n: rf_of(spec, n), target)


@settings(max_examples=30, deadline=None)
@given(prefix=st.lists(layers, max_size=2), suffix=st.lists(layers, max_size=2), target=st.integers(1, 5000),
       k=st.integers(1, 4), s=st.integers(1, 3))
def test_least_kernel_stride_and_dilation_by_brute_force(prefix, suffix, target, k, s):
    for unknown, layer in (("k", f"conv(k, {s})"), ("s", f"conv({k}, s), conv(3)"), ("d", f"conv({k + 1}, d=d)")):
        spec = ", ".join(p for p in (spec_of(prefix), layer, spec_of(suffix)) if p)
        x = symbol(unknown)

        def rf_at(value: int, spec=spec, x=x) -> int:
            return closed_form(spec).subs({x.name: value}).rf

        try:
            solution = solve(spec, target, unknown)
        except UnreachableError:
            assert rf_at(10**6) < target
            continue
        assert_least(solution, rf_at, target, least=1)
        if solution.value > 1:
            assert all(rf_at(v) < target for v in range(1, min(solution.value, 50)))


# -- symbolic answers ---------------------------------------------------------------------------------------------


def test_symbolic_depth_formula_and_conditions():
    solution = solve("n * [conv(k, s)]", "T")
    linear, geometric = solution.value.args
    assert linear == (sympy.ceiling((T - 1) / (K - 1)), sympy.Eq(S, 1))
    assert geometric[0] == sympy.ceiling(sympy.log(1 + (T - 1) * (S - 1) / (K - 1)) / sympy.log(S))
    assert set(solution.conditions) == {sympy.Gt(T, 1), sympy.Gt(K, 1)}
    assert solution.to_json()["conditions"] == ["T > 1", "k > 1"]
    assert sympy.sympify(solution.to_json()["value"], locals={"T": T, "k": K, "s": S}) == solution.value
    with_dilation = solve("n * [conv(k, s, d=d)]", "T").value
    assert with_dilation.args[0][0] == sympy.ceiling((T - 1) / (symbol("d") * (K - 1)))


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 7), s=st.integers(1, 4), d=st.integers(1, 3),
       target=st.one_of(st.integers(1, 10**5), st.integers(10**30 - 100, 10**30 + 100)))
def test_symbolic_answers_after_substitution(k, s, d, target):
    symbolic = solve("n * [conv(k, s, d=d)]", "T")
    numeric = symbolic.subs(k=k, s=s, d=d, T=target)
    spec = f"n * [conv({k}, {s}, d={d})]"
    assert_least(numeric, lambda n: rf_of(spec, n), target)
    assert numeric == solve(spec, target)


def formula_value(value: sympy.Basic, values: dict[str, int]) -> int:
    """The symbolic answer at ``values``, read exactly: ``ceiling(q)`` is the least integer >= q, and
    ``ceiling(log(X)/log(b))`` the least ``n`` with ``b**n >= X`` (never a float, never sympy's ceiling of a log)."""
    symbols = {sym: values[sym.name] for sym in value.free_symbols}
    if isinstance(value, sympy.Piecewise):
        branch = next(e for e, c in value.args if c is sympy.true or bool(c.xreplace(symbols)))
        return formula_value(branch, values)
    (ceiling,) = value.atoms(sympy.ceiling)
    inside = ceiling.args[0]
    if not inside.has(sympy.log):
        return -(-exact_function(inside, list(symbols))(*symbols.values()) // 1)
    numerator, denominator = sympy.fraction(inside)  # log(X) / log(b)
    ratio = exact_function(numerator.args[0], list(symbols))(*symbols.values())
    b, n = exact_function(denominator.args[0], list(symbols))(*symbols.values()), 0
    while b**n < ratio:
        n += 1
    return n


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 7), s=st.integers(1, 4), d=st.integers(1, 3),
       target=st.one_of(st.integers(2, 10**5), st.integers(10**30 - 100, 10**30 + 100)))
def test_symbolic_formula_itself_gives_the_least_depth(k, s, d, target):
    value = solve("n * [conv(k, s, d=d)]", "T").value
    n = formula_value(value, {"k": k, "s": s, "d": d, "T": target})
    spec = f"n * [conv({k}, {s}, d={d})]"
    assert rf_of(spec, n) >= target and (n == 0 or rf_of(spec, n - 1) < target)


def test_symbolic_answers_for_a_kernel_and_a_nested_count():
    kernel = solve("n * [conv(k, s)]", "T", "k")
    numeric = kernel.subs(n=3, s=2, T=100)
    assert numeric.value == 16 and closed_form("n * [conv(16, 2)]").subs(n=3).rf >= 100
    nested = solve("m * [n * [conv(3)], pool(2)]", "T", "n")
    assert nested.conditions == (sympy.Gt(T, 2 ** symbol("m")),)
    for m in range(1, 5):
        for target in (50, 500, 5000):
            found = nested.subs(m=m, T=target)
            assert_least(found, lambda n, m=m: closed_form("m * [n * [conv(3)], pool(2)]").subs(m=m, n=n).rf, target)
    with pytest.raises(SymrfError, match="linear in s"):
        solve("n * [conv(k, s)]", "T", "s")
    with pytest.raises(SymrfError, match="unknown being solved"):
        solve("n * [conv(k, s)]", "T").subs(n=3)


# -- LaTeX ----------------------------------------------------------------------------------------------------------

QUESTIONS = [
    ("conv(3), pool(2, 2)", 224, None),
    ("conv(3)", 10**30, None),
    ("conv(7, 2, p=3), pool(3, 2, p=1), n * [conv(3), conv(3), pool(2)]", 224, None),
    ("n * [conv(k, s)]", "T", None),
    ("n * [conv(k, s, d=d)]", 500, None),
    ("conv(k), pool(2), conv(k)", 100, None),
    ("conv(3, s), conv(3)", 1000, "s"),
    ("n * [conv(k, s)]", "T", "k"),
    ("conv(3)", 1, None),
]


def test_latex_steps_show_the_inequality_logarithm_ceiling_and_check():
    text = solve("conv(3), pool(2, 2)", 224).latex()
    for piece in ("\\geq 224", "2^{n} &\\geq", "\\log_{2}", "\\left\\lceil", "= 7", "l(7) &= 382", "l(6) &= 190 < 224"):
        assert piece in text
    assert text.index("\\log") < text.index("\\lceil") < text.index("l(7)")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_solution_latex_compiles_with_pdflatex(tmp_path):
    body = "\n\n".join(solve(spec, target, unknown).latex() for spec, target, unknown in QUESTIONS)
    (tmp_path / "solve.tex").write_text(wrap_document(body))
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "solve.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


# -- the command line -----------------------------------------------------------------------------------------------


def run(*args: str):
    from typer.testing import CliRunner

    from symrf.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_solve_numeric_symbolic_json_and_latex():
    assert run("solve", "conv(3), pool(2, 2)", "--target", "224").stdout == "n = 7 (RF 382 >= 224, RF(6) = 190)\n"
    data = json.loads(run("solve", "conv(3)", "--target", "10**100", "--json").stdout)
    assert data == {"symbol": "n", "value": 10**100 // 2, "rf": 10**100 + 1,
                    "symbols": [{"name": "n", "integer": True, "positive": True}]}
    symbolic = json.loads(run("solve", "n * [conv(k, s)]", "--target", "T", "--json").stdout)
    assert symbolic["conditions"] == ["T > 1", "k > 1"] and symbolic["value"].startswith("Piecewise((ceiling(")
    kernel = run("solve", "conv(k), pool(2), conv(k)", "--target", "100", "--for", "k")
    assert kernel.stdout.startswith("k = 34 ")
    latex = run("solve", "conv(3), pool(2, 2)", "--target", "224", "--latex", "--document").stdout
    assert latex.startswith("\\documentclass") and "l(6) &= 190 < 224" in latex


@pytest.mark.parametrize("args, message", [
    (("solve", "conv(1)", "--target", "10"), "never widens"),
    (("solve", "conv(3)", "--target", "0"), "positive integer"),
    (("solve", "conv(3)", "--target", "2.5"), "not an integer"),
    (("solve", "conv(3)", "--target", "7/2"), "must be an integer"),
    (("solve", "conv(3)", "--target", "__import__('os').getpid()"), "not allowed"),
    (("solve", "conv(k, s)", "--target", "10"), "several symbols"),
    (("solve", "conv(3)", "--target", "10", "--json", "--latex"), "at most one"),
])
def test_cli_solve_errors_are_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output
