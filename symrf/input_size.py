"""Input-size questions: which layer's field first covers the whole input, which layers' outputs would be empty,
and the smallest input for which every layer still has an output.

Output sizes follow PyTorch, ``n_out = floor((n + 2p - k')/s) + 1`` (:func:`symrf.recurrence.output_size`),
empty when ``n + 2p < k'``; a layer whose input is empty has an empty output too. Since ``n_out`` never decreases
as ``n`` grows, the least input size giving every layer an output of at least ``m`` features is found exactly by
walking the chain backwards: ``n_out >= m`` holds exactly when ``n >= (m - 1)s + k' - 2p`` (and an input has at
least one pixel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from . import recurrence as rec
from .chain import ChainAnalysis
from .closed_forms import ClosedFormAnalysis, _network
from .errors import EmptyOutputError, SymrfError
from .layers import Layer, Value
from .network import Network, Repeat

__all__ = ["InputSizeReport", "input_size_report", "minimal_input_size"]


@dataclass(frozen=True, slots=True)
class InputSizeReport:
    """What an input of ``input_size`` pixels means for each layer of a numeric chain.

    ``sizes`` holds each layer's output size (0 when empty); ``covering_layer`` is the 1-based index of the first
    layer whose RF is at least the input size (beyond it the layers add no context), or ``None``;
    ``empty_layers`` are the 1-based indices of the layers whose output would be empty.

    >>> r = input_size_report("conv(3), pool(2), conv(3), pool(2), conv(3)", 8)
    >>> r.sizes, r.covering_layer, r.empty_layers
    ((6, 3, 1, 0, 0), 3, (4, 5))
    >>> print(r)  # doctest: +NORMALIZE_WHITESPACE
    input size 8: layer 3 (conv2, RF 8) is the first whose RF covers the whole input;
    layers 4 (pool2), 5 (conv3) would have empty outputs
    """

    input_size: int
    names: tuple[str, ...]
    rfs: tuple[int, ...]
    sizes: tuple[int, ...]
    covering_layer: int | None
    empty_layers: tuple[int, ...]

    def __str__(self) -> str:
        parts = []
        if self.covering_layer is None:
            parts.append(f"no layer's RF covers the whole input (the last RF is {self.rfs[-1] if self.rfs else 1})")
        else:
            index = self.covering_layer
            parts.append(
                f"layer {index} ({self.names[index - 1]}, RF {self.rfs[index - 1]}) is the first whose RF covers "
                "the whole input"
            )
        if self.empty_layers:
            shown = ", ".join(f"{i} ({self.names[i - 1]})" for i in self.empty_layers)
            parts.append(f"layer{'s' if len(self.empty_layers) > 1 else ''} {shown} would have "
                         f"{'empty outputs' if len(self.empty_layers) > 1 else 'an empty output'}")
        else:
            parts.append("every layer has a non-empty output")
        return f"input size {self.input_size}: " + "; ".join(parts)

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready values (layer indices are 1-based)."""
        return {
            "input_size": self.input_size,
            "covering_layer": self.covering_layer,
            "covering_name": None if self.covering_layer is None else self.names[self.covering_layer - 1],
            "empty_layers": list(self.empty_layers),
            "sizes": list(self.sizes),
        }


def _analysis(network: object) -> ChainAnalysis | ClosedFormAnalysis:
    """A numeric chain's analysis (repeated blocks, with integer counts, kept whole), from a spec, a network or
    an analysis."""
    if isinstance(network, (ChainAnalysis, ClosedFormAnalysis)):
        analysis: ChainAnalysis | ClosedFormAnalysis = network
    else:
        net = _network(network)
        if not isinstance(net, Network) or not net.is_plain:
            raise SymrfError(
                "input-size questions need a chain of conv and pool layers with explicit padding, and blocks of them "
                "repeated an integer number of times"
            )
        analysis = ClosedFormAnalysis(net) if net.has_repeats else ChainAnalysis(net)
    if not analysis.is_numeric:
        names = ", ".join(sorted(sym.name for sym in analysis.free_symbols))
        raise SymrfError(f"input-size questions need numeric layers; give the symbols ({names}) values first")
    return analysis


def _positive_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SymrfError(f"the input size must be a positive integer, not {value!r}")
    if value < 1:
        raise SymrfError(f"the input size must be a positive integer, got {value}")
    return value


def _row_size(item: Layer | Repeat, size: int, name: str) -> int:
    """The output size of one row (a layer, or a block repeated an integer number of times); EmptyOutputError
    when it would be empty."""
    if isinstance(item, Layer):
        kernel = item.effective_kernel
        rec.check_output(name, size, kernel, item.padding)
        return cast(int, rec.output_size(size, kernel, item.stride, item.padding))
    body = item.body

    def step(one: Value) -> Value | None:
        inner = ClosedFormAnalysis(body, one) if body.has_repeats else ChainAnalysis(body, one)
        return inner.size

    return cast(int, rec.repeated_size(step, size, item.count, name))


def input_size_report(network: object, input_size: int) -> InputSizeReport:
    """The first row (layer or repeated block) whose RF covers an input of ``input_size`` pixels, and the rows
    whose output would be empty (computed without raising :class:`~symrf.errors.EmptyOutputError`).

    >>> input_size_report("conv(3), conv(3)", 10).empty_layers
    ()
    >>> input_size_report("conv(3), 10**9 * [conv(3, p=1)], 100 * [pool(2)]", 10).sizes
    (8, 8, 0)
    """
    size = _positive_size(input_size)
    analysis = _analysis(network)
    rows = analysis.rows
    rfs = tuple(cast(int, row.rf) for row in rows)
    sizes: list[int] = []
    empty: list[int] = []
    current = size
    for row in rows:
        if current > 0:
            try:
                current = _row_size(row.layer, current, row.name)
            except EmptyOutputError:
                current = 0  # one too small for the kernel: nothing to read, and nothing after it either
        if current == 0:
            empty.append(row.index)
        sizes.append(current)
    covering = next((i for i, rf in enumerate(rfs, start=1) if rf >= size), None)
    return InputSizeReport(size, analysis.names, rfs, tuple(sizes), covering, tuple(empty))


#: Most doublings when the closed-form lower bound of the smallest input size must be raised (a padding larger than
#: the kernel makes an intermediate bound fall below one pixel).
_MAX_DOUBLINGS = 512


def minimal_input_size(network: object, output_size: int = 1) -> int:
    """The smallest input size for which every layer has an output of at least one pixel, and the last at least
    ``output_size``: walking backwards, ``n >= max(1, (m - 1)s + k' - 2p)``; through a repeated block, from the
    lower bound ``(m - 1) J + l - 2P`` of its closed form, checked forwards and raised by bisection if needed.

    >>> minimal_input_size("conv(3), pool(2), conv(3), pool(2), conv(3), conv(3), pool(2)")
    30
    >>> minimal_input_size("conv(3, p=1), pool(2)", output_size=7)
    14
    >>> minimal_input_size("10**9 * [conv(3)]")
    2000000001
    """
    need = _positive_size(output_size)
    analysis = _analysis(network)
    if isinstance(analysis, ChainAnalysis):
        for layer in reversed(analysis.layers):
            need = max(1, (need - 1) * layer.stride + layer.effective_kernel - 2 * cast(int, layer.padding))
        return _checked(analysis, need, output_size)
    jump, rf, padding = (cast(int, v) for v in (analysis.jump, analysis.rf, analysis.effective_padding))
    low = max(1, (need - 1) * jump + rf - 2 * padding)
    if _fits(analysis, low, output_size):
        return low
    high = low
    for _ in range(_MAX_DOUBLINGS):
        high *= 2
        if _fits(analysis, high, output_size):
            break
    else:
        raise SymrfError(f"no input of at most {high} pixels gives every layer an output")
    while low < high:
        middle = (low + high) // 2
        if _fits(analysis, middle, output_size):
            high = middle
        else:
            low = middle + 1
    return low


def _fits(analysis: ChainAnalysis | ClosedFormAnalysis, size: int, output_size: int) -> bool:
    report = input_size_report(analysis, size)
    return not report.empty_layers and (report.sizes[-1] if report.sizes else size) >= output_size


def _checked(analysis: ChainAnalysis, need: int, output_size: int) -> int:
    if not _fits(analysis, need, output_size):  # pragma: no cover - the backward bound is exact for chains
        raise SymrfError(f"internal error: input size {need} does not give every layer an output")
    return need
