"""Row names: generated names never repeat a given one, in chains, closed forms, graphs and graph files; and the CLI
selects a row by its 1-based index (``--layer 3``) as well as by name."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from symrf import analyze, conv, parse, pool, zoo
from symrf.cli import app
from symrf.graphfile import read_graph
from symrf.naming import Namer, given_names, layer_names


def test_a_generated_name_skips_the_given_ones():
    assert layer_names([conv(3, name="conv1"), conv(3), conv(3, name="conv3"), conv(3)]) == (
        "conv1", "conv2", "conv3", "conv4")
    namer = Namer(reserved={"merge1", "merge2"})
    assert [namer.name("merge") for _ in range(2)] == ["merge3", "merge4"]


@pytest.mark.parametrize("spec, names", [
    # a chain (the chain engine), a chain with a symbolic repeat (closed forms), a branched network (graph engine)
    ("conv(3), conv(3, name='conv1'), pool(2, name='pool1'), pool(2)", ["conv2", "conv1", "pool1", "pool2"]),
    ("conv(3), n * [conv(3)], conv(3, name='conv1'), conv(3, name='repeat1')",
     ["conv2", "repeat2", "conv1", "repeat1"]),
    ("conv(7, 2, p=3, name='conv1'), residual([conv(3, p=1), conv(3, p=1)], name='merge1'), residual([conv(1)])",
     ["conv1", "conv2", "conv3", "merge1", "conv4", "merge2"]),
])
def test_rows_have_unique_names(spec, names):
    a = analyze(spec)
    assert list(a.names) == names
    assert [a.layer(name).index for name in names] == list(range(1, len(names) + 1))


def test_the_torchvision_resnets_stem_is_the_only_conv1():
    """The issue's case: the stem and layer1's first convolution were both conv1, so the stem could not be asked for."""
    for name in ("resnet18", "resnet50", "resnet152"):
        a = zoo.analysis(name)
        assert a.names.count("conv1") == 1 and len(set(a.names)) == len(a.names)
        assert (a.layer("conv1").index, a.layer("conv1").rf) == (1, 7)


def test_every_zoo_model_has_unique_row_names():
    for name in zoo.names():
        names = zoo.analysis(name).names
        assert len(set(names)) == len(names), name


def test_graph_files_do_not_reuse_node_or_layer_names():
    g = read_graph('[[node]]\nname = "conv1"\nlayers = "conv(3, p=1)"\n'
                   '[[node]]\nname = "b"\nlayers = "conv(3, p=1), conv(3, p=1, name=\'b/conv2\')"\n'
                   '[[node]]\nname = "add"\ninputs = ["b", "conv1"]')
    names = analyze(g).names
    assert len(set(names)) == len(names) and "b/conv1" in names and "b/conv2" in names


def test_given_names_reach_into_blocks():
    network = parse("conv(3, name='a'), 2 * [conv(1, name='b')], parallel([pool(2, name='c')], [conv(1)], name='d')")
    assert given_names(network.items) == {"a", "b", "c", "d"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["conv", "pool"]), st.one_of(st.none(), st.integers(1, 4))),
                min_size=1, max_size=8),
       st.booleans())
def test_random_networks_have_unique_names(layers, branched):
    """Some layers are given names that generated names would take (conv1, pool2, ...); rows stay unique."""
    items = [(conv if kind == "conv" else pool)(1, name=None if number is None else f"{kind}{number}")
             for kind, number in layers]
    named = [item.name for item in items if item.name]
    if len(set(named)) < len(named):
        return  # two layers given one name is the user's choice; rows are then selected by index
    spec = ", ".join(repr(item) for item in items)
    if branched:
        spec = f"residual([{spec}])"
    names = analyze(spec).names
    assert len(set(names)) == len(names)


# -- --layer by index --------------------------------------------------------------------------------------------------

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_zoo_layer_by_index_shows_the_stem():
    result = _run("zoo", "resnet50", "--layer", "1", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found["name"], found["rf"], found["jump"], found["effective_padding"]) == ("conv1", 7, 2, 3)
    text = _run("zoo", "resnet50", "--layer", "2")
    assert text.stdout.startswith("resnet50 maxpool: rf 11, ") and text.exit_code == 0


def test_rf_layer_by_index_and_by_name_agree():
    spec = "conv(3), pool(2, 2), residual([conv(3, p=1)], name='block')"
    by_index = json.loads(_run("rf", spec, "--layer", "4", "--json").stdout)
    by_name = json.loads(_run("rf", spec, "--layer", "block", "--json").stdout)
    assert by_index == by_name and by_index["rf"] == 8
    assert _run("rf", spec, "--layer", "2").stdout == "pool1: rf 4, rf_min 4, jump 2, effective_padding 0, start 0, " \
        'center "3/2"\n'


@pytest.mark.parametrize("args, message", [
    (("rf", "conv(3)", "--layer", "5"), "there is no row 5; the network has 1"),
    (("zoo", "resnet50", "--layer", "0"), "there is no row 0;"),
])
def test_a_row_index_out_of_range_is_one_line(args, message):
    result = _run(*args)
    assert result.exit_code != 0 and message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
