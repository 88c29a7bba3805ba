"""Analysis of a chain of layers: RF size, jump, effective padding, start, centre and output size per layer.

Numeric chains run as plain Python integer loops; chains with symbols keep their per-layer sums in
:class:`~symrf.series.StridedSum` form so that long symbolic chains cost O(L^2), not O(L^3).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, cast

import sympy

from . import recurrence as rec
from .analysis import Analysis, Row, given_values, substitution
from .latex import derivation
from .layers import Layer, Value, as_value
from .naming import layer_names
from .network import Network
from .series import PrefixProducts, StridedSum

#: Above this many factors, printers write symbolic values in nested (Horner) form instead of flat sums.
FLAT_FORM_LIMIT = 400


class ChainAnalysis(Analysis):
    """The receptive-field quantities of a chain, per layer and for the whole network.

    >>> a = analyze("conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)")
    >>> a.rf, a.jump, a.effective_padding, a.center
    (30, 8, 0, 29/2)
    >>> [row.rf for row in a]
    [3, 4, 8, 10, 18, 26, 30]

    Numeric chains run as a plain integer loop; symbolic chains keep their per-layer sums as
    :class:`~symrf.series.StridedSum`, and rows are built only when asked for.
    """

    def __init__(self, network: Network, input_size: Value | None = None) -> None:
        self.network = network
        self.layers: tuple[Layer, ...] = network.layers
        self.input_size = input_size
        self._is_numeric = network.is_numeric and (input_size is None or type(input_size) is int)
        kernels = [layer.kernel if layer.dilation == 1 else rec.effective_kernel(layer.kernel, layer.dilation)
                   for layer in self.layers]
        if self._is_numeric:
            self._numeric(kernels)
        else:
            self._symbolic(kernels)
        self.sizes = self._sizes(kernels) if input_size is not None else None

    def _numeric(self, kernels: list[int]) -> None:
        # rec.next_rf, rec.next_effective_padding and rec.next_jump, inlined: this loop is the numeric hot path
        # (tests check it against those functions and against a brute-force oracle).
        rf, jump, padding = 1, 1, 0
        rfs: list[int]
        jumps: list[int]
        paddings: list[int]
        rfs, jumps, paddings = [], [], []
        add_rf, add_jump, add_padding = rfs.append, jumps.append, paddings.append
        layer: Any  # a Layer of a numeric network: every value is an int (no "same" padding)
        for layer, kernel in zip(self.layers, kernels):
            rf += (kernel - 1) * jump
            padding += layer.padding * jump
            jump *= layer.stride
            add_rf(rf)
            add_jump(jump)
            add_padding(padding)
        self.jumps = tuple(jumps)
        self._rf, self._padding = tuple(rfs), tuple(paddings)

    def _symbolic(self, kernels: list[Value]) -> None:
        strides = tuple(layer.stride for layer in self.layers)
        # J_i = J_{i-1} s_i (rec.next_jump), each prefix built when asked for: building them all costs O(L^2)
        self._prefix_jumps = jb = PrefixProducts(strides)
        half = sympy.Rational(1, 2)
        self.rf_sum = StridedSum(1, tuple(k - 1 for k in kernels), strides, jb)
        paddings = cast("tuple[Value, ...]", tuple(layer.padding for layer in self.layers))  # never "same" in a chain
        self.padding_sum = StridedSum(0, paddings, strides, jb)
        self.start_sum = StridedSum(0, tuple(-p for p in paddings), strides, jb)
        self.center_sum = StridedSum(
            0, tuple(_half(k - 1, half) - p for k, p in zip(kernels, paddings)), strides, jb
        )

    def _sizes(self, kernels: list[Value]) -> tuple[Value, ...]:
        size = self.input_size
        sizes = []
        for index, (layer, kernel) in enumerate(zip(self.layers, kernels)):
            rec.check_output(f"layer {index + 1} ({self.names[index]})", size, kernel, layer.padding)
            size = rec.output_size(size, kernel, layer.stride, layer.padding)
            sizes.append(size)
        return tuple(sizes)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Each layer's display name (see :func:`symrf.naming.layer_names`)."""
        return layer_names(self.layers)

    # -- per-layer values -------------------------------------------------------------------------------------

    # -- per-layer values -------------------------------------------------------------------------------------
    def rf_at(self, length: int) -> Value:
        """The RF after the first ``length`` layers (``rf_at(0) == 1``)."""
        if self._is_numeric:
            return self._rf[length - 1] if length else 1
        return self.rf_sum.value(length)

    def jump_at(self, length: int) -> Value:
        if self._is_numeric:
            return self.jumps[length - 1] if length else 1
        return self._prefix_jumps[length]

    def effective_padding_at(self, length: int) -> Value:
        if self._is_numeric:
            return self._padding[length - 1] if length else 0
        return self.padding_sum.value(length)

    def start_at(self, length: int) -> Value:
        if self._is_numeric:
            return -self._padding[length - 1] if length else 0
        return self.start_sum.value(length)

    def center_at(self, length: int) -> Value:
        if self._is_numeric:
            return rec.center(self.rf_at(length), self.effective_padding_at(length))
        return self.center_sum.value(length)

    def size_at(self, length: int) -> Value | None:
        if self.sizes is None:
            return None
        return self.sizes[length - 1] if length else self.input_size

    def value_at(self, quantity: str, length: int) -> Any:
        return getattr(self, f"{'rf' if quantity in ('rf_min', 'rf_local') else quantity}_at")(length)

    def _row(self, index: int) -> Row:
        layer = self.layers[index - 1]
        rf = self.rf_at(index)
        return Row(
            index, self.names[index - 1], layer.kind, layer, (self.names[index - 2] if index > 1 else "input",),
            rf, rf, self.jump_at(index), self.effective_padding_at(index), self.start_at(index),
            self.center_at(index), self.size_at(index), (layer.padding, layer.padding),
        )

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        """One row per layer (built on first use; the printers of long symbolic chains read the sums instead)."""
        return tuple(self._row(i) for i in range(1, len(self.layers) + 1))

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def merges(self) -> tuple[Row, ...]:
        """A chain has no merges (answered without building its rows)."""
        return ()

    # -- totals ----------------------------------------------------------------------------------------------
    @property
    def rf(self) -> Value:
        """The receptive field size of the network's output, in input pixels."""
        return self.rf_at(len(self.layers))

    @property
    def jump(self) -> Value:
        """The effective stride: input pixels between neighbouring output features."""
        return self.jump_at(len(self.layers))

    @property
    def effective_padding(self) -> Value:
        """``P``: how far output feature 0's field reaches before input pixel 0."""
        return self.effective_padding_at(len(self.layers))

    @property
    def start(self) -> Value:
        """The first input pixel that output feature 0 sees (negative when it reaches into the padding)."""
        return self.start_at(len(self.layers))

    @property
    def center(self) -> Value:
        """The centre of output feature 0's field; feature ``x``'s is ``center + x * jump``."""
        return self.center_at(len(self.layers))

    @property
    def size(self) -> Value | None:
        """The output size for the given input size (``None`` without one)."""
        return self.size_at(len(self.layers))

    @property
    def is_numeric(self) -> bool:
        return self._is_numeric

    def form(self, requested: str = "auto") -> str:
        """How printers write symbolic values: "flat" sums of products, or "nested" (Horner) when they are large."""
        super().form(requested)
        if requested in ("flat", "nested"):
            return requested
        if self.is_numeric or self.rf_sum.flat_size(len(self.layers)) <= FLAT_FORM_LIMIT:
            return "flat"
        return "nested"

    def subs(self, values: Mapping[Any, object] | None = None, **named: object) -> ChainAnalysis:
        """The analysis with symbols given values, e.g. ``a.subs(k=3, s=2)``.

        >>> analyze("conv(k, s), conv(k)").subs(k=3, s=2).rf
        7
        """
        mapping = substitution(self.free_symbols, given_values(values, named))
        size = self.input_size
        if isinstance(size, sympy.Expr):
            size = as_value(size.xreplace(mapping), "size", "input ")
        return ChainAnalysis(self.network.xreplace(mapping), size)

    def latex(self, **options: Any) -> str:
        """The step-by-step LaTeX derivation of the RF; ``jump``, ``center``, ``document`` and ``form`` as for
        :func:`symrf.latex.derivation`."""
        return derivation(self, **options)


def _half(value: Value, half: sympy.Rational) -> Value:
    if type(value) is int and value % 2 == 0:
        return value // 2
    return value * half
