"""The command line: the contract outputs, JSON, and one-line errors with exit code 2 for every bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest
import sympy
from typer.testing import CliRunner

from symrf.cli import app

from .test_latex import EXPECTED

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def installed_cli() -> list[str]:
    found = shutil.which("symrf")
    return [found] if found else [sys.executable, "-m", "symrf"]


def test_derive_without_spec_prints_the_worked_example_from_the_installed_cli():
    result = subprocess.run([*installed_cli(), "derive"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert EXPECTED in result.stdout


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "symrf", "rf", "conv(3)", "--json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and json.loads(result.stdout)["rf"] == 3


def test_rf_json_has_every_key_and_exact_values():
    result = run("rf", "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)",
                 "--input-size", "32", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["rf"], data["jump"], data["effective_padding"], data["start"], data["center"], data["size"]) == (
        30, 8, 0, 0, "29/2", 1)
    assert list(data["layers"][0]) == ["name", "kind", "inputs", "kernel", "stride", "padding", "dilation", "rf",
                                       "rf_min", "jump", "effective_padding", "start", "center", "size"]
    assert (data["aligned"], data["warnings"], data["notes"], data["rf_min"]) == (True, [], [], 30)
    assert [layer["rf"] for layer in data["layers"]] == [3, 4, 8, 10, 18, 26, 30]


def test_symbolic_json_values_read_back_in_sympy():
    data = json.loads(run("rf", "conv(k_1, s_1), conv(k_2, s_2)", "--json").stdout)
    k1, k2, s1 = sympy.symbols("k_1 k_2 s_1")
    assert sympy.expand(sympy.sympify(data["rf"]) - (k1 + s1 * (k2 - 1))) == 0
    assert data["layers"][1]["jump"] == "s_1*s_2"


def test_table_markdown_latex_and_spec_file(tmp_path):
    spec = tmp_path / "net.spec"
    spec.write_text("# a small network\nconv(3),  # first\npool(2)\n")
    table = run("rf", str(spec))
    assert table.exit_code == 0 and "pool1" in table.stdout
    assert "| conv1 | conv | 3 |" in run("rf", str(spec), "--markdown").stdout
    assert "\\begin{tabular}" in run("rf", str(spec), "--latex").stdout


def test_derive_options():
    result = run("derive", "conv(3, 2, p=1)", "--jump", "--center", "--document")
    assert result.exit_code == 0
    assert result.stdout.startswith("\\documentclass") and "J_{1}" in result.stdout and "c_{1}" in result.stdout


BAD_INPUTS = [
    (["rf", "conv(3, 0)"], "stride must be positive"),
    (["rf", "conv(3, -1)"], "stride must be positive"),
    (["rf", "conv(3, p=-1)"], "padding must be non-negative"),
    (["rf", "conv(3"], "column"),
    (["rf", "conv(3), frobnicate(2)"], "frobnicate"),
    (["rf", "conv(3, stide=2)"], "stide"),
    (["rf", "conv(3).__class__"], "attribute"),
    (["rf", "conv('3')"], "string"),
    (["rf", "conv(2.5)"], "2.5"),
    (["rf", "conv(k/2)"], "integer"),
    (["rf", "conv(10**10**10)"], "digits"),
    (["rf", "(" * 3000 + "conv(3)" + ")" * 3000], "nest"),
    (["rf", "[" * 3000 + "conv(3)" + "]" * 3000], "nest"),
    (["rf", ""], "empty"),
    (["rf", "conv(5)", "--input-size", "3"], "empty"),
    (["rf", "conv(3)", "--input-size", "0"], "positive"),
    (["rf", "conv(3)", "--input-size", "__import__('os')"], "is not a size"),
    (["rf", "conv(3)", "--json", "--latex"], "at most one"),
    (["derive", "conv(0)"], "kernel must be positive"),
]


@pytest.mark.parametrize(("args", "fragment"), BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_code_2(args, fragment):
    started = time.perf_counter()
    result = run(*args)
    assert time.perf_counter() - started < 5
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in result.output
    assert fragment.lower() in message.lower(), message


def test_code_in_a_spec_is_never_run(tmp_path):
    marker = tmp_path / "pwned"
    spec = f"__import__('os').system('touch {marker}')"
    result = subprocess.run([*installed_cli(), "rf", spec], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and not marker.exists()
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "fragment"), [
    (["rf", "conv(3)", "--bogus"], "no such option"),
    (["rf"], "missing argument"),
    (["rf", "conv(3)", "--form", "weird"], "weird"),
    (["rf", "nets/missing.spec"], "no such spec file"),
])
def test_command_line_mistakes_are_one_line_from_the_installed_cli(args, fragment):
    result = subprocess.run([*installed_cli(), *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and fragment in result.stderr.lower(), result.stderr


def test_edges_option_shifts_centres_by_one_half():
    data = json.loads(run("rf", "conv(3), pool(2)", "--edges", "--json").stdout)
    assert (data["center"], data["layers"][0]["center"]) == (2, "3/2")


def test_nested_form_keeps_integers_as_json_integers():
    data = json.loads(run("rf", "conv(k), conv(3)", "--json", "--form", "nested").stdout)
    assert (data["jump"], data["effective_padding"], data["start"]) == (1, 0, 0)
    assert sympy.sympify(data["rf"]) == sympy.Symbol("k") + 2


def test_table_is_not_wrapped_when_piped():
    result = subprocess.run([*installed_cli(), "rf", "conv(3, p=1), pool(2)", "--input-size", "32"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "eff. pad" in result.stdout


def test_results_too_long_to_print_are_a_clear_error():
    result = run("rf", "20000 * [conv(3, 2)]", "--json")
    assert result.exit_code == 2 and "4,300 digits" in result.stderr


def test_input_size_questions():
    result = run("input", "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3)", "--input-size", "8", "--json")
    data = json.loads(result.stdout)
    assert (data["minimal_input_size"], data["covering_layer"], data["empty_layers"]) == (18, 3, [4, 5])
    assert run("input", "conv(3)", "-n", "0").exit_code == 2


def test_piped_table_is_plain_aligned_text():
    result = subprocess.run([*installed_cli(), "rf", "conv(3), pool(2, 2)"], capture_output=True, text=True,
                            timeout=60)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["layer", "kind", "k", "s", "p", "d", "rf", "jump", "eff.", "pad", "start", "center"]
    assert lines[3].split() == ["pool1", "pool", "2", "2", "0", "1", "4", "2", "0", "0", "3/2"]
    assert lines[-1].split() == ["network", "4", "2", "0", "0", "3/2"]
