"""Bounded work (issue 8): every reproducer of the issue, and those the fuzzer found since, run through the installed
command line under a 1 GiB address-space limit; prints each one's wall-clock seconds, peak memory and outcome.

The target: each finishes in under 10 s and 1 GB with a result (exit 0) or a one-line refusal (exit 2). The baseline
measured in the same run is ``symrf rf "conv(3)"`` (start-up); the last column is each case's time over it.

    python bench/bench_bounded.py            # all cases
    python bench/bench_bounded.py ladder     # the cases whose label contains "ladder"

tests/test_reproducers.py runs the same cases (``CASES``) and checks their outcomes, with a hang guard only.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: The guard of each run: address space and wall-clock seconds.
MEMORY_LIMIT = 1 << 30
TIMEOUT = 60.0
TARGET_SECONDS = 10.0


@dataclass(frozen=True)
class Case:
    """One command line; ``files`` are written to the working directory first; ``outcome`` is "ok" (exit 0) or
    "refused" (exit 2, one error line); ``expect`` is text the output (stdout, or the error line) must contain."""

    label: str
    arguments: tuple[str, ...]
    outcome: str = "ok"
    expect: str = ""
    files: tuple[tuple[str, str], ...] = ()


def _ladder(nodes: int) -> str:
    """A TOML graph where each node merges the two before it, each with a symbolic kernel."""
    parts = ['[[node]]\nname = "n0"\nlayers = "conv(k0)"\n', '[[node]]\nname = "n1"\nlayers = "conv(k1)"\n'
             'inputs = ["n0"]\n']
    for i in range(2, nodes):
        parts.append(f'[[node]]\nname = "n{i}"\nlayers = "conv(k{i})"\ninputs = ["n{i - 1}", "n{i - 2}"]\n')
    return "\n".join(parts)


def _laughs() -> str:
    """A YAML 'billion laughs': nested aliases."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    return "\n".join(lines) + "\nspec: *a8\n"


_SYMBOLIC_3000 = ", ".join(f"conv(k{i}, s{i})" for i in range(3000))

CASES: tuple[Case, ...] = (
    # the reproducers of issue 8
    Case("nested numeric repeats 10^6", ("rf", "10 * [10 * [10 * [10 * [10 * [10 * [conv(3, s=2)]]]]]]"), "refused",
         "more than 4,300 digits"),
    Case("1000 x 1000 conv(3)", ("rf", "1000 * [1000 * [conv(3)]]"), expect="2000001"),
    Case("--subs n=100000", ("rf", "n * [conv(k, s)]", "--subs", "n=100000"), expect="s**100000"),
    Case("3000 symbolic layers: rf", ("rf", _SYMBOLIC_3000), expect="network"),
    Case("3000 symbolic layers: derive", ("derive", _SYMBOLIC_3000), expect="\\sum"),
    Case("upsample(10**3999)", ("rf", "upsample(10**3999)"), expect="1/1000"),
    Case("upsample(10**3999), conv(3)", ("rf", "upsample(10**3999), conv(3)"), "refused", "phases"),
    Case("two convt stride 10^6", ("rf", "convt(3, 1000000), convt(3, 1000000)"), "refused", "phases"),
    Case("30 x upsample(2)", ("rf", ", ".join(["upsample(2)"] * 30)), "refused", "phases"),
    Case("40-node symbolic ladder", ("rf", "ladder.toml"), files=(("ladder.toml", _ladder(40)),)),
    Case("sweep of 3 million points", ("rf", "n * [conv(k, s)]", "--sweep", "n=1..3,k=1..1000,s=1..1000"), "refused",
         "points"),
    Case("YAML billion laughs", ("rf", "laughs.yaml"), "refused", "alias", (("laughs.yaml", _laughs()),)),
    Case("lone surrogate in a name", ("rf", "conv(3, name='\\ud800')"), "refused", "name"),
    Case("p='abc'", ("rf", "conv(3, p='abc')"), "refused", "'same'"),
    Case("negative symbolic target", ("solve", "n * [conv(3)]", "--target", "-T"), "refused", "positive"),
    # found by the fuzzer since
    Case("huge kernel: table", ("rf", "conv(10**300)")),
    Case("huge kernel vs input size", ("rf", "conv(10**3999)", "--input-size", "224"), "refused", "(4,000 digits)"),
    Case("symbolic stride x 1000", ("rf", "1000 * [conv(3, s)]"), expect="s**1000"),
    Case("symbolic stride x 10^50", ("rf", "10**50 * [conv(3, s)]")),
    Case("symbolic stride x 300, JSON", ("rf", "300 * [conv(3, s)]", "--json"), expect="s**300"),
    Case("nested global pools", ("rf", "2 * [1000 * [global_pool(), conv(3, p=k), global_pool()]]")),
    Case("huge dilated kernel in a residual", ("derive", "residual([conv(k), conv(10**3999, d=d)])")),
    Case("global pools x 10^100", ("rf", "10**100 * [conv(1, 2), global_pool()]"), "refused", "20,000,000 bits"),
    Case("global pools x 100000", ("rf", "100000 * [conv(1, 2), global_pool()]"), "refused", "4,300 digits"),
    Case("repeated global pool with a size", ("rf", "2 * [global_pool()]", "--input-size", "5")),
    Case("symbolic strided repeat in a repeat, with a size", ("rf", "2 * [n * [pool(2)]]", "--input-size", "224")),
    Case("strided repeats with a size", ("rf", "2 * [1000 * [conv(1, 2)]]", "--input-size", "224")),
    Case("a branch of 100000 global pools", ("rf", "parallel([100000 * [global_pool()]], [conv(1)])")),
    Case("100001 copies changing the size by 5 - q",
         ("rf", "residual([100001 * [parallel([conv(q, p='valid'), conv(3), pool(7, s=1, p=[6, (6, 4)])])]])",
          "--input-size", "224"), expect="500229 - 100001*q"),
    Case("jump 2d repeated 10^50 + 1 times", ("rf", "conv(6, 2*Q + 1), (10**50 + 1) * [upsample(2), conv(1, 4, d=3), "
                                                    "conv(S, d)]"), "refused", "20,000,000 bits"),
    Case("huge jump to a huge power", ("rf", "[100001 * [conv(1, 5), conv(5, 5, d=6), conv(1, d=3)], pool(7, p=4)] "
                                             "* 10**100"), "refused", "(an integer of about 139,797 digits)**"),
    Case("strided repeats with a symbolic size", ("rf", "[100001 * [conv(1, 5), conv(5, 5, d=6)], pool(7, p=4)] * 2",
                                                  "--input-size", "N"), "refused", "4,300 digits"),
    Case("power C**(1000*m) in a symbolic repeat", ("rf", "m * [1000 * [conv(S, C, p=m)], residual([conv(1)]), "
                                                          "conv(1, p=1)]", "--json"), expect="C**(1000*m)"),
    Case("merge after a stride (Q*k)**100000", ("rf", "[100000 * [pool((1, Q*k), p=(1, (k, 1)))], "
                                                      "residual([conv(2, p=1)])]"), expect="Q**100000*k**100000"),
    Case("merge message with a huge centre", ("rf", "[100000 * [[conv(1)] + [conv(1), conv(1, 2)]]] + "
                                                    "[residual([conv(1, p=1)])]"), "refused", "4,300 digits"),
    Case("power 2**(2000*n) in a closed form", ("rf", "1000 * [2 * [n * [conv(1, 2, p=1)]]]", "--json"),
         expect="2**(2000*n)"),
    Case("compound base to the power 10**50", ("rf", "(10**50 + 1) * [conv((k + 1)//2, 5), global_pool()], "
                                                     "conv((k + 1)//2, 5), global_pool()"), expect="**1000000000"),
    Case("symbolic stride 2k + 1 x 1000 after convt", ("rf", "convt(7, 1), 1000 * [conv(k, 2*k + 1)]", "--json"),
         expect="(2*k + 1)**1000"),
)


def run(case: Case, directory: Path) -> tuple[int, str, str, float, float]:
    """Exit code, stdout, stderr, seconds and peak MiB of one case (the command line in a fresh process)."""
    for name, text in case.files:
        (directory / name).write_text(text, encoding="utf-8")

    def guard() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    peak = directory / "peak-kib"
    peak.unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", _MEASURED, *case.arguments], capture_output=True, text=True,
                              errors="backslashreplace", timeout=TIMEOUT, cwd=directory, stdin=subprocess.DEVNULL,
                              preexec_fn=guard, env={**os.environ, "SYMRF_BENCH_PEAK": str(peak)})
    except subprocess.TimeoutExpired:
        return -1, "", f"timeout after {TIMEOUT:.0f} s", TIMEOUT, float("nan")
    seconds = time.perf_counter() - start
    mib = int(peak.read_text()) / 1024 if peak.exists() else float("nan")
    return done.returncode, done.stdout, done.stderr, seconds, mib


#: ``python -m symrf ARGUMENTS`` that writes its peak resident memory (KiB) to $SYMRF_BENCH_PEAK when it exits.
_MEASURED = """
import atexit, os, resource, runpy, sys
peak = os.environ["SYMRF_BENCH_PEAK"]
atexit.register(lambda: open(peak, "w").write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
sys.argv[0] = "symrf"
runpy.run_module("symrf", run_name="__main__", alter_sys=True)
"""


def check(case: Case, code: int, out: str, err: str) -> str | None:
    """What is wrong with an outcome, or None."""
    lines = err.splitlines()
    if "Traceback" in err:
        return "traceback"
    if case.outcome == "ok":
        if code != 0:
            return f"exit {code}: {err.strip()[:200]}"
        if case.expect not in out:
            return f"{case.expect!r} not in the output"
        return None
    if code != 2 or len(lines) != 1 or not lines[0].startswith("symrf: error: "):
        return f"not a one-line refusal (exit {code}): {err.strip()[:200]}"
    if case.expect not in lines[0]:
        return f"{case.expect!r} not in {lines[0][:200]!r}"
    return None


def main(selection: list[str]) -> int:
    cases = [case for case in CASES if not selection or any(word in case.label for word in selection)]
    failures = 0
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        base = min(run(Case("start-up", ("rf", "conv(3)")), directory)[3] for _ in range(3))
        print(f"baseline: symrf rf \"conv(3)\" {base:.2f} s; guard {MEMORY_LIMIT >> 20} MiB, target "
              f"{TARGET_SECONDS:.0f} s")
        print(f"{'case':<50} {'s':>6} {'MiB':>6} {'x base':>7}  outcome")
        for case in cases:
            code, out, err, seconds, mib = run(case, directory)
            problem = check(case, code, out, err)
            if seconds > TARGET_SECONDS:
                problem = problem or f"over {TARGET_SECONDS:.0f} s"
            failures += problem is not None
            outcome = {0: "ok", 2: "refused"}.get(code, f"exit {code}")
            print(f"{case.label:<50} {seconds:6.2f} {mib:6.0f} {seconds / base:7.1f}  {outcome}"
                  + (f"  FAIL: {problem}" if problem else ""))
    print(f"{len(cases) - failures} of {len(cases)} cases as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.pop("PYTHONIOENCODING", None)
    sys.exit(main(sys.argv[1:]))
