"""A fuzzer over the spec grammar (issue 8, item 8): every spec finishes fast, within bounded memory, and either
succeeds or is refused with one line.

A hypothesis strategy writes specs from the whole grammar: every layer kind (``conv``, ``pool``, ``convt``,
``upsample``, ``global_pool``), values per axis, padding modes and asymmetric paddings, branches (``parallel``,
``residual``), repetitions (``n * [...]``, ``[...] * 3``, ``repeat(10**100, [...])``) nested a few levels deep,
symbols (including names sympy predefines, such as ``E``, ``N`` and ``pi``), arithmetic in values and huge integers;
some specs are then broken on purpose (a bracket dropped, an unknown function, a zero stride, a string) so that the
error paths are fuzzed too.

- :func:`test_cli_on_fuzzed_specs` runs each spec through the installed CLI in a subprocess limited to 1 GiB of
  address space and 10 s of wall-clock time, and checks the command line's contract: exit code 0 or 2; on 2, exactly
  one line on stderr, ``symrf: error: ...``; on 0, only warnings and notes on stderr; never a traceback.
- :func:`test_api_on_fuzzed_specs` runs the same specs in-process: ``analyze(parse(spec))``, ``to_dict()`` and
  ``latex()`` raise only :class:`~symrf.SymrfError`, and each spec takes less than 5 s.

The default run is short, for CI. A long run (run it before a release, or after touching the engines)::

    SYMRF_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py

``SYMRF_FUZZ_EXAMPLES`` sets the examples of the subprocess test (default 25); the in-process test runs eight times
as many (at least 200). A failure prints the falsifying spec and the command (hypothesis shrinks it first).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sympy.core.cache import clear_cache

import symrf
from symrf import SymrfError, parse

try:
    import resource
except ImportError:  # not a POSIX system: no memory guard
    resource = None  # type: ignore[assignment]

#: Examples of the subprocess test; each costs a Python start-up (about 0.7 s). The in-process test runs 8 times more.
EXAMPLES = max(1, int(os.environ.get("SYMRF_FUZZ_EXAMPLES", "25")))
API_EXAMPLES = max(200, 8 * EXAMPLES)
#: The default (CI) run draws the same examples every time, so that CI is repeatable; a long run draws new ones.
DERANDOMIZE = "SYMRF_FUZZ_EXAMPLES" not in os.environ

#: The guard of each CLI run: address space and wall-clock time (the issue's promise: 10 s, 1 GB).
MEMORY_LIMIT = 1 << 30
TIMEOUT = 10.0
#: Longest error line: messages quote user values in at most 60 characters (file paths in 260).
MAX_ERROR_LINE = 1000
#: Most seconds one spec may take in-process (analysis, to_dict, latex), when to give up on it altogether, and how
#: much memory it may add to the test process (beyond which it gets a MemoryError).
API_SECONDS = 5.0
API_ALARM = 20
API_MEMORY = 2 << 30


# -- the spec grammar -------------------------------------------------------------------------------------------

#: Symbol names: plain ones, subscripted ones, and names sympy predefines (constants, functions, assumptions).
SYMBOLS = ("k", "s", "n", "m", "p", "d", "q", "k_1", "s_2", "x0", "N", "E", "I", "S", "Q", "O", "pi", "gamma",
           "beta", "zeta", "C")
#: Huge values (some beyond the 4,000-digit limit, which must be refused with a message).
HUGE = ("10**50", "10**100", "2**64 - 1", "2**1000", "3**2000", "10**3999", "10**4000 + 1", "10**10**10",
        "(10**50)**80", "10**50 * 10**50", "-10**50")

def weighted(*choices: tuple[int, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """One of the strategies, each drawn with its weight (the first one is what examples shrink to)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda index: table[index])


small = st.integers(1, 7).map(str)
symbol = st.sampled_from(SYMBOLS)
#: Expressions of the kinds networks use (positive whenever their symbols are).
templates = st.tuples(st.sampled_from(("2*{0} + 1", "({0} + 1)//2", "{0}**2", "{0} + {1}", "{0}*{1}", "2**{0}",
                                       "({0} + {1})//2", "{0}**3 - {0} + 1", "{0}*{1}/{1}", "({0})**({1})")),
                      st.one_of(symbol, small), st.one_of(symbol, small)).map(lambda t: t[0].format(t[1], t[2]))
#: Any arithmetic (often out of range: negative, zero, or not an integer).
arithmetic = st.recursive(
    st.one_of(small, symbol),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(("+", "-", "*", "//", "/")), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.integers(0, 5)).map(lambda t: f"({t[0]})**{t[1]}"),
        inner.map(lambda v: f"-({v})"),
    ),
    max_leaves=5,
)
#: A value: mostly small integers and symbols, sometimes arithmetic or a large number, rarely zero, a negative
#: number or a huge one (most values are valid, so that most specs reach the engines).
value = weighted((60, small), (20, symbol), (10, templates), (3, st.sampled_from(("1000", "10**50", "2**64 - 1"))),
                 (2, arithmetic), (1, st.sampled_from(("0", "-1"))), (1, st.sampled_from(HUGE)))
#: A value of up-sampling layers, which need numbers (a symbol there is refused).
number = weighted((12, st.integers(1, 4).map(str)), (1, st.sampled_from(("1000", "10**6", "2**40", "10**100"))),
                  (1, value))
count = weighted((10, st.sampled_from(("2", "3", "4", "1", "0"))),
                 (6, st.sampled_from(("n", "m", "n + 1", "2*n", "k", "N"))),
                 (3, st.sampled_from(("1000", "100000", "10**100", "10**50 + 1"))),
                 (1, st.sampled_from(("100001", "10**3999", "-1", "n - 1", "0*n"))), (1, value))
#: A count as the left or right operand of ``*`` (a sum in parentheses, so that it stays the count).
factor = count.map(lambda text: text if text.replace("*", "").isalnum() else f"({text})")

pair = st.tuples(value, value).map(lambda t: f"({t[0]}, {t[1]})")
padding = weighted((6, value), (2, st.sampled_from(("'same'", "'valid'", "'SAME'"))), (1, pair.map(lambda t: f"[{t}]")))
name = weighted((20, st.sampled_from(("'stem'", "'a b'", "'conv_1'", "'ü'", "'#1'", "'x' ' y'"))),
                (1, st.sampled_from(("'x' * 3", "''", "'\\t'", "'a' + 'b'"))))


@st.composite
def keywords(draw: st.DrawFn, options: dict[str, st.SearchStrategy[str]]) -> str:
    """Some of ``options`` as keyword arguments (``, p=1, d=2``), in the order given."""
    parts = [f", {key}={draw(strategy)}" for key, strategy in options.items() if draw(st.booleans())]
    return "".join(parts)


@st.composite
def plain_layer(draw: st.DrawFn, strided: bool) -> str:
    """One layer with one value per argument: of any kind, or (not ``strided``) a conv or pool of stride 1."""
    kinds = ("conv", "conv", "pool", "convt", "upsample", "global_pool") if strided else ("conv", "conv", "pool")
    kind = draw(st.sampled_from(kinds))
    if kind == "global_pool":
        return draw(st.sampled_from(("global_pool()", "global_pool(name='gap')")))
    if kind == "upsample":
        return f"upsample({draw(number)})" if draw(st.booleans()) else "upsample()"
    args = draw(value)
    if kind == "convt":
        args += f", {draw(number)}"
    elif not strided:
        args += ", 1" if kind == "pool" else ""
    elif draw(st.booleans()):
        args += f", {draw(value)}"
    options = {"p": padding, "d": value, "name": name} if kind != "convt" else {"p": padding, "d": value}
    return f"{kind}({args}{draw(keywords(options))})"


@st.composite
def axes_layer(draw: st.DrawFn, strided: bool) -> str:
    """A layer with values per axis: ``conv((3, 5), s=(2, 1), p=[(0, 1), 1])``; usually 2 axes, sometimes 3."""
    axes = draw(st.sampled_from((2,) * 7 + (3,)))

    def per_axis(strategy: st.SearchStrategy[str]) -> str:
        return "(" + ", ".join(draw(strategy) for _ in range(axes)) + ")"

    kind = draw(st.sampled_from(("conv", "conv", "pool", "convt", "upsample") if strided else ("conv", "pool")))
    if kind == "upsample":
        return f"upsample({per_axis(number)})"
    kernel = per_axis(value) if draw(st.booleans()) else draw(value)
    if kind == "convt":
        args = f"{kernel}, s={per_axis(number)}"
    elif not strided:
        args = kernel + (", s=1" if kind == "pool" else "")
    else:
        args = kernel + (f", s={per_axis(value)}" if draw(st.booleans()) else "")
    if draw(st.booleans()):
        entries = [draw(st.one_of(value, pair)) for _ in range(axes)]
        args += f", p=[{', '.join(entries)}]" if draw(st.booleans()) else f", p=({', '.join(entries)})"
    if kind == "conv" and draw(st.booleans()):
        args += f", d={per_axis(value)}"
    return f"{kind}({args})"


@cache
def layer(strided: bool) -> st.SearchStrategy[str]:
    return weighted((5, plain_layer(strided)), (1, axes_layer(strided)))


@cache
def block(depth: int, strided: bool = True) -> st.SearchStrategy[str]:
    """A comma-separated sequence of 1 to 3 items, nested at most ``depth`` levels (repeats and branches); without
    ``strided``, only layers of stride 1 (so that the paths of a branch usually have the same resolution)."""
    return st.lists(item(depth, strided), min_size=1, max_size=3).map(", ".join)


@cache
def item(depth: int, strided: bool) -> st.SearchStrategy[str]:
    """A layer, or (above depth 0) a repeated block, a branching block or a concatenation of lists."""
    if depth == 0:
        return layer(strided)
    inner = block(depth - 1, strided)
    path = weighted((3, block(depth - 1, False)), (1, inner))  # the paths of a branch
    repeated = st.one_of(
        st.tuples(factor, inner).map(lambda t: f"{t[0]} * [{t[1]}]"),
        st.tuples(inner, factor).map(lambda t: f"[{t[0]}] * {t[1]}"),
        st.tuples(count, inner).map(lambda t: f"repeat({t[0]}, [{t[1]}])"),
    )
    branching = st.one_of(
        path.map(lambda body: f"residual([{body}])"),
        st.lists(st.one_of(path, st.just("")), min_size=1, max_size=3).map(
            lambda paths: "parallel(" + ", ".join(f"[{path}]" for path in paths) + ")"),
        st.tuples(path, path).map(lambda t: f"parallel([{t[0]}], [{t[1]}], name='mix')"),
    )
    concatenated = st.tuples(inner, inner).map(lambda t: f"[{t[0]}] + [{t[1]}]")
    return weighted((4, layer(strided)), (2, repeated), (2, branching), (1, concatenated))


#: Whole specs that must be refused, appended to a valid one (every kind of exit-2 path).
BROKEN = (
    "Conv(3)", "foo(1)", "conv(3, s=0)", "conv(3, p=-1)", "pool(0)", "upsample(0)", "convt(3, s=-2)", "'abc'",
    "conv(3, p='smae')", "conv(3, p='abc')", "conv(3, stride=2)", "conv(3.5)", "conv(k/2)", "conv(3) * 2",
    "x.y", "conv(floor)", "conv(Max)", "[conv(3)] * [conv(1)]", "-1 * [conv(3)]", "conv(3, name=3)",
    "conv(3, name='\\x00')", "conv(3, name='\\ud800')", "conv(3, 3, 3, 3, 3, 3)", "conv()", "conv(3, s=k - k)",
    "conv(1 - k)", "conv(3, d=0)", "conv(k**101)", "conv(10**4001)", "conv(3, p=None)", "lambda: 0",
    "conv(3) if 1 else 2", "[x for x in y]", "conv(3, **{})", "conv(*[3])", "conv(3 % 2)", "conv(3 @ 2)",
    "conv(3, s=[1, 2])", "conv((3, 5)), conv((3, 5, 7))", "residual()", "parallel()", "repeat(n)",
    "repeat(n, 3)", "global_pool(3)", "upsample(2, 2, 2)", "conv(True)", "conv(3j)", "conv(k, s=k - 1)",
    "conv(3, p=[(0, 1), (2, 3), (4,)])", "conv(3, p=[(-1, 0)])", "n * [n * [conv(3)]]", "[]", "()", "0 * [conv(3)]",
)
#: Characters whose insertion or deletion breaks a spec's syntax (or changes its meaning).
SYNTAX = "()[],*'=+-/.:#\\\"\n\t \x00é"


@st.composite
def specs(draw: st.DrawFn) -> str:
    """A spec from the grammar; about one in five is then broken (or made odd) on purpose."""
    text = draw(block(3))
    mutation = draw(st.sampled_from(("none",) * 16 + ("append", "prepend", "delete", "insert", "truncate",
                                                      "duplicate")))
    where = draw(st.integers(0, max(len(text), 1)))
    if mutation == "append":
        text = f"{text}, {draw(st.sampled_from(BROKEN))}"
    elif mutation == "prepend":
        text = f"{draw(st.sampled_from(BROKEN))}, {text}"
    elif mutation == "delete":
        text = text[:where] + text[where + 1:]
    elif mutation == "insert":
        text = text[:where] + draw(st.sampled_from(SYNTAX)) + text[where:]
    elif mutation == "truncate":
        text = text[:where]
    elif mutation == "duplicate":
        text = f"{draw(factor)} * [{text}], {text}"
    return text


#: Command lines; "{}" is the spec.
COMMANDS = (
    ("rf", "{}"),
    ("rf", "{}", "--json"),
    ("rf", "{}", "--input-size", "224"),
    ("rf", "{}", "--input-size", "N"),
    ("rf", "{}", "--input-size", "224", "--json"),
    ("rf", "{}", "--markdown", "--form", "nested"),
    ("rf", "{}", "--copies"),
    ("rf", "{}", "--latex"),
    ("derive", "{}"),
    ("derive", "{}", "--jump", "--center"),
    ("solve", "{}", "--target", "224"),
    ("solve", "{}", "--target", "10**100"),
    ("input", "{}"),
    ("input", "{}", "--input-size", "224", "--json"),
)


# -- the CLI, in a subprocess with a guard ----------------------------------------------------------------------


def _guard() -> None:  # pragma: no cover - runs in the child, between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty directory to run in, so that no spec names an existing file by chance."""
    return tmp_path_factory.mktemp("fuzz")


def run_cli(arguments: list[str], cwd: Path) -> tuple[int, str, str, float]:
    """``python -m symrf ARGUMENTS`` under the guard: (exit code, stdout, stderr, seconds)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONIOENCODING"}
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "symrf", *arguments], capture_output=True, timeout=TIMEOUT,
                              env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                              preexec_fn=_guard if resource is not None else None)
    except subprocess.TimeoutExpired:
        done = None
    if done is None:  # failed outside the handler, so that the failure is the same each time (no chained context)
        pytest.fail(f"timeout: no answer within {TIMEOUT:.0f} s for: symrf {' '.join(map(repr, arguments))}")
    seconds = time.perf_counter() - start
    decode = lambda data: data.decode("utf-8", "backslashreplace")  # noqa: E731
    return done.returncode, decode(done.stdout), decode(done.stderr), seconds


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=specs(), command=st.sampled_from(COMMANDS))
def test_cli_on_fuzzed_specs(workdir: Path, spec: str, command: tuple[str, ...]):
    arguments = [spec if part == "{}" else part for part in command]
    shown = f"symrf {' '.join(map(repr, arguments))}"
    note(f"command: {shown}")
    code, out, err, seconds = run_cli(arguments, workdir)
    note(f"exit code {code} after {seconds:.1f} s; stderr: {err[:2000]!r}")
    assert "Traceback" not in err and "Traceback" not in out, f"traceback from {shown}:\n{err[-3000:]}"
    assert code in (0, 2), f"exit code {code} (a crash or a signal) from {shown}:\n{err[-3000:]}"
    lines = err.splitlines()
    if code == 2:
        assert len(lines) == 1 and err.endswith("\n"), f"not one error line from {shown}:\n{err[-3000:]}"
        assert lines[0].startswith("symrf: error: "), f"not an error line from {shown}: {lines[0]!r}"
        assert "too large to analyse in memory" not in lines[0], \
            f"the {MEMORY_LIMIT >> 20} MiB memory guard was hit by {shown}: {lines[0]!r}"
        assert len(lines[0]) <= MAX_ERROR_LINE, \
            f"an error line of {len(lines[0]):,} characters (values are cut to 60) from {shown}: {lines[0][:300]!r}"
    else:
        odd = [line for line in lines if not line.startswith(("symrf: warning: ", "symrf: note: "))]
        assert not odd, f"stderr of a success holds other lines than warnings and notes, from {shown}: {odd[:3]}"
        assert out.strip(), f"a success printed nothing, from {shown}"


# -- the library, in-process ------------------------------------------------------------------------------------


class _Alarm(BaseException):
    """Raised by the alarm of :func:`time_limit`: a BaseException, so that no ``except Exception`` swallows it."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Give up on the block after ``seconds`` (so that a hang fails the test instead of stopping the suite)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def ring(signum: int, frame: object) -> None:
        signal.alarm(1)  # again in a second, in case this one lands where exceptions are ignored (a gc callback)
        raise _Alarm()

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _address_space() -> int | None:
    """The bytes of address space this process uses (Linux), or None where unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def memory_limit(extra: int) -> Iterator[None]:
    """Let the block add at most ``extra`` bytes of address space (it gets a MemoryError beyond), so that a spec
    that eats the machine fails the test instead of waking the OOM killer. The soft limit is restored after."""
    used = _address_space() if resource is not None else None
    if used is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def start_cold() -> None:
    """Empty sympy's cache and symrf's own (``functools`` caches of whole expressions), and collect garbage: state
    left by earlier examples would otherwise slow later ones (or speed up reruns) in ways a CLI run never sees."""
    clear_cache()
    for name, module in list(sys.modules.items()):
        if name == "symrf" or name.startswith("symrf."):
            for value in vars(module).values():
                # symrf.symbols caches for identity (one object per name), not for speed: those caches are kept
                if callable(getattr(value, "cache_clear", None)) and value.__module__ != "symrf.symbols":
                    value.cache_clear()
    gc.collect()


def exercise(spec: str, input_size: object) -> None:
    """What the CLI does with a spec, in-process: parse, analyse, and render as JSON and LaTeX."""
    analysis = symrf.analyze(parse(spec), input_size)
    json.dumps(analysis.to_dict())
    analysis.latex()
    analysis.latex(jump=True, center=True)


@settings(max_examples=API_EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=specs(), input_size=st.sampled_from((None, None, 224, "N")))
def test_api_on_fuzzed_specs(spec: str, input_size: object):
    note(f"symrf.analyze(parse({spec!r}), {input_size!r})")
    start_cold()  # each example starts cold, as a CLI run does (and a rerun while shrinking is not faster)
    start = time.perf_counter()
    failure = None
    try:
        with time_limit(API_ALARM), memory_limit(API_MEMORY):
            exercise(spec, input_size)
    except SymrfError:
        pass
    except _Alarm:
        failure = f"timeout: no answer within {API_ALARM} s"
    except MemoryError:
        failure = f"memory: more than {API_MEMORY >> 30} GiB"
    if failure is not None:  # failed outside the handlers, so that the failure is the same each time
        pytest.fail(f"{failure} for {spec!r} (input size {input_size!r})")
    seconds = time.perf_counter() - start
    assert seconds < API_SECONDS, f"{seconds:.1f} s (more than {API_SECONDS:.0f} s) for {spec!r}"
