"""Timing helpers shared by the benchmark scripts (run them as ``python bench/NAME.py``)."""

from __future__ import annotations

import gc
import shutil
import sys
import time
from collections.abc import Callable


def best_of(repeats: int, function: Callable[[], object], setup: Callable[[], object] | None = None,
            pause_gc: bool = False) -> float:
    """The best wall time of ``repeats`` runs of ``function``; ``setup`` runs untimed before each run, and
    ``pause_gc`` keeps the cyclic garbage collector out of the timed part."""
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        if pause_gc:
            gc.collect()
            gc.disable()
        try:
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        finally:
            if pause_gc:
                gc.enable()
    return min(times)


def symrf_command(*args: str) -> list[str]:
    """The installed ``symrf`` console script with ``args`` (``python -m symrf`` when it is not on the PATH)."""
    found = shutil.which("symrf")
    return [found, *args] if found else [sys.executable, "-m", "symrf", *args]
