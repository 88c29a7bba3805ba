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
from .closed_forms import _network
from .errors import SymrfError
from .network import Network

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


def _chain(network: object) -> ChainAnalysis:
    """A numeric chain's analysis, from a spec, a network or an analysis."""
    if isinstance(network, ChainAnalysis):
        analysis = network
    else:
        net = _network(network)
        if not isinstance(net, Network) or net.has_repeats or not net.is_plain:
            raise SymrfError(
                "input-size questions need a chain of conv and pool layers with explicit padding and integer "
                "repetition counts (give symbolic counts a value first)"
            )
        analysis = ChainAnalysis(net)
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


def input_size_report(network: object, input_size: int) -> InputSizeReport:
    """The first layer whose RF covers an input of ``input_size`` pixels, and the layers whose output would be
    empty (computed without raising :class:`~symrf.errors.EmptyOutputError`).

    >>> input_size_report("conv(3), conv(3)", 10).empty_layers
    ()
    """
    size = _positive_size(input_size)
    analysis = _chain(network)
    rfs = tuple(analysis.rf_at(i) for i in range(1, len(analysis) + 1))
    sizes: list[int] = []
    empty: list[int] = []
    current = size
    for index, layer in enumerate(analysis.layers, start=1):
        kernel = layer.effective_kernel
        if current <= 0 or current + 2 * cast(int, layer.padding) < kernel:  # a numeric chain: int paddings
            current = 0  # an empty input, or one too small for the kernel: nothing to read
            empty.append(index)
        else:
            current = rec.output_size(current, kernel, layer.stride, layer.padding)
        sizes.append(current)
    covering = next((i for i, rf in enumerate(rfs, start=1) if rf >= size), None)
    return InputSizeReport(size, analysis.names, rfs, tuple(sizes), covering, tuple(empty))


def minimal_input_size(network: object, output_size: int = 1) -> int:
    """The smallest input size for which every layer has an output of at least one pixel, and the last at least
    ``output_size``: walking backwards, ``n >= max(1, (m - 1)s + k' - 2p)``.

    >>> minimal_input_size("conv(3), pool(2), conv(3), pool(2), conv(3), conv(3), pool(2)")
    30
    >>> minimal_input_size("conv(3, p=1), pool(2)", output_size=7)
    14
    """
    need = _positive_size(output_size)
    analysis = _chain(network)
    for layer in reversed(analysis.layers):
        need = max(1, (need - 1) * layer.stride + layer.effective_kernel - 2 * cast(int, layer.padding))
    report = input_size_report(analysis, need)  # checked forwards with the recurrence
    last = report.sizes[-1] if report.sizes else need
    if report.empty_layers or last < output_size:  # pragma: no cover - the backward bound is exact
        raise SymrfError(f"internal error: input size {need} does not give every layer an output")
    return need
