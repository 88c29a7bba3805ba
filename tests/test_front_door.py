"""The front door: habits from PyTorch and slips a new user makes are errors that show the right spelling (exit
code 2, one line), the command line reads sizes as people write them, and the docs match the package."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import symrf
from symrf import conv, convt, pool
from symrf.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def installed_cli() -> list[str]:
    found = shutil.which("symrf")
    return [found] if found else [sys.executable, "-m", "symrf"]


def refused(*args: str) -> str:
    """The one-line message of a command that must fail with exit code 2."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    message = result.stderr
    assert message.startswith("symrf: error: ") and message.count("\n") == 1, message
    return message


# -- the spec language: positional padding, bare padding modes, PyTorch's names ----------------------------------


SPEC_TRAPS = [
    ("conv(3, 64, 3)", ["conv() takes the kernel and the stride positionally; padding and dilation by keyword",
                        "conv(3, s=64, p=3)?", "PyTorch's Conv2d(in, out, k)", "write conv(3)", "(at column 13)"]),
    ("conv(3, 2, 1)", ["conv(3, s=2, p=1)?", "(at column 12)"]),
    ("conv(7, 2, 3, 2)", ["conv(7, s=2, p=3, d=2)?"]),
    ("conv(3, 64, 3, 2, 1)", ["Conv2d(in, out, k, s, p)", "write conv(3, s=2, p=1)"]),
    ("conv(3, 64, 3, name='c1')", ["conv(3, s=64, p=3, name='c1')?", "write conv(3, name='c1')"]),
    ("pool(3, 2, 1)", ["pool() takes the kernel and the stride positionally", "pool(3, s=2, p=1)?"]),
    ("convt(4, 2, 1)", ["convt(4, s=2, p=1)?"]),
    ("conv(3, p=same)", ["write p='same' with quotes", "(at column 11)"]),
    ("conv(3, p=SAME)", ["p='same'"]),
    ("pool(2, p=valid)", ["p='valid'"]),
    ("conv(3, p=full)", ["full is not a padding mode", "p=k - 1"]),
    ("conv(same)", ["padding mode", "p='same'"]),
    ("Conv2d(3, 64, kernel_size=3, stride=2, padding=1)", ["Conv2d is PyTorch's", "conv(3, s=2, p=1)",
                                                          "channel counts do not matter"]),
    ("Conv2d(3, 64, 3, 1, 1)", ["conv(3, p=1)"]),
    ("Conv2d(3, 64, 3, padding='same', dilation=2)", ["conv(3, p='same', d=2)"]),
    ("MaxPool2d(3, 2, 1)", ["MaxPool2d is PyTorch's", "pool(3, s=2, p=1)"]),
    ("MaxPool2d(kernel_size=2)", ["pool(2)"]),
    ("AvgPool2d(2, 2)", ["pool(2, s=2)"]),
    ("ConvTranspose2d(64, 32, 4, 2, 1)", ["convt(4, s=2, p=1)"]),
    ("Upsample(scale_factor=2, mode='nearest')", ["upsample(2)"]),
    ("Upsample(size=64)", ["upsample(s) with s the scale factor"]),
    ("nn.Conv2d(3, 64, 3)", ["nn.Conv2d is PyTorch's", "conv(3)", "(at column 1)"]),
    ("conv(3), nn.Conv2d(3, 64, kernel_size=3, stride=2, padding=1)", ["conv(3, s=2, p=1)", "(at column 10)"]),
    ("torch.nn.MaxPool2d(3, 2, 1)", ["torch.nn.MaxPool2d is PyTorch's", "pool(3, s=2, p=1)"]),
    ("nn.ConvTranspose2d(64, 32, kernel_size=4, stride=2, padding=1)", ["convt(4, s=2, p=1)"]),
    ("nn.AvgPool2d(3, stride=2)", ["pool(3, s=2)"]),
    ("nn.Upsample(scale_factor=2)", ["upsample(2)"]),
    ("nn.AdaptiveAvgPool2d((1, 1))", ["global_pool()"]),
    ("nn.Conv2d", ["nn.Conv2d is PyTorch's", "conv(k, s=..., p=..., d=...)"]),
    ("conv(3), nn.ReLU()", ["nn.ReLU is PyTorch's and does not change receptive fields", "leave it out"]),
    ("BatchNorm2d(64)", ["leave it out"]),
    ("nn.Sequential(nn.Conv2d(3, 8, 3))", ["nn.Sequential looks like PyTorch's", "conv, pool"]),
]


#: A spelling that a message suggests: "... by keyword: conv(3, s=64, p=3)?", "write conv(3)", "writes it pool(2)".
SUGGESTED = re.compile(r"(?:keyword: |write |writes it )((?:conv|pool|convt|upsample|global_pool)\([^()]*\))")


@pytest.mark.parametrize(("spec", "fragments"), SPEC_TRAPS, ids=[spec for spec, _ in SPEC_TRAPS])
def test_every_spec_trap_gives_its_message_in_one_line(spec, fragments):
    message = refused("rf", spec)
    for fragment in fragments:
        assert fragment in message, message
    for suggested in SUGGESTED.findall(message):  # what a message suggests is a valid spec
        if "..." not in suggested:
            symrf.parse(suggested)


@pytest.mark.parametrize("spec", ["conv(3, 64, 3)", "conv(3, p=same)", "MaxPool2d(3, 2, 1)", "nn.Conv2d(3, 64, 3)"])
def test_spec_traps_are_refused_by_every_command(spec):
    for command in (["derive", spec], ["solve", spec, "--target", "100"], ["input", spec]):
        refused(*command)


def test_kernel_and_stride_stay_positional():
    assert symrf.parse("conv(3, s=64, p=3)") == symrf.parse("conv(k=3, s=64, p=3)")
    assert symrf.parse("conv(3, 2, p=1, d=2)").items == (conv(3, s=2, p=1, d=2),)
    assert symrf.parse("pool(3, 2, p=1), convt(4, 2, p=1)").items == (pool(3, s=2, p=1), convt(4, s=2, p=1))


def test_the_python_api_takes_padding_and_dilation_by_keyword_only():
    for make, args in ((conv, (3, 64, 3)), (pool, (3, 2, 1)), (convt, (4, 2, 1)), (conv, (3, 2, 1, 2))):
        with pytest.raises(TypeError, match="positional argument"):
            make(*args)
    assert conv(3, 2, p=1, d=2, name="c") == conv(k=3, s=2, p=1, d=2, name="c")
    assert repr(conv(3, 2, p=1)) == "conv(3, s=2, p=1)" and pool(3, 2, p=1).padding == 1


# -- the command line: sizes, no command, a spec where a command is expected ---------------------------------------


@pytest.mark.parametrize("size", ["224x224", "224,224", "224 x 224", "224×224", "224X224"])
def test_an_input_size_per_axis_works_on_a_network_with_one_value_per_layer(size):
    result = run("rf", "conv(3), pool(2)", "--input-size", size, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["axes"], data["input_size"], data["size"], data["rf"]) == (["height", "width"], [224, 224],
                                                                            [111, 111], [4, 4])


def test_different_sizes_per_axis_give_h_by_w_rows():
    result = run("rf", "conv(3, p=1), pool(2)", "--input-size", "32x24")
    assert result.exit_code == 0, result.output
    assert "16×12" in result.stdout
    assert symrf.analyze("conv(3), pool(2)", input_size=(224, 160)).size == (111, 79)
    assert run("derive", "conv(3), pool(2)", "--input-size", "224,224").exit_code == 0


@pytest.mark.parametrize("size", ["22a", "2.5", "224x", "224x224x", "", "224,,224", "__import__('os')"])
def test_a_size_that_cannot_be_read_says_so(size):
    message = refused("rf", "conv(3)", "--input-size", size)
    assert "is not a size; write 224, 224x224 or N" in message and message.startswith("symrf: error: --input-size:")


def test_symbolic_and_expression_sizes_still_work():
    assert json.loads(run("rf", "conv(3)", "-n", "N", "--json").stdout)["size"] == "N - 2"
    assert json.loads(run("rf", "conv(3)", "-n", "2*N + 1", "--json").stdout)["size"] == "2*N - 1"
    assert json.loads(run("rf", "conv(3)", "-n", "Nx,M", "--json").stdout)["size"] == ["Nx - 2", "M - 2"]


def test_symrf_without_a_command_prints_the_help_and_exits_with_0():
    result = subprocess.run(installed_cli(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith("Usage: symrf") and "Commands:" in result.stdout and "derive" in result.stdout
    assert run().exit_code == 0 and "Commands:" in run().stdout


def test_a_spec_where_a_command_is_expected_suggests_symrf_rf():
    result = subprocess.run([*installed_cli(), "conv(3)"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and 'write symrf rf "conv(3)"' in result.stderr, result.stderr
    result = subprocess.run([*installed_cli(), "conv(3), pool(2)", "--json"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and 'symrf rf "conv(3), pool(2)"' in result.stderr
    result = subprocess.run([*installed_cli(), "rff"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "No such command" in result.stderr


@pytest.mark.parametrize("target", ["224.0", "2.5e2", "1/2"])
def test_a_target_that_is_not_an_integer_gets_a_message_about_targets(target):
    message = refused("solve", "conv(3), pool(2, 2)", "--target", target)
    assert "target" in message and "layer" not in message, message


# -- the docs match the package -------------------------------------------------------------------------------------


def test_the_api_page_lists_everything_symrf_exports():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    table = text[text.index("| group | names |"):]
    table = table[: table.index("\n\n")]
    listed = set(re.findall(r"`(\w+)`", table))
    assert listed == set(symrf.__all__), (listed ^ set(symrf.__all__))


def test_license_and_citation_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "BSD-3-Clause" and project["license-files"] == ["LICENSE"]
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2026, the symrf developers" in license_text
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    for line in ("cff-version: 1.2.0", 'title: "symrf"', f"version: {symrf.__version__}", "license: BSD-3-Clause",
                 '  - name: "the symrf developers"'):
        assert line in citation.splitlines(), line
    assert re.search(r"^message: .+", citation, flags=re.MULTILINE)


def test_the_readme_starts_with_the_commands_of_a_new_user():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line for line in lines[:12] if line and not line.startswith(("#", "```"))]
    assert commands[0].startswith("python3 -m venv .venv && . .venv/bin/activate") and "3.11" in commands[0]
    assert commands[1:3] == ["pip install -e . && symrf derive", "pip install 'torch==2.13.0' -e '.[test]' && pytest"]
    assert "## Citing symrf" in lines and "## License" in lines


def test_every_file_a_page_shows_with_cat_exists_or_is_written_by_the_page():
    for page in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        text = page.read_text(encoding="utf-8")
        for name in re.findall(r"^\$?\s*cat (\S+)\s*$", text, flags=re.MULTILINE):
            written = re.search(rf"^\$ cat {re.escape(name)}$", text, flags=re.MULTILINE)
            assert written or (ROOT / name).exists(), f"{page.name}: cat {name}"
