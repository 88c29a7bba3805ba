"""Layers: frozen values with a kernel, stride, padding and dilation that are integers or sympy expressions.

Numeric values are stored as plain Python ``int`` so that numeric analysis runs at the speed of integer
arithmetic; symbolic values are sympy expressions whose symbols are integers (see :mod:`symrf.symbols`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import sympy

from .axes import axis_names
from .errors import LayerError, SymrfError, quoted
from .naming import name_problem
from .printing import spec_text
from .reader import MAX_DIGITS, parse_value
from .recurrence import effective_kernel
from .symbols import POSITIVE_ROLES, Value, check_symbol_name, symbol_for_role

#: The kinds of layer and what they are. ``conv`` and ``pool`` share their arithmetic; ``convt`` (transposed
#: convolution) and ``upsample`` (nearest neighbour) spread each input pixel over ``s`` output pixels;
#: ``global_pool`` reads its whole input.
KINDS = ("conv", "pool", "convt", "upsample", "global_pool")

#: Kinds whose output feature ``x`` reads input ``x*s - p + j*d``: the chain recurrence applies to them.
DOWN_KINDS = frozenset({"conv", "pool"})

#: Kinds whose output feature ``y`` reads every input ``x`` with ``x*s - p + j*d = y`` (the jump divides by s).
UP_KINDS = frozenset({"convt", "upsample"})

#: Padding modes of TensorFlow: "valid" is no padding; "same" pads ``max(k' - s, 0)`` (or ``max(k' - n mod s, 0)``
#: when ``s`` does not divide the input size ``n``) in total, ``floor(total / 2)`` of it before the first pixel.
PADDING_MODES = ("same", "valid")

#: Bounds of integer values: at most ``MAX_DIGITS`` decimal digits (as in specs).
_NUMBER_LIMIT = 10**MAX_DIGITS
_NUMBER_BITS = _NUMBER_LIMIT.bit_length()


def as_value(value: object, role: str, where: str = "") -> Value:
    """Normalise ``value`` for ``role`` ("kernel", "stride", "padding", "dilation", "count").

    Integers stay ``int``; sympy integers become ``int``; strings are read by the safe spec parser; symbols
    are replaced by symrf's integer symbols of the same name. Values that are decidably out of range (a zero
    stride, a negative padding, a non-integer kernel) raise :class:`~symrf.errors.LayerError`.

    >>> as_value(3, "kernel"), as_value("2*k + 1", "kernel")
    (3, 2*k + 1)
    """
    label = f"{where}{role}" if where else role
    if isinstance(value, bool):
        raise LayerError(f"{label} must be an integer or a symbol, not {value!r}")
    if isinstance(value, str):
        if value.strip().lower() in PADDING_MODES:
            raise LayerError(f"{label}: 'same' and 'valid' are padding modes, allowed only as p= of a conv or pool")
        if role == "padding":
            _check_padding_text(value, label)
        try:
            value = parse_value(value, role)
        except SymrfError as exc:
            raise LayerError(f"{label}: {exc}") from None
    if isinstance(value, sympy.Basic) and not isinstance(value, sympy.Expr):
        raise LayerError(f"{label} must be an integer or a symbolic expression, not {value}")
    if isinstance(value, sympy.Expr):
        if value.is_Integer:
            value = int(value)
        else:
            value = _canonical_symbols(value, role)
    if isinstance(value, int):
        _check_number(value, role, label)
        return value
    if isinstance(value, sympy.Expr):
        _check_expression(value, role, label)
        return value
    raise LayerError(f"{label} must be an integer or a symbolic expression, not {type(value).__name__} {quoted(value)}")


def _check_padding_text(text: str, label: str) -> None:
    """Refuse a padding string that looks like a misspelt padding mode (``"smae"``) or an unsupported one."""
    word = text.strip().lower()
    if not word.isalpha() or len(word) < 3:
        return
    if word == "full":
        raise LayerError(f"{label}: 'full' is not a padding mode of symrf (its modes are 'same' and 'valid'); "
                         "write full padding as a value, p=k - 1")
    close = difflib.get_close_matches(word, PADDING_MODES, n=1, cutoff=0.6)
    if close:
        raise LayerError(f"{label}: {quoted(text)} is not a padding mode; did you mean {close[0]!r}?")


def check_name(name: object, kind: str, error: type[SymrfError] = LayerError) -> None:
    """Refuse a name that is not a string of printable text (see :func:`symrf.naming.name_problem`)."""
    if name is None:
        return
    if not isinstance(name, str):
        raise error(f"{kind}: name must be a string, not {type(name).__name__} {quoted(name)}")
    problem = name_problem(name)
    if problem:
        raise error(f"{kind}: the name {quoted(name)} {problem}; a name is printable text")


def _canonical_symbols(expr: sympy.Expr, role: str) -> sympy.Expr:
    mapping = {}
    for sym in expr.free_symbols:
        check_symbol_name(sym.name)  # also for a user's own integer symbol: printed values must read back
        if not sym.is_integer:
            mapping[sym] = symbol_for_role(sym.name, role)
    return expr.xreplace(mapping) if mapping else expr


def _lower_bound(role: str) -> int:
    return 1 if role in POSITIVE_ROLES else 0


def _check_number(value: int, role: str, label: str) -> None:
    if value.bit_length() >= _NUMBER_BITS and abs(value) >= _NUMBER_LIMIT:  # compared without printing it
        raise LayerError(f"{label} has more than {MAX_DIGITS:,} digits")
    low = _lower_bound(role)
    if value < low:
        need = "positive" if low == 1 else "non-negative"
        raise LayerError(f"{label} must be {need}, got {value}")


def _check_expression(expr: sympy.Expr, role: str, label: str) -> None:
    for number in expr.atoms(sympy.Rational):
        if abs(number.p) >= _NUMBER_LIMIT or number.q >= _NUMBER_LIMIT:
            raise LayerError(f"{label} has a number with more than {MAX_DIGITS:,} digits")
    if expr.has(sympy.Float) or expr.has(sympy.zoo, sympy.oo, sympy.nan, sympy.I):
        raise LayerError(f"{label} must be an integer expression, got {quoted(expr)}")
    if expr.is_number:
        raise LayerError(f"{label} must be an integer, got {expr}")
    if not expr.is_integer:
        raise LayerError(f"{label} must be an integer, and {expr} may not be one (use // for integer division)")
    low = _lower_bound(role)
    decided = (expr >= low) if low else (expr >= 0)
    if decided is sympy.false:
        need = "positive" if low == 1 else "non-negative"
        raise LayerError(f"{label} must be {need}, got {expr}")


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer along one axis: output feature ``x`` reads input pixels ``x*s - p + j*d`` for ``j = 0..k-1``.

    ``padding`` is the padding before the first pixel (PyTorch's symmetric ``padding=p``, or the left part of an
    asymmetric pad), or the string ``"same"`` (TensorFlow's rule, resolved once the input size is known);
    ``padding_end`` is the padding after the last pixel when it differs from ``padding`` (it only changes output
    sizes). A transposed convolution (``convt``) reverses the reading: output ``y`` reads every input ``x`` with
    ``x*s - p + j*d = y``. Build layers with :func:`conv`, :func:`pool`, :func:`convt`, :func:`upsample` and
    :func:`global_pool`; they validate and normalise the values (tuples give a layer per axis).

    >>> conv(3, 2, p=1)
    conv(3, s=2, p=1)
    >>> conv(3, s=2, p="same"), conv(3, p=[(0, 1)])
    (conv(3, s=2, p='same'), conv(3, p=[(0, 1)]))
    """

    kind: str
    kernel: Value
    stride: Value = 1
    padding: Value | str = 0
    dilation: Value = 1
    name: str | None = None
    padding_end: Value | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LayerError(f"unknown layer kind {quoted(self.kind)}; known kinds: {', '.join(KINDS)}")
        check_name(self.name, self.kind)
        where = f"{self.name or self.kind}: "
        for role in ("kernel", "stride", "dilation"):
            object.__setattr__(self, role, as_value(getattr(self, role), role, where))
        padding = self.padding
        if isinstance(padding, str) and padding.strip().lower() in PADDING_MODES:
            mode = padding.strip().lower()
            if self.kind not in DOWN_KINDS:
                raise LayerError(f"{where}padding {mode!r} applies to conv and pool layers only")
            if self.padding_end is not None:
                raise LayerError(f"{where}padding {mode!r} decides the padding after the last pixel too")
            padding = 0 if mode == "valid" else "same"
        if padding != "same":
            padding = as_value(padding, "padding", where)
        object.__setattr__(self, "padding", padding)
        end = self.padding_end
        if end is not None:
            end = as_value(end, "padding", f"{where}end ")
            object.__setattr__(self, "padding_end", None if end == padding else end)
        if self.kind == "upsample" and (self.kernel != self.stride or padding != 0 or self.dilation != 1):
            raise LayerError(f"{where}an upsampling layer has kernel = stride, no padding and no dilation")
        if self.kind == "global_pool" and (self.kernel, self.stride, padding, self.dilation) != (1, 1, 0, 1):
            raise LayerError(f"{where}a global pooling layer takes no kernel, stride, padding or dilation")

    @property
    def effective_kernel(self) -> Value:
        """The kernel's extent with dilation, ``d*(k - 1) + 1`` (:func:`symrf.recurrence.effective_kernel`)."""
        return effective_kernel(self.kernel, self.dilation)

    @property
    def is_same(self) -> bool:
        """Whether the padding is TensorFlow's "same" (known only once the input size is)."""
        return self.padding == "same"

    @property
    def is_plain(self) -> bool:
        """Whether the chain recurrence alone describes this layer (conv or pool, explicit symmetric padding)."""
        return self.kind in DOWN_KINDS and self.padding_end is None and self.padding != "same"

    @property
    def is_numeric(self) -> bool:
        return (type(self.kernel) is int and type(self.stride) is int and type(self.padding) is int
                and type(self.dilation) is int and (self.padding_end is None or type(self.padding_end) is int))

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for v in (self.kernel, self.stride, self.padding, self.dilation, self.padding_end):
            if isinstance(v, sympy.Expr):
                found |= v.free_symbols
        return frozenset(found)

    def xreplace(self, mapping: dict) -> Layer:
        """This layer with symbols replaced (``mapping`` as for sympy's ``xreplace``)."""
        values = [
            v.xreplace(mapping) if isinstance(v, sympy.Expr) else v
            for v in (self.kernel, self.stride, self.padding, self.dilation, self.padding_end)
        ]
        return Layer(self.kind, values[0], values[1], values[2], values[3], name=self.name, padding_end=values[4])

    def __repr__(self) -> str:
        name = [f"name={self.name!r}"] if self.name is not None else []
        if self.kind == "global_pool":
            return f"global_pool({', '.join(name)})"
        if self.kind == "upsample":
            return f"upsample({', '.join([spec_text(self.stride)] + name)})"
        args = [spec_text(self.kernel)]
        default_stride = self.kernel if self.kind == "pool" else 1
        if self.stride != default_stride:
            args.append(f"s={spec_text(self.stride)}")
        if self.padding_end is not None:
            args.append(f"p=[({spec_text(self.padding)}, {spec_text(self.padding_end)})]")
        elif self.padding == "same":
            args.append("p='same'")
        elif self.padding != 0:
            args.append(f"p={spec_text(self.padding)}")
        if self.dilation != 1:
            args.append(f"d={spec_text(self.dilation)}")
        return f"{self.kind}({', '.join(args + name)})"


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
        check_name(self.name, axes[0].kind)
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
        if any(p != "0" for p in paddings):  # a (before, after) pair on every axis is not one value for all
            pairs = any(layer.padding_end is not None for layer in self.axes)
            args.append(f"p=({', '.join(paddings)})" if pairs else f"p={show(tuple(paddings))}")
        if any(d != 1 for d in self.dilation):
            args.append(f"d={show(tuple(spec_text(d) for d in self.dilation))}")
        return f"{kind}({', '.join(args + name)})"


def _entries(value: object, role: str, kind: str) -> tuple[object, ...] | None:
    """The per-axis entries of ``value`` (a tuple or list), or None for a single value used on every axis."""
    if not isinstance(value, (tuple, list)):
        return None
    entries = tuple(value)
    if not entries:
        raise LayerError(f"{kind}: {role} {quoted(value)} has no entries; give one per axis")
    for entry in entries:
        if isinstance(entry, (tuple, list)) and role != "padding":
            raise LayerError(f"{kind}: an entry of the {role} cannot be a pair, only a padding's can ({quoted(entry)})")
    return entries


def _padding_pair(entry: object, kind: str) -> tuple[object, object | None]:
    """``(before, after)`` of one axis's padding entry; ``after`` is None for a symmetric padding."""
    if isinstance(entry, (tuple, list)):
        if len(entry) != 2:
            raise LayerError(f"{kind}: a padding pair is (before, after), not {quoted(tuple(entry))}")
        before, after = entry
        if isinstance(before, (tuple, list)) or isinstance(after, (tuple, list)):
            raise LayerError(f"{kind}: a padding pair is (before, after) of one axis, not {quoted(tuple(entry))}")
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
    check_name(name, kind)
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
        first, second = quoted(padding[0], 20), quoted(padding[1], 20)
        raise LayerError(
            f"{where}: p={quoted(tuple(padding))} could mean two axes or (before, after) padding of one axis; write "
            f"p=[({first}, {second})] for {first} before and {second} after, or give the kernel per axis as in "
            f"{kind}((k, k), p=({first}, {second}))"
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


def _per_axis(*values: object) -> bool:
    """Whether any value is given per axis (a tuple or list), so that the layer needs :mod:`symrf.axes`."""
    return any(isinstance(v, (tuple, list)) for v in values)


def conv(k: object, s: object = 1, *, p: object = 0, d: object = 1, name: str | None = None) -> Layer | AxesLayer:
    """A convolution with kernel ``k``, stride ``s``, padding ``p`` (before the first pixel) and dilation ``d``.

    A tuple gives one value per axis, height first (``conv((3, 5), s=2)``); a per-axis padding may be a
    ``(before, after)`` pair, and ``p=[(0, 1)]`` pads one axis asymmetrically. ``p="same"`` and ``p="valid"``
    follow TensorFlow.

    >>> conv(3).kernel, conv("k", s="s").stride
    (3, s)
    >>> conv((3, 5), s=2)
    conv((3, 5), s=2)
    """
    if _per_axis(k, s, p, d):
        return layer_per_axis("conv", k, s, p, d, name)
    return Layer("conv", k, s, p, d, name)


def pool(k: object, s: object = None, *, p: object = 0, d: object = 1, name: str | None = None) -> Layer | AxesLayer:
    """A max or average pooling layer; like PyTorch, its stride defaults to its kernel.

    >>> pool(2).stride
    2
    """
    if _per_axis(k, s, p, d):
        return layer_per_axis("pool", k, s, p, d, name)
    return Layer("pool", k, k if s is None else s, p, d, name)


def convt(k: object, s: object = 1, *, p: object = 0, d: object = 1, name: str | None = None) -> Layer | AxesLayer:
    """A transposed convolution: input pixel ``x`` feeds outputs ``x*s - p + j*d`` for ``j = 0..k-1`` (PyTorch).

    Its output pixels fall into ``s`` phases that read different numbers of input pixels, so the receptive field
    after it depends on the output position (see :mod:`symrf.graph`).

    >>> convt(4, 2, p=1)
    convt(4, s=2, p=1)
    """
    if _per_axis(k, s, p, d):
        return layer_per_axis("convt", k, s, p, d, name)
    return Layer("convt", k, s, p, d, name)


def upsample(s: object = 2, name: str | None = None) -> Layer | AxesLayer:
    """Nearest-neighbour upsampling by ``s``: output ``y`` copies input ``floor(y / s)``.

    For receptive fields it is a transposed convolution with kernel ``s`` and stride ``s``.

    >>> upsample(2)
    upsample(2)
    """
    if _per_axis(s):
        return layer_per_axis("upsample", s, s, 0, 1, name)
    return Layer("upsample", s, s, 0, 1, name)


def global_pool(name: str | None = None) -> Layer:
    """Global (average or max) pooling: one output feature that reads the whole input.

    >>> global_pool()
    global_pool()
    """
    return Layer("global_pool", 1, 1, 0, 1, name)


def input_size_value(size: object) -> Value | None:
    """An input size as a value: None, an integer, an expression, or text read safely (``"224"``, ``"N"``)."""
    if size is None:
        return None
    if isinstance(size, str):
        return parse_value(size, "size")
    return as_value(size, "size", "input ")


def input_sizes_per_axis(input_size: object, count: int) -> tuple[Value | None, ...]:
    """One input size per axis, from one value for every axis or one per axis.

    >>> input_sizes_per_axis(224, 2), input_sizes_per_axis((32,), 2)
    ((224, 224), (32, 32))
    """
    if isinstance(input_size, (tuple, list)):
        sizes = tuple(input_size)
        if len(sizes) == 1:
            sizes = sizes * count
        if len(sizes) != count:
            raise SymrfError(f"the input size has {len(sizes)} entries but the network has {count} axes")
    else:
        sizes = (input_size,) * count
    return tuple(input_size_value(size) for size in sizes)
