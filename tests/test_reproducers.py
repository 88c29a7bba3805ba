"""The reproducers of issue 8 (and the fuzzer's finds since), through the command line in a subprocess under a
1 GiB memory guard: each gives its result or a one-line refusal. bench/bench_bounded.py holds the cases and
measures their time and memory; here the time limit only guards against a hang."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bench" / "bench_bounded.py"
_SPEC = importlib.util.spec_from_file_location("bench_bounded", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
bench = importlib.util.module_from_spec(_SPEC)
sys.modules["bench_bounded"] = bench  # dataclasses look their module up
_SPEC.loader.exec_module(bench)


@pytest.mark.skipif(sys.platform == "win32", reason="the memory guard needs resource.setrlimit")
@pytest.mark.parametrize("case", bench.CASES, ids=[case.label for case in bench.CASES])
def test_reproducer(case, tmp_path: Path):
    code, out, err, seconds, _ = bench.run(case, tmp_path)
    problem = bench.check(case, code, out, err)
    assert problem is None, f"{case.label}: {problem} ({seconds:.1f} s)"
