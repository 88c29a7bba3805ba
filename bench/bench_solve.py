"""Benchmark of closed forms and solving (issue 3). Prints figures as ratios against baselines measured in the same
run; it asserts nothing.

    python bench/bench_solve.py            # all three figures
    python bench/bench_solve.py --quick    # fewer repeats, for a smoke test

1. ``symrf solve "conv(3), pool(2, 2)" --target 10**100`` wall time vs ``symrf rf "conv(3)"`` (the installed console
   script, else ``python -m symrf``). Target: at most 1.5x.
2. The closed form (rf, jump, effective padding, centre) of a block of 50 symbolic layers repeated ``n`` times vs
   analysing the block once (the same four quantities), sympy's cache cleared before every run. Target: under 2x.
3. A sweep of 10**6 points of ``n * [conv(k, s)]`` through the compiled closed form (exact integers out) vs the same
   formula written by hand in numpy (floats out), both from the same grid lists. Target: within 10x.
4. Solving a 50-block residual spec (how many copies of it reach 10**30; and the number of residual blocks after a
   stem) vs solving the equivalent chain (each residual block replaced by its path), sympy's caches cleared before
   every run. Target: at most 2x.
"""

from __future__ import annotations

import subprocess
import sys

from sympy.core.cache import clear_cache
from timing import best_of, symrf_command

from symrf import closed_form, parse, solve, sweep
from symrf.chain import ChainAnalysis
from symrf.segments import summarize
from symrf.solving import _rf_formula


def command_line(repeats: int) -> None:
    command = symrf_command()

    def run(*args: str) -> None:
        subprocess.run([*command, *args], check=True, stdout=subprocess.DEVNULL)

    baseline = best_of(repeats, lambda: run("rf", "conv(3)"))
    ours = best_of(repeats, lambda: run("solve", "conv(3), pool(2, 2)", "--target", "10**100"))
    inside = best_of(repeats, lambda: solve("conv(3), pool(2, 2)", 10**100))
    answer = solve("conv(3), pool(2, 2)", 10**100)
    print(f'1. symrf solve "conv(3), pool(2, 2)" --target 10**100 -> n = {answer.value}: {ours * 1e3:.0f} ms vs '
          f'symrf rf "conv(3)" {baseline * 1e3:.0f} ms = {ours / baseline:.2f}x  (target <= 1.5x)')
    print(f"   in process: solve() {inside * 1e3:.2f} ms")


def closed_form_of_a_long_block(repeats: int, layers: int = 50) -> None:
    body = ", ".join(f"conv(k_{i}, s_{i}, p=p_{i}, d=d_{i})" for i in range(1, layers + 1))
    block, repeated = parse(body), parse(f"n * [{body}]")

    def fresh() -> None:
        clear_cache()
        summarize.cache_clear()

    def once() -> tuple:
        analysis = ChainAnalysis(block)
        return analysis.rf, analysis.jump, analysis.effective_padding, analysis.center

    def closed() -> tuple:
        analysis = closed_form(repeated)
        return analysis.rf, analysis.jump, analysis.effective_padding, analysis.center

    baseline = best_of(repeats, once, fresh)
    ours = best_of(repeats, closed, fresh)
    print(f"2. closed form of {layers} symbolic layers repeated n times: {ours * 1e3:.0f} ms vs analysing the block "
          f"once {baseline * 1e3:.0f} ms = {ours / baseline:.2f}x  (target < 2x)")


def sweep_of_a_million_points(repeats: int) -> None:
    import numpy as np

    grid = {"n": list(range(1, 9)), "s": list(range(1, 11)), "k": list(range(1, 12_501))}
    analysis = closed_form("n * [conv(k, s)]")
    _ = analysis.rf  # the closed form itself is not what is timed

    def by_hand() -> np.ndarray:
        n, s, k = (a.ravel() for a in np.meshgrid(*(np.asarray(v, dtype=np.float64) for v in grid.values()),
                                                   indexing="ij"))
        with np.errstate(all="ignore"):
            return np.where(s == 1, 1 + n * (k - 1), 1 + (k - 1) * (s**n - 1) / (s - 1))

    baseline = best_of(repeats, by_hand)
    ours = best_of(repeats, lambda: sweep(analysis, grid))
    table = sweep(analysis, grid)
    assert len(table) == 10**6 and np.array_equal(np.asarray(table.columns["rf"], dtype=np.float64), by_hand())
    print(f"3. sweep of {len(table):,} points through the compiled closed form: {ours * 1e3:.0f} ms vs the formula "
          f"by hand in numpy {baseline * 1e3:.0f} ms = {ours / baseline:.2f}x  (target <= 10x)")


def residual_spec(repeats: int) -> None:
    block, path = "residual([conv(3, p=1), conv(3, p=1)])", "conv(3, p=1), conv(3, p=1)"
    questions = [
        ("50 blocks, n copies", f"conv(3), 50 * [{block}]", f"conv(3), 50 * [{path}]", 10**30),
        ("n blocks", f"conv(7, 2, p=3), pool(3, 2, p=1), n * [{block}], conv(3)",
         f"conv(7, 2, p=3), pool(3, 2, p=1), n * [{path}], conv(3)", 10**30),
        ("50 blocks written out, n copies", ", ".join(["conv(3)"] + [block] * 50),
         ", ".join(["conv(3)"] + [path] * 50), 10**6),
    ]

    def fresh() -> None:
        clear_cache()
        summarize.cache_clear()
        _rf_formula.cache_clear()

    for label, graph, chain, target in questions:
        assert solve(graph, target).value == solve(chain, target).value
        baseline = best_of(repeats, lambda chain=chain, target=target: solve(chain, target), fresh)
        ours = best_of(repeats, lambda graph=graph, target=target: solve(graph, target), fresh)
        print(f"4. solve residual spec ({label}): {ours * 1e3:.1f} ms vs the equivalent chain {baseline * 1e3:.1f} ms "
              f"= {ours / baseline:.2f}x  (target <= 2x)")


def main() -> None:
    quick = "--quick" in sys.argv
    command_line(3 if quick else 7)
    closed_form_of_a_long_block(2 if quick else 5)
    sweep_of_a_million_points(2 if quick else 5)
    residual_spec(3 if quick else 7)


if __name__ == "__main__":
    main()
