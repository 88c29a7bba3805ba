"""Several axes: layers with a value per axis, and analyses reported per axis (height first, like PyTorch).

Receptive fields are separable: along each axis a network is a 1-D network of its own, and nothing couples the
axes. So a network with per-axis values is analysed as one 1-D network per axis (:meth:`Network.along
<symrf.network.Network.along>`), and only the reports are put back together. A plain 1-D chain never meets this
module: its layers hold single values and it is analysed directly.

How values are given per axis (the rule that tells per-axis tuples and asymmetric paddings apart):

- a tuple (or list) gives one entry per axis, height first: ``conv((3, 5), s=2)``, ``conv((1, 7), p=(0, 3))``;
  a single value is used on every axis;
- an entry of a padding may itself be a ``(before, after)`` pair: ``p=((0, 1), 1)`` pads the height by 0 before
  and 1 after, the width by 1 on both sides; ``p=[(0, 1)]`` is the asymmetric padding of a 1-D layer;
- a flat pair ``p=(0, 1)`` on a layer whose other values are all single is ambiguous (two axes, or before and
  after?) and refused with a message that shows both spellings.

>>> conv((3, 5), s=2).kernel
(3, 5)
>>> conv((1, 7), p=(0, 3)).along(1)
conv(7, p=3)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .errors import LayerError, SymrfError
from .layers import Layer, Value


def common_axis_count(counts: set[int]) -> int:
    """The number of axes of layers giving values for ``counts`` axes (single values, count 1, fit any).

    >>> common_axis_count({1, 2})
    2
    """
    counts = set(counts) - {1}
    if len(counts) > 1:
        shown = ", ".join(map(str, sorted(counts)))
        raise SymrfError(f"the layers give values for different numbers of axes: {shown}")
    return counts.pop() if counts else 1

#: Names of the axes of a network with 2 or 3 axes, in order (PyTorch's layout: depth, height, width).
AXIS_NAMES = {2: ("height", "width"), 3: ("depth", "height", "width")}


def axis_names(count: int) -> tuple[str, ...]:
    """Display names of ``count`` axes: ``("height", "width")`` for two, ``axis 1, axis 2, ...`` beyond three.

    >>> axis_names(2), axis_names(1)
    (('height', 'width'), ('x',))
    """
    if count == 1:
        return ("x",)
    return AXIS_NAMES.get(count, tuple(f"axis {i + 1}" for i in range(count)))


@dataclass(frozen=True, slots=True)
class AxesLayer:
    """A layer with its own kernel, stride, padding and dilation along each axis: one 1-D :class:`Layer` per axis.

    Build it with the usual constructors and tuples (``conv((3, 5), s=2)``); :meth:`along` gives one axis.

    >>> layer = conv((3, 5), s=(2, 1), p=((0, 1), 2))
    >>> layer.along(0), layer.along(1)
    (conv(3, s=2, p=[(0, 1)]), conv(5, p=2))
    """

    axes: tuple[Layer, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        axes = tuple(self.axes)
        if len(axes) < 2 or not all(isinstance(layer, Layer) for layer in axes):
            raise LayerError("a layer with values per axis holds one 1-D layer for each of at least two axes")
        if len({layer.kind for layer in axes}) != 1:
            kinds = ", ".join(layer.kind for layer in axes)
            raise LayerError(f"the axes of one layer must be of one kind, not {kinds}")
        object.__setattr__(self, "axes", axes)

    @property
    def kind(self) -> str:
        return self.axes[0].kind

    @property
    def axis_count(self) -> int:
        return len(self.axes)

    @property
    def kernel(self) -> tuple[Value, ...]:
        return tuple(layer.kernel for layer in self.axes)

    @property
    def stride(self) -> tuple[Value, ...]:
        return tuple(layer.stride for layer in self.axes)

    @property
    def padding(self) -> tuple[Value | str, ...]:
        return tuple(layer.padding for layer in self.axes)

    @property
    def padding_end(self) -> tuple[Value | None, ...]:
        return tuple(layer.padding_end for layer in self.axes)

    @property
    def dilation(self) -> tuple[Value, ...]:
        return tuple(layer.dilation for layer in self.axes)

    @property
    def is_numeric(self) -> bool:
        return all(layer.is_numeric for layer in self.axes)

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for layer in self.axes:
            found |= layer.free_symbols
        return frozenset(found)

    def along(self, axis: int) -> Layer:
        """The 1-D layer of axis ``axis`` (0 is the first, the height of a 2-D layer)."""
        return self.axes[axis]

    def xreplace(self, mapping: dict) -> AxesLayer:
        return AxesLayer(tuple(layer.xreplace(mapping) for layer in self.axes), self.name)

    def __repr__(self) -> str:
        from .printing import spec_text

        def show(values: tuple) -> str:
            if len(set(values)) == 1:
                return values[0]
            return f"({', '.join(values)})"

        kind = self.kind
        name = [f"name={self.name!r}"] if self.name is not None else []
        if kind == "upsample":
            factors = "(" + ", ".join(spec_text(s) for s in self.stride) + ")"
            return f"upsample({', '.join([factors] + name)})"
        args = ["(" + ", ".join(spec_text(k) for k in self.kernel) + ")"]  # per axis: it says how many axes
        default_strides = self.kernel if kind == "pool" else (1,) * len(self.axes)
        if self.stride != default_strides:
            args.append(f"s={show(tuple(spec_text(s) for s in self.stride))}")
        paddings = []
        for layer in self.axes:
            if layer.padding_end is not None:
                paddings.append(f"({spec_text(layer.padding)}, {spec_text(layer.padding_end)})")
            elif layer.padding == "same":
                paddings.append("'same'")
            else:
                paddings.append(spec_text(layer.padding))
        if any(p != "0" for p in paddings):
            args.append(f"p={show(tuple(paddings))}")
        if any(d != 1 for d in self.dilation):
            args.append(f"d={show(tuple(spec_text(d) for d in self.dilation))}")
        return f"{kind}({', '.join(args + name)})"


def _entries(value: object, role: str, kind: str) -> tuple[object, ...] | None:
    """The per-axis entries of ``value`` (a tuple or list), or None for a single value used on every axis."""
    if not isinstance(value, (tuple, list)):
        return None
    entries = tuple(value)
    if not entries:
        raise LayerError(f"{kind}: {role} {value!r} has no entries; give one per axis")
    for entry in entries:
        if isinstance(entry, (tuple, list)) and role != "padding":
            raise LayerError(f"{kind}: an entry of the {role} cannot be a pair, only a padding's can ({entry!r})")
    return entries


def _padding_pair(entry: object, kind: str) -> tuple[object, object | None]:
    """``(before, after)`` of one axis's padding entry; ``after`` is None for a symmetric padding."""
    if isinstance(entry, (tuple, list)):
        if len(entry) != 2:
            raise LayerError(f"{kind}: a padding pair is (before, after), not {tuple(entry)!r}")
        before, after = entry
        if isinstance(before, (tuple, list)) or isinstance(after, (tuple, list)):
            raise LayerError(f"{kind}: a padding pair is (before, after) of one axis, not {tuple(entry)!r}")
        return before, after
    return entry, None


def layer_per_axis(kind: str, k: object, s: object, p: object, d: object, name: str | None = None) -> Layer | AxesLayer:
    """The layer ``kind`` with values given per axis: a plain :class:`Layer` when there is one axis.

    ``s=None`` (a pool's default) means the kernel along each axis.

    >>> layer_per_axis("conv", (3, 3), 1, ((1, 1), (0, 1)), 1)
    conv((3, 3), p=(1, (0, 1)))
    >>> layer_per_axis("conv", 3, 1, [(0, 1)], 1)
    conv(3, p=[(0, 1)])
    """
    where = name or kind
    values = {"kernel": k, "stride": s, "padding": p, "dilation": d}
    per_axis = {role: _entries(value, role, where) for role, value in values.items()}
    counts = {role: len(entries) for role, entries in per_axis.items() if entries is not None}
    if len(set(counts.values())) > 1:
        shown = " but ".join(f"the {role} has {count}" for role, count in counts.items())
        raise LayerError(f"{where}: values per axis must agree in number: {shown}")
    padding = per_axis["padding"]
    if (
        padding is not None
        and len(padding) == 2
        and set(counts) == {"padding"}
        and not any(isinstance(entry, (tuple, list)) for entry in padding)
    ):
        before, after = padding
        raise LayerError(
            f"{where}: p={tuple(padding)!r} could mean two axes or (before, after) padding of one axis; write "
            f"p=[({before}, {after})] for {before} before and {after} after, or give the kernel per axis as in "
            f"{kind}((k, k), p=({before}, {after}))"
        )
    count = max(counts.values(), default=1)

    def entry(role: str, axis: int) -> object:
        entries = per_axis[role]
        return values[role] if entries is None else entries[axis]

    layers = []
    for axis in range(count):
        kernel = entry("kernel", axis)
        stride = entry("stride", axis)
        if stride is None:
            stride = kernel
        before, after = _padding_pair(entry("padding", axis), where)
        try:
            layers.append(Layer(kind, kernel, stride, before, entry("dilation", axis), name, after))
        except SymrfError as exc:
            label = axis_names(count)[axis] if count > 1 else ""
            raise LayerError(f"{exc} (along the {label})" if label else str(exc)) from None
    if count == 1:
        return layers[0]
    return AxesLayer(tuple(layers), name)


# -- analyses per axis ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AxesRow:
    """One layer's (or merge's) values along every axis: each quantity is a tuple, height first."""

    index: int
    name: str
    kind: str
    rf: tuple[Value, ...]
    rf_min: tuple[Value, ...]
    jump: tuple[Value, ...]
    effective_padding: tuple[Value | None, ...]
    start: tuple[Value | None, ...]
    center: tuple[Value | None, ...]
    size: tuple[Value | None, ...] | None
    aligned: bool | None
    axes: tuple[object, ...]  # the per-axis rows (LayerResult or NodeResult)


def _all_aligned(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


class AxesAnalysis:
    """The analyses of a network with several axes, one 1-D analysis per axis; quantities are tuples (height first).

    >>> a = analyze("conv((3, 5), 2), conv((3, 1), 2)")
    >>> a.rf, a.axis(1).rf, a.axis_names
    ((7, 5), 5, ('height', 'width'))
    """

    def __init__(self, network: object, analyses: tuple[object, ...]) -> None:
        self.network = network
        self.analyses = analyses
        self.axis_count = len(analyses)
        self.axis_names = axis_names(self.axis_count)
        first = analyses[0]
        self.names: tuple[str, ...] = tuple(first.names)
        self.input_size = tuple(a.input_size for a in analyses)
        if all(size is None for size in self.input_size):
            self.input_size = None
        self.warnings = tuple(f"{axis}: {w}" for axis, a in zip(self.axis_names, analyses) for w in _of(a, "warnings"))
        self.notes = tuple(f"{axis}: {n}" for axis, a in zip(self.axis_names, analyses) for n in _of(a, "notes"))

    def axis(self, index: int | str) -> object:
        """The 1-D analysis of one axis, by index (0 is the height of a 2-D network) or name ("width")."""
        if isinstance(index, str):
            if index not in self.axis_names:
                raise SymrfError(f"there is no axis {index!r}; axes: {', '.join(self.axis_names)}")
            index = self.axis_names.index(index)
        return self.analyses[index]

    def _each(self, field: str) -> tuple:
        return tuple(getattr(a, field) for a in self.analyses)

    @property
    def rf(self) -> tuple[Value, ...]:
        return self._each("rf")

    @property
    def rf_min(self) -> tuple[Value, ...]:
        return tuple(getattr(a, "rf_min", a.rf) for a in self.analyses)

    @property
    def jump(self) -> tuple[Value, ...]:
        return self._each("jump")

    @property
    def effective_padding(self) -> tuple[Value | None, ...]:
        return self._each("effective_padding")

    @property
    def start(self) -> tuple[Value | None, ...]:
        return self._each("start")

    @property
    def center(self) -> tuple[Value | None, ...]:
        return self._each("center")

    @property
    def size(self) -> tuple[Value | None, ...] | None:
        return None if self.input_size is None else self._each("size")

    @property
    def aligned(self) -> bool | None:
        return _all_aligned([getattr(a, "aligned", True) for a in self.analyses])

    @property
    def is_numeric(self) -> bool:
        return all(a.is_numeric for a in self.analyses)

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for a in self.analyses:
            found |= a.free_symbols
        return frozenset(found)

    def _row(self, index: int) -> AxesRow:
        rows = tuple(a.row(index) for a in self.analyses)
        first = rows[0]
        sized = self.input_size is not None
        return AxesRow(
            index, first.name, getattr(first, "kind", None) or first.layer.kind,
            tuple(r.rf for r in rows), tuple(getattr(r, "rf_min", r.rf) for r in rows),
            tuple(r.jump for r in rows), tuple(r.effective_padding for r in rows), tuple(r.start for r in rows),
            tuple(r.center for r in rows), tuple(r.size for r in rows) if sized else None,
            _all_aligned([getattr(r, "aligned", True) for r in rows]), rows,
        )

    def row(self, index: int) -> AxesRow:
        """The values of row ``index`` (1-based) along every axis."""
        return self._row(index)

    def layer(self, key: int | str) -> AxesRow:
        """The values of a row given by 1-based index or by name, along every axis."""
        return self._row(self.analyses[0].layer(key).index)

    def __len__(self) -> int:
        return len(self.analyses[0])

    def __iter__(self):
        return (self._row(i) for i in range(1, len(self) + 1))

    def input_interval(self, feature: int | tuple[int, ...] = 0) -> tuple:
        """The first and last input pixels of ``feature`` (one index, or one per axis) along each axis."""
        features = feature if isinstance(feature, tuple) else (feature,) * self.axis_count
        return tuple(a.input_interval(f) for a, f in zip(self.analyses, features))

    def subs(self, values: dict | None = None, **named: object) -> AxesAnalysis:
        """The analysis with symbols given values, along every axis."""
        from .chain import _substitution

        mapping = _substitution(self.free_symbols, {**dict(values or {}), **named})
        from .graph import analyze_graph

        strict = getattr(self.analyses[0], "strict", False)
        sizes = None
        if self.input_size is not None:
            sizes = tuple(s.xreplace(mapping) if isinstance(s, sympy.Expr) else s for s in self.input_size)
        return analyze_graph(self.network.xreplace(mapping), sizes, strict)

    def __repr__(self) -> str:
        return f"AxesAnalysis(rf={self.rf}, jump={self.jump}, effective_padding={self.effective_padding})"


def _of(analysis: object, field: str) -> tuple:
    return tuple(getattr(analysis, field, ()))
