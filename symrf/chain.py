"""Analysis of a chain of layers: RF size, jump, effective padding, start, centre and output size per layer.

Numeric chains run as plain Python integer loops; chains with symbols keep their per-layer sums in
:class:`~symrf.series.StridedSum` form so that long symbolic chains cost O(L^2), not O(L^3).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import sympy

from . import recurrence as rec
from .errors import EmptyOutputError, SymrfError
from .layers import Layer, Value, as_value
from .network import Network
from .series import StridedSum

#: Quantities reported for every layer and for the whole network, in table order.
QUANTITIES = ("rf", "jump", "effective_padding", "start", "center")

#: Above this many factors, printers write symbolic values in nested (Horner) form instead of flat sums.
FLAT_FORM_LIMIT = 400


@dataclass(frozen=True, slots=True)
class LayerResult:
    """What feature 0 of one layer's output sees, in input pixels (0-based)."""

    index: int  # 1-based position in the chain
    name: str
    layer: Layer
    rf: Value
    jump: Value
    effective_padding: Value
    start: Value
    center: Value
    size: Value | None


def layer_names(layers: tuple[Layer, ...]) -> tuple[str, ...]:
    """Display names: a layer's own name, else its kind and a per-kind counter (``conv1``, ``pool1``, ``conv2``).

    Named layers do not count, so ``conv(3, name="stem"), conv(3)`` is named ``stem, conv1``.
    """
    counters: dict[str, int] = {}
    names = []
    for layer in layers:
        if layer.name:
            names.append(layer.name)
            continue
        counters[layer.kind] = counters.get(layer.kind, 0) + 1
        names.append(f"{layer.kind}{counters[layer.kind]}")
    return tuple(names)


class ChainAnalysis:
    """The receptive-field quantities of a chain, per layer and for the whole network.

    >>> a = analyze("conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)")
    >>> a.rf, a.jump, a.effective_padding, a.center
    (30, 8, 0, 29/2)
    >>> [row.rf for row in a]
    [3, 4, 8, 10, 18, 26, 30]
    """

    def __init__(self, network: Network, input_size: Value | None = None) -> None:
        self.network = network
        self.layers: tuple[Layer, ...] = network.layers
        self.input_size = input_size
        self.is_numeric = network.is_numeric and (input_size is None or type(input_size) is int)
        kernels = [layer.kernel if layer.dilation == 1 else rec.effective_kernel(layer.kernel, layer.dilation)
                   for layer in self.layers]
        if self.is_numeric:
            self._numeric(kernels)
        else:
            self._symbolic(kernels)
        self.sizes = self._sizes(kernels) if input_size is not None else None

    def _numeric(self, kernels: list[int]) -> None:
        # rec.next_rf, rec.next_effective_padding and rec.next_jump, inlined: this loop is the numeric hot path
        # (tests check it against those functions and against a brute-force oracle).
        rf, jump, padding = 1, 1, 0
        rfs, jumps, paddings = [], [], []
        add_rf, add_jump, add_padding = rfs.append, jumps.append, paddings.append
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
        jumps_before, jump = [], 1
        for layer in self.layers:
            jumps_before.append(jump)
            jump = rec.next_jump(jump, layer.stride)
        self.jumps = tuple(jumps_before[1:] + [jump]) if self.layers else ()
        strides = tuple(layer.stride for layer in self.layers)
        half = sympy.Rational(1, 2)
        jb = tuple(jumps_before)
        self.rf_sum = StridedSum(1, tuple(k - 1 for k in kernels), strides, jb)
        self.padding_sum = StridedSum(0, tuple(layer.padding for layer in self.layers), strides, jb)
        self.start_sum = StridedSum(0, tuple(-layer.padding for layer in self.layers), strides, jb)
        self.center_sum = StridedSum(
            0, tuple(_half(k - 1, half) - layer.padding for k, layer in zip(kernels, self.layers)), strides, jb
        )

    def _sizes(self, kernels: list[Value]) -> tuple[Value, ...]:
        # A symbolic size is kept as floor(numerator/denominator) + offset: floor((floor(a/b) + m)/s) equals
        # floor((a + m b)/(b s)) for integers a, m and positive b, s, so nested floors collapse into one.
        numeric = type(self.input_size) is int
        size = self.input_size
        numerator, denominator, offset = self.input_size, 1, 0
        sizes = []
        for index, (layer, kernel) in enumerate(zip(self.layers, kernels)):
            span = size + 2 * layer.padding - kernel
            if (type(span) is int and span < 0) or (type(span) is not int and bool(sympy.Lt(span, 0) is sympy.true)):
                raise EmptyOutputError(
                    f"layer {index + 1} ({self.names[index]}) gets an input of size {size}, smaller than its "
                    f"kernel extent {kernel} with padding {layer.padding}: its output would be empty"
                )
            if numeric and type(span) is int and type(layer.stride) is int:
                size = rec.output_size(size, kernel, layer.stride, layer.padding)
            else:
                numeric = False
                shift = offset + 2 * layer.padding - kernel
                if layer.stride == 1:
                    offset = shift + 1
                else:
                    numerator, denominator, offset = numerator + shift * denominator, denominator * layer.stride, 1
                size = (numerator if denominator == 1 else sympy.floor(numerator / denominator)) + offset
            sizes.append(size)
        return tuple(sizes)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Each layer's display name (see :func:`layer_names`)."""
        return layer_names(self.layers)

    # -- per-layer values -------------------------------------------------------------------------------------
    def rf_at(self, length: int) -> Value:
        """The RF after the first ``length`` layers (``rf_at(0) == 1``)."""
        if self.is_numeric:
            return self._rf[length - 1] if length else 1
        return self.rf_sum.value(length)

    def jump_at(self, length: int) -> Value:
        return self.jumps[length - 1] if length else 1

    def effective_padding_at(self, length: int) -> Value:
        if self.is_numeric:
            return self._padding[length - 1] if length else 0
        return self.padding_sum.value(length)

    def start_at(self, length: int) -> Value:
        if self.is_numeric:
            return -self._padding[length - 1] if length else 0
        return self.start_sum.value(length)

    def center_at(self, length: int) -> Value:
        if self.is_numeric:
            return rec.center(self.rf_at(length), self.effective_padding_at(length))
        return self.center_sum.value(length)

    def size_at(self, length: int) -> Value | None:
        if self.sizes is None:
            return None
        return self.sizes[length - 1] if length else self.input_size

    def row(self, index: int) -> LayerResult:
        """The results of layer ``index`` (1-based)."""
        if not 1 <= index <= len(self.layers):
            raise SymrfError(f"there is no layer {index}; the network has {len(self.layers)}")
        return LayerResult(
            index, self.names[index - 1], self.layers[index - 1], self.rf_at(index), self.jump_at(index),
            self.effective_padding_at(index), self.start_at(index), self.center_at(index), self.size_at(index),
        )

    def layer(self, key: int | str) -> LayerResult:
        """The results of a layer given by 1-based index or by name."""
        if isinstance(key, str):
            if key not in self.names:
                raise SymrfError(f"there is no layer named {key!r}; layers: {', '.join(self.names)}")
            indices = [i for i, name in enumerate(self.names, start=1) if name == key]
            if len(indices) > 1:
                shown = ", ".join(map(str, indices))
                raise SymrfError(f"several layers are named {key!r} (layers {shown}); ask for one by its index")
            return self.row(indices[0])
        return self.row(key)

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[LayerResult]:
        return (self.row(i) for i in range(1, len(self.layers) + 1))

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

    @cached_property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        return analysis_symbols(self.network, self.input_size)

    def input_interval(self, feature: int = 0) -> tuple[Value, Value]:
        """The first and last input pixels that output feature ``feature`` sees."""
        first = self.start + feature * self.jump
        return first, first + self.rf - 1

    def form(self, requested: str = "auto") -> str:
        """How printers write symbolic values: "flat" sums of products, or "nested" (Horner) when they are large."""
        if requested in ("flat", "nested"):
            return requested
        if requested != "auto":
            raise SymrfError(f"unknown form {requested!r}; use auto, flat or nested")
        if self.is_numeric or self.rf_sum.flat_size(len(self.layers)) <= FLAT_FORM_LIMIT:
            return "flat"
        return "nested"

    def subs(self, values: Mapping[object, object] | None = None, **named: object) -> ChainAnalysis:
        """The analysis with symbols given values, e.g. ``a.subs(k=3, s=2)``.

        >>> analyze("conv(k, s), conv(k)").subs(k=3, s=2).rf
        7
        """
        mapping = _substitution(self.free_symbols, {**dict(values or {}), **named})
        size = self.input_size
        if isinstance(size, sympy.Expr):
            size = as_value(size.xreplace(mapping), "size", "input ")
        return ChainAnalysis(self.network.xreplace(mapping), size)

    def latex(self, **options: object) -> str:
        """The step-by-step LaTeX derivation of the RF (see :func:`symrf.latex.derivation`)."""
        from .latex import derivation

        return derivation(self, **options)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def __repr__(self) -> str:
        return f"ChainAnalysis(rf={self.rf}, jump={self.jump}, effective_padding={self.effective_padding})"


def analysis_symbols(network, input_size: Value | None) -> frozenset[sympy.Symbol]:
    """The symbols of a network and of its input size: what ``subs`` of an analysis can give values to."""
    found = set(network.free_symbols)
    if isinstance(input_size, sympy.Expr):
        found |= input_size.free_symbols
    return frozenset(found)


def _half(value: Value, half: sympy.Rational) -> Value:
    if type(value) is int and value % 2 == 0:
        return value // 2
    return value * half


def _substitution(symbols: frozenset[sympy.Symbol], values: Mapping[object, object]) -> dict:
    by_name = {sym.name: sym for sym in symbols}
    mapping = {}
    for key, value in values.items():
        name = key.name if isinstance(key, sympy.Symbol) else str(key)
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            raise SymrfError(f"there is no symbol {name!r} in this network (its symbols: {known})")
        mapping[by_name[name]] = as_value(value, "value", f"{name}: ")
    return mapping


def analyze(network: Network | str | list, input_size: object = None, *, strict: bool = False) -> ChainAnalysis:
    """Analyse a chain given as a :class:`~symrf.network.Network`, a list of layers or a spec string.

    Networks with parallel paths, values per axis, "same" padding or other layer kinds (and graphs read from
    files) are analysed by :func:`symrf.graph.analyze_graph`; ``strict`` makes a misaligned merge an error.

    >>> analyze("conv(3, p=1), pool(2)", input_size=32).size
    16
    """
    if isinstance(network, str):
        from .spec import parse

        network = parse(network)
    elif not isinstance(network, Network):
        from .graph import Graph  # a graph file's DAG is analysed as it is

        if not isinstance(network, Graph):
            network = Network.of(network if isinstance(network, (list, tuple)) else [network])
    if strict or isinstance(input_size, (tuple, list)) or not isinstance(network, Network) or not network.is_plain:
        from .graph import analyze_graph  # several paths or axes, padding modes, other kinds (imported when needed)

        return analyze_graph(network, input_size, strict)
    if network.has_repeats:  # a block repeated a symbolic number of times: closed forms (no output sizes)
        from .closed_forms import ClosedFormAnalysis

        return ClosedFormAnalysis(network, input_size)
    size = None if input_size is None else as_value(input_size, "size", "input ")
    return ChainAnalysis(network, size)
