"""Layers: frozen values with a kernel, stride, padding and dilation that are integers or sympy expressions.

Numeric values are stored as plain Python ``int`` so that numeric analysis runs at the speed of integer
arithmetic; symbolic values are sympy expressions whose symbols are integers (see :mod:`symrf.symbols`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .errors import LayerError, SymrfError
from .symbols import POSITIVE_ROLES, symbol_for_role

#: A layer quantity: a Python int, or a sympy expression in integer symbols.
Value = int | sympy.Expr

#: The kinds of layer and what they are. ``conv`` and ``pool`` share their arithmetic.
KINDS = ("conv", "pool")


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
        from .spec import parse_value

        if value.strip().lower() in ("same", "valid"):
            raise LayerError(f"{label}: padding modes 'same' and 'valid' are not supported by chain layers")
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
    raise LayerError(f"{label} must be an integer or a symbolic expression, not {type(value).__name__} {value!r}")


def _canonical_symbols(expr: sympy.Expr, role: str) -> sympy.Expr:
    mapping = {}
    for sym in expr.free_symbols:
        if not sym.is_integer:
            mapping[sym] = symbol_for_role(sym.name, role)
    return expr.xreplace(mapping) if mapping else expr


def _lower_bound(role: str) -> int:
    return 1 if role in POSITIVE_ROLES else 0


def _check_number(value: int, role: str, label: str) -> None:
    low = _lower_bound(role)
    if value < low:
        need = "positive" if low == 1 else "non-negative"
        raise LayerError(f"{label} must be {need}, got {value}")


def _check_expression(expr: sympy.Expr, role: str, label: str) -> None:
    if expr.has(sympy.Float) or expr.has(sympy.zoo, sympy.oo, sympy.nan, sympy.I):
        raise LayerError(f"{label} must be an integer expression, got {expr}")
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
    """One layer of a chain: output feature ``x`` reads input pixels ``x*s - p + j*d`` for ``j = 0..k-1``.

    Build layers with :func:`conv` and :func:`pool`; they validate and normalise the values.

    >>> conv(3, 2, 1)
    conv(3, s=2, p=1)
    """

    kind: str
    kernel: Value
    stride: Value = 1
    padding: Value = 0
    dilation: Value = 1
    name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LayerError(f"unknown layer kind {self.kind!r}; known kinds: {', '.join(KINDS)}")
        where = f"{self.name or self.kind}: "
        for role in ("kernel", "stride", "padding", "dilation"):
            object.__setattr__(self, role, as_value(getattr(self, role), role, where))
        if self.name is not None and not isinstance(self.name, str):
            raise LayerError(f"{self.kind}: name must be a string, not {self.name!r}")

    @property
    def effective_kernel(self) -> Value:
        """The kernel's extent with dilation, ``d*(k - 1) + 1``."""
        if self.dilation == 1:
            return self.kernel
        return self.dilation * (self.kernel - 1) + 1

    @property
    def is_numeric(self) -> bool:
        return all(type(v) is int for v in (self.kernel, self.stride, self.padding, self.dilation))

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for v in (self.kernel, self.stride, self.padding, self.dilation):
            if isinstance(v, sympy.Expr):
                found |= v.free_symbols
        return frozenset(found)

    def xreplace(self, mapping: dict) -> Layer:
        """This layer with symbols replaced (``mapping`` as for sympy's ``xreplace``)."""
        values = [
            v.xreplace(mapping) if isinstance(v, sympy.Expr) else v
            for v in (self.kernel, self.stride, self.padding, self.dilation)
        ]
        return Layer(self.kind, *values, name=self.name)

    def __repr__(self) -> str:
        from .printing import spec_text

        args = [spec_text(self.kernel)]
        default_stride = self.kernel if self.kind == "pool" else 1
        if self.stride != default_stride:
            args.append(f"s={spec_text(self.stride)}")
        if self.padding != 0:
            args.append(f"p={spec_text(self.padding)}")
        if self.dilation != 1:
            args.append(f"d={spec_text(self.dilation)}")
        if self.name is not None:
            args.append(f"name={self.name!r}")
        return f"{self.kind}({', '.join(args)})"


def conv(k: object, s: object = 1, p: object = 0, d: object = 1, name: str | None = None) -> Layer:
    """A convolution with kernel ``k``, stride ``s``, padding ``p`` (before the first pixel) and dilation ``d``.

    >>> conv(3).kernel, conv("k", s="s").stride
    (3, s)
    """
    return Layer("conv", k, s, p, d, name)


def pool(k: object, s: object = None, p: object = 0, d: object = 1, name: str | None = None) -> Layer:
    """A max or average pooling layer; like PyTorch, its stride defaults to its kernel.

    >>> pool(2).stride
    2
    """
    return Layer("pool", k, k if s is None else s, p, d, name)
