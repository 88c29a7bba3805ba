"""Benchmark of design search (issue 11): three symbols with ranges of 10**6 each. Prints figures as ratios against
a baseline measured in the same run; it asserts nothing.

    python bench/bench_design.py            # the figure
    python bench/bench_design.py --quick    # one repeat, for a smoke test

The design of ``conv(7, p=3), n1 * [conv(3)], pool(2, 2), n2 * [residual([conv(3, p=1), conv(3, p=1)])], pool(2, 2),
n3 * [conv(3, p=1)]`` over n1, n2, n3 in 1..10**6 with RF >= 2000, jump <= 4, output >= 7 for input 224, minimizing
layers, vs one ``symrf.analyze`` of the network at one assignment. Target: under 5 s.
"""

from __future__ import annotations

import sys

from timing import best_of

from symrf import analyze, design

SPEC = ("conv(7, p=3), n1 * [conv(3)], pool(2, 2), n2 * [residual([conv(3, p=1), conv(3, p=1)])], pool(2, 2), "
        "n3 * [conv(3, p=1)]")
RANGES = {"n1": (1, 10**6), "n2": (1, 10**6), "n3": (1, 10**6)}
OPTIONS = {"max_jump": 4, "input_size": 224, "min_output": 7}


def main(repeats: int) -> None:
    def run():
        return design(SPEC, 2000, RANGES, **OPTIONS)

    ours = best_of(repeats, run)
    baseline = best_of(repeats * 5, lambda: analyze(SPEC.replace("n1", "3").replace("n2", "5").replace("n3", "40"),
                                                    224).rf)
    answer = run()
    print(f"design over 3 symbols in 1..10**6 (RF >= 2000, jump <= 4, output >= 7 at 224): {ours:.2f} s "
          f"({answer.evaluations:,} evaluations) vs one analyze {baseline * 1e3:.2f} ms = {ours / baseline:.0f}x  "
          "(target: under 5 s)")
    print("  " + str(answer).replace("\n", "\n  "))


if __name__ == "__main__":
    main(1 if "--quick" in sys.argv else 3)
