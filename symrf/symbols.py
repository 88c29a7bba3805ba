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

from .errors import SpecError, SymrfError, quoted

#: A quantity: a Python int (the fast numeric path), or a sympy expression in integer symbols.
Value: TypeAlias = int | sympy.Expr

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

#: Roles a value can play; they decide the assumptions of the symbols in it.
POSITIVE_ROLES = frozenset({"kernel", "stride", "dilation", "count", "size"})
NONNEGATIVE_ROLES = frozenset({"padding", "target"})

#: Names that printed values use for functions and constants, or that ``sympy.parse_expr`` itself writes while
#: reading them back (``Integer``): a symbol with one of these names would make printed values unreadable, so
#: they are refused. Other names sympy predefines (``E``, ``I``, ``S``, ``N``, ``pi``, ``gamma`` ...) are fine:
#: printed values never use them, and reading back with ``local_dict`` gives them their symbol meaning.
RESERVED_NAMES: dict[str, str] = {
    **dict.fromkeys(
        ("floor", "ceiling", "Max", "Min", "Piecewise", "Eq", "Ne", "And", "Or", "Not", "Mod", "log", "exp", "Abs",
         "sqrt", "Rational", "Integer", "Float", "Symbol", "Function"),
        "a function",
    ),
    **dict.fromkeys(("true", "false", "oo", "zoo", "nan"), "a constant"),
}


def check_symbol_name(name: str) -> None:
    """Refuse (with :class:`~symrf.errors.SpecError`) a name that printed formulas use (:data:`RESERVED_NAMES`).

    >>> check_symbol_name("gamma")
    >>> check_symbol_name("floor")
    Traceback (most recent call last):
    ...
    symrf.errors.SpecError: 'floor' is a function in printed formulas; use another name
    """
    kind = RESERVED_NAMES.get(name)
    if kind is not None:
        raise SpecError(f"{name!r} is {kind} in printed formulas; use another name")


def symbol(name: str, nonnegative: bool = False) -> sympy.Symbol:
    """The integer symbol ``name``: positive by default, non-negative when ``nonnegative`` is true. A name of
    :data:`RESERVED_NAMES` is refused.

    >>> symbol("k_1").is_positive, symbol("p", nonnegative=True).is_nonnegative
    (True, True)
    """
    if not isinstance(name, str):
        raise TypeError(f"a symbol's name is a string such as 'k', not {type(name).__name__}")
    if not NAME_PATTERN.match(name):
        raise SymrfError(f"{quoted(name)} is not a symbol name (letters, digits and '_', starting with a letter)")
    check_symbol_name(name)
    return _symbol(name, bool(nonnegative))


@cache
def _symbol(name: str, nonnegative: bool) -> sympy.Symbol:
    """One object per name and assumptions, whatever the spelling of the call (``symbol("k")`` and
    ``symbol("k", nonnegative=False)`` are one cache entry) and even after sympy's cache is cleared."""
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


#: Largest integer exponent of a compound base that sympy may distribute: ``factor_terms((5*x + 5)**e)`` computes
#: ``5**e``, so an expression holding a larger power is left as it is (10**50 copies of a block make e = 10**50).
MAX_DISTRIBUTED_EXPONENT = 10_000


def huge_power(expr: sympy.Basic) -> bool:
    """Whether ``expr`` holds a power of a compound base with an integer exponent above
    :data:`MAX_DISTRIBUTED_EXPONENT`."""
    return any(power.exp.is_Integer and abs(power.exp) > MAX_DISTRIBUTED_EXPONENT and not power.base.is_Symbol
               for power in expr.atoms(sympy.Pow))


def factor_terms(expr: sympy.Expr) -> sympy.Expr:
    """:func:`sympy.factor_terms` (common factors pulled out: ``(k - 1)/2``), except on an expression with a
    :func:`huge_power`, returned as it is."""
    return expr if huge_power(expr) else sympy.factor_terms(expr)
