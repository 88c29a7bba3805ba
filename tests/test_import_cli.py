"""The command line on imported models: ``symrf rf --torch module:callable`` and ``file.py:Net``, ``symrf rf
model.onnx``, ``symrf derive --torch``, with every output (table, JSON, LaTeX, Markdown, ``--layer``, ``--paths``),
the declarations (``--pointwise``, ``--global``, ``--allow-unknown``), and the errors (one line, exit code 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper
from typer.testing import CliRunner

import symrf
from symrf.cli import app
from symrf.models import keyword_arguments

from . import torch_models

MODELS = str(Path(__file__).resolve().parent / "torch_models.py")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_rf_of_a_model_file_equals_the_api_and_names_layers_by_module_path():
    result = run("rf", "--torch", f"{MODELS}:ResNetLike", "--input-size", "64", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = symrf.analyze(symrf.from_torch(torch_models.ResNetLike(), 64), (64, 64))
    assert data["rf"] == list(expected.rf) and data["jump"] == list(expected.jump)
    names = [layer["name"] for layer in data["layers"]]
    assert names[:3] == ["conv1", "maxpool", "layer1.0.conv1"] and "layer2.0.downsample.0" in names
    assert len(names) == len(set(names))
    assert "symrf: note: traced with torch.fx" in result.stderr


def test_layer_gives_a_container_and_every_output_style_works():
    result = run("rf", "--torch", f"{MODELS}:ResNetLike", "--input-size", "64", "--layer", "layer2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("layer2: rf [99, 99]")
    for style in ("--latex", "--markdown", "--paths"):
        styled = run("rf", "--torch", f"{MODELS}:ResNetLike", "-n", "64", style)
        assert styled.exit_code == 0 and "layer1.0.conv1" in styled.stdout.replace("\\_", "_"), style


def test_keyword_arguments_are_literals_and_reach_the_callable():
    result = run("rf", "--torch", f"{MODELS}:VGGLike", "--torch-kwargs", "widths=((4,), (8,))", "--json")
    assert result.exit_code == 0, result.output
    expected = symrf.analyze(symrf.from_torch(torch_models.VGGLike(widths=((4,), (8,)))))
    assert json.loads(result.stdout)["rf"] == list(expected.rf)
    assert keyword_arguments("a=1, b='x', c=None") == {"a": 1, "b": "x", "c": None}


def test_derive_names_the_modules():
    result = run("derive", "--torch", f"{MODELS}:ResNetLike", "--input-size", "64")
    assert result.exit_code == 0, result.output
    assert "layer1.0.conv1" in result.stdout.replace("\\_", "_") or "layer1.0" in result.stdout


def test_symbolic_counts_from_the_api_print_and_derive():
    import sympy

    from .test_families import Family

    graph = symrf.from_torch(Family((3, 3, 3, 3)), symbolic="counts")
    analysis = symrf.analyze(graph)
    counts = sorted(analysis.free_symbols, key=str)
    assert [s.name for s in counts] == ["n_layer1", "n_layer2", "n_layer3", "n_layer4"]
    assert all(sympy.latex(s) in analysis.latex() for s in counts)


@pytest.mark.parametrize(("args", "fragment"), [
    (["rf", "--torch", "no_such_module_xyz:Net"], "no module 'no_such_module_xyz'"),
    (["rf", "--torch", "nocolon"], "is not module:callable"),
    (["rf", "--torch", f"{MODELS}:Missing"], "has no 'Missing'"),
    (["rf", "--torch", f"{MODELS}:VGGLike", "--torch-kwargs", "widths=__import__('os')"], "not a Python literal"),
    (["rf", "--torch", f"{MODELS}:VGGLike", "--torch-kwargs", "1, 2"], "name=value"),
    (["rf", "conv(3)", "--torch", f"{MODELS}:VGGLike"], "not both"),
    (["rf", "conv(3)", "--pointwise", "Foo"], "go with --torch"),
    (["rf", "--torch", f"{MODELS}:Mystery"], "torch.roll (at roll.roll)"),
    (["rf", "missing.onnx"], "missing.onnx"),
])
def test_mistakes_are_one_line_and_exit_code_2(args, fragment):
    result = run(*args)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in result.output
    assert fragment in message, message


def test_unknown_ops_can_be_declared_or_allowed():
    declared = run("rf", "--torch", f"{MODELS}:Mystery", "--pointwise", "Roll", "-n", "32", "--json")
    assert declared.exit_code == 0, declared.output
    allowed = run("rf", "--torch", f"{MODELS}:Mystery", "--allow-unknown", "-n", "32", "--json")
    assert allowed.exit_code == 0 and "warning" in allowed.stderr
    assert json.loads(allowed.stdout)["rf"] == json.loads(declared.stdout)["rf"]
    made_global = run("rf", "--torch", f"{MODELS}:Mystery", "--global", "Roll", "-n", "32", "--json")
    assert made_global.exit_code == 0 and json.loads(made_global.stdout)["rf"] != json.loads(declared.stdout)["rf"]


def onnx_file(path: Path) -> Path:
    """conv 3/2 with pads (0, 1) per axis, then a 2x2 max pooling."""
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["y"], name="stem", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[0, 0, 1, 1]),
        helper.make_node("Relu", ["y"], ["z"], name="act"),
        helper.make_node("MaxPool", ["z"], ["out"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    ]
    weight = helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 3, 3], [0.0] * 108)
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4, 8, 8])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def test_rf_of_an_onnx_file_equals_the_spec_of_the_same_network(tmp_path):
    path = onnx_file(tmp_path / "tiny.onnx")
    result = run("rf", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    spec = symrf.analyze("conv(3, 2, p=[(0, 1)]), pool(2)", 32)
    assert (data["rf"], data["jump"], data["size"]) == ([spec.rf] * 2, [spec.jump] * 2, [spec.size] * 2)
    assert [layer["name"] for layer in data["layers"]] == ["stem", "pool"]
    assert run("rf", str(path), "--layer", "act").stdout.startswith("act: rf [3, 3]")


def test_a_missing_extra_names_the_install_command(tmp_path):
    hidden = "import sys; sys.modules['torch'] = None; sys.modules['onnx'] = None; " \
             "sys.argv = ['symrf'] + sys.argv[1:]; from symrf.cli import main; main()"
    path = onnx_file(tmp_path / "tiny.onnx")
    for args, command in ((["rf", "--torch", "x:y"], "pip install 'symrf[torch]'"),
                          (["rf", str(path)], "pip install 'symrf[onnx]'")):
        result = subprocess.run([sys.executable, "-c", hidden, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and command in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1
    api = subprocess.run([sys.executable, "-c", "import sys; sys.modules['torch'] = None; import symrf; "
                          "symrf.from_torch"], capture_output=True, text=True, timeout=60)
    assert "pip install 'symrf[torch]'" in api.stderr
