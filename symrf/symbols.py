"""One place that decides what a symbol name means.

A name always denotes an integer. Names used for a kernel, stride, dilation or repetition count are positive;
names used only for padding are non-negative. :func:`symbol` is the only constructor the package uses, so ``k_1``
in a spec, in the Python API and in the output is always the same sympy object.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TypeAlias

import sympy

#: A quantity: a Python int (the fast numeric path), or a sympy expression in integer symbols.
Value: TypeAlias = int | sympy.Expr

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

#: Roles a value can play; they decide the assumptions of the symbols in it.
POSITIVE_ROLES = frozenset({"kernel", "stride", "dilation", "count", "size"})
NONNEGATIVE_ROLES = frozenset({"padding", "target"})


@cache
def symbol(name: str, nonnegative: bool = False) -> sympy.Symbol:
    """The integer symbol ``name``: positive by default, non-negative when ``nonnegative`` is true.

    >>> symbol("k_1").is_positive, symbol("p", nonnegative=True).is_nonnegative
    (True, True)
    """
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a valid symbol name")
    if nonnegative:
        return sympy.Symbol(name, integer=True, nonnegative=True)
    return sympy.Symbol(name, integer=True, positive=True)


def symbol_for_role(name: str, role: str) -> sympy.Symbol:
    """The symbol ``name`` with the assumptions of ``role`` ("kernel", "padding", ...)."""
    return symbol(name, nonnegative=role in NONNEGATIVE_ROLES)


def unify(symbols: set[sympy.Symbol]) -> dict[sympy.Symbol, sympy.Symbol]:
    """A replacement map that gives every name one symbol: the positive one when a name has several.

    A name used as a kernel somewhere and as a padding elsewhere denotes one number, which must then be positive.
    """
    by_name: dict[str, list[sympy.Symbol]] = {}
    for sym in symbols:
        by_name.setdefault(sym.name, []).append(sym)
    mapping: dict[sympy.Symbol, sympy.Symbol] = {}
    for name, variants in by_name.items():
        if len(variants) < 2 and all(_is_canonical(v) for v in variants):
            continue
        positive = any(v.is_positive for v in variants) or not all(v.is_nonnegative for v in variants)
        target = symbol(name, nonnegative=not positive)
        for v in variants:
            if v != target:
                mapping[v] = target
    return mapping


def _is_canonical(sym: sympy.Symbol) -> bool:
    return sym in (symbol(sym.name), symbol(sym.name, nonnegative=True))
