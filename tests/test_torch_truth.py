"""Ground truth for :func:`symrf.from_torch`: the receptive fields of real PyTorch models, measured with autograd.

The measurement owes nothing to symrf's arithmetic. A copy of the model is made linear and positive: every conv,
transposed conv and linear layer gets a positive constant weight and no bias, max pooling becomes average pooling
of the same geometry (a depthwise convolution with ones where it is dilated, as average pooling has no dilation),
activations and norms become identities. An input of ones then makes every feature a sum of input pixels with
positive coefficients, so nothing cancels and the input gradient of a feature is non-zero exactly on the pixels
it depends on. On a large input and for an interior feature, the field lies wholly inside the input, so padding
hides nothing, and along each axis:

- RF = last - first + 1 non-zero gradient pixel (the hull: dilated layers leave holes inside it);
- jump = how far the first pixel moves from one output feature to the next;
- start (of feature 0) = first pixel of feature ``i`` - ``i`` * jump, which is negative when it reaches into the
  padding; effective padding = -start.

After up-sampling (transposed convolutions) features of different phases see fields of different sizes: the
features of a whole period are measured, RF is the largest and the start is that of the first phase attaining it.
Squeeze-and-excitation gates read the whole input: ``rf_local`` is measured with the gates replaced by constants,
and the gradient with the gates kept must cover the whole input.

Several features are measured at once, one per sample of a batch (the copy has no batch norm, so samples do not
mix), and they are taken along the diagonal: receptive fields are separable, so along each axis the extent depends
only on the feature's index along that axis.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pytest
import torch
from torch import nn

import symrf

from . import torch_models as tm

# -- the measurement ---------------------------------------------------------------------------------------------

_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.GELU, nn.SiLU, nn.Hardswish, nn.Tanh, nn.ELU, nn.Mish)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm1d,
          nn.InstanceNorm2d, nn.InstanceNorm3d, nn.Dropout, nn.Dropout2d)
_MAX_POOLS = {nn.MaxPool1d: (1, nn.AvgPool1d), nn.MaxPool2d: (2, nn.AvgPool2d), nn.MaxPool3d: (3, nn.AvgPool3d)}


def _tuple(value: Any, dims: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims


class DilatedOnes(nn.Module):
    """A dilated max pooling's footprint: each channel convolved on its own with a kernel of ones."""

    def __init__(self, dims: int, kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...],
                 dilation: tuple[int, ...]) -> None:
        super().__init__()
        self.conv = (nn.functional.conv1d, nn.functional.conv2d, nn.functional.conv3d)[dims - 1]
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, *spatial = x.shape
        ones = torch.ones((1, 1, *self.kernel), dtype=x.dtype)
        y = self.conv(x.reshape(n * c, 1, *spatial), ones, None, self.stride, self.padding, self.dilation)
        return y.reshape(n, c, *y.shape[2:])


class Ones(nn.Module):
    """A removed squeeze-and-excitation gate: weights of 1 per channel that do not depend on the input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ones((*x.shape[:2], *(1,) * (x.dim() - 2)), dtype=x.dtype)


def _replacement(module: nn.Module) -> nn.Module | None:
    if isinstance(module, _ACTIVATIONS + _NORMS):
        return nn.Identity()
    for kind, (dims, average) in _MAX_POOLS.items():
        if isinstance(module, kind):
            kernel = _tuple(module.kernel_size, dims)
            stride = _tuple(module.stride if module.stride is not None else module.kernel_size, dims)
            padding, dilation = _tuple(module.padding, dims), _tuple(module.dilation, dims)
            if all(d == 1 for d in dilation):
                return average(kernel, stride, padding, ceil_mode=module.ceil_mode)
            if module.ceil_mode:
                raise NotImplementedError("a dilated max pooling with ceil_mode")
            return DilatedOnes(dims, kernel, stride, padding, dilation)
    return None


def _set(model: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, name = path.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, name, module)


def positive_copy(model: nn.Module, gates: tuple[str, ...] = ()) -> nn.Module:
    """A linear, positive copy of ``model`` in double precision; the modules at ``gates`` become :class:`Ones`."""
    model = copy.deepcopy(model).double().eval()
    replacement = _replacement(model)  # the model is itself one layer
    if replacement is not None:
        return replacement
    for path in gates:
        _set(model, path, Ones())
    for path, module in list(model.named_modules()):
        replacement = _replacement(module)
        if replacement is not None:
            _set(model, path, replacement)
    with torch.no_grad():
        for module in model.modules():
            weight = getattr(module, "weight", None)
            if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
                weight.fill_(1.0 / weight[0].numel())
            elif isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
                weight.fill_(1.0 / weight.shape[0])
            elif weight is not None:
                raise NotImplementedError(f"a module with weights: {type(module).__name__}")
            if getattr(module, "bias", None) is not None:
                module.bias.zero_()
    return model


@dataclass
class Captured:
    """What one forward pass of a batch of ones gives: the input, and the tensors of the named layers."""

    input: torch.Tensor
    outputs: dict[str, torch.Tensor] = field(default_factory=dict)


def run(model: nn.Module, input_shape: tuple[int, ...], layers: tuple[str, ...], batch: int) -> Captured:
    """A forward pass of ``batch`` samples of ones (``input_shape`` = channels, then the spatial sizes), keeping
    the outputs of the modules at ``layers`` ("" is the model's output)."""
    x = torch.ones((batch, *input_shape), dtype=torch.float64, requires_grad=True)
    captured = Captured(x)
    handles = []
    for name in layers:
        if not name:
            continue

        def hook(module: nn.Module, args: Any, output: torch.Tensor, name: str = name) -> torch.Tensor:
            captured.outputs[name] = output
            return output.clone()  # later in-place ops (out += identity) act on the clone, not on what is kept

        handles.append(model.get_submodule(name).register_forward_hook(hook))
    try:
        captured.outputs[""] = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return captured


def extents(captured: Captured, layer: str, output_indices: list[tuple[int, ...]]) -> list[tuple[tuple[int, int], ...]]:
    """For each output feature (its spatial index; all its channels), the first and last input pixel with a
    non-zero gradient along each spatial axis. Feature ``b`` is read from sample ``b`` of the batch."""
    y = captured.outputs[layer]
    picked = sum(y[(b, slice(None), *index)].sum() for b, index in enumerate(output_indices))
    (grad,) = torch.autograd.grad(picked, captured.input, retain_graph=True)
    found = []
    for b in range(len(output_indices)):
        support = grad[b].abs().sum(0) > 0  # exact zeros are structural: nothing cancels
        extents = []
        for axis in range(support.dim()):
            others = tuple(a for a in range(support.dim()) if a != axis)
            hit = support.any(dim=others) if others else support
            where = torch.nonzero(hit).flatten()
            assert where.numel(), f"feature {output_indices[b]} of {layer or 'the output'} reads no input pixel"
            extents.append((int(where[0]), int(where[-1])))
        found.append(tuple(extents))
    return found


@dataclass(frozen=True)
class Field:
    """Measured values per spatial axis."""

    rf: tuple[int, ...]
    jump: tuple[Fraction, ...]
    start: tuple[Fraction, ...]
    size: tuple[int, ...]
    extents: tuple[tuple[tuple[int, int], ...], ...]  # per measured feature, per axis

    @property
    def effective_padding(self) -> tuple[Fraction, ...]:
        return tuple(-s for s in self.start)


def measure(model: nn.Module, input_shape: tuple[int, ...], output_index: tuple[int, ...], layer: str = "",
            gates: tuple[str, ...] = ()) -> tuple[tuple[int, int], ...]:
    """The first and last input pixel, along each spatial axis, of the field of the output feature at
    ``output_index`` (of the model, or of the module at ``layer``), measured on a positive copy of ``model``."""
    captured = run(positive_copy(model, gates), input_shape, (layer,), 1)
    return extents(captured, layer, [output_index])[0]


def measure_field(captured: Captured, layer: str, period: int) -> Field:
    """RF, jump and start of the features at ``layer``, from the features ``i0 .. i0 + period`` along the diagonal
    (``i0`` a multiple of ``period`` near the middle along each axis); ``period`` must be a multiple of the period
    of the phases (1 without up-sampling)."""
    y = captured.outputs[layer]
    size = tuple(y.shape[2:])
    inputs = tuple(captured.input.shape[2:])
    if len(y) != len(captured.input):
        raise AssertionError(f"{layer}: the batch is not kept (a layer mixes samples)")
    first = tuple((s // 2) // period * period for s in size)
    assert all(f + period < s for f, s in zip(first, size)), f"{layer}: too few features {size} to measure"
    found = extents(captured, layer, [tuple(f + step for f in first) for step in range(period + 1)])
    rfs, jumps, starts = [], [], []
    for axis, n in enumerate(inputs):
        lo = [e[axis][0] for e in found]
        hi = [e[axis][1] for e in found]
        # the field must lie inside the input, or padding could hide part of it; a field cut by the border would
        # not repeat after a period either (its cut part moves)
        assert min(lo) > 0 and max(hi) < n - 1, f"{layer}: the field {lo}..{hi} touches the border of {n} pixels"
        widths = [h - low + 1 for low, h in zip(lo, hi)]
        assert widths[0] == widths[-1], f"{layer}: the fields {widths} do not repeat with period {period}"
        jump = Fraction(lo[-1] - lo[0], period)
        assert jump == Fraction(hi[-1] - hi[0], period)
        best = max(widths[:period])
        phase = widths.index(best)  # the first phase with the largest field
        rfs.append(best)
        jumps.append(jump)
        starts.append(lo[phase] - (first[axis] + phase) * jump)
    return Field(tuple(rfs), tuple(jumps), tuple(starts), size, tuple(found))


# -- the cases ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    model: type[nn.Module]
    input_size: tuple[int, ...]  # spatial, height first
    channels: int = 3
    layers: tuple[str, ...] = ()  # module and container paths to check besides the output
    period: int = 1  # a multiple of the period of the phases of every checked layer
    gates: tuple[str, ...] = ()  # squeeze-and-excitation gates (module paths), removed for rf_local

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.channels, *self.input_size)


CASES = {
    "vgg": Case(tm.VGGLike, (96, 112), layers=("features.4", "features.9", "features.10")),
    "resnet": Case(tm.ResNetLike, (224, 208), layers=("maxpool", "layer1", "layer2", "layer2.0.conv1",
                                                      "layer2.0.downsample", "layer3.1.conv2")),
    "inception": Case(tm.InceptionLike, (128, 112),
                      layers=("stem", "mixed1", "mixed1.branch5", "mixed1.branch_pool", "pool")),
    "densenet": Case(tm.DenseNetLike, (128, 120), layers=("block1", "transition", "block2.layers.1")),
    "unet": Case(tm.UNetLike, (96, 80), layers=("enc2", "bottleneck", "up2", "dec2", "up1"), period=4),
    "upsample": Case(tm.UpsampleNet, (64, 72), layers=("down2", "up1"), period=4),
    "resampling": Case(tm.ResamplingNet, (96, 80), layers=("down", "up_nearest", "conv_a", "conv_b"), period=8),
    "atrous": Case(tm.AtrousNet, (96, 112), layers=("atrous1", "pool", "atrous2", "aspp.2")),
    "se": Case(tm.SENet, (64, 80), layers=("block1.conv2", "block1", "block2"),
               gates=("block1.gate", "block2.gate")),
    "convnext": Case(tm.ConvNeXtLike, (160, 144),
                     layers=("stem", "stage1.0.dwconv", "stage1.0", "stage1", "downsample")),
    "shuffle": Case(tm.ShuffleNetLike, (96, 80), layers=("maxpool", "stage2.0.branch2", "stage2.0", "stage2.1")),
    "conv1d": Case(tm.Net1d, (400,), channels=2, layers=("pool", "conv2")),
    "conv3d": Case(tm.Net3d, (16, 64, 56), channels=1, layers=("pool", "conv2")),
    "ceil_mode": Case(tm.CeilPoolNet, (101, 98), layers=("pool1", "pool2", "pool3")),
    "adaptive_pool": Case(tm.AdaptivePoolNet, (128, 120), layers=("features", "adaptive")),
    "shape_branch": Case(tm.ShapeBranchNet, (96, 80), layers=("conv1",)),
}


@dataclass
class Result:
    case: Case
    analysis: Any
    local: dict[str, Field]  # the measurement (gates removed), by layer ("" the output)
    whole_extents: dict[str, tuple] = field(default_factory=dict)  # gates kept: an interior feature's extents


@functools.cache
def result(name: str) -> Result:
    case = CASES[name]
    torch.manual_seed(0)
    model = case.model().eval()
    graph = symrf.from_torch(model, case.input_size)
    analysis = symrf.analyze(graph, case.input_size if len(case.input_size) > 1 else case.input_size[0])
    layers = ("", *case.layers)
    captured = run(positive_copy(model, case.gates), case.input_shape, layers, case.period + 1)
    local = {layer: measure_field(captured, layer, case.period) for layer in layers}
    found = Result(case, analysis, local)
    if case.gates:
        kept = run(positive_copy(model), case.input_shape, layers, 1)
        for layer in layers:
            size = kept.outputs[layer].shape[2:]
            found.whole_extents[layer] = extents(kept, layer, [tuple(s // 2 for s in size)])[0]
    return found


def per_axis(value: Any) -> tuple:
    return tuple(value) if isinstance(value, tuple) else (value,)


def exact(values: Any) -> tuple[Fraction, ...]:
    """symrf's values (ints or sympy numbers) as fractions, one per axis."""
    return tuple(Fraction(str(v)) for v in per_axis(values))


def row_of(analysis: Any, layer: str) -> Any:
    return analysis if not layer else analysis.layer(layer)


def _ids(case: tuple[str, str]) -> str:
    return f"{case[0]}:{case[1] or 'output'}"


POINTS = [(name, layer) for name, case in CASES.items() for layer in ("", *case.layers)]


# -- the tests ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("point", POINTS, ids=_ids)
def test_rf_local_matches_measurement(point: tuple[str, str]) -> None:
    name, layer = point
    found = result(name)
    row, measured = row_of(found.analysis, layer), found.local[layer]
    assert exact(row.rf_local) == tuple(measured.rf), "rf_local"


@pytest.mark.parametrize("point", POINTS, ids=_ids)
def test_jump_matches_measurement(point: tuple[str, str]) -> None:
    name, layer = point
    found = result(name)
    assert exact(row_of(found.analysis, layer).jump) == found.local[layer].jump


@pytest.mark.parametrize("point", POINTS, ids=_ids)
def test_start_matches_measurement(point: tuple[str, str]) -> None:
    name, layer = point
    found = result(name)
    row, measured = row_of(found.analysis, layer), found.local[layer]
    assert exact(row.start) == measured.start, "start"
    assert exact(row.effective_padding) == measured.effective_padding, "effective padding"


@pytest.mark.parametrize("point", POINTS, ids=_ids)
def test_rf_matches_measurement(point: tuple[str, str]) -> None:
    """Without global context ``rf`` is the local field; a feature that takes context from an excitation gate
    reads the whole input and, along its local paths, the window of feature 0, which may reach into the padding:
    ``rf`` covers both."""
    name, layer = point
    found = result(name)
    row, measured = row_of(found.analysis, layer), found.local[layer]
    if not reads_whole_input(found, layer):
        assert exact(row.rf) == tuple(measured.rf)
        return
    expected = []
    for axis, n in enumerate(found.case.input_size):
        first = measured.start[axis]  # feature 0's local window
        last = first + measured.rf[axis] - 1
        expected.append(max(last, n - 1) - min(first, 0) + 1)
    assert exact(row.rf) == tuple(expected)


def reads_whole_input(found: Result, layer: str) -> bool:
    """Whether the gradient of an interior feature at ``layer``, gates kept, is non-zero on the whole input."""
    if layer not in found.whole_extents:
        return False
    return all(e == (0, n - 1) for e, n in zip(found.whole_extents[layer], found.case.input_size))


def test_gates_reach_the_whole_input() -> None:
    """The measurement itself: with the excitation gates kept, the features after a gate read every input pixel;
    those before it do not."""
    found = result("se")
    assert not reads_whole_input(found, "block1.conv2")
    assert all(reads_whole_input(found, layer) for layer in ("block1", "block2", ""))


CALIBRATION = {
    "conv": (nn.Conv1d(1, 1, 3, 2, 1), 1, (3, Fraction(2), Fraction(-1))),
    "dilated_max_pool": (nn.MaxPool1d(3, 2, 1, dilation=2), 1, (5, Fraction(2), Fraction(-1))),
    "ceil_max_pool": (nn.MaxPool1d(3, 2, ceil_mode=True), 1, (3, Fraction(2), Fraction(0))),
    "transposed": (nn.ConvTranspose1d(1, 1, 3, 2, 1, output_padding=1), 2, (2, Fraction(1, 2), Fraction(-1, 2))),
}


@pytest.mark.parametrize("name", CALIBRATION)
def test_measurement_is_calibrated(name: str) -> None:
    """The instrument on single layers whose fields are known by hand (no symrf): a transposed 3/2 convolution's
    odd outputs read two input pixels, the first of them ``(o - 1)/2``, so the start is ``0 - 1 * 1/2``."""
    module, period, (rf, jump, start) = CALIBRATION[name]
    captured = run(positive_copy(module), (1, 40), ("",), period + 1)
    measured = measure_field(captured, "", period)
    assert (measured.rf, measured.jump, measured.start) == ((rf,), (jump,), (start,))


def test_measure_one_feature() -> None:
    conv = nn.Conv2d(1, 1, (3, 5), padding=(1, 2), dilation=(1, 2))
    assert measure(conv, (1, 30, 30), (10, 12)) == ((9, 11), (10, 18))  # width: 12 - 2 + 2*j, j = 0..4


def test_a_branch_on_the_data_is_refused_with_both_tracers_named() -> None:
    """Neither torch.fx nor torch.export can follow ``if x.sum() > 0``: the error says so in one line."""
    with pytest.raises(symrf.SymrfError, match="torch.fx could not trace.*nor could torch.export") as error:
        symrf.from_torch(tm.DataBranchNet(), (96, 80))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("model", [tm.ShapeBranchNet, tm.DataBranchNet], ids=["shape_branch", "data_branch"])
def test_untraceable_models_need_an_input_size(model: type[nn.Module]) -> None:
    """torch.fx cannot trace a branch on the input; the fallback (torch.export on a fake input) needs its size."""
    with pytest.raises(symrf.SymrfError, match="input_size"):
        symrf.from_torch(model())


WITHOUT_SIZE = ["vgg", "resnet", "inception", "densenet", "unet", "atrous", "se", "convnext", "shuffle", "conv1d",
                "conv3d", "ceil_mode"]
CEIL_MODE = {"inception", "ceil_mode"}  # ceil mode changes sizes, which the graph has right only with the input size


@pytest.mark.parametrize("name", WITHOUT_SIZE)
def test_import_without_input_size(name: str) -> None:
    """The graph read without an input size gives the same fields, and the same sizes unless a pooling has ceil
    mode (:func:`symrf.from_torch` notes that these are right only when it is given the input size)."""
    case = CASES[name]
    graph = symrf.from_torch(case.model())
    analysis = symrf.analyze(graph, case.input_size if len(case.input_size) > 1 else case.input_size[0])
    measured = result(name).local[""]
    assert (exact(analysis.rf_local), exact(analysis.jump), exact(analysis.start)) == (
        tuple(measured.rf), measured.jump, measured.start)
    if name not in CEIL_MODE:
        assert tuple(per_axis(analysis.size)) == measured.size


@pytest.mark.parametrize("point", POINTS, ids=_ids)
def test_sizes_match_torch(point: tuple[str, str]) -> None:
    name, layer = point
    found = result(name)
    assert tuple(per_axis(row_of(found.analysis, layer).size)) == found.local[layer].size
