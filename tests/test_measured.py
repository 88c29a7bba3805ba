"""symrf.measured_erf: the effective receptive field of a PyTorch model measured as Luo et al. (NeurIPS 2016) do,
beside the theoretical receptive field and the exact uniform-weight ERF of the same architecture.

The ground truth is a uniform-weight model: every convolution's weights equal 1/fan_in, biases 0, average pooling
and no activations. Such a model is linear and positive, so the input gradient of a unit does not depend on the
input, and summed over the channels it follows the recursion of the uniform-weight ERF exactly: the measured map
must equal symrf.erf's response of feature 0 shifted by unit * jump.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import symrf
from symrf import erf as exact_erf
from symrf.errors import SymrfError
from symrf.measured import MeasuredERF, interval, measured_erf

ROOT = Path(__file__).resolve().parent.parent


# -- models ----------------------------------------------------------------------------------------------------------


def uniform(model: nn.Module) -> nn.Module:
    """``model`` in double precision with every convolution's weights 1/fan_in and no bias."""
    model = model.double()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.conv._ConvNd):
                module.weight.fill_(1.0 / module.weight[0].numel())
                if module.bias is not None:
                    module.bias.zero_()
    return model


def chain_1d() -> nn.Module:
    return nn.Sequential(nn.Conv1d(2, 4, 3), nn.Conv1d(4, 4, 3, stride=2, padding=1), nn.AvgPool1d(2),
                         nn.Conv1d(4, 3, 3, dilation=2), nn.Conv1d(3, 3, 5, padding=2))


def chain_2d() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.AvgPool2d(2), nn.Conv2d(4, 4, (3, 5), stride=2, padding=1),
                         nn.Conv2d(4, 2, 3, dilation=2))


class Block(nn.Module):
    def __init__(self, inputs: int, channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, channels, 3, stride=stride, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.shortcut = nn.Conv2d(inputs, channels, 1, stride=stride) if stride > 1 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv2(self.conv1(x))


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.layer1 = nn.Sequential(Block(4, 4), Block(4, 8, stride=2))
        self.layer2 = Block(8, 8)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.layer2(self.layer1(self.stem(x))))


class Classifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 8 * 8, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Twice(nn.Module):
    """One convolution applied twice: a forward hook on it would see two outputs."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.conv(x))


def trained(seed: int = 1) -> nn.Module:
    """A small non-linear model with random weights (not uniform: the map depends on the input)."""
    torch.manual_seed(seed)
    return Classifier()


# -- the exact uniform response ----------------------------------------------------------------------------------------


def expected_map(model: nn.Module, size: object, result: MeasuredERF, layer: str | None = None) -> np.ndarray:
    """symrf.erf's exact response of feature 0 of ``layer``, shifted by unit * jump onto the input and normalised."""
    response = exact_erf(symrf.from_torch(model, size), size, layer=layer)
    if result.map.ndim == 1:
        first, weights = response.response
        firsts, array = (first,), np.array([float(w) for w in weights])
    else:
        first_row, first_col, rows = response.map()
        firsts, array = (first_row, first_col), np.array([[float(w) for w in row] for row in rows])
    expected = np.zeros(result.map.shape)
    index = []
    for axis in range(result.map.ndim):
        begin = firsts[axis] + result.unit[axis] * result.jump[axis]
        assert 0 <= begin and begin + array.shape[axis] <= result.map.shape[axis], "the field must fit the input"
        index.append(slice(begin, begin + array.shape[axis]))
    expected[tuple(index)] = array
    return expected / expected.sum()


def check_uniform(model: nn.Module, size: object, layer: str | None = None) -> MeasuredERF:
    result = measured_erf(model, size, layer=layer, batch=2)
    expected = expected_map(model, size, result, layer)
    assert result.map.shape == expected.shape
    assert np.abs(result.map - expected).max() < 1e-9
    assert np.abs(result.uniform_map() - expected).max() < 1e-12
    assert result.uniform_interval95 == result.interval95
    # symrf.erf's own 95 % intervals, of feature 0, moved to the unit measured
    exact = exact_erf(symrf.from_torch(model, size), size, layer=layer).interval95
    exact = exact if result.map.ndim > 1 else (exact,)
    assert result.interval95 == tuple((first + unit * jump, last + unit * jump)
                                      for (first, last), unit, jump in zip(exact, result.unit, result.jump))
    # the map lies inside the theoretical box and reaches both of its ends
    nonzero = np.nonzero(result.map > 1e-15)
    for axis, (first, last) in enumerate(result.theoretical_box):
        assert nonzero[axis].min() == first and nonzero[axis].max() == last
    return result


def test_a_uniform_1d_chain_measures_its_exact_uniform_response():
    result = check_uniform(uniform(chain_1d()), 64)
    analysis = symrf.analyze(symrf.from_torch(chain_1d(), 64), 64)
    assert result.map.ndim == 1 and result.first == (0,)
    assert result.rf == (analysis.rf,) and result.jump == (analysis.jump,) and result.start == (analysis.start,)
    assert result.unit == (analysis.size // 2,)


def test_a_uniform_2d_chain_measures_its_exact_uniform_response():
    result = check_uniform(uniform(chain_2d()), (40, 48))
    analysis = symrf.analyze(symrf.from_torch(chain_2d(), (40, 48)), (40, 48))
    assert result.map.shape == (40, 48) and result.first == (0, 0)
    assert (result.rf, result.jump, result.start) == (analysis.rf, analysis.jump, analysis.start)
    assert result.unit == tuple(size // 2 for size in analysis.size)


def test_a_uniform_residual_network_measures_its_exact_uniform_response():
    result = check_uniform(uniform(Residual()), 48)
    # the residual map is not the theoretical box's uniform square: paths of every length add up
    assert result.map.max() > 2 * result.map[result.map > 0].min()


def test_the_layer_option_measures_a_named_intermediate_module():
    model = uniform(Residual())
    analysis = symrf.analyze(symrf.from_torch(model, 48), 48)
    for layer in ("layer1", "layer1.0.conv2", "layer1.1"):
        result = check_uniform(model, 48, layer=layer)
        row = analysis.layer(layer)
        assert result.layer == layer
        assert (result.rf, result.jump, result.start) == (row.rf, row.jump, row.start)
        assert result.unit == tuple(size // 2 for size in row.size)
    whole = measured_erf(model, 48, batch=2)
    assert measured_erf(model, 48, layer="layer1", batch=2).rf < whole.rf


# -- measuring a real model ----------------------------------------------------------------------------------------


def test_a_model_with_random_weights():
    model = trained()
    result = measured_erf(model, 16, layer="features", batch=4)
    assert result.map.shape == (16, 16) and result.map.dtype == np.float64
    assert abs(result.map.sum() - 1) < 1e-12 and (result.map >= 0).all()
    assert result.unit == (4, 4) and result.rf == (8, 8) and result.jump == (2, 2) and result.start == (-3, -3)
    assert result.theoretical_box == ((5, 12), (5, 12))
    nonzero = np.nonzero(result.map)
    for axis, (first, last) in enumerate(result.theoretical_box):
        assert first <= nonzero[axis].min() and nonzero[axis].max() <= last
        low, high = result.interval95[axis]
        assert first <= low <= high <= last
    assert model.training and all(parameter.grad is None for parameter in model.parameters())


def test_the_seed_makes_the_measurement_deterministic():
    model = trained()
    first = measured_erf(model, 16, layer="features.3", batch=3, seed=5)
    again = measured_erf(model, 16, layer="features.3", batch=3, seed=5)
    other = measured_erf(model, 16, layer="features.3", batch=3, seed=6)
    assert np.array_equal(first.map, again.map)
    assert not np.array_equal(first.map, other.map)


def test_weights_load_from_a_state_dict(tmp_path):
    source = trained(seed=1)
    path = tmp_path / "weights.pt"
    torch.save(source.state_dict(), path)
    target = trained(seed=2)
    before = measured_erf(target, 16, layer="features", batch=8)
    loaded = measured_erf(target, 16, layer="features", batch=8, weights=path)
    reference = measured_erf(source, 16, layer="features", batch=8)
    assert np.array_equal(loaded.map, reference.map)
    assert not np.array_equal(before.map, loaded.map)
    assert measured_erf(trained(seed=2), 16, layer="features", batch=8, weights=str(path)).map.tolist() == \
        reference.map.tolist()


def one_line(exc: pytest.ExceptionInfo[SymrfError]) -> str:
    message = str(exc.value)
    assert "\n" not in message and message
    return message


def test_a_pickled_module_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save(trained(), path)  # a pickle of the module object: weights_only=True refuses it
    with pytest.raises(SymrfError) as exc:
        measured_erf(trained(), 16, weights=path, layer="features")
    message = one_line(exc)
    assert "weights_only=True" in message and "state_dict()" in message and "model.pt" in message


def test_files_that_are_not_a_state_dict_are_refused(tmp_path):
    with pytest.raises(SymrfError) as exc:
        measured_erf(trained(), 16, weights=tmp_path / "missing.pt", layer="features")
    assert "there is no weights file" in one_line(exc)
    path = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 3, "state_dict": trained().state_dict()}, path)
    with pytest.raises(SymrfError) as exc:
        measured_erf(trained(), 16, weights=path, layer="features")
    assert "not a state dict" in one_line(exc) and "epoch" in str(exc.value)
    torch.save(chain_2d().state_dict(), path)
    with pytest.raises(SymrfError) as exc:
        measured_erf(trained(), 16, weights=path, layer="features")
    assert "do not fit the model" in one_line(exc)


def test_unknown_layers_and_layers_without_spatial_axes_are_refused():
    with pytest.raises(SymrfError) as exc:
        measured_erf(trained(), 16, layer="layer3")
    message = one_line(exc)
    assert "no module 'layer3'" in message and "features, features.0" in message
    with pytest.raises(SymrfError) as exc:
        measured_erf(uniform(Residual()), 48, layer="layer2.add")  # symrf's name of the functional x + y
    assert "is a function call, not a module" in one_line(exc) and "its container 'layer2'" in str(exc.value)
    with pytest.raises(SymrfError) as exc:
        measured_erf(trained(), 16)  # the output of the classifier has no spatial axes
    assert "without the input's 2 spatial axes" in one_line(exc)
    with pytest.raises(SymrfError) as exc:
        measured_erf(trained(), 16, layer="head.0")
    assert "spatial axes" in one_line(exc)
    with pytest.raises(SymrfError) as exc:
        measured_erf(Twice(), 16, layer="conv")
    assert "runs 2 times in one forward pass" in one_line(exc)
    with pytest.raises(SymrfError):
        measured_erf(trained(), None)
    with pytest.raises(SymrfError):
        measured_erf(trained(), 16, layer="features", batch=0)


def test_to_dict_is_json():
    model = uniform(chain_2d())
    result = measured_erf(model, (40, 48), batch=1)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["rf"] == list(result.rf) and data["jump"] == list(result.jump)
    assert data["start"] == list(result.start) and data["unit"] == list(result.unit)
    assert data["interval95"] == [list(pair) for pair in result.interval95]
    assert data["uniform_interval95"] == data["interval95"]
    assert [len(marginal) for marginal in data["marginals"]] == [40, 48]
    assert abs(sum(data["marginals"][0]) - 1) < 1e-5
    assert all(value == float(f"{value:.6g}") for value in data["marginals"][1])
    assert "uniform_interval95" not in result.to_dict(uniform=False)


def test_the_95_percent_interval():
    assert interval(np.array([0.0, 0.0, 1.0, 0.0])) == (2, 2)
    assert interval(np.array([0.25, 0.25, 0.25, 0.25])) == (0, 3)
    assert interval(np.array([0.02, 0.48, 0.48, 0.02])) == (1, 2)
    assert interval(np.array([0.04, 0.45, 0.47, 0.04])) == (0, 2)  # the leftmost of the narrowest, as symrf.erf
    assert interval(np.array([0.0, 0.04, 0.47, 0.45, 0.04]) * 2) == (1, 3)  # of the total mass


def test_import_symrf_does_not_import_torch():
    code = ("import sys, symrf\n"
            "assert 'torch' not in sys.modules and 'symrf.measured' not in sys.modules\n"
            "assert callable(symrf.measured_erf) and 'torch' in sys.modules\n"
            "assert symrf.MeasuredERF.__module__ == 'symrf.measured'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
