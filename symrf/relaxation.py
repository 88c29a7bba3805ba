"""Linear relaxations for the design search: the RF as a maximum of affine pieces, the cost as an affine function or
bounded below by a linear one, so a partial assignment gets a cost lower bound that counts the RF still missing.

The RF of a 1-D network is ``1 + span``, with the segment algebra ``span = span_A + J_A span_B``, ``J = J_A J_B``, a
layer's span ``d (k - 1)``, ``n`` copies of a block of jump 1 ``n span``, of a constant jump ``J > 1`` and a constant
count ``span (J^n - 1)/(J - 1)``, and a merge the largest of its paths (of equal jumps). Each quantity is kept as a
set of affine forms in the symbols (a constant and one coefficient per symbol, exact ``Fraction``; the span is the
largest of its forms): a product stays affine when one factor is constant, otherwise (a count times a symbolic
span, a symbolic stride before a symbolic span, a count of a strided block) the axis has no affine form and gets
``None``. Forms dominated by another (no larger in the constant and in every coefficient; the symbols are never
negative) are dropped.

The cost (layers, or kernel area) is a polynomial in the symbols. When it is affine its coefficients are exact.
Otherwise, when the polynomial in ``y = x - low`` has no negative coefficient, ``cost(z + y) >= cost(z) + sum_i y_i
(cost(z + e_i) - cost(z))`` at every ``z >= low`` and integer ``y >= 0`` (a term ``c y_i^a`` is at least ``c y_i``,
a mixed term at least 0), so finite differences give a valid linear lower bound.

>>> from symrf import parse, symbol
>>> [[str(c) for c in piece] for piece in spans(parse("conv(3), n * [conv(3)], pool(2, 2), m * [conv(3)]"),
...                                             [symbol("m"), symbol("n")])]
[['3', '4', '2']]
>>> spans(parse("n * [conv(3, 2)]"), [symbol("n")]) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import cast

import sympy

from .layers import AxesLayer, Layer
from .network import Network, Parallel, Repeat

__all__ = ["MAX_PIECES", "cost_form", "cost_is_superlinear", "spans"]

#: Most affine pieces kept for one axis (a merge of symbolic paths multiplies them); above it, no affine form.
MAX_PIECES = 64

#: Largest constant count of a strided block expanded into its geometric factor.
_MAX_POWER = 4096

#: Most terms of the cost polynomial checked for non-negative coefficients.
_MAX_TERMS = 10_000

Form = tuple[Fraction, ...]  # (constant, coefficient of symbol 0, 1, ...)


def _form(value: object, symbols: Sequence[sympy.Symbol]) -> Form | None:
    """The affine form of a layer's value, or ``None`` when it is not affine with rational coefficients."""
    if type(value) is int:
        return (Fraction(value),) + (Fraction(0),) * len(symbols)
    if not isinstance(value, sympy.Expr):
        return None
    poly = value.as_poly(*symbols) if symbols else None
    if symbols and poly is None:
        return None
    if poly is None:
        constant = value
        if not constant.is_Rational:
            return None
        return (Fraction(int(constant.p), int(constant.q)),) + (Fraction(0),) * len(symbols)
    if poly.total_degree() > 1:
        return None
    coefficients = [poly.coeff_monomial(1)] + [poly.coeff_monomial(s) for s in symbols]
    if not all(c.is_Rational for c in coefficients):
        return None
    return tuple(Fraction(int(c.p), int(c.q)) for c in coefficients)


def _constant(form: Form) -> bool:
    return not any(form[1:])


def _scale(form: Form, factor: Fraction) -> Form:
    return tuple(c * factor for c in form)


def _add(a: Form, b: Form) -> Form:
    return tuple(x + y for x, y in zip(a, b))


def _mul(a: Form, b: Form) -> Form | None:
    if _constant(a):
        return _scale(b, a[0])
    if _constant(b):
        return _scale(a, b[0])
    return None


def _prune(pieces: list[Form]) -> list[Form] | None:
    """The pieces not dominated by another (the symbols are never negative), or ``None`` above :data:`MAX_PIECES`."""
    unique = sorted(set(pieces), reverse=True)
    kept: list[Form] = []
    for piece in unique:
        if not any(all(x >= y for x, y in zip(other, piece)) for other in kept):
            kept.append(piece)
    return kept if len(kept) <= MAX_PIECES else None


def _walk(network: Network, symbols: Sequence[sympy.Symbol]) -> tuple[list[Form], Form] | None:
    """The span's affine pieces and the jump's form of a 1-D network, or ``None`` when not affine."""
    zero = (Fraction(0),) * (len(symbols) + 1)
    one = (Fraction(1),) + zero[1:]
    pieces: list[Form] = [zero]
    jump: Form = one
    for item in network.items:
        if type(item) is Layer:
            kernel, stride, dilation = (_form(v, symbols) for v in (item.kernel, item.stride, item.dilation))
            if kernel is None or stride is None or dilation is None:
                return None
            extent = _mul(dilation, _add(kernel, _scale(one, Fraction(-1))))
            block: list[Form] | None = [extent] if extent is not None else None
            block_jump: Form | None = stride
        elif type(item) is Repeat:
            count = _form(item.count, symbols)
            inner = _walk(item.body, symbols)
            if count is None or inner is None:
                return None
            body, body_jump = inner
            if not _constant(body_jump):
                return None
            if body_jump[0] == 1:
                block = [_mul(count, piece) for piece in body]  # type: ignore[misc]
                block_jump = one
            else:
                if not _constant(count) or count[0].denominator != 1 or not 0 <= count[0] <= _MAX_POWER:
                    return None
                copies, ratio = int(count[0]), body_jump[0]
                power = ratio**copies
                block = [_scale(piece, (power - 1) / (ratio - 1)) for piece in body]
                block_jump = _scale(one, power)
        elif type(item) is Parallel:
            branches = [_walk(branch, symbols) for branch in cast(Parallel, item).branches]
            if any(b is None for b in branches):
                return None
            jumps = {cast(tuple, b)[1] for b in branches}
            if len(jumps) != 1:
                return None
            block = [piece for b in branches for piece in cast(tuple, b)[0]]
            block_jump = jumps.pop()
        else:
            return None
        if block is None or any(piece is None for piece in block) or block_jump is None:
            return None
        scaled = [_mul(jump, piece) for piece in block]
        jump_after = _mul(jump, block_jump)
        if any(piece is None for piece in scaled) or jump_after is None:
            return None
        pruned = _prune([_add(a, cast(Form, b)) for a in pieces for b in scaled])
        if pruned is None:
            return None
        pieces, jump = pruned, jump_after
    return pieces, jump


def spans(network: Network, symbols: Sequence[sympy.Symbol]) -> tuple[Form, ...] | None:
    """The span (RF - 1) of a 1-D network as the largest of affine forms ``(constant, coefficient per symbol)``,
    exact where every layer's values are valid; ``None`` when it is not affine in the symbols."""
    found = _walk(network, symbols)
    return None if found is None else tuple(found[0])


def _cost_expression(network: Network, area: bool, axes: int) -> sympy.Expr:
    """The cost as a sympy expression, as :mod:`symrf.searching` counts it: a layer costs 1 (or its kernel's area),
    a repeated block its count times its body, a merge the sum of its paths."""
    total: sympy.Expr = sympy.Integer(0)
    for item in network.items:
        if type(item) is Layer:
            total += sympy.sympify(item.kernel) ** axes if area else 1
        elif type(item) is AxesLayer:
            term: sympy.Expr = sympy.Integer(1)
            for layer in item.axes:
                term *= sympy.sympify(layer.kernel)
            total += term if area else 1
        elif type(item) is Repeat:
            total += sympy.sympify(item.count) * _cost_expression(item.body, area, axes)
        else:
            total += sum((_cost_expression(branch, area, axes) for branch in cast(Parallel, item).branches),
                         sympy.Integer(0))
    return cast(sympy.Expr, total)


def cost_form(network: Network, symbols: Sequence[sympy.Symbol], area: bool, axes: int | None = None
              ) -> Form | None:
    """The cost's affine form, or ``None`` when it is not affine (``axes``: how many axes a layer written with one
    value spans in a kernel area; by default the network's own count)."""
    return _form(sympy.expand(_cost_expression(network, area, axes or network.axis_count)), symbols)


def cost_is_superlinear(network: Network, symbols: Sequence[sympy.Symbol], area: bool,
                        lows: Sequence[int], axes: int | None = None) -> bool:
    """Whether the cost, a polynomial in ``y = x - lows``, has no negative coefficient (then finite differences
    bound it below linearly, see the module's notes)."""
    expression = _cost_expression(network, area, axes or network.axis_count)
    shifted = [sympy.Dummy(f"y{i}") for i in range(len(symbols))]
    moved = expression.xreplace({s: low + y for s, low, y in zip(symbols, lows, shifted)})
    poly = sympy.expand(moved).as_poly(*shifted) if shifted else None
    if poly is None or len(poly.terms()) > _MAX_TERMS:
        return False
    return all(c.is_Rational and c >= 0 for _, c in poly.terms())
