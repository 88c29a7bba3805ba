"""Model families of the zoo (symrf.zoo.family, symrf zoo NAME --symbolic, symrf derive --zoo): the closed form of
each stage against the hand-written zoo models (an independent text) at the standard counts and against members of
the family, and against the unrolled numeric network at random counts."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import symrf
from symrf import zoo
from symrf.cli import app
from symrf.dag import Graph, GraphNode
from symrf.errors import SymrfError
from symrf.network import Network, Parallel, Repeat
from symrf.spec import parse

FAMILIES = ("mobilenet_v2", "resnet101", "resnet152", "resnet18", "resnet34", "resnet50", "vgg11", "vgg16",
            "vgg19")
MOBILENET_ENDS = {"stem": 0, "bottleneck1": 1, "bottleneck2": 3, "bottleneck3": 6, "bottleneck4": 10,
                  "bottleneck5": 13, "bottleneck6": 16, "bottleneck7": 17, "conv_last": 18}


def zoo_row(model: str, stage: str):
    """The row of the hand-written zoo model where ``stage`` of its family ends."""
    result = zoo.analysis(model)
    if model.startswith("resnet"):  # conv1 also names layer1's first convolution: the stem is row 1
        return result.row({"conv1": 1, "maxpool": 2}[stage]) if stage in ("conv1", "maxpool") else result.layer(stage)
    if model.startswith("vgg"):
        return result.layer(stage.replace("block", "pool"))
    return result.layer(f"features{MOBILENET_ENDS[stage]}")


def values(row) -> tuple:
    return (row.rf, row.jump, row.effective_padding)


def test_the_models_with_a_family():
    assert zoo.families() == FAMILIES


@pytest.mark.parametrize("model", FAMILIES)
def test_at_the_standard_counts_every_stage_is_the_zoo_model(model: str):
    form = zoo.family(model).closed_form()
    assert form.final.name == zoo.get(model).final_layer or model.startswith(("vgg", "mobilenet"))
    for stage in form.stages:
        assert stage.values == values(zoo_row(model, stage.name)), (model, stage.name)
        assert all(isinstance(v, int) for v in stage.values)
    assert form.final.values == (zoo.analysis(model).rf, zoo.analysis(model).jump,
                                 zoo.analysis(model).effective_padding)


@pytest.mark.parametrize(("family", "members"), [
    ("resnet50", {"resnet101": (3, 4, 23, 3), "resnet152": (3, 8, 36, 3)}),
    ("resnet18", {"resnet34": (3, 4, 6, 3)}),
    ("vgg16", {"vgg11": (1, 1, 2, 2, 2), "vgg19": (2, 2, 4, 4, 4)}),
])
def test_a_family_at_another_members_counts_is_that_member(family: str, members: dict):
    form = zoo.family(family).closed_form()
    for member, counts in members.items():
        named = dict(zip((s.name for s in form.symbols), counts))
        assert dict(zoo.family(member).counts) == named
        for stage in form.stages:
            found = form.at(named, stage.name)
            assert (found["rf"], found["jump"], found["effective_padding"]) == values(zoo_row(member, stage.name))


def test_the_resnet50_formula():
    n1, n2, n3, n4 = (symrf.symbol(f"n_layer{i}") for i in range(1, 5))
    form = zoo.family("resnet50").closed_form()
    assert sympy.expand(form.final.rf - (8 * (n1 + 2 * n2 + 4 * n3 + 8 * n4) - 45)) == 0
    assert form.final.jump == 32
    assert sympy.expand(form.final.effective_padding - (4 * (n1 + 2 * n2 + 4 * n3 + 8 * n4) - 23)) == 0
    assert form.at({}) == {"rf": 427, "jump": 32, "effective_padding": 213}
    assert form.at({"n_layer3": 23})["rf"] == 971 and form.at({"n_layer2": 8, "n_layer3": 36})["rf"] == 1451
    # the basic-block family: twice the span per block
    basic = zoo.family("resnet18").closed_form().final.rf
    assert sympy.expand(basic - (16 * (n1 + 2 * n2 + 4 * n3 + 8 * n4) - 45)) == 0


def unrolled(network: Network) -> Network:
    """The network with every repeated block written out copy by copy (a count must be an integer)."""
    items = []
    for item in network.items:
        if isinstance(item, Repeat):
            items.extend(unrolled(item.body).items * int(item.count))
        elif isinstance(item, Parallel):
            items.append(Parallel(tuple(unrolled(branch) for branch in item.branches), item.name))
        else:
            items.append(item)
    return Network(tuple(items))


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(("resnet18", "resnet50", "vgg16", "mobilenet_v2")), st.data())
def test_at_random_counts_the_closed_form_is_the_unrolled_network(model: str, data):
    family = zoo.family(model)
    counts = {name: data.draw(st.integers(1, 7), label=name) for name in family.counts}
    graph = family.at(counts)
    assert not graph.free_symbols
    plain = Graph(tuple(GraphNode(n.name, unrolled(n.op), n.inputs) for n in graph.nodes))
    assert not any(isinstance(item, Repeat) for node in plain.nodes for item in node.op.items)
    result = symrf.analyze(plain)
    form = family.closed_form()
    for stage in family.stages:
        found = form.at(counts, stage)
        assert (found["rf"], found["jump"], found["effective_padding"]) == values(result.layer(stage)), stage


def test_the_family_object():
    family = zoo.family("resnet50")
    assert family.stages == ("conv1", "maxpool", "layer1", "layer2", "layer3", "layer4")
    assert dict(family.counts) == {"n_layer1": 3, "n_layer2": 4, "n_layer3": 6, "n_layer4": 3}
    assert {s.name for s in family.network.free_symbols} == set(family.counts)
    with pytest.raises(AttributeError):
        family.name = "other"  # type: ignore[misc]
    assert symrf.analyze(family.at()).rf == 427
    with pytest.raises(SymrfError, match="no count 'n_layer5'"):
        family.at({"n_layer5": 2})
    with pytest.raises(SymrfError, match="positive integer"):
        family.at({"n_layer1": 0})
    with pytest.raises(SymrfError, match="no stage 'layer5'; did you mean layer4"):
        family.closed_form().stage("layer5")


def test_a_model_without_a_family_lists_those_with_one():
    with pytest.raises(SymrfError, match="no family for 'alexnet'; models with a family: mobilenet_v2, resnet101"):
        zoo.family("alexnet")
    with pytest.raises(SymrfError, match="no model 'resnet5' in the zoo"):
        zoo.family("resnet5")


@pytest.fixture
def own_zoo(tmp_path, monkeypatch):
    """A zoo folder of our own (a copy of resnet50.toml plus the test's files), with the zoo's caches cleared."""
    shutil.copy(zoo.FOLDER / "resnet50.toml", tmp_path / "resnet50.toml")
    caches = (zoo.names, zoo.families, zoo.family, zoo.get, zoo._family_table, zoo._closed_form,
              zoo._family_analysis, zoo._blocks)

    def clear():
        for cache in caches:
            cache.cache_clear()

    clear()
    monkeypatch.setattr(zoo, "FOLDER", tmp_path)
    yield tmp_path
    monkeypatch.undo()
    clear()


HEAD = 'name = "toy"\nspec = "conv(3)"\n'


@pytest.mark.parametrize(("family", "message"), [
    ('[family]\ncounts = {n = 2}\nstage = {a = "n * [conv(3)]"}', "unknown key 'stage'"),
    ('[family]\ncounts = {n = 2}', "either 'stages' or 'stages_from'"),
    ('[family]\ncounts = {n = 0}\nstages = {a = "n * [conv(3)]"}', "the count 'n' is a positive integer"),
    ('[family]\ncounts = {n = 2, m = 1}\nstages = {a = "n * [conv(3)]"}', "the symbol 'm' is not used by the stages"),
    ('[family]\ncounts = {n = 2}\nstages = {a = "n * [conv(k)]"}', "the symbol 'k' has no count"),
    ('[family]\ncounts = {n = 2}\nstages = {a = "n * [conv(3"}', "toy.toml: stage a: "),
    ('[family]\ncounts = {n = 2}\nstages_from = "toy"', "'stages_from' names a model whose"),
    ('[family]\ncounts = {n = 2}\nstages_from = "nothing"', "not 'nothing'"),
])
def test_errors_in_a_family_table(own_zoo, family: str, message: str):
    (own_zoo / "toy.toml").write_text(HEAD + family)
    with pytest.raises(SymrfError, match=message):
        zoo.family("toy")


def test_a_family_may_share_another_models_stages(own_zoo):
    (own_zoo / "toy.toml").write_text(HEAD + '[family]\nstages_from = "resnet50"\n'
                                      'counts = {n_layer1 = 1, n_layer2 = 1, n_layer3 = 1, n_layer4 = 1}')
    assert zoo.families() == ("resnet50", "toy")
    assert zoo.family("toy").closed_form().final.values == (8 * 15 - 45, 32, 4 * 15 - 23)


def test_a_familys_stages_use_the_blocks_of_its_models_spec(own_zoo):
    spec = 'spec = """\n# a block\nunit = [conv(3, p=1), conv(3, p=1)]\nconv(3), 2 * [residual(unit)]\n"""\n'
    (own_zoo / "toy.toml").write_text('name = "toy"\n' + spec + '[family]\ncounts = {n = 2}\n'
                                      'stages = {stem = "conv(3)", body = "n * [residual(unit)]"}')
    (own_zoo / "toy2.toml").write_text(HEAD + '[family]\nstages_from = "toy"\ncounts = {n = 5}')
    family = zoo.family("toy")
    assert family.network.nodes[-1].op == parse("n * [residual([conv(3, p=1), conv(3, p=1)])]")
    assert family.analysis().rf == 4 * sympy.Symbol("n", integer=True, positive=True) + 3
    assert zoo.analysis("toy").rf == 11 == family.closed_form().final.values[0]  # the model is a member
    assert zoo.family("toy2").closed_form().final.values[0] == 4 * 5 + 3  # toy's blocks, toy2's counts


@pytest.mark.parametrize(("stage", "message"), [
    ("n * [unti]", "toy.toml: stage a (read after the 2 lines of blocks of toy's spec): unknown block 'unti'; "
                   "did you mean 'unit'? (at line 3, column 6)"),
    ("down, n * [conv(3)]", "the symbol 'm' has no count"),  # a block's symbol that the stage leaves free
])
def test_errors_in_stages_that_use_blocks(own_zoo, stage: str, message: str):
    spec = 'spec = """\nunit = [conv(3, p=1)]\ndown = [conv(3, s=m)]\nunit, down(m=2)\n"""\n'
    (own_zoo / "toy.toml").write_text(f'name = "toy"\n{spec}[family]\ncounts = {{n = 2}}\nstages = {{a = "{stage}"}}')
    with pytest.raises(SymrfError, match=re.escape(message)):
        zoo.family("toy")


# -- the command line ------------------------------------------------------------------------------------------

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_cli_text():
    result = run("zoo", "resnet50", "--symbolic")
    assert result.exit_code == 0, result.output
    assert "n_layer1 = 3, n_layer2 = 4, n_layer3 = 6, n_layer4 = 3" in result.output
    final = next(line for line in result.output.splitlines() if line.startswith("layer4"))
    assert final.split() == ["layer4", "8*(n_layer1", "+", "2*n_layer2", "+", "4*n_layer3", "+", "8*n_layer4)",
                             "-", "45", "32", "4*(n_layer1", "+", "2*n_layer2", "+", "4*n_layer3", "+", "8*n_layer4)",
                             "-", "23", "427", "32", "213"]
    result = run("zoo", "resnet101", "--symbolic", "--layer", "layer3")
    assert result.exit_code == 0
    assert result.output.strip().endswith(
        f"at resnet101's counts: rf {zoo_row('resnet101', 'layer3').rf}, jump 16, eff. pad "
        f"{zoo_row('resnet101', 'layer3').effective_padding}")


def test_cli_json():
    result = run("zoo", "resnet152", "--symbolic", "--json")
    data = json.loads(result.output)
    assert data["model"] == "resnet152" and data["final_layer"] == "layer4"
    assert data["rf"] == "8*(n_layer1 + 2*n_layer2 + 4*n_layer3 + 8*n_layer4) - 45"
    assert data["values"] == {"rf": 1451, "jump": 32, "effective_padding": 725}
    assert data["counts"] == {"n_layer1": 3, "n_layer2": 8, "n_layer3": 36, "n_layer4": 3}
    assert [s["name"] for s in data["stages"]] == list(zoo.family("resnet152").stages)
    # the formulas read back: sympy gives the values at the counts
    symbols = {entry["name"]: sympy.Symbol(**entry) for entry in data["symbols"]}
    for stage in data["stages"]:
        rf = sympy.sympify(str(stage["rf"]), locals=symbols).subs({symbols[k]: v for k, v in data["counts"].items()})
        assert rf == stage["values"]["rf"] == zoo_row("resnet152", stage["name"]).rf
    layer = json.loads(run("zoo", "vgg19", "--symbolic", "--layer", "block5", "--json").output)
    assert layer["values"] == {"rf": 268, "jump": 32, "effective_padding": 118}


def test_cli_latex_and_markdown():
    latex = run("zoo", "resnet50", "--symbolic", "--latex").output
    assert latex.startswith("\\begin{align*}") and latex.strip().endswith("\\end{align*}")
    assert "l_{\\text{layer2}} &= l_{\\text{layer1}} + 16 n_{layer2} - 8 = 3 + 8 (n_{layer1} + 2 n_{layer2})" in latex
    assert "J_{\\text{layer4}} &= 2 \\, J_{\\text{layer3}} = 32" in latex
    assert "l_{\\text{layer4}} &= 427, \\quad J_{\\text{layer4}} = 32, \\quad P_{\\text{layer4}} = 213" in latex
    markdown = run("zoo", "mobilenet_v2", "--symbolic", "--markdown").output
    assert "| conv_last |" in markdown and markdown.strip().endswith("491 / 32 / 245 |")


def test_cli_derive_zoo():
    family = run("derive", "--zoo", "resnet50", "--symbolic")
    assert family.exit_code == 0
    assert family.output.strip() == zoo.family("resnet50").analysis().latex().strip()
    assert "n_{layer3}" in family.output
    model = run("derive", "--zoo", "vgg16", "--jump")
    assert model.exit_code == 0 and model.output.strip() == zoo.analysis("vgg16").latex(jump=True).strip()
    assert "212" in model.output


@pytest.mark.parametrize(("args", "message"), [
    (("zoo", "alexnet", "--symbolic"), "no family for 'alexnet'; models with a family: mobilenet_v2"),
    (("zoo", "--symbolic"), "--symbolic needs a model"),
    (("zoo", "resnet50", "--symbolic", "--input-size", "320"), "leave out --input-size"),
    (("zoo", "resnet50", "--symbolic", "--layer", "layer9"), "no stage 'layer9'"),
    (("zoo", "resnet50", "--symbolic", "--json", "--latex"), "at most one of"),
    (("derive", "--symbolic"), "--symbolic goes with --zoo"),
    (("derive", "conv(3)", "--zoo", "vgg16"), "not several"),
    (("derive", "--zoo", "nothing"), "no model 'nothing'"),
])
def test_cli_errors(args: tuple, message: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


# -- solving over a family (symrf solve --zoo) ------------------------------------------------------------------------


@pytest.mark.parametrize("model, unknown, subs, target", [
    ("resnet50", "n_layer3", "", 1000),
    ("resnet50", "n_layer4", "n_layer3=23", 1100),
    ("resnet18", "n_layer1", "", 500),
    ("vgg16", "n_block5", "", 300),
    ("mobilenet_v2", "n_bottleneck4", "n_bottleneck3=1", 700),
])
def test_solve_over_a_family_is_the_least_count_by_brute_force(model, unknown, subs, target):
    args = ["solve", "--zoo", model, "--for", unknown, "--target", str(target), "--json"]
    result = CliRunner().invoke(symrf.cli.app, args + (["--subs", subs] if subs else []))
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)["value"]
    family = zoo.family(model)
    given = dict(part.split("=") for part in subs.split(",") if part)
    counts = {key: int(number) for key, number in given.items()}

    def rf(count: int) -> int:  # the family unrolled at these counts (the other counts the model's own)
        return symrf.analyze(family.at({**counts, unknown: count})).rf

    assert rf(value) >= target and json.loads(result.stdout)["rf"] == rf(value)
    assert value == 1 or rf(value - 1) < target


@pytest.mark.parametrize("args, message", [
    (["solve", "--zoo", "resnet50", "--target", "1000"], "--zoo needs --for, the count to solve for: one of "
                                                          "n_layer1, n_layer2, n_layer3, n_layer4"),
    (["solve", "--zoo", "resnet50", "--for", "n", "--target", "9"], "the resnet50 family has no count 'n'"),
    (["solve", "conv(3)", "--zoo", "resnet50", "--for", "n_layer1", "--target", "9"],
     "give one of a spec, --zoo and --torch"),
    (["solve", "--zoo", "alexnet", "--for", "n", "--target", "9"], "the zoo has no family for 'alexnet'"),
    (["solve", "--target", "9"], "missing argument SPEC"),
])
def test_solve_over_a_family_errors(args, message):
    result = CliRunner().invoke(symrf.cli.app, args)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr
