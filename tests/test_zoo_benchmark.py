"""The zoo against the reference library's table: every TF-Slim model and end-point of receptive_field's
rf_benchmark (tests/data/rf_benchmark.csv), at 224, at 321 and without an input size; and the whole zoo at once."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

import symrf
from symrf import zoo

from .test_zoo import assert_matches_the_oracle

#: The reference table, as stored (see its header): one dict per row, every value a string.
TABLE = Path(__file__).parent / "data" / "rf_benchmark.csv"

#: The table's model names (rf_benchmark's variants) and the zoo's: a zoo name is a Python identifier.
ZOO_NAMES = {
    "alexnet_v2": "alexnet_v2",
    "vgg_a": "vgg_a",
    "vgg_16": "vgg_16",
    "inception_v2": "inception_v2",
    "inception_v2-no-separable-conv": "inception_v2_no_separable_conv",
    "inception_v3": "inception_v3",
    "inception_v4": "inception_v4",
    "inception_resnet_v2": "inception_resnet_v2",
    "inception_resnet_v2-same": "inception_resnet_v2_same",
    "mobilenet_v1": "mobilenet_v1",
    "mobilenet_v1_075": "mobilenet_v1_075",
    **{f"resnet_{version}_{depth}": f"resnet_{version}_{depth}"
       for version in ("v1", "v2") for depth in (50, 101, 152, 200)},
}


def _rows() -> list[dict[str, str]]:
    with TABLE.open(newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


ROWS = _rows()
BY_MODEL: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
for _row in ROWS:
    BY_MODEL[_row["model"], _row["resolution"]].append(_row)


def layer_name(end_point: str) -> str:
    """The zoo's name of a TF-Slim end-point: its last scope ("vgg_a/conv1/conv1_1" -> "conv1_1").

    >>> layer_name("resnet_v2_50/block3"), layer_name("Mixed_6e")
    ('block3', 'Mixed_6e')
    """
    return end_point.rsplit("/", 1)[-1]


def per_axis(value) -> tuple:
    """A value on each axis: a network with one value per layer has one axis, analysed once for both."""
    return value if isinstance(value, tuple) else (value,)


def expected(row: dict[str, str]) -> tuple:
    return tuple(None if row[key] == "None" else int(row[key])
                 for key in ("rf", "effective_stride", "effective_padding"))


def test_the_table_as_stored():
    """19 models, each at None, 224 and 321 with the same end-points; RF and stride never depend on the size."""
    assert set(BY_MODEL) == {(model, size) for model in ZOO_NAMES for size in ("None", "224", "321")}
    assert len(ROWS) == 3 * 187
    for model in ZOO_NAMES:
        unknown, at_224, at_321 = (BY_MODEL[model, size] for size in ("None", "224", "321"))
        assert [row["end_point"] for row in unknown] == [row["end_point"] for row in at_224] == [
            row["end_point"] for row in at_321]
        for none, small, large in zip(unknown, at_224, at_321):
            assert expected(none)[:2] == expected(small)[:2] == expected(large)[:2]
            # a padding given without a size holds at every size; one that depends on the size differs here
            if none["effective_padding"] == "None":
                assert small["effective_padding"] != large["effective_padding"], none
            else:
                assert none["effective_padding"] == small["effective_padding"] == large["effective_padding"]


def test_the_tf_slim_models_of_the_zoo_are_the_table_s():
    slim = {name for name in zoo.names() if "TF-Slim" in (zoo.get(name).source or "")}
    assert slim == set(ZOO_NAMES.values())


@pytest.mark.parametrize("size", [224, 321])
@pytest.mark.parametrize("model", sorted(ZOO_NAMES))
def test_every_end_point_at_a_known_size(model, size):
    """RF, effective stride (jump) and effective padding exactly, on both axes (the input is square)."""
    result = symrf.analyze(zoo.get(ZOO_NAMES[model]), (size, size))
    assert result.axis_count == 2 and result.aligned is True and not result.warnings
    for row in BY_MODEL[model, str(size)]:
        found = result.layer(layer_name(row["end_point"]))
        rf, jump, padding = expected(row)
        assert (found.rf, found.jump, found.effective_padding) == ((rf, rf), (jump, jump), (padding, padding)), row


@pytest.mark.parametrize("model", sorted(ZOO_NAMES))
def test_every_end_point_without_an_input_size(model):
    """Where the table has a value without a size, symrf has the same; where "same" padding makes the padding
    depend on the size (the table's None), symrf gives None too and says why."""
    result = symrf.analyze(zoo.get(ZOO_NAMES[model]).network)
    assert result.input_size is None
    size_dependent = False
    for row in BY_MODEL[model, "None"]:
        found = result.layer(layer_name(row["end_point"]))
        rf, jump, padding = expected(row)
        assert set(per_axis(found.rf)) == {rf} and set(per_axis(found.jump)) == {jump}, row
        assert set(per_axis(found.effective_padding)) == {padding}, row
        size_dependent |= padding is None
    notes = " ".join(result.notes)
    if size_dependent:
        assert "'same' padding is unknown without an input size" in notes
        assert result.aligned is (None if result.branched else True)  # a chain is aligned whatever its padding
    else:
        assert "unknown without an input size" not in notes


def test_the_whole_zoo():
    """Every model at its own input size, and the TF-Slim ones at 321 too: aligned, the final layer is the total,
    the table of the zoo agrees, and (at 321) the brute-force oracle gives the same largest and smallest RF, jump
    and effective padding."""
    table = {row.name: row for row in zoo.table()}
    assert set(table) == set(zoo.names())
    for name in zoo.names():
        model = zoo.get(name)
        own = zoo.analysis(name)
        assert own.aligned is True and not own.warnings, name
        final = own.layer(model.final_layer)
        assert (final.rf, final.jump, final.effective_padding) == (own.rf, own.jump, own.effective_padding), name
        rf = own.rf_local if model.reports == "rf_local" else own.rf  # squeeze-and-excitation: the local paths
        assert table[name].local == (model.reports == "rf_local"), name
        assert (table[name].rf, table[name].jump, table[name].effective_padding) == (
            rf, own.jump, own.effective_padding)
        if model.published:
            assert set(per_axis(own.rf)) == {model.published["rf"]}, name
        if "TF-Slim" not in (model.source or ""):
            continue
        wide = zoo.analysis(name, 321)
        assert wide.aligned is True and not wide.warnings, name
        assert_matches_the_oracle(name, 321)
