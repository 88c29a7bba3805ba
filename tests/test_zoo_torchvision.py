"""The zoo's torchvision entries (written by ``scripts/zoo_from_torchvision.py``), checked without torch.

The independent source is the measurement each file records: RF, jump and start along the width at every
end-point, measured by input gradients on a positive linear copy of the torchvision model (squeeze-and-excitation
gates removed, so that it is ``rf_local``). symrf's analysis of the checked-in graph must give the same numbers.
"""

from __future__ import annotations

import pytest

from symrf import zoo
from symrf.tables import zoo_cells, zoo_json

FAMILIES = {
    "densenet": ["densenet121", "densenet161", "densenet169", "densenet201"],
    "googlenet": ["googlenet"],
    "inception": ["inception_v3_torchvision"],
    "squeezenet": ["squeezenet1_0", "squeezenet1_1"],
    "shufflenet_v2": [f"shufflenet_v2_x{w}" for w in ("0_5", "1_0", "1_5", "2_0")],
    "mnasnet": ["mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"],
    "efficientnet": [f"efficientnet_b{i}" for i in range(8)],
    "regnet": [f"regnet_x_{s}" for s in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")]
    + [f"regnet_y_{s}" for s in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf", "128gf")],
    "convnext": [f"convnext_{s}" for s in ("tiny", "small", "base", "large")],
    "resnet": ["wide_resnet50_2", "resnext50_32x4d"],
}
NAMES = [name for names in FAMILIES.values() for name in names]
SE = {name for name in NAMES if name.startswith(("efficientnet", "regnet_y"))}
CROP = {"efficientnet_b0": 224, "efficientnet_b1": 240, "efficientnet_b2": 288, "efficientnet_b3": 300,
        "efficientnet_b4": 380, "efficientnet_b5": 456, "efficientnet_b6": 528, "efficientnet_b7": 600,
        "inception_v3_torchvision": 299}
POINTS = [(name, dict(m)) for name in NAMES if name in zoo.names() for m in zoo.get(name).measured]


def width(value: object) -> object:
    """The value along the width (the measured axis): the second of two axes, or the one value."""
    return value[1] if isinstance(value, tuple) else value


def test_every_model_is_in_the_zoo_with_its_source_and_input_size() -> None:
    for name in NAMES:
        model = zoo.get(name)
        assert model.source.startswith("torchvision.models."), name
        assert model.input_size == CROP.get(name, 224 if name != "regnet_y_128gf" else 384), name
        assert model.endpoints and model.final_layer, name
        assert (model.reports == "rf_local") == (name in SE), name


def test_each_family_has_a_measured_model_and_the_others_say_so() -> None:
    for family, names in FAMILIES.items():
        measured = [name for name in names if zoo.get(name).measured]
        assert measured, family
        for name in names:
            model = zoo.get(name)
            assert bool(model.measured) != bool(model.unmeasured), name
            if model.unmeasured:
                assert "measured in the same family" in model.unmeasured, name


def test_every_model_is_measured_at_every_end_point() -> None:
    for name in NAMES:
        model = zoo.get(name)
        assert model.measured and not model.unmeasured, name
        assert [m["layer"] for m in model.measured] == [*model.endpoints, model.final_layer], name


@pytest.mark.parametrize("point", POINTS, ids=[f"{name}:{m['layer']}" for name, m in POINTS])
def test_analysis_equals_the_measurement(point: tuple[str, dict]) -> None:
    name, measured = point
    row = zoo.analysis(name).layer(measured["layer"])
    rf = row.rf_local if name in SE else row.rf
    assert (width(rf), width(row.jump), width(row.start)) == (measured["rf"], measured["jump"], measured["start"])
    assert measured["axis"] == "width" and "positive linear copy" in measured["method"]


def test_the_whole_new_zoo_in_one_table() -> None:
    rows = {row.name: row for row in zoo.table()}
    for name in NAMES:
        row, analysis = rows[name], zoo.analysis(name)
        assert row.local == (name in SE), name
        assert row.rf == (analysis.rf_local if name in SE else analysis.rf), name
        assert row.final_layer == zoo.get(name).final_layer
        for layer in zoo.get(name).endpoints:  # every end-point names a row
            analysis.layer(layer)
    # after a gate a feature reads the whole input (224 pixels); its local paths read 67
    stage = zoo.analysis("efficientnet_b0").layer("features.3")
    assert (width(stage.rf_local), width(stage.rf)) == (67, 33 + 224)
    cells = {cells[0]: cells for cells in zoo_cells(rows.values())}
    assert cells["efficientnet_b0"][3].endswith("*") and not cells["resnet50"][3].endswith("*")
    shown = {entry["model"]: entry for entry in zoo_json(rows.values())}
    assert shown["efficientnet_b0"]["rf_is"] == "rf_local" and "rf_is" not in shown["resnet50"]
