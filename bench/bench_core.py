"""Benchmark of the core (issue 2). Prints figures as ratios against baselines measured in the same run.

    python bench/bench_core.py            # all three figures
    python bench/bench_core.py --quick    # smaller sizes, for a smoke test

1. A numeric chain of 10,000 layers: every per-layer result vs a bare Python-integer loop computing the same
   recurrences (rf, jump, effective padding) in the same run. Target: within 10x.
2. A fully symbolic chain (distinct k_i, s_i, p_i, d_i) of 500 and 1,000 layers, analysed and printed as JSON,
   as a LaTeX table and as a LaTeX derivation. Target: 1,000 layers in at most 4.5x the time of 500.
3. ``symrf rf "conv(3)"`` wall time vs ``python -c "import sympy, typer"``. Target: at most 1.5x.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

from timing import best_of, symrf_command

from symrf import analyze, conv
from symrf.chain import ChainAnalysis
from symrf.latex import derivation
from symrf.network import Network
from symrf.tables import latex_table, to_dict


def bare_loop(params: list[tuple[int, int, int, int]]) -> tuple[list[int], list[int], list[int]]:
    rf, jump, padding = 1, 1, 0
    rfs, jumps, paddings = [], [], []
    for k, s, p, d in params:
        rf = rf + d * (k - 1) * jump
        padding = padding + p * jump
        jump = jump * s
        rfs.append(rf)
        jumps.append(jump)
        paddings.append(padding)
    return rfs, jumps, paddings


def numeric_chain(layers: int) -> None:
    rng = random.Random(1)
    params = [(rng.randint(1, 7), 2 if rng.random() < 0.01 else 1, rng.randint(0, 3), rng.randint(1, 3))
              for _ in range(layers)]
    network = Network.of([conv(k, s, p=p, d=d) for k, s, p, d in params])
    baseline = best_of(5, lambda: bare_loop(params))
    totals = best_of(5, lambda: ChainAnalysis(network))

    def every_result():
        analysis = ChainAnalysis(network)
        for index in range(1, len(analysis) + 1):
            analysis.rf_at(index), analysis.jump_at(index), analysis.effective_padding_at(index)
            analysis.start_at(index), analysis.center_at(index)

    per_layer = best_of(5, every_result)
    rows = best_of(3, lambda: list(ChainAnalysis(network)))
    assert ChainAnalysis(network).rf == bare_loop(params)[0][-1]
    print(f"numeric chain, {layers} layers: bare int loop {baseline * 1e3:.2f} ms")
    print(f"  analysis (rf, jump, padding per layer)       {totals * 1e3:.2f} ms  = {totals / baseline:.1f}x"
          "  (target <= 10x)")
    print(f"  + start and centre of every layer            {per_layer * 1e3:.2f} ms  = {per_layer / baseline:.1f}x")
    print(f"  every layer as a Row object                  {rows * 1e3:.2f} ms  = {rows / baseline:.1f}x")


def symbolic_spec(layers: int) -> str:
    return ", ".join(f"conv(k_{i}, s_{i}, p=p_{i}, d=d_{i})" for i in range(1, layers + 1))


def symbolic_run(layers: int) -> tuple[float, int]:
    spec = symbolic_spec(layers)
    started = time.perf_counter()
    analysis = analyze(spec)
    size = len(json.dumps(to_dict(analysis))) + len(latex_table(analysis)) + len(derivation(analysis, jump=True,
                                                                                             center=True))
    return time.perf_counter() - started, size


def symbolic_chains(small: int, large: int) -> None:
    """Each size runs in a fresh interpreter, so neither run profits from the other's caches."""

    def fresh(layers: int) -> tuple[float, int]:
        output = subprocess.run([sys.executable, __file__, "--symbolic-run", str(layers)], check=True,
                                capture_output=True, text=True).stdout.split()
        return float(output[0]), int(output[1])

    t_small, size_small = fresh(small)
    t_large, size_large = fresh(large)
    print(f"symbolic chain analysed + JSON + LaTeX table + derivation: {small} layers {t_small:.2f} s "
          f"({size_small / 1e6:.1f} MB of text), {large} layers {t_large:.2f} s ({size_large / 1e6:.1f} MB)")
    print(f"  ratio {large}/{small}: {t_large / t_small:.2f}x  (target <= 4.5x; O(L^2) output gives 4x)")


def command_line(repeats: int) -> None:
    command = symrf_command()
    baseline = best_of(repeats, lambda: subprocess.run([sys.executable, "-c", "import sympy, typer"], check=True))
    ours = best_of(repeats, lambda: subprocess.run([*command, "rf", "conv(3)"], check=True,
                                                   stdout=subprocess.DEVNULL))
    print(f'CLI: python -c "import sympy, typer" {baseline * 1e3:.0f} ms; symrf rf "conv(3)" {ours * 1e3:.0f} ms '
          f"= {ours / baseline:.2f}x  (target <= 1.5x)")


def main() -> None:
    if "--symbolic-run" in sys.argv:
        seconds, size = symbolic_run(int(sys.argv[sys.argv.index("--symbolic-run") + 1]))
        print(seconds, size)
        return
    quick = "--quick" in sys.argv
    numeric_chain(1_000 if quick else 10_000)
    symbolic_chains(*((100, 200) if quick else (500, 1_000)))
    command_line(3 if quick else 7)


if __name__ == "__main__":
    main()
