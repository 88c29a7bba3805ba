"""Benchmark of graphs and the zoo (issue 4). Prints figures as ratios against baselines measured in the same run.

    python bench/bench_graph.py            # both figures
    python bench/bench_graph.py --quick    # fewer repeats, for a smoke test

1. The whole zoo analysed (``symrf zoo``, a subprocess: every model parsed from its file and analysed) vs
   ``symrf rf "conv(3)"`` wall time. Target: under 3x.
2. A graph of 1,000 and of 2,000 residual blocks (2^1000 paths; one sweep, never enumerated). Target: 2,000
   blocks in at most 2.5x the time of 1,000 (linear cost).
"""

from __future__ import annotations

import subprocess
import sys

from timing import best_of, symrf_command

from symrf import analyze, conv, residual
from symrf.network import Network


def run(*args: str) -> None:
    subprocess.run(symrf_command(*args), check=True, stdout=subprocess.DEVNULL)


def zoo_versus_one_layer(repeats: int) -> None:
    run("rf", "conv(3)")  # warm up
    run("zoo", "--json")
    baseline = best_of(repeats, lambda: run("rf", "conv(3)"), pause_gc=True)
    whole = best_of(repeats, lambda: run("zoo", "--json"), pause_gc=True)
    print(f"zoo: symrf zoo --json {whole * 1e3:.0f} ms, symrf rf \"conv(3)\" {baseline * 1e3:.0f} ms: "
          f"ratio {whole / baseline:.2f} (target < 3)")


def residual_blocks(repeats: int) -> None:
    block = residual([conv(3, p=1), conv(3, p=1)])

    def analysed(count: int) -> float:
        network = Network.of([conv(7, 2, p=3)] + [block] * count)
        analyze(network)  # warm up
        return best_of(repeats, lambda: analyze(network).rf, pause_gc=True)

    one, two = analysed(1000), analysed(2000)
    print(f"residual blocks: 1,000 in {one * 1e3:.1f} ms, 2,000 in {two * 1e3:.1f} ms: ratio {two / one:.2f} "
          f"(target <= 2.5)")


def main() -> None:
    quick = "--quick" in sys.argv
    zoo_versus_one_layer(2 if quick else 5)
    residual_blocks(3 if quick else 9)


if __name__ == "__main__":
    main()
