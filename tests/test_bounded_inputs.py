"""Bounded work on every input (issue 8, items 5 and 7): files, names, strict values and API errors.

Only regular files of bounded size are read, YAML anchors and aliases are refused, no message prints an unbounded
user value, names are printable text, quoted paddings are 'same' or 'valid', targets are positive, and every API
entry point raises a SymrfError (or a TypeError with symrf's own message) for bad arguments.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy
from typer.testing import CliRunner

import symrf
from symrf import closed_form, conv, parallel, residual
from symrf.cli import app
from symrf.dag import GraphNode
from symrf.errors import LayerError, SpecError, SymrfError, quoted, shorten
from symrf.graphfile import read_graph
from symrf.naming import MAX_NAME
from symrf.network import Network
from symrf.reader import MAX_DIGITS, MAX_TEXT

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def assert_one_line_error(result, fragment: str = "") -> str:
    """The CLI refused the input: exit code 2, exactly one line on stderr, no traceback; returns that line."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("symrf: error: "), result.stderr
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert fragment in result.stderr, result.stderr
    return result.stderr


def installed_cli() -> list[str]:
    found = shutil.which("symrf")
    return [found] if found else [sys.executable, "-m", "symrf"]


def run_installed(*args: str, timeout: float = 30, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed CLI in a subprocess, so that a regression that blocks fails the test instead of hanging it."""
    return subprocess.run([*installed_cli(), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


# -- files: regular files only, with a size cap ---------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need a POSIX system")
@pytest.mark.parametrize("name", ["spec.txt", "graph.toml", "graph.yaml"])
def test_a_fifo_is_refused_at_once(tmp_path: Path, name: str):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    start = time.monotonic()
    result = run_installed("rf", str(fifo))
    assert time.monotonic() - start < 20
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "not a regular file (a FIFO)" in result.stderr and str(fifo) in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need a POSIX system")
def test_load_graph_refuses_a_fifo_before_opening_it(tmp_path: Path):
    fifo = tmp_path / "graph.toml"
    os.mkfifo(fifo)
    with pytest.raises(SymrfError, match="not a regular file"):
        symrf.load_graph(fifo)


def test_a_directory_is_not_a_spec_file(tmp_path: Path):
    folder = tmp_path / "specs.d"
    folder.mkdir()
    assert_one_line_error(run("rf", str(folder)), "not a regular file (a directory)")


@pytest.mark.parametrize("suffix", [".spec", ".toml"])
def test_a_file_too_large_is_refused_before_it_is_read(tmp_path: Path, suffix: str):
    path = tmp_path / f"huge{suffix}"
    with path.open("wb") as handle:  # a sparse file: large, but nothing is written
        handle.truncate(4 * MAX_TEXT + 1)
    line = assert_one_line_error(run("rf", str(path)), "too large")
    assert f"{MAX_TEXT:,} characters" in line


def test_a_file_of_too_many_characters_is_refused(tmp_path: Path):
    path = tmp_path / "long.spec"
    path.write_text("conv(3)\n" + "#" * MAX_TEXT)
    assert_one_line_error(run("rf", str(path)), f"more than {MAX_TEXT:,} characters")


def test_load_graph_names_a_missing_file(tmp_path: Path):
    with pytest.raises(SymrfError, match="cannot read the graph file .*No such file"):
        symrf.load_graph(tmp_path / "missing.toml")


# -- YAML: anchors and aliases are refused -------------------------------------------------------------------

LAUGHS = "\n".join(
    ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abc", "bcd")]
    + ["spec: *d"]
)


def test_nested_yaml_aliases_are_refused_quickly(tmp_path: Path):
    pytest.importorskip("yaml")
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS)
    start = time.monotonic()
    line = assert_one_line_error(run("rf", str(path)), "anchors and aliases")
    assert time.monotonic() - start < 5
    assert "line 1" in line and len(line) < 300


def test_a_single_yaml_alias_is_refused_too():
    pytest.importorskip("yaml")
    text = "name: &n tiny\nspec: 'conv(3)'\ndescription: *n\n"
    with pytest.raises(SymrfError, match=r"anchors and aliases \(&name, \*name\) are not allowed"):
        read_graph(text, "yaml")


def test_plain_yaml_still_reads():
    pytest.importorskip("yaml")
    text = "node:\n  - name: a\n    layers: conv(3, p=1)\n  - name: b\n    inputs: [a, input]\n"
    assert symrf.analyze(read_graph(text, "yaml")).rf == 3


@pytest.mark.parametrize("kind, text", [("yaml", "spec: " + "[" * 5000 + "]" * 5000),
                                        ("toml", "spec = " + "[" * 5000 + "]" * 5000)])
def test_deeply_nested_graph_files_are_refused(kind: str, text: str):
    if kind == "yaml":
        pytest.importorskip("yaml")
    with pytest.raises(SymrfError, match="nested too deeply"):
        read_graph(text, kind)


# -- no message prints an unbounded user value ---------------------------------------------------------------


def test_quoted_and_shorten_are_bounded():
    assert quoted("smae") == "'smae'"
    assert len(quoted("x" * 10**6)) <= 60 and quoted("x" * 10**6).endswith("'")
    assert quoted(10**5000) == "an integer of about 5,001 digits"
    assert "..." in quoted(list(range(10**5)))
    nested: list = []
    for _ in range(10_000):
        nested = [nested]
    assert len(quoted(nested)) <= 60
    assert shorten("a\n  b") == "a b" and shorten("y" * 100, 10) == "yyyyyyy..."
    assert shorten("a" + " " * 1000 + "b", 20).endswith("...")


def test_a_huge_value_in_a_graph_file_is_cut_in_the_message(tmp_path: Path):
    path = tmp_path / "list.toml"
    path.write_text("spec = [" + ", ".join(["1"] * 100_000) + "]\n")
    line = assert_one_line_error(run("rf", str(path)), "'spec' must be a string")
    assert len(line) < 200


def test_long_names_and_keys_in_graph_files_are_cut(tmp_path: Path):
    long = "x" * 5000
    text = f'[[node]]\nname = "a"\nlayers = "conv(3)"\ninputs = ["{long}"]\n'
    with pytest.raises(SymrfError) as info:
        read_graph(text)
    assert "is not a node" in str(info.value) and len(str(info.value)) < 200
    with pytest.raises(SymrfError) as info:
        read_graph(f'{long} = 1\nspec = "conv(3)"\n')
    assert "unknown key" in str(info.value) and len(str(info.value)) < 300


def test_api_messages_quote_huge_values_briefly():
    with pytest.raises(LayerError) as info:
        conv(3, p=(10**5000, 1))
    assert "digits" in str(info.value) and len(str(info.value)) < 400
    with pytest.raises(SymrfError) as info:
        symrf.analyze("conv(3)").layer("x" * 10**6)
    assert len(str(info.value)) < 200


# -- names are printable text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("spec, fragment", [
    (r"conv(3, name='\ud800')", "lone surrogate U+D800"),
    (r"conv(3, name='a\x00b')", "control character U+0000"),
    (r"conv(3, name='a\nb')", "control character U+000A"),
    (r"residual([conv(3)], name='\x07')", "control character U+0007"),
    (r"conv((3, 5), name='\udfff')", "lone surrogate U+DFFF"),
])
def test_unprintable_names_are_refused_by_the_cli(spec: str, fragment: str):
    line = assert_one_line_error(run("rf", spec), fragment)
    assert "printable" in line


@pytest.mark.parametrize("make", [
    lambda: conv(3, name="\ud800"),
    lambda: conv(3, name="a\x00b"),
    lambda: conv((3, 5), name="\t"),
    lambda: symrf.pool(2, name="x" * (MAX_NAME + 1)),
    lambda: symrf.global_pool(name="\x1b[31m"),
    lambda: residual([conv(3)], name="\ud800"),
    lambda: parallel([conv(3)], [], name="a\rb"),
    lambda: GraphNode("a\x00", Network(), ("input",)),
])
def test_unprintable_names_are_refused_by_the_api(make):
    with pytest.raises(SymrfError, match="printable|too long"):
        make()


def test_printable_names_are_kept():
    assert conv(3, name="stem/conv 1 ж").name == "stem/conv 1 ж"
    assert conv(3, name="x" * MAX_NAME).name == "x" * MAX_NAME
    assert GraphNode("block 1", Network(), "input").inputs == ("input",)


def test_a_graph_file_names_the_node_with_an_unprintable_name():
    text = '[[node]]\nname = "a\\u0000b"\nlayers = "conv(3)"\n'
    with pytest.raises(SymrfError, match=r"node 1 \(line 1\) 'a\\x00b': the node's name has the control character"):
        read_graph(text, where="g.toml")


def test_output_the_terminal_cannot_encode_is_escaped():
    result = run_installed("rf", "conv(3, name='ж')", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert "\\u0436" in result.stdout and "Traceback" not in result.stderr
    result = run_installed("rf", "conv(3, name='ж'), conv(0)", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


# -- strict values: quoted paddings, targets -------------------------------------------------------------------


@pytest.mark.parametrize("spec, fragment", [
    ("conv(3, p='smae')", "'smae' is not a padding mode; did you mean 'same'?"),
    ("conv(3, p='vaild')", "did you mean 'valid'?"),
    ("pool(2, p='Sam')", "did you mean 'same'?"),
    ("conv(3, p='abc')", "a quoted padding is 'same' or 'valid'; a symbol is written without quotes, as in p=abc"),
    ("conv(3, p='2*k')", "a quoted padding is 'same' or 'valid'"),
    ("conv((3, 3), p=('same', 'smae'))", "did you mean 'same'?"),
])
def test_quoted_paddings_other_than_same_and_valid_are_refused(spec: str, fragment: str):
    assert_one_line_error(run("rf", spec), fragment)


def test_padding_modes_and_unquoted_symbols_still_work():
    assert symrf.parse("conv(3, s=2, p='same'), conv(3, p='VALID')") == symrf.parse("conv(3, s=2, p='same'), conv(3)")
    assert symrf.analyze("conv(3, p=abc)").effective_padding == symrf.symbol("abc", nonnegative=True)


@pytest.mark.parametrize("padding, fragment", [
    ("smae", "did you mean 'same'?"),
    ("vaild", "did you mean 'valid'?"),
    ("sam", "did you mean 'same'?"),
    ("full", "'full' is not a padding mode"),
])
def test_the_api_refuses_near_misses_of_padding_modes(padding: str, fragment: str):
    with pytest.raises(LayerError, match=fragment):
        conv(3, p=padding)


def test_the_api_keeps_value_text_as_padding():
    assert conv(3, p="abc").padding == symrf.symbol("abc", nonnegative=True)
    assert {sym.name for sym in conv("k", p="(k - 1)//2").padding.free_symbols} == {"k"}
    assert conv(3, p="p").padding == symrf.symbol("p", nonnegative=True)
    assert conv(3, p="Same").padding == "same"


@pytest.mark.parametrize("target, fragment", [
    ("-T", "must be positive, and -T is zero or negative"),
    ("-T - 1", "must be positive"),
    ("0", "positive integer"),
    ("224.0", "the target RF must be a positive integer or a symbol such as T; '224.0' is not an integer"),
    ("1e3", "'1e3' is not an integer"),
    ("2.5", "not an integer"),
    ("T(", "the target 'T('"),
])
def test_targets_must_be_positive_integers(target: str, fragment: str):
    assert_one_line_error(run("solve", "conv(3)", "--target", target), fragment)


def test_symbolic_targets_that_may_be_positive_are_solved():
    result = run("solve", "conv(3)", "--target", "T")
    assert result.exit_code == 0, result.stderr
    assert symrf.solve("n * [conv(3)]", "T - 5").subs(T=15).value == 5


def test_the_api_refuses_bad_targets():
    t = symrf.symbol("T")
    for target in (-t, 0 * t, -5, 10**5000, 2.5, None, True, [224], "-T"):
        with pytest.raises(SymrfError, match="target"):
            symrf.solve("n * [conv(3)]", target)


# -- API entry points raise SymrfError (or TypeError with symrf's message) -------------------------------------


def _ok_or_refused(make):
    """Run ``make``: it may succeed or raise a SymrfError, but no bare exception."""
    try:
        return make()
    except SymrfError:
        return None


def test_huge_repeat_counts_raise_no_bare_exception():
    for count in (10**9, 10**100):
        made = _ok_or_refused(lambda count=count: symrf.repeat(count, [conv(3)]))
        if made is not None:
            analysis = _ok_or_refused(lambda made=made: symrf.analyze(made))
            if analysis is not None:
                assert analysis.rf == 2 * count + 1
    _ok_or_refused(lambda: symrf.analyze(symrf.repeat(10**9, [conv(3), symrf.pool(2)])).rf)
    with pytest.raises(SymrfError, match="digits"):
        symrf.repeat(10**5000, [conv(3)])


A = symrf.analyze("conv(k), pool(2)")


@pytest.mark.parametrize("make, error, fragment", [
    (lambda: symrf.analyze("conv((3, 5))").axis(5), SymrfError, "no axis 5"),
    (lambda: symrf.analyze("conv((3, 5))").axis(None), SymrfError, "no axis None"),
    (lambda: conv(10**5000), LayerError, f"more than {MAX_DIGITS:,} digits"),
    (lambda: conv(sympy.Symbol("x") + 10**5000), LayerError, f"more than {MAX_DIGITS:,} digits"),
    (lambda: conv(3, p=-(10**5000)), LayerError, "digits"),
    (lambda: symrf.analyze("conv(3)", input_size=10**5000), SymrfError, "digits"),
    (lambda: symrf.analyze(3), SymrfError, "not 3"),
    (lambda: symrf.analyze(None), SymrfError, "not None"),
    (lambda: symrf.analyze(b"conv(3)"), SymrfError, "not b'conv(3)'"),
    (lambda: conv(None), LayerError, "kernel must be an integer"),
    (lambda: conv(3.5), LayerError, "not float 3.5"),
    (lambda: symrf.parse(b"conv(3)"), SpecError, "must be text"),
    (lambda: symrf.parse(None), SpecError, "must be text"),
    (lambda: symrf.solve("conv(3)", None), SymrfError, "target"),
    (lambda: symrf.solve("conv(k)", 10, 3), SymrfError, "the unknown is a symbol"),
    (lambda: symrf.solve("conv(k)", 10, "x" * 10**5), SymrfError, "no symbol"),
    (lambda: A.subs(k=None), SymrfError, "k: value must be an integer"),
    (lambda: A.subs(k=10**5000), SymrfError, "digits"),
    (lambda: A.subs(3), TypeError, "subs() takes a mapping"),
    (lambda: A.layer(None), SymrfError, "1-based index"),
    (lambda: A.row("x"), SymrfError, "1-based index"),
    (lambda: A.row(10**5000), SymrfError, "no row an integer of about"),
    (lambda: symrf.solve("n * [conv(k)]", "T").subs(k=10**5000), SymrfError, "digits"),
    (lambda: symrf.load_graph("/nonexistent/graph.toml"), SymrfError, "cannot read the graph file"),
    (lambda: symrf.load_graph(None), TypeError, "load_graph() takes the path"),
    (lambda: symrf.symbol(None), TypeError, "a symbol's name is a string"),
    (lambda: symrf.symbol("1x"), SymrfError, "is not a symbol name"),
    (lambda: Network.of(3), SymrfError, "list of layers"),
    (lambda: symrf.sweep(closed_form("n * [conv(3)]"), None), SymrfError, "grid"),
    (lambda: symrf.sweep(closed_form("n * [conv(3)]"), {"n": None}), SymrfError, "list or range"),
    (lambda: symrf.sweep(closed_form("n * [conv(3)]"), {"n": [10**5000]}), SymrfError, "digits"),
    (lambda: symrf.sweep(closed_form("n * [conv(3)]"), {"n": range(1, 10**100)}), SymrfError, "values of n"),
])
def test_api_entry_points_refuse_bad_arguments_with_symrf_messages(make, error, fragment):
    with pytest.raises(error) as info:
        make()
    assert fragment in str(info.value)
    assert len(str(info.value)) < 400
