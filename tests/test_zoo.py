"""The model zoo: every published value exactly, torchvision models checked by hand values and the oracle."""

from __future__ import annotations

import ast
import tomllib
from collections import Counter

import pytest

from symrf import zoo
from symrf.errors import SymrfError
from symrf.spec import FUNCTIONS, definitions

from .graph_oracle import build, path_intervals, sizes

#: Araujo, Norris & Sim, Distill 2019 (TF-Slim models, final layer, 224x224): RF, jump, effective padding.
PUBLISHED = {
    "alexnet_v2": (195, 32, 64),
    "vgg_16": (212, 32, 90),
    "mobilenet_v1": (315, 32, 126),
    "resnet_v1_50": (483, 32, 239),
    "resnet_v1_101": (1027, 32, 511),
    "resnet_v1_152": (1507, 32, 751),
    "resnet_v1_200": (1763, 32, 879),
    "inception_v2": (699, 32, 318),
    "inception_v3": (1311, 32, 618),
    "inception_v4": (2071, 32, 998),
    "inception_resnet_v2": (3039, 32, 1482),
}

#: torchvision models: resnet50 and resnet18 as stated in the references; the others derived by hand below.
TORCHVISION = {
    "resnet18": (435, 32, 217),
    "resnet34": (899, 32, 449),
    "resnet50": (427, 32, 213),
    "resnet101": (971, 32, 485),
    "resnet152": (1451, 32, 725),
    "vgg11": (150, 32, 59),
    "vgg16": (212, 32, 90),
    "vgg19": (268, 32, 118),
    "alexnet": (195, 32, 66),
    "mobilenet_v2": (491, 32, 245),
}

#: Intermediate end-points of the published per-end-point table of the same TF-Slim models (224x224).
ENDPOINTS = {
    "alexnet_v2": {"conv1": (11, 4, 0), "pool1": (19, 8, 0), "conv2": (51, 8, 16), "conv5": (163, 16, 64)},
    "vgg_16": {"pool1": (6, 2, 2), "conv4_2": (76, 8, 34), "pool4": (100, 16, 42), "conv5_2": (164, 16, 74)},
    "mobilenet_v1": {"Conv2d_0": (3, 2, 0), "Conv2d_1_pointwise": (7, 2, 2), "Conv2d_6_pointwise": (59, 16, 14),
                     "Conv2d_12_pointwise": (251, 32, 94)},
    "resnet_v1_50": {"block1": (35, 8, 15), "block2": (99, 16, 47), "block3": (291, 32, 143)},
    "resnet_v1_101": {"block3": (835, 32, 415)},
    "resnet_v1_152": {"block2": (163, 16, 79), "block3": (1315, 32, 655)},
    "resnet_v1_200": {"block2": (419, 16, 207), "block3": (1571, 32, 783)},
    "inception_v2": {"MaxPool_2a_3x3": (11, 4, 2), "Mixed_3b": (59, 8, 22), "Mixed_4a": (123, 16, 46),
                     "Mixed_4e": (379, 16, 174), "Mixed_5a": (443, 32, 190), "Mixed_5b": (571, 32, 254)},
    "inception_v3": {"Conv2d_2b_3x3": (11, 2, 2), "MaxPool_5a_3x3": (31, 8, 2), "Mixed_5b": (63, 8, 18),
                     "Mixed_6a": (159, 16, 58), "Mixed_6b": (351, 16, 154), "Mixed_6e": (927, 16, 442),
                     "Mixed_7a": (1055, 32, 490), "Mixed_7b": (1183, 32, 554)},
    "inception_v4": {"Mixed_3a": (15, 4, 2), "Mixed_4a": (47, 4, 14), "Mixed_5a": (55, 8, 14),
                     "Mixed_5e": (183, 8, 78), "Mixed_6a": (215, 16, 86), "Mixed_6h": (1559, 16, 758),
                     "Mixed_7a": (1687, 32, 806)},
    "inception_resnet_v2": {"Mixed_5b": (63, 8, 18), "Mixed_6a": (415, 16, 186), "PreAuxLogits": (2335, 16, 1146),
                            "Mixed_7a": (2399, 32, 1162)},
}


def _single(value):
    """A model with two axes reports a pair; the zoo's models are square, so both entries agree."""
    if isinstance(value, tuple):
        assert len(set(value)) == 1, value
        return value[0]
    return value


def _values(result) -> tuple:
    return _single(result.rf), _single(result.jump), _single(result.effective_padding)


def test_the_zoo_holds_every_model():
    # the other TF-Slim models of the reference table are checked at every end-point in test_zoo_benchmark.py
    from .test_zoo_benchmark import ZOO_NAMES
    from .test_zoo_torchvision import NAMES  # generated from torchvision, checked there

    assert set(PUBLISHED) | set(TORCHVISION) | set(ZOO_NAMES.values()) | set(NAMES) == set(zoo.names())


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_values_exactly(name):
    model = zoo.get(name)
    result = zoo.analysis(name)
    assert _values(result) == PUBLISHED[name]
    assert (model.published["rf"], model.published["jump"], model.published["effective_padding"]) == PUBLISHED[name]
    assert model.input_size == 224 and "TF-Slim" in model.source
    assert result.aligned is True and not result.warnings


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_published_values_of_intermediate_end_points(name):
    result = zoo.analysis(name)
    for layer, expected in ENDPOINTS[name].items():
        assert _values(result.layer(layer)) == expected, layer


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_torchvision_values(name):
    result = zoo.analysis(name)
    assert _values(result) == TORCHVISION[name]
    assert "torchvision" in zoo.get(name).source


def test_torchvision_hand_derivations():
    # resnet18: conv1 7/2/3, maxpool 11/4/5, layer1 +16 per block (43, P 21), layer2 +8+16 then +32 (99, P 49),
    # layer3 +16+32 then +64 (211, P 105), layer4 +32+64 then +128 (435, P 217)
    result = zoo.analysis("resnet18")
    assert [_values(result.layer(f"layer{i}")) for i in range(1, 5)] == [
        (43, 4, 21), (99, 8, 49), (211, 16, 105), (435, 32, 217)]
    # torchvision strides at the start of a stage, TF-Slim at its end: resnet50 427 against resnet_v1_50 483
    assert _values(zoo.analysis("resnet50").layer("layer1")) == (35, 4, 17)


@pytest.mark.parametrize("name", sorted(PUBLISHED) + sorted(TORCHVISION))
def test_every_model_against_the_oracle(name):
    """Walk intervals back from features 0 and 1 along every axis: largest path, smallest path, jump, alignment."""
    assert_matches_the_oracle(name, 224)


def assert_matches_the_oracle(name: str, size: int) -> None:
    """The model at ``size`` against the interval walk of tests/graph_oracle.py, on every axis."""
    model = zoo.get(name)
    network = model.network
    result = zoo.analysis(name, None if size == model.input_size else size)
    for axis in range(network.axis_count):
        along = network.along(axis) if network.axis_count > 1 else network
        one = result.axis(axis) if network.axis_count > 1 else result
        nodes = build(along)
        sizes(nodes, size)
        first, second = path_intervals(nodes, 0), path_intervals(nodes, 1)
        lengths = [hi - lo + 1 for lo, hi in first]
        assert max(lengths) == one.rf and min(lengths) == getattr(one, "rf_min", one.rf), name
        assert second == {(lo + one.jump, hi + one.jump) for lo, hi in first}, name
        largest = {(lo, hi) for lo, hi in first if hi - lo + 1 == one.rf}
        assert largest == {(-one.effective_padding, one.rf - 1 - one.effective_padding)}, name
        assert len({lo + hi for lo, hi in first}) == 1, name  # every model of the zoo is aligned at 224 and 321
        assert nodes[-1].size == _single(one.size), name


def test_the_table_lists_every_model_at_its_final_layer():
    rows = {row.name: row for row in zoo.table()}
    for name, expected in {**PUBLISHED, **TORCHVISION}.items():
        row = rows[name]
        assert (_single(row.rf), _single(row.jump), _single(row.effective_padding)) == expected
        assert row.input_size == 224 and row.final_layer
    assert rows["inception_v3"].rf == (1311, 1311)


def test_tf_models_depend_on_the_input_size():
    # SAME padding: the effective padding changes with the input size; RF and jump do not
    small = zoo.analysis("mobilenet_v1", 321)
    assert _values(small) == (315, 32, 157)
    assert _values(zoo.analysis("resnet_v1_50", 321)) == (483, 32, 241)
    from symrf import analyze

    unknown = analyze(zoo.get("inception_v2").network)  # no input size: SAME paddings of stride 2 are unknown
    assert (unknown.rf, unknown.jump, unknown.effective_padding, unknown.aligned) == (699, 32, None, None)


def test_unknown_model_names_suggest_close_ones():
    with pytest.raises(SymrfError, match="there is no model 'resnet_50' in the zoo; did you mean"):
        zoo.get("resnet_50")


# -- the command line --------------------------------------------------------------------------------------------


def _run(*args: str):
    import json

    from typer.testing import CliRunner

    from symrf.cli import app

    result = CliRunner().invoke(app, list(args))
    return result, (json.loads(result.stdout) if "--json" in args and result.exit_code == 0 else None)


def test_cli_zoo_table_as_json_lists_per_axis_values_for_2d_models():
    result, data = _run("zoo", "--json")
    assert result.exit_code == 0
    by_name = {row["model"]: row for row in data}
    assert (by_name["resnet50"]["rf"], by_name["resnet50"]["jump"], by_name["resnet50"]["effective_padding"]) == (
        427, 32, 213)
    assert by_name["inception_v3"]["rf"] == [1311, 1311] and by_name["alexnet_v2"]["rf"] == 195
    assert by_name["vgg_16"]["final_layer"] == "pool5" and by_name["vgg_16"]["input_size"] == 224


def test_cli_zoo_table_as_text_markdown_and_latex():
    text, _ = _run("zoo")
    assert text.exit_code == 0 and "inception_resnet_v2" in text.stdout and "3039" in text.stdout
    markdown, _ = _run("zoo", "--markdown")
    assert "| resnet_v1_50 | 224 | block4 | 483 | 32 | 239 | yes |" in markdown.stdout
    latex, _ = _run("zoo", "--latex")
    assert latex.stdout.startswith("\\begin{tabular}") and "\\texttt{resnet\\_v1\\_50}" in latex.stdout


def test_cli_zoo_model_and_layer():
    result, data = _run("zoo", "resnet_v1_50", "--json")
    assert result.exit_code == 0 and (data["rf"], data["jump"], data["effective_padding"]) == (483, 32, 239)
    layer, found = _run("zoo", "resnet_v1_50", "--layer", "block2", "--json")
    assert (found["rf"], found["jump"], found["effective_padding"]) == (99, 16, 47)
    assert [path["label"] for path in found["paths"]] == ["path 1 (conv18)", "path 2 (pool3)"]  # the 1x1/2 shortcut
    text, _ = _run("zoo", "inception_v3", "--layer", "Mixed_6e")
    assert text.exit_code == 0 and "rf [927, 927]" in text.stdout
    chain, data = _run("zoo", "vgg16", "--json")
    assert data["rf"] == 212 and data["layers"][-1]["name"] == "pool5"
    described, _ = _run("zoo", "alexnet")
    assert "torchvision" in described.stdout and "195" in described.stdout
    latex, _ = _run("zoo", "alexnet", "--latex")
    assert "\\texttt{pool5}" in latex.stdout


def test_cli_zoo_at_another_input_size():
    result, data = _run("zoo", "mobilenet_v1", "--json", "--input-size", "321")
    assert (data["rf"], data["effective_padding"], data["input_size"]) == (315, 157, 321)


@pytest.mark.parametrize(
    "args, message",
    [
        (("zoo", "resnet_50"), "there is no model 'resnet_50' in the zoo; did you mean"),
        (("zoo", "resnet50", "--layer", "nowhere"), "there is no layer named 'nowhere'"),
        (("zoo", "--layer", "pool5"), "--layer needs a model"),
        (("zoo", "--json", "--latex"), "choose at most one of --json, --latex and --markdown"),
    ],
)
def test_cli_zoo_errors(args, message):
    result, _ = _run(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


# -- the files: hand-written ones define their blocks, generated ones are left as the script wrote them -------------

#: The models written by hand (the others are written by scripts/zoo_from_torchvision.py).
HAND_WRITTEN = frozenset({
    "alexnet_v2", "vgg_a", "vgg_16", "inception_v2", "inception_v2_no_separable_conv", "inception_v3", "inception_v4",
    "inception_resnet_v2", "inception_resnet_v2_same", "mobilenet_v1", "mobilenet_v1_075",
    *(f"resnet_v{version}_{depth}" for version in (1, 2) for depth in (50, 101, 152, 200)),
    "alexnet", "vgg11", "vgg16", "vgg19", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "mobilenet_v2",
})

GENERATOR = "Generated by scripts/zoo_from_torchvision.py"


def _toml(name: str) -> tuple[str, dict]:
    text = (zoo.FOLDER / f"{name}.toml").read_text(encoding="utf-8")
    return text, tomllib.loads(text)


def _written_out(texts: list[str]) -> Counter:
    """How often each block is written out in ``texts`` (specs): the text, without names, of every parallel(...),
    residual(...) and repeat(...), every list of two or more items and every repeated body, that holds a layer
    written out (a block used by name, such as [unit], is no block written out)."""
    counts: Counter = Counter()
    for text in texts:
        try:
            tree: ast.AST = ast.parse(f"[\n{text}\n]", mode="eval")
            sequences = {id(tree.body)}  # type: ignore[attr-defined]
        except SyntaxError:
            tree = ast.parse(text)  # a spec with definitions: statements, each line of the network a tuple
            sequences = {id(statement.value) for statement in tree.body if isinstance(statement, ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
                node = node.right if isinstance(node.right, (ast.List, ast.Tuple)) else node.left
            elif not ((isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"parallel", "residual",
                                                                                         "repeat"})
                      or (isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) > 1)):
                continue
            if id(node) in sequences:
                continue  # the network's sequence of layers (its named end-points cannot be blocks)
            calls = [inner for inner in ast.walk(node) if isinstance(inner, ast.Call)]
            if not any(getattr(call.func, "id", None) in FUNCTIONS for call in calls):
                continue
            for call in calls:
                call.keywords = [keyword for keyword in call.keywords if keyword.arg != "name"]
            counts[ast.unparse(node)] += 1
    return counts


def _specs(data: dict) -> list[str]:
    """The spec texts of a zoo file: its spec and its family's stages."""
    return [data["spec"], *data.get("family", {}).get("stages", {}).values()]


def test_the_zoo_is_hand_written_and_generated_files():
    for name in zoo.names():
        text, data = _toml(name)
        generated = GENERATOR in text.split("\nname = ", 1)[0]
        assert generated == (name not in HAND_WRITTEN), name
        assert ("spec" in data) == (name in HAND_WRITTEN), name
    assert HAND_WRITTEN <= set(zoo.names())


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_hand_written_files_write_each_block_once(name):
    _, data = _toml(name)
    assert definitions(data["spec"]), f"{name}: the spec defines no blocks"
    repeated = {block: count for block, count in _written_out(_specs(data)).items() if count > 2}
    assert not repeated, f"{name} writes blocks out more than twice: {repeated}"


def test_the_check_of_written_out_blocks_finds_them():
    old_resnet = ("residual([conv(3, p=1), conv(3, p=1)]),\nresidual([conv(3, p=1), conv(3, p=1)], name='layer1'),\n"
                  "parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)]),\nresidual([conv(3, p=1), conv(3, p=1)])")
    counts = _written_out([old_resnet])
    assert counts["residual([conv(3, p=1), conv(3, p=1)])"] == 3
    assert counts["[conv(3, p=1), conv(3, p=1)]"] == 3
    old_vgg_stages = [f"n_block{i} * [conv(3, p=1)], pool(2)" for i in (1, 2, 3)]
    assert _written_out(old_vgg_stages)["[conv(3, p=1)]"] == 3
    new = "unit = residual([conv(3, p=1), conv(3, p=1)])\nunit, unit(name='layer1'), 2 * [unit]"
    assert max(_written_out([new, "n * [unit]"]).values()) == 1


@pytest.mark.parametrize("name", sorted(set(zoo.names()) - HAND_WRITTEN))
def test_generated_files_have_no_definitions(name):
    _, data = _toml(name)
    nodes = data["node"]
    assert nodes and all(definitions(node.get("layers", "conv(1)")) == "" for node in nodes)
