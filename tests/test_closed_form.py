"""Closed forms of repeated blocks: checked against the brute-force oracle, the layer-by-layer recurrence and
``sympy.summation`` on random blocks and counts; sweeps, Horner forms, input-size questions and LaTeX."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symrf import ChainAnalysis, ClosedFormAnalysis, analyze, closed_form, parse, sweep
from symrf.closed_forms import (
    Summary,
    closed_form_derivation,
    exact_function,
    geometric_sum,
    horner_form,
    substitute,
    summarize,
    wrap_document,
)
from symrf.errors import EmptyOutputError, SymrfError
from symrf.input_size import input_size_report, minimal_input_size
from symrf.symbols import symbol

from .oracle import walk_back

K, S, N, M, D = (symbol(name) for name in "ksnmd")

layers = st.tuples(
    st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2)
)  # (k, s, p, d)
blocks = st.lists(layers, min_size=1, max_size=3)


def spec_of(block: list[tuple[int, int, int, int]]) -> str:
    return ", ".join(f"conv({k}, {s}, p={p}, d={d})" for k, s, p, d in block)


def expected(block_lists: list[list[tuple[int, int, int, int]]]) -> dict[str, object]:
    flat = [layer for block in block_lists for layer in block]
    return walk_back(flat)


def quantities(analysis) -> tuple:
    return analysis.rf, analysis.jump, analysis.start, analysis.center


def oracle_quantities(found: dict[str, object]) -> tuple:
    center = found["center"]
    return found["rf"], found["jump"], found["start"], center


def as_fraction(value) -> object:
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    return value


# -- the issue's formulas -------------------------------------------------------------------------------------------


def test_conv_k_s_repeated_n_times_has_the_two_textbook_branches():
    rf = closed_form("n * [conv(k, s)]").rf
    assert isinstance(rf, sympy.Piecewise)
    (linear, on_one), (geometric, otherwise) = rf.args
    assert on_one == sympy.Eq(S, 1) and otherwise is sympy.true
    assert sympy.simplify(linear - (1 + N * (K - 1))) == 0
    assert sympy.simplify(geometric - (1 + (K - 1) * (S**N - 1) / (S - 1))) == 0


def test_branch_is_chosen_directly_when_the_stride_is_known():
    assert closed_form("n * [conv(k)]").rf == 1 + N * (K - 1)
    two = closed_form("n * [conv(k, 2)]").rf
    assert not two.has(sympy.Piecewise) and sympy.simplify(two - (1 + (K - 1) * (2**N - 1))) == 0
    assert not closed_form("n * [conv(k, 2 * s)]").rf.has(sympy.Piecewise)  # 2s is never 1


def test_no_division_by_zero_at_unit_stride():
    analysis = closed_form("n * [conv(k, s)]")
    assert analysis.subs(s=1, k=5, n=7).rf == 29
    assert exact_function(analysis.rf, [K, S, N])(5, 1, 7) == 29
    assert analysis.subs(s=1).rf == 1 + N * (K - 1)


def test_summation_agrees_with_the_geometric_branch():
    i = sympy.Symbol("i", integer=True, nonnegative=True)
    by_summation = 1 + sympy.summation((K - 1) * S**i, (i, 0, N - 1))  # a Piecewise on s = 1
    geometric = closed_form("n * [conv(k, s)]").rf.args[1][0]
    assert sympy.simplify(by_summation.subs(sympy.Eq(S, 1), False) - geometric) == 0


def test_worked_example_repeated_and_nested_repetitions():
    assert closed_form("n * [conv(3), pool(2)]").rf == 3 * 2**N - 2
    nested = closed_form("m * [n * [conv(3)], pool(2)]")
    assert sympy.expand(nested.rf - (1 + (2 * N + 1) * (2**M - 1))) == 0
    assert nested.subs(m=3, n=2).rf == walk_back([(3, 1, 0, 1)] * 2 + [(2, 2, 0, 1)] + [(3, 1, 0, 1)] * 2
                                                 + [(2, 2, 0, 1)] + [(3, 1, 0, 1)] * 2 + [(2, 2, 0, 1)])["rf"]
    same_stride = closed_form("m * [n * [conv(k, s)]]").rf
    assert same_stride.args[0] == (M * N * (K - 1) + 1, sympy.Eq(S, 1))


def test_prefix_block_and_suffix():
    analysis = closed_form("conv(7, 2, p=3), pool(3, 2, p=1), n * [conv(3), conv(3), pool(2)], conv(5, p=2)")
    for n in range(5):
        flat = [(7, 2, 3, 1), (3, 2, 1, 1)] + [(3, 1, 0, 1), (3, 1, 0, 1), (2, 2, 0, 1)] * n + [(5, 1, 2, 1)]
        chain = analysis.subs(n=n)
        assert isinstance(chain, ChainAnalysis if n < 2 else ClosedFormAnalysis)  # integer repeats stay whole
        assert tuple(map(as_fraction, quantities(chain))) == oracle_quantities(walk_back(flat))
        assert chain.effective_padding == -chain.start


# -- random blocks against the oracle ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(prefix=st.lists(layers, max_size=2), body=blocks, suffix=st.lists(layers, max_size=2), count=st.integers(0, 6))
def test_closed_form_equals_the_recurrence_and_the_oracle(prefix, body, suffix, count):
    parts = [p for p in (spec_of(prefix), f"n * [{spec_of(body)}]", spec_of(suffix)) if p]
    analysis = closed_form(", ".join(parts))
    symbols = sorted(analysis.free_symbols, key=str)
    found = walk_back(prefix + body * count + suffix)
    for quantity in ("rf", "jump", "start", "center"):
        value = getattr(analysis, quantity)
        evaluated = exact_function(value, symbols)(*([count] if symbols else []))
        assert evaluated == found[quantity], quantity
    chain = analysis.subs(n=count) if symbols else analysis
    assert tuple(map(as_fraction, quantities(chain))) == oracle_quantities(found)
    flat = ", ".join(p for p in (spec_of(prefix), spec_of(body * count), spec_of(suffix)) if p)
    if flat:  # the layer-by-layer recurrence of the expanded network
        expanded = analyze(flat)
        assert (chain.rf, chain.jump, chain.effective_padding) == (
            expanded.rf, expanded.jump, expanded.effective_padding)


@settings(max_examples=40, deadline=None)
@given(inner=blocks, outer=st.lists(layers, max_size=2), n=st.integers(0, 4), m=st.integers(0, 4))
def test_nested_repetitions_equal_the_oracle(inner, outer, n, m):
    spec = f"m * [n * [{spec_of(inner)}]" + (f", {spec_of(outer)}]" if outer else "]")
    analysis = closed_form(spec)
    found = walk_back((inner * n + outer) * m)
    values = {"n": n, "m": m}
    symbols = sorted(analysis.free_symbols, key=str)
    if n and m:  # the formulas hold where the count symbols live (counts are positive); 0 goes through subs
        for quantity in ("rf", "jump", "start", "center"):
            evaluated = exact_function(getattr(analysis, quantity), symbols)(*(values[s.name] for s in symbols))
            assert evaluated == found[quantity], quantity
    assert tuple(map(as_fraction, quantities(analysis.subs(values)))) == oracle_quantities(found)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 6), s=st.integers(1, 4), d=st.integers(1, 3), p=st.integers(0, 3), n=st.integers(0, 8),
       k2=st.integers(1, 4), s2=st.integers(1, 3))
def test_symbolic_strides_and_kernels_after_substitution(k, s, d, p, n, k2, s2):
    analysis = closed_form("n * [conv(k, s, p=p, d=d), conv(k_2, s_2)]")
    values = {"k": k, "s": s, "d": d, "p": p, "n": n, "k_2": k2, "s_2": s2}
    symbols = sorted(analysis.free_symbols, key=str)
    found = walk_back([(k, s, p, d), (k2, s2, 0, 1)] * n)
    point = [values[x.name] for x in symbols]
    for quantity in ("rf", "jump", "start", "center"):
        assert exact_function(getattr(analysis, quantity), symbols)(*point) == found[quantity]
    assert tuple(map(as_fraction, quantities(analysis.subs(values)))) == oracle_quantities(found)


def test_summary_algebra():
    a, b = Summary.of_layer(parse("conv(3, 2, p=1)").items[0]), Summary.of_layer(parse("pool(2)").items[0])
    assert a.then(b) == summarize(parse("conv(3, 2, p=1), pool(2)"))
    assert a.repeated(3) == a.then(a).then(a)
    assert Summary.identity().then(a) == a == a.then(Summary.identity())
    assert geometric_sum(3, 4) == 40 and geometric_sum(1, 4) == 4
    assert geometric_sum(S, N) == sympy.Piecewise((N, sympy.Eq(S, 1)), ((S**N - 1) / (S - 1), True))


# -- the analysis object --------------------------------------------------------------------------------------------


def test_analyze_dispatches_repeats_to_the_closed_form():
    analysis = analyze("n * [conv(3)]")
    assert isinstance(analysis, ClosedFormAnalysis)
    assert (analysis.rf, analysis.jump, analysis.effective_padding, analysis.start, analysis.center) == (
        2 * N + 1, 1, 0, 0, N)
    assert analysis.free_symbols == {N}
    first, last = analysis.input_interval(2)
    assert first == 2 and sympy.expand(last - (2 * N + 2)) == 0


def test_rows_outside_symbolic_repeats_and_one_row_per_repeat():
    analysis = closed_form("conv(3, p=1), n * [conv(3)], pool(2)")
    assert [(row.name, row.kind) for row in analysis] == [("conv1", "conv"), ("repeat1", "repeat"), ("pool1", "pool")]
    assert analysis.row(2).rf == 2 * symbol("n") + 3 and analysis.row(3).rf == analysis.rf
    assert any("no rows while the count is a symbol" in note for note in analysis.notes)
    with pytest.raises(SymrfError, match="there is no row 4"):
        analysis.row(4)
    sized = analyze("n * [conv(3, p=1)], conv(3)", input_size=32)
    assert sized.size == 30 and sized.rows[0].size == 32
    assert analyze("n * [conv(3)]", input_size=32).size == 32 - 2 * symbol("n")  # a constant change per copy
    strided = analyze("n * [conv(3, s=2)]", input_size=32)
    assert strided.size is None and any("not computed" in note for note in strided.notes)
    assert analyze("10**100 * [conv(3, p=1)], 10**4 * [pool(3, 2, p=1)]", input_size=224).size == 1
    with pytest.raises(EmptyOutputError, match="copy 112 gets an input of size 2"):
        analyze("10**9 * [conv(3)]", input_size=224)
    with pytest.raises(SymrfError, match="no symbol 'q'"):
        analysis.subs(q=3)


def test_subs_keeps_huge_counts_as_closed_forms():
    analysis = closed_form("n * [conv(3), pool(2)]").subs(n=10**7)
    assert isinstance(analysis, ClosedFormAnalysis) and analysis.is_numeric
    small = closed_form("n * [conv(3)]").subs(n=10**9)
    assert small.rf == 2 * 10**9 + 1
    assert substitute(parse("n * [conv(3)]"), {N: 0}).items == ()


def test_closed_forms_refuse_graph_networks():
    with pytest.raises(SymrfError, match="closed forms cover chains"):
        summarize(parse("n * [conv(3)], residual([conv(3, p=1)])"))


def test_horner_form_reads_back_to_the_flat_sum():
    analysis = analyze("conv(k_1, s_1), conv(k_2, s_2), pool(k_3, s_3), conv(k_4)")
    text = horner_form(analysis)
    assert sympy.expand(sympy.sympify(text, locals={x.name: x for x in analysis.free_symbols}) - analysis.rf) == 0
    assert "s_{1}" in horner_form(analysis, latex=True)
    with pytest.raises(SymrfError, match="Horner"):
        horner_form("n * [conv(3)]")


# -- sweeps ---------------------------------------------------------------------------------------------------------


def test_sweep_rows_and_columns():
    table = sweep(closed_form("n * [conv(k, s)]"), {"n": range(1, 13), "k": [3, 5, 7], "s": [1, 2]})
    assert len(table) == 72
    exact = exact_function(closed_form("n * [conv(k, s)]").rf, [N, K, S])
    for row in table:
        assert row["rf"] == exact(row["n"], row["k"], row["s"])
        assert type(row["rf"]) is int
    assert table.column("n")[:3] == [1, 1, 1]


@settings(max_examples=20, deadline=None)
@given(body=blocks, counts=st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True))
def test_numpy_and_exact_sweeps_agree(body, counts):
    analysis = closed_form(f"n * [{spec_of(body)}]")
    if not analysis.free_symbols:
        return
    for quantity in ("rf", "center", "start"):
        fast = sweep(analysis, {"n": counts}, quantity)
        slow = sweep(analysis, {"n": counts}, quantity, backend="exact")
        assert list(fast) == list(slow)
        for row in fast:
            assert row[quantity] == as_sympy(walk_back(body * row["n"])[quantity])


def as_sympy(value):
    return sympy.Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else value


def test_sweep_is_exact_for_huge_values():
    table = sweep(closed_form("n * [conv(3, s)]"), {"n": [10, 40, 200], "s": [3]})
    assert [row["rf"] for row in table] == [3**10, 3**40, 3**200]


def test_sweep_errors():
    analysis = closed_form("n * [conv(k, s)]")
    with pytest.raises(SymrfError, match="needs values for s"):
        sweep(analysis, {"n": [1], "k": [3]})
    with pytest.raises(SymrfError, match="no symbol 'q'"):
        sweep(analysis, {"q": [1]})
    with pytest.raises(SymrfError, match="integers"):
        sweep(analysis, {"n": [1.5], "k": [3], "s": [1]})
    with pytest.raises(SymrfError, match="at least 1"):
        sweep(analysis, {"n": [0], "k": [3], "s": [1]})
    with pytest.raises(SymrfError, match="unknown quantity"):
        sweep(analysis, {"n": [1], "k": [3], "s": [1]}, "size")


def test_sweep_of_an_expression_and_a_constant():
    assert [r["rf"] for r in sweep(2 * N + 1, {"n": [1, 2]})] == [3, 5]
    assert [r["rf"] for r in sweep(analyze("conv(k), conv(3)"), {"k": [1, 3]})] == [3, 5]


# -- input sizes ----------------------------------------------------------------------------------------------------


def brute_sizes(chain: list[tuple[int, int, int, int]], size: int) -> list[int]:
    out = []
    for k, s, p, d in chain:
        extent = d * (k - 1) + 1
        size = 0 if size <= 0 or size + 2 * p < extent else (size + 2 * p - extent) // s + 1
        out.append(size)
    return out


@settings(max_examples=40, deadline=None)
@given(chain=st.lists(layers, min_size=1, max_size=6), size=st.integers(1, 60))
def test_input_size_report_and_minimal_size_against_brute_force(chain, size):
    spec = spec_of(chain)
    report = input_size_report(spec, size)
    sizes = brute_sizes(chain, size)
    assert list(report.sizes) == sizes
    assert report.empty_layers == tuple(i + 1 for i, s in enumerate(sizes) if s == 0)
    rfs = [walk_back(chain[: i + 1])["rf"] for i in range(len(chain))]
    assert report.covering_layer == next((i + 1 for i, rf in enumerate(rfs) if rf >= size), None)
    least = minimal_input_size(spec)
    assert all(brute_sizes(chain, least))
    assert least == 1 or not all(brute_sizes(chain, least - 1))


def test_input_size_errors():
    with pytest.raises(SymrfError, match="numeric"):
        input_size_report("conv(k)", 10)
    with pytest.raises(SymrfError, match=r"give the symbols \(n\) values"):
        minimal_input_size("n * [conv(3)]")
    with pytest.raises(SymrfError, match="explicit padding"):
        minimal_input_size("residual([conv(3, p=1)])")


def test_input_size_questions_keep_repetitions_whole():
    assert minimal_input_size("10**9 * [conv(3)]") == 2 * 10**9 + 1
    assert minimal_input_size("3 * [conv(3), pool(2)]") == 22
    assert minimal_input_size("100 * [conv(3, s=2, p=1)]") == 1
    for spec in ("3 * [conv(3), pool(2)]", "conv(5), 4 * [2 * [conv(3, p=2)], pool(3, 2)]",
                 "7 * [conv(1, p=3), pool(2)]"):
        smallest = minimal_input_size(spec)
        assert not input_size_report(spec, smallest).empty_layers
        assert smallest == 1 or input_size_report(spec, smallest - 1).empty_layers
    with pytest.raises(SymrfError, match="positive integer"):
        input_size_report("conv(3)", 0)


# -- LaTeX ----------------------------------------------------------------------------------------------------------

DERIVED = [
    "n * [conv(k, s)]",
    "n * [conv(3), conv(3), pool(2)]",
    "conv(7, 2, p=3), pool(3, 2, p=1), n * [conv(3), conv(3), pool(2)]",
    "m * [n * [conv(k, s)], conv(3, t)]",
    "n * [conv(k_1, s_1), conv(k_2, s_2, p=(k_2 - 1)//2, d=d)]",
]


def test_derivation_shows_recurrence_sum_series_and_result():
    text = closed_form_derivation(closed_form("n * [conv(k, s)]"))
    assert text.startswith("\\begin{align*}") and text.endswith("\\end{align*}")
    for piece in ("R_{B} &= k - 1, \\qquad J_{B} = s", "\\sum_{i=1}^{n} R_{B} \\, J_{B}^{\\,i-1}",
                  "\\frac{J_{B}^{n} - 1}{J_{B} - 1}", "\\frac{(k - 1) (s^{n} - 1)}{s - 1}", "\\text{if } s = 1"):
        assert piece in text
    assert "intertext" not in text  # MathJax 3 does not know it
    assert text.count("{cases} (k - 1) n & \\text{if } s = 1") == 1  # the block's result is stated once
    assert closed_form("n * [conv(3)]").latex() == closed_form_derivation(closed_form("n * [conv(3)]"))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_derivations_compile_with_pdflatex(tmp_path):
    body = "\n\n".join(closed_form_derivation(closed_form(spec)) for spec in DERIVED)
    (tmp_path / "derivation.tex").write_text(wrap_document(body))
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "derivation.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


# -- the command line -----------------------------------------------------------------------------------------------


def run(*args: str):
    from typer.testing import CliRunner

    from symrf.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_prints_closed_forms_for_repeated_blocks():
    result = run("rf", "n * [conv(k, s)]")
    assert result.exit_code == 0
    assert "n*(k - 1) + 1 if s = 1; (k - 1)*(s**n - 1)/(s - 1) + 1 otherwise" in result.stdout
    data = json.loads(run("rf", "n * [conv(k, s)]", "--json").stdout)
    assert sympy.sympify(data["rf"], locals={"n": N, "k": K, "s": S}) == closed_form("n * [conv(k, s)]").rf
    assert data["counts"] == ["n"] and data["jump"] == "s**n"
    assert "$1 + 2 n$" in run("rf", "n * [conv(3)]", "--latex").stdout
    assert "| repeat1 | repeat | ×n |  |  |  | 2*n + 1 |" in run("rf", "n * [conv(3)]", "--markdown").stdout
    assert "l &= 1 + 2 n" in run("derive", "n * [conv(3)]").stdout


def test_cli_subs_and_sweep():
    assert "network                       2*2**n - 1  2**n" in run("rf", "n * [conv(k, s)]", "--subs", "k=3,s=2").stdout
    table = json.loads(run("rf", "n * [conv(k, s)]", "--subs", "k=3,s=2,n=3", "--json").stdout)
    assert table["rf"] == 15 and [layer["kind"] for layer in table["layers"]] == ["repeat"]
    rows = json.loads(run("rf", "n * [conv(k, s)]", "--sweep", "n=1..12,k=3,5,7,s=2", "--json").stdout)
    assert len(rows) == 36 and rows[-1] == {"n": 12, "k": 7, "s": 2, "rf": 1 + 6 * (2**12 - 1)}
    sized = json.loads(run("rf", "n * [conv(3, p=1)]", "--subs", "n=2", "--input-size", "32", "--json").stdout)
    assert sized["size"] == 32 and sized["rf"] == 5
    text = run("rf", "conv(k), conv(k)", "--sweep", "k=1..3").stdout.splitlines()
    assert text == ["k  rf", "1   1", "2   3", "3   5"]


@pytest.mark.parametrize("args, message", [
    (("rf", "n * [conv(3)]", "--subs", "k=__import__('os')"), "expected an integer"),
    (("rf", "n * [conv(3)]", "--subs", "n"), "name=integer pairs"),
    (("rf", "n * [conv(3)]", "--subs", "q=3"), "no symbol 'q'"),
    (("rf", "n * [conv(3)]", "--sweep", "n=1..10**9"), "expected an integer"),
    (("rf", "n * [conv(3)]", "--sweep", "n=1..100000000"), "too long"),
    (("rf", "n * [conv(3)]", "--sweep", "3,4"), "name=values"),
    (("rf", "n * [conv(3)]", "--sweep", "n=1..3", "--latex"), "--sweep prints"),
    (("rf", "n * [conv(k)]", "--sweep", "n=1..3"), "needs values for k"),
])
def test_cli_option_errors_are_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_cli_derives_a_repeated_block():
    result = run("derive", "n * [conv(3), pool(2)]", "--document")
    assert result.exit_code == 0
    assert result.stdout.startswith("\\documentclass") and "&= 3 (2^{n} - 1)" in result.stdout


def test_rows_of_a_huge_integer_count_kept_as_a_repeat():
    analysis = closed_form("n * [conv(3)]").subs(n=10**9)
    assert analysis.rf == 2 * 10**9 + 1 and [row.kind for row in analysis.rows] == ["repeat"]
    assert not any("no rows" in note for note in analysis.notes)


def test_the_first_and_last_copy_of_an_integer_repetition_on_request():
    whole = analyze("conv(3), 4 * [conv(3, s=2, p=1), pool(2, 1)]")
    unrolled = analyze("conv(3), " + ", ".join(["conv(3, s=2, p=1), pool(2, 1)"] * 4))
    copies = whole.copies("repeat1")
    assert [row.name for row in copies] == ["repeat1[1]/conv1", "repeat1[1]/pool1", "repeat1[4]/conv1",
                                            "repeat1[4]/pool1"]
    for row, expected in zip(copies, [unrolled.row(i) for i in (2, 3, 8, 9)]):
        assert (row.rf, row.jump, row.effective_padding, row.center) == (
            expected.rf, expected.jump, expected.effective_padding, expected.center)
    assert whole.copies("conv1") == () and closed_form("n * [conv(3)]").copies(1) == ()
    table = run("rf", "conv(3), 4 * [conv(3, s=2, p=1), pool(2, 1)]", "--copies").stdout
    assert "repeat1[4]/pool1" in table
    data = json.loads(run("rf", "conv(3), 4 * [conv(3, s=2, p=1), pool(2, 1)]", "--copies", "--json").stdout)
    assert [row["rf"] for row in data["layers"][1]["copies"]] == [row.rf for row in copies]
