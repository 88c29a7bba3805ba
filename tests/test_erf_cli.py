"""``symrf erf`` and ``symrf plot`` from the command line: the documented JSON keys and exact values, per-axis lists,
the measured ERF of a PyTorch model beside the uniform one, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symrf.cli import app

MODELS = str(Path(__file__).resolve().parent / "torch_models.py")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_erf_json_has_the_documented_keys_and_exact_values():
    result = run("erf", "conv(3), conv(3)", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"mean", "variance", "interval68", "interval95", "ratio95", "response"} <= set(data)
    assert (data["mean"], data["variance"], data["interval68"], data["interval95"]) == (2, "4/3", [1, 3], [0, 4])
    assert data["response"] == {"first": 0, "weights": ["1/9", "2/9", "1/3", "2/9", "1/9"]}


def test_erf_of_a_per_axis_network_gives_lists_per_axis():
    data = json.loads(run("erf", "conv((3, 1)), conv((3, 5))", "--json").stdout)
    assert data["variance"] == ["4/3", 2] and data["mean"] == [2, 2]
    assert data["interval95"] == [[0, 4], [0, 4]]
    assert [axis["weights"] for axis in data["response"]][1] == ["1/5"] * 5


def test_erf_of_a_symbolic_repeat_gives_closed_forms():
    data = json.loads(run("erf", "n * [conv(3, 2)]", "--json").stdout)
    assert data["variance"] == "2*(4**n - 1)/9" and data["sigma_ratio_limit"] == "sqrt(2)/6"
    assert data["interval95"] is None


def test_erf_text_latex_markdown_and_layer():
    text = run("erf", "conv(3), pool(2, 2), conv(3)")
    assert text.exit_code == 0 and "95 % interval" in text.stdout and "average pooling" in text.stderr
    assert "\\sigma^{2}" in run("erf", "conv(3), pool(2, 2), conv(3)", "--latex").stdout
    assert run("erf", "conv(3), pool(2, 2), conv(3)", "--markdown").stdout.startswith("| quantity |")
    layer = json.loads(run("erf", "conv(3), pool(2, 2), conv(3)", "--layer", "pool1", "--json").stdout)
    assert layer["rf"] == 4 and layer["variance"] == "11/12"


def test_measured_erf_of_a_torch_model_beside_the_uniform_one():
    result = run("erf", "--torch", f"{MODELS}:VGGLike", "--input-size", "48", "--measure", "--batch", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["measured"]["rf"] == data["rf"] and "interval95" in data["measured"]


@pytest.mark.parametrize(("args", "fragment"), [
    (["erf", "conv(3)", "--measure"], "go with --torch"),
    (["erf", "conv(3)", "--json", "--latex"], "at most one"),
    (["erf", "conv(3), global_pool()"], "input size"),
    (["plot", "conv(3)"], "-o"),
    (["plot", "conv(3)", "-o", "out.txt"], ".txt"),
])
def test_mistakes_are_one_line(args, fragment):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "\n" not in result.stderr.strip() and fragment in result.stderr, result.stderr


def test_plot_writes_each_kind(tmp_path):
    for kind, suffix in (("growth", "png"), ("grid", "svg"), ("erf", "pdf")):
        path = tmp_path / f"{kind}.{suffix}"
        result = run("plot", "conv(3), pool(2, 2), conv(3)", "--kind", kind, "--input-size", "16", "-o", str(path))
        assert result.exit_code == 0, result.output
        assert path.stat().st_size > 1000 and result.stdout.strip() == f"wrote {path}"
