"""The documentation's examples are run, and their output compared with what the pages say.

A page under ``docs/`` is checked when it holds the marker line ``<!-- checked: tests/test_docs.py -->``; the core
pages must hold it. In a checked page:

- A fenced block opened with ```` ```console ```` holds shell sessions. A line ``$ command`` starts a command; the
  lines after it, up to the next ``$ `` line or the end of the block, are its expected output.
- ``$ symrf ...`` runs through typer's ``CliRunner`` on :data:`symrf.cli.app` (arguments split with ``shlex``) in a
  temporary directory. Its output (stdout and stderr as a terminal shows them) must equal the expected output,
  white space normalised; a line holding only ``...`` matches any text. The exit code must be 2 when the expected
  output holds ``symrf: error:`` and 0 otherwise. Pipes and redirections are not supported in checked commands.
- ``$ cat FILE`` followed by lines creates FILE with those lines, for the ``symrf`` commands after it on the page.
- Any other command (``pip install ...``, ``python ...``) is shown to the reader and not run.
- Fenced ```` ```python ```` blocks that contain ``>>>`` run as doctests, in page order and sharing one namespace,
  with ``NORMALIZE_WHITESPACE`` and ``ELLIPSIS``.
"""

from __future__ import annotations

import doctest
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symrf.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"
MARKER = "<!-- checked: tests/test_docs.py -->"
#: Pages that must be checked; other pages opt in with the marker.
CORE_PAGES = ("index.md", "theory.md", "cli.md", "spec.md", "api.md")
#: Shell syntax a checked command may not use (the checker runs the command in-process, not in a shell).
SHELL_TOKENS = frozenset({"|", "||", "&&", ";", "&", ">", ">>", "<", "2>", "2>&1", "&>"})
#: A fixed terminal for rich's tables, so that the documented tables do not depend on the reader's window.
TERMINAL = {"COLUMNS": "80", "LINES": "50", "NO_COLOR": "1", "FORCE_COLOR": None, "TTY_COMPATIBLE": None,
            "TTY_INTERACTIVE": None}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class Command:
    page: str
    line: int
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class PythonBlock:
    page: str
    line: int
    source: str


@dataclass
class Page:
    name: str
    commands: list[Command]
    files: list[tuple[int, str, str]]  # (line, file name, contents), from "$ cat FILE"
    python: list[PythonBlock]


def read_page(path: Path) -> Page:
    """The console commands, file listings and doctest blocks of one Markdown page."""
    commands: list[Command] = []
    files: list[tuple[int, str, str]] = []
    python: list[PythonBlock] = []
    fence: str | None = None
    block: list[str] = []
    start = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if fence is None:
            if stripped.startswith("```"):
                fence, block, start = stripped[3:].strip(), [], number + 1
            continue
        if stripped != "```":
            block.append(line)
            continue
        if fence == "console":
            commands_in_block = _console(path.name, start, block)
            for command in commands_in_block:
                words = command.text.split(maxsplit=2)
                if words[:1] == ["cat"] and len(words) == 2:
                    files.append((command.line, words[1], "\n".join(command.expected) + "\n"))
                else:
                    commands.append(command)
        elif fence == "python" and any(line.lstrip().startswith(">>>") for line in block):
            python.append(PythonBlock(path.name, start, "\n".join(block) + "\n"))
        fence = None
    assert fence is None, f"{path.name}: a fenced block is not closed"
    return Page(path.name, commands, files, python)


def _console(page: str, first_line: int, lines: list[str]) -> list[Command]:
    commands: list[Command] = []
    for offset, line in enumerate(lines):
        if line.startswith("$ "):
            commands.append(Command(page, first_line + offset, line[2:].strip()))
        elif commands:
            commands[-1].expected.append(line)
    return commands


def checked_pages() -> list[Page]:
    paths = sorted(DOCS.glob("*.md"))
    return [read_page(path) for path in paths if MARKER in path.read_text(encoding="utf-8")]


PAGES = checked_pages()
SYMRF_COMMANDS = [(page, command) for page in PAGES for command in page.commands if command.text.startswith("symrf ")]
DOCTEST_PAGES = [page for page in PAGES if page.python]


def normalise(text: str) -> str:
    return " ".join(ANSI.sub("", text).split())


def matches(expected_lines: list[str], actual: str) -> bool:
    """Whether ``actual`` is the expected output, white space aside; a line ``...`` matches any text."""
    chunks: list[list[str]] = [[]]
    for line in expected_lines:
        if line.strip() == "...":
            chunks.append([])
        else:
            chunks[-1].append(line)
    pattern = r"\s*.*?\s*".join(re.escape(normalise("\n".join(chunk))) for chunk in chunks)
    return re.fullmatch(pattern, normalise(actual), flags=re.DOTALL) is not None


def write_files(page: Page, before_line: int, directory: Path) -> None:
    for line, name, contents in page.files:
        if line < before_line:
            (directory / name).write_text(contents, encoding="utf-8")


def test_core_pages_are_checked():
    missing = [name for name in CORE_PAGES if not (DOCS / name).exists()]
    assert not missing, f"missing pages: {missing}"
    unchecked = [name for name in CORE_PAGES if MARKER not in (DOCS / name).read_text(encoding="utf-8")]
    assert not unchecked, f"pages without the marker {MARKER}: {unchecked}"
    without_commands = [name for name in ("index.md", "theory.md", "cli.md")
                        if not any(command.page == name for _, command in SYMRF_COMMANDS)]
    assert not without_commands, f"pages without a checked symrf command: {without_commands}"
    assert any(page.name == "api.md" for page in DOCTEST_PAGES), "api.md has no >>> examples"


@pytest.mark.parametrize(("page", "command"), SYMRF_COMMANDS,
                         ids=[f"{command.page}:{command.line}" for _, command in SYMRF_COMMANDS])
def test_documented_command_output(page: Page, command: Command, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    where = f"{command.page}, line {command.line}: $ {command.text}"
    arguments = shlex.split(command.text)[1:]
    shell = [word for word in arguments if word in SHELL_TOKENS]
    assert not shell, f"{where}: checked commands cannot use shell syntax {shell}; show it in a ```sh block"
    write_files(page, command.line, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, arguments, env=TERMINAL)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{where}: raised {result.exception!r}") from result.exception
    expected_code = 2 if any("symrf: error:" in line for line in command.expected) else 0
    assert result.exit_code == expected_code, f"{where}: exit code {result.exit_code}\n{result.output}"
    assert matches(command.expected, result.output), (
        f"{where}: the output differs from the page.\n--- documented\n" + "\n".join(command.expected)
        + f"\n--- actual\n{result.output}"
    )


@pytest.mark.parametrize("page", DOCTEST_PAGES, ids=[page.name for page in DOCTEST_PAGES])
def test_documented_python_examples(page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    write_files(page, 10**9, tmp_path)
    parser = doctest.DocTestParser()
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    runner = doctest.DocTestRunner(optionflags=flags)
    namespace: dict[str, object] = {"__name__": f"docs.{page.name}"}
    report: list[str] = []
    for block in page.python:
        test = parser.get_doctest(block.source, namespace, f"{page.name}:{block.line}", str(DOCS / page.name),
                                  block.line - 1)
        test.globs = namespace  # one namespace for the whole page, as in a reader's session
        runner.run(test, out=report.append, clear_globs=False)
    assert runner.failures == 0, "".join(report)


def test_matches_understands_ellipsis_and_white_space():
    assert matches(["a  b", "...", "z"], "a b\nanything\nat all\nz\n")
    assert matches(["{", "...", "}"], "{\n}")
    assert not matches(["a", "b"], "a c")
    assert matches([], "")
