"""The measured effective receptive field of a PyTorch model, beside its theoretical receptive field.

Luo et al. ("Understanding the Effective Receptive Field in Deep Convolutional Neural Networks", NeurIPS 2016)
measure how much each input pixel contributes to one output unit: the input gradient of that unit, in absolute
value, averaged over random inputs. :func:`measured_erf` takes that measurement on a model with its own weights (or
at initialisation) and reports it with the theoretical receptive field of the same unit (from
:func:`symrf.from_torch` and :func:`symrf.analyze`) and, through :meth:`MeasuredERF.uniform_map`, the exact
effective receptive field of the same architecture with uniform weights (:func:`symrf.erf`).

This module needs PyTorch (``pip install 'symrf[torch]'``) and NumPy; ``import symrf`` loads neither.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

try:
    import numpy as np
except ModuleNotFoundError:  # pragma: no cover - numpy comes with the test extra and nearly every torch install
    from .errors import SymrfError as _Missing

    raise _Missing("measured_erf needs NumPy: pip install numpy") from None
import torch
from torch import nn

from .dispatch import analyze, erf
from .effective import ERF
from .errors import SymrfError, message_line, quoted
from .torch_import import _input_channels, from_torch

__all__ = ["MeasuredERF", "interval", "measured_erf"]

#: The mass the reported intervals hold.
MASS = 0.95

#: How many layer names an error message lists.
LISTED = 12


@dataclass(frozen=True, eq=False)
class MeasuredERF:
    """The measured effective receptive field of one unit, with the theoretical receptive field of its layer.

    ``map`` is a float64 array over the whole input (one axis per spatial axis, height first), normalised to sum 1;
    its entry ``map[i, j]`` is input pixel ``(first[0] + i, first[1] + j)``, and ``first`` is all zeros because the
    map covers the input. ``unit`` is the measured unit's index per axis in the layer's output. ``rf``, ``jump``
    and ``start`` are the theoretical values of the layer (one per axis), and ``theoretical_box`` the first and
    last input pixel per axis of the unit's theoretical receptive field, ``start + unit * jump`` to that plus
    ``rf - 1`` (it may reach beyond the input, into the padding).
    """

    map: np.ndarray
    first: tuple[int, ...]
    unit: tuple[int, ...]
    rf: tuple[Any, ...]
    jump: tuple[Any, ...]
    start: tuple[Any, ...]
    theoretical_box: tuple[tuple[int, int], ...]
    layer: str | None = None
    input_size: tuple[int, ...] = ()
    batch: int = 0
    seed: int = 0
    analysis: Any = field(default=None, repr=False)

    @property
    def axis_count(self) -> int:
        return self.map.ndim

    def marginal(self, axis: int) -> np.ndarray:
        """The map's mass along ``axis`` (summed over the other axes); it sums to 1."""
        others = tuple(i for i in range(self.map.ndim) if i != axis)
        return self.map.sum(axis=others) if others else self.map.copy()

    @cached_property
    def interval95(self) -> tuple[tuple[int, int], ...]:
        """Per axis, the first and last input pixel of the narrowest interval that holds 95 % of the map's
        marginal mass along that axis."""
        return tuple(_shifted(interval(self.marginal(axis)), self.first[axis]) for axis in range(self.axis_count))

    @cached_property
    def uniform(self) -> ERF:
        """The exact effective receptive field of feature 0 of the same layer with uniform weights
        (:func:`symrf.erf` of :attr:`analysis`), computed on first use."""
        return erf(self.analysis, layer=self.layer)

    def uniform_map(self) -> np.ndarray:
        """The uniform-weight effective receptive field of the measured unit over the input, aligned with ``map``
        (read-only): feature 0's exact response (:attr:`uniform`) shifted by ``unit * jump``, cut to the input and
        normalised to sum 1.

        :func:`symrf.erf` averages the inputs of a merge where the model adds them: the two agree after
        normalisation when every path crosses the same merges (chains of residual blocks), not for nested branches.
        It also takes every layer over the whole line of pixels: when the unit's field reaches into the padding,
        the model, whose padded positions are zeros at every layer, weighs the pixels near the border less."""
        return self._uniform_map

    @cached_property
    def _uniform_map(self) -> np.ndarray:
        firsts, weights = _response(self.uniform, self.axis_count)
        shifts = tuple(firsts[axis] + self.unit[axis] * self.jump[axis] for axis in range(self.axis_count))
        result = np.zeros(self.map.shape, dtype=np.float64)
        source, target = [], []
        for axis, shift in enumerate(shifts):
            if shift != int(shift):
                raise SymrfError(f"the uniform response of unit {self.unit} does not start on a pixel (jump "
                                 f"{self.jump[axis]}); compare feature 0 instead")
            shift = int(shift)
            begin, end = max(shift, 0), min(shift + weights.shape[axis], self.map.shape[axis])
            if begin >= end:
                raise SymrfError(f"the uniform response of unit {self.unit} lies outside the input")
            source.append(slice(begin - shift, end - shift))
            target.append(slice(begin, end))
        result[tuple(target)] = weights[tuple(source)]
        total = result.sum()
        if total <= 0:
            raise SymrfError(f"the uniform response of unit {self.unit} has no mass inside the input")
        return _read_only(result / total)

    @cached_property
    def uniform_interval95(self) -> tuple[tuple[int, int], ...]:
        """:attr:`interval95` of :meth:`uniform_map`."""
        uniform = self.uniform_map()
        others = [tuple(i for i in range(uniform.ndim) if i != axis) for axis in range(uniform.ndim)]
        return tuple(_shifted(interval(uniform.sum(axis=rest) if rest else uniform), self.first[axis])
                     for axis, rest in enumerate(others))

    def to_dict(self, uniform: bool = True) -> dict[str, Any]:
        """A JSON-ready summary: the theoretical values, the measured unit, the 95 % intervals, the map's marginal
        per axis (6 significant digits) and, with ``uniform``, the uniform-weight ERF's 95 % intervals."""
        result: dict[str, Any] = {
            "layer": self.layer,
            "input_size": list(self.input_size),
            "batch": self.batch,
            "seed": self.seed,
            "rf": [_json(value) for value in self.rf],
            "jump": [_json(value) for value in self.jump],
            "start": [_json(value) for value in self.start],
            "unit": list(self.unit),
            "theoretical_box": [list(box) for box in self.theoretical_box],
            "interval95": [list(box) for box in self.interval95],
            "marginals": [[_rounded(value) for value in self.marginal(axis)] for axis in range(self.axis_count)],
        }
        if uniform:
            try:
                result["uniform_interval95"] = [list(box) for box in self.uniform_interval95]
            except SymrfError as exc:  # a 3-D input, or a response that does not start on a pixel
                result["uniform_interval95"] = None
                result["uniform_note"] = str(exc)
        return result


def interval(mass: np.ndarray, share: float = MASS) -> tuple[int, int]:
    """The first and last index of the narrowest run of ``mass`` (non-negative) that holds at least ``share`` of
    its total; the leftmost of the narrowest, as :func:`symrf.erf` chooses.

    >>> interval(np.array([0.01, 0.02, 0.9, 0.05, 0.02]))
    (2, 3)
    """
    values = np.asarray(mass, dtype=np.float64)
    sums = np.concatenate(([0.0], np.cumsum(values)))
    goal = share * sums[-1] * (1 - 1e-12)  # rounding must not push an exact 95 % below the goal
    best: tuple[int, int] | None = None  # (length, first)
    last = 0
    for first in range(len(values)):
        last = max(last, first)
        while last < len(values) and sums[last + 1] - sums[first] < goal:
            last += 1
        if last == len(values):
            break
        if best is None or last - first + 1 < best[0]:
            best = (last - first + 1, first)
    if best is None:
        return 0, len(values) - 1
    return best[1], best[1] + best[0] - 1


def measured_erf(model: nn.Module, input_size: object, *, layer: str | None = None, batch: int = 16, seed: int = 0,
                 weights: str | os.PathLike[str] | None = None, channels: int | None = None) -> MeasuredERF:
    """Measure the effective receptive field of the centre unit of ``layer`` (a module path such as ``"layer3"`` or
    ``"layer3.1.conv2"``; None for the model's output), as Luo et al. (NeurIPS 2016) do.

    The model runs in eval mode on ``batch`` inputs drawn from the standard normal distribution with
    ``torch.Generator().manual_seed(seed)``, of shape ``(batch, channels, *input_size)`` (``channels`` defaults to
    the first convolution's input channels, else 3; the input takes the dtype of the model's parameters). A forward
    hook captures the layer's output; the measured unit is its centre, index ``size // 2`` along each spatial axis,
    *summed over the channels* (Luo et al. take one channel or the sum; the sum keeps every channel's field). The
    map is the absolute input gradient of that unit, summed over the input channels and averaged over the batch,
    then normalised to sum 1. Only the input's gradient is computed; the model's parameters get no ``.grad``, and
    its training mode is restored afterwards. Samples must not interact (true in eval mode).

    ``weights``, a path to a state dict, is loaded with ``torch.load(path, map_location="cpu",
    weights_only=True)`` (never a pickle of code) into the model before measuring. ``input_size`` is one size for
    every spatial axis or one per axis (height first), as for :func:`symrf.from_torch`, which gives the theoretical
    values of the same layer.
    """
    if input_size is None:
        raise SymrfError("measured_erf needs the input size: an integer, or one size per spatial axis")
    if not isinstance(model, nn.Module):
        raise SymrfError(f"measured_erf takes a torch.nn.Module, not {type(model).__name__}")
    batch = _positive(batch, "batch")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SymrfError(f"seed must be an integer, not {quoted(seed)}")
    if channels is not None:
        channels = _positive(channels, "channels")
    if layer is not None and not isinstance(layer, str):
        raise SymrfError(f"layer must be a module path (a string) or None, not {quoted(layer)}")
    if weights is not None:
        _load_weights(model, weights)
    network = from_torch(model, input_size)
    analysis = analyze(network, input_size)
    target = _module(model, layer, analysis.names) if layer else None
    count = analysis.axis_count
    sizes = _per_axis(analysis.input_size, count)
    row = analysis.layer(layer) if layer else analysis.output_row
    if row is None:
        raise SymrfError("the model has no layers to measure")
    rf, jump, start = (_per_axis(getattr(row, name), count) for name in ("rf", "jump", "start"))

    gradient, shape = _gradient(model, target, layer, sizes, batch, seed,
                                channels if channels is not None else _input_channels(model))
    expected = _per_axis(row.size, count)
    if tuple(shape) != tuple(expected):
        where = f"layer {layer!r}" if layer else "the model's output"
        raise SymrfError(f"{where} has spatial size {tuple(shape)}, but symrf reads {tuple(expected)} from the trace; "
                         "is the output laid out (batch, channels, *spatial)?")
    unit = tuple(size // 2 for size in shape)
    if start is None or any(value is None for value in start):
        raise SymrfError("the layer's start is unknown; give the input size")
    box = []
    for axis in range(count):
        lowest = math.floor(start[axis] + unit[axis] * jump[axis])
        box.append((lowest, lowest + math.ceil(rf[axis]) - 1))
    return MeasuredERF(map=_read_only(gradient), first=(0,) * count, unit=unit, rf=rf, jump=jump, start=start,
                       theoretical_box=tuple(box), layer=layer, input_size=sizes, batch=batch, seed=seed,
                       analysis=analysis)


# -- the measurement ---------------------------------------------------------------------------------------------------


def _gradient(model: nn.Module, target: nn.Module | None, layer: str | None, sizes: tuple[int, ...], batch: int,
              seed: int, channels: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """The normalised mean absolute input gradient of the centre unit, and the spatial size of the layer."""
    reference = next((tensor for tensor in (*model.parameters(), *model.buffers()) if tensor.is_floating_point()),
                     None)
    dtype = reference.dtype if reference is not None else torch.get_default_dtype()
    device = reference.device if reference is not None else torch.device("cpu")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        x = torch.randn((batch, channels, *sizes), generator=generator, dtype=dtype).to(device)
    x.requires_grad_(True)
    where = f"layer {layer!r}" if layer else "the model's output"
    captured: list[Any] = []
    handle = target.register_forward_hook(lambda module, args, output: captured.append(output)) if target else None
    training = model.training
    try:
        model.eval()
        with torch.enable_grad():
            try:
                output = model(x)
            except Exception as exc:
                raise SymrfError(message_line(f"the model fails on an input of shape {tuple(x.shape)}: "
                                              f"{type(exc).__name__}: {exc}", 300)) from None
            if target is not None:
                if len(captured) != 1:
                    raise SymrfError(f"module {layer!r} runs {len(captured)} times in one forward pass; name a "
                                     "module that runs once")
                output = captured[0]
            if not isinstance(output, torch.Tensor):
                raise SymrfError(f"{where} is a {type(output).__name__}, not a tensor; name a layer whose output is "
                                 "one tensor")
            if output.dim() != x.dim():
                raise SymrfError(f"{where} has shape {tuple(output.shape)}, without the input's {len(sizes)} spatial "
                                 f"axes; name a layer before the global step ({_some_layers(model)})")
            index: list[int | slice] = [slice(None), slice(None), *(size // 2 for size in output.shape[2:])]
            unit = output[tuple(index)].sum()
            if not unit.requires_grad:
                raise SymrfError(f"{where} does not depend on the input")
            (gradient,) = torch.autograd.grad(unit, x, allow_unused=True)
    finally:
        if handle is not None:
            handle.remove()
        model.train(training)
    if gradient is None:
        raise SymrfError(f"{where} does not depend on the input")
    mass = gradient.detach().abs().sum(dim=1).mean(dim=0).to(device="cpu", dtype=torch.float64).numpy()
    total = float(mass.sum())
    if not total > 0 or not np.isfinite(total):
        raise SymrfError(f"the input gradient of {where} is {'zero' if total == 0 else total} everywhere; no map to "
                         "normalise")
    return mass / total, tuple(output.shape[2:])


def _load_weights(model: nn.Module, weights: str | os.PathLike[str]) -> None:
    if not isinstance(weights, (str, os.PathLike)):
        raise SymrfError(f"weights must be a path to a state dict, not {quoted(weights)}")
    path = Path(weights)
    if not path.is_file():
        raise SymrfError(f"there is no weights file {quoted(str(path))}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SymrfError(message_line(
            f"{quoted(str(path))} does not load as a state dict with weights_only=True (save model.state_dict(), "
            f"not the model or code): {reason}", 400)) from None
    if not isinstance(state, Mapping) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        keys = ", ".join(map(str, list(state)[:6])) if isinstance(state, Mapping) else type(state).__name__
        raise SymrfError(message_line(f"{quoted(str(path))} is not a state dict (names to tensors) but holds {keys}; "
                                      "save model.state_dict()", 400))
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:
        reason = " ".join(str(exc).split())
        raise SymrfError(message_line(f"the weights in {quoted(str(path))} do not fit the model: {reason}",
                                      400)) from None
    if result.missing_keys or result.unexpected_keys:
        parts = []
        if result.missing_keys:
            parts.append("missing " + ", ".join(result.missing_keys[:6]))
        if result.unexpected_keys:
            parts.append("unexpected " + ", ".join(result.unexpected_keys[:6]))
        raise SymrfError(message_line(f"the weights in {quoted(str(path))} do not fit the model: "
                                      f"{'; '.join(parts)}", 400))


def _module(model: nn.Module, layer: str, rows: tuple[str, ...]) -> nn.Module:
    try:
        return model.get_submodule(layer)
    except AttributeError:
        pass
    if layer in rows:  # a functional call (x + y, F.relu) that symrf's graph names after its container
        container = layer.rpartition(".")[0]
        hint = f"; measure its container {quoted(container)}" if container else ""
        raise SymrfError(f"{quoted(layer)} is a function call, not a module, and a forward hook needs a module{hint} "
                         f"(modules: {_some_layers(model)})")
    raise SymrfError(f"the model has no module {quoted(layer)}; modules: {_some_layers(model)}")


def _some_layers(model: nn.Module) -> str:
    names = [name for name, _ in model.named_modules() if name]
    return ", ".join(names[:LISTED]) + (", ..." if len(names) > LISTED else "") if names else "none"


# -- values ------------------------------------------------------------------------------------------------------------


def _positive(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SymrfError(f"{what} must be a positive integer, not {quoted(value)}")
    return value


def _number(value: Any) -> Any:
    """An analysis value as an int, or a Fraction when it is not whole (a jump after up-sampling)."""
    if value is None:
        return None
    fraction = Fraction(str(value))
    return int(fraction) if fraction.denominator == 1 else fraction


def _per_axis(value: Any, count: int) -> tuple[Any, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(_number(item) for item in value)
    return (_number(value),) * count


def _shifted(pair: tuple[int, int], first: int) -> tuple[int, int]:
    return pair[0] + first, pair[1] + first


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Fraction) else value


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _rounded(value: float) -> float:
    return float(f"{float(value):.6g}")


def _response(uniform: ERF, count: int) -> tuple[tuple[int, ...], np.ndarray]:
    """The first input pixel per axis and the weights (as floats) of the exact uniform ERF of feature 0: its
    ``response`` for one axis, its :meth:`~symrf.effective.ERF.map` for two."""
    if count == 1:
        if uniform.response is None:
            raise SymrfError("the uniform-weight ERF of this layer has no numeric response")
        first, weights = uniform.response
        return (first,), np.array([float(value) for value in weights], dtype=np.float64)
    if count == 2:
        first_row, first_col, rows = uniform.map()
        return (first_row, first_col), np.array([[float(value) for value in row] for row in rows], dtype=np.float64)
    raise SymrfError(f"the uniform-weight ERF map is computed for 1-D and 2-D inputs, not {count}-D")
