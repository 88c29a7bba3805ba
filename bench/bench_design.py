"""Benchmark of design search (issue 11): three symbols with ranges of 10**6 each. Prints figures as ratios against
a baseline measured in the same run; it asserts nothing.

    python bench/bench_design.py            # the figure
    python bench/bench_design.py --quick    # one repeat, for a smoke test

The design of ``conv(7, p=3), n1 * [conv(3)], pool(2, 2), n2 * [residual([conv(3, p=1), conv(3, p=1)])], pool(2, 2),
n3 * [conv(3, p=1)]`` over n1, n2, n3 in 1..10**6 with RF >= 2000, jump <= 4, output >= 7 for input 224, minimizing
layers, vs one ``symrf.analyze`` of the network at one assignment; then the same ranges with only the jump limit at
targets 10**4 and 10**6 (optimum n1 = n2 = 1, n3 = ceil((T - 20)/8)). Target: under 5 s each.
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
    print(f"design over 3 symbols in 1..10**6 (RF >= 2000, jump <= 4, output >= 7 at 224): {ours:.3f} s "
          f"({answer.evaluations:,} evaluations) vs one analyze {baseline * 1e3:.2f} ms = {ours / baseline:.0f}x  "
          "(target: under 5 s)")
    print("  " + str(answer).replace("\n", "\n  "))
    for target in (10**4, 10**6):
        def large(target: int = target):
            return design(SPEC, target, RANGES, max_jump=4)

        seconds = best_of(repeats, large)
        answer = large()
        print(f"design over 3 symbols in 1..10**6 (RF >= {target:,}, jump <= 4): {seconds:.3f} s "
              f"({answer.evaluations:,} evaluations) = {seconds / baseline:.0f}x one analyze  (target: under 5 s)")
        print("  " + str(answer).replace("\n", "\n  "))


if __name__ == "__main__":
    main(1 if "--quick" in sys.argv else 3)
