"""symrf solve on every source of a network: a layer inside it (--layer), a zoo family (--zoo), a PyTorch model read
as its family (--torch); each answer checked by building the network at the answer and one below independently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from torch import nn

import symrf
from symrf import zoo
from symrf.dag import Graph, GraphNode
from symrf.errors import SymrfError
from symrf.spec import parse

from . import torch_models
from .test_cli import run

MODELS = str(Path(__file__).resolve().parent / "torch_models.py")


def answer(*args: str) -> dict:
    result = run("solve", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_layer_cuts_a_chain_and_a_graph_file(tmp_path):
    found = answer("conv(3), n * [conv(3)], pool(2, 2, name='p'), conv(9)", "--layer", "p", "--target", "10")
    assert found["value"] == 3  # 3 + 2n + 1 >= 10 at p; the conv(9) after p is not counted
    assert symrf.analyze("conv(3), 3 * [conv(3)], pool(2, 2)").rf == 10 == found["rf"]
    assert symrf.analyze("conv(3), 2 * [conv(3)], pool(2, 2)").rf < 10
    path = tmp_path / "net.toml"
    path.write_text('[[node]]\nname = "a"\nlayers = "conv(3), n * [conv(3, p=1)], conv(3, p=1, name=\'end\')"\n'
                    '[[node]]\nname = "b"\nlayers = "conv(11)"\ninputs = ["a"]\n')
    found = answer(str(path), "--layer", "end", "--target", "20")
    assert found["value"] == 8  # 3 + 2n + 2 >= 20 at the named layer, whatever node b adds


def test_layer_of_a_zoo_family_and_the_counts_it_does_not_read():
    found = answer("--zoo", "resnet50", "--layer", "layer3", "--for", "n_layer3", "--target", "1000")
    family = zoo.family("resnet50")

    def rf(count: int) -> int:
        return symrf.analyze(family.at({"n_layer3": count})).layer("layer3").rf

    assert rf(found["value"]) >= 1000 > rf(found["value"] - 1)
    assert found["value"] == 29  # 8*(3 + 2*4 + 4*n) - 13 >= 1000


def _resnet_like(blocks: int) -> nn.Module:
    model = torch_models.ResNetLike()
    model.layer1 = nn.Sequential(*[torch_models.BasicBlock(4, 4) for _ in range(blocks)])
    return model


def test_torch_model_read_as_its_family():
    """ResNetLike's layer1 has two identical basic blocks: its count is n_layer1 (2 in the model)."""
    imported = symrf.import_torch(torch_models.ResNetLike(), symbolic="counts")
    assert imported.values == (("n_layer1", 2),)
    kernels = symrf.import_torch(torch_models.ResNetLike(), symbolic="kernels")
    assert dict(kernels.values) == {"k_1": 7, "k_2": 3}
    found = answer("--torch", f"{MODELS}:ResNetLike", "--for", "n_layer1", "--target", "300")

    def rf(blocks: int) -> int:  # the real model with that many blocks, imported numerically
        return max(symrf.analyze(symrf.from_torch(_resnet_like(blocks), 64), (64, 64)).rf)

    assert rf(found["value"]) >= 300 > rf(found["value"] - 1)
    assert found["rf"] in (rf(found["value"]), [rf(found["value"])] * 2)


@pytest.mark.parametrize("args, message", [
    (["solve", "conv(3), n * [conv(3)]", "--layer", "nowhere", "--target", "9"],
     "the network has no layer or block named 'nowhere' in its chain"),
    (["solve", "--torch", f"{MODELS}:ResNetLike", "--target", "9"],
     "--torch needs --for, the count to solve for: one of n_layer1"),
    (["solve", "--torch", f"{MODELS}:ResNetLike", "--for", "n_layer3", "--target", "9"],
     "has no count 'n_layer3'; its counts are n_layer1"),
    (["solve", "--torch", f"{MODELS}:VGGLike", "--for", "n", "--target", "9"],
     "has no container that ends with two or more identical blocks"),
    (["solve", "conv(3)", "--torch", f"{MODELS}:ResNetLike", "--for", "n", "--target", "9"],
     "give one of a spec, --zoo and --torch"),
])
def test_errors(args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr, result.output


def test_up_to_keeps_what_the_layer_reads():
    g = Graph((GraphNode("a", parse("conv(3, name='c1'), conv(3)"), ("input",)),
               GraphNode("side", parse("conv(5)"), ("input",)),
               GraphNode("b", parse("pool(2)"), ("a", "side"))), aliases={"stage": "a", "last": "b"})
    cut = g.up_to("c1")
    assert [node.name for node in cut.nodes] == ["a"] and cut.output == "a" and dict(cut.aliases) == {"stage": "a"}
    assert symrf.analyze(cut).rf == 3 and symrf.analyze(g.up_to("stage")).rf == 5
    assert [node.name for node in g.up_to("last").nodes] == ["a", "side", "b"]
    with pytest.raises(SymrfError, match="no node or layer named 'x'"):
        g.up_to("x")
