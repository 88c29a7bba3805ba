"""Text and LaTeX forms of symrf's values, kept apart from the model.

Two forms for symbolic sums: *flat* (a sum of products, as in papers: ``k_1 + (k_2 - 1) s_1``) and *nested*
(Horner: ``k_1 + s_1 (k_2 - 1 + s_2 (k_3 - 1))``), which stays linear in the number of layers. Text output is
always an expression that ``sympy.sympify`` reads back; LaTeX output is written for papers and never recurses
deeper than the expression's own nesting of small pieces, so chains of thousands of layers print.
"""

from __future__ import annotations

import sympy

from .layers import Value
from .series import StridedSum

# -- text (sympy can read it back) ------------------------------------------------------------------------------


def text(value: Value) -> str:
    """A value as text sympy reads back: ``str`` of the int or the expression.

    >>> text(sympy.Rational(29, 2))
    '29/2'
    """
    return str(value)


def spec_text(value: Value) -> str:
    """A value in the spec language (Python syntax): like :func:`text`, with ``floor(a/b)`` written ``(a)//b``.

    >>> spec_text(sympy.floor((sympy.Symbol("k") - 1) / 2))
    '(k - 1)//2'
    """
    if type(value) is int or not value.has(sympy.floor):
        return text(value)
    return str(value.replace(sympy.floor, _FloorDiv))


class _FloorDiv(sympy.Function):
    """Prints ``floor(a/b)`` as Python's ``(a)//b`` (only for writing specs)."""

    def _sympystr(self, printer) -> str:
        numerator, denominator = sympy.fraction(sympy.together(self.args[0]))
        top = printer._print(numerator)
        bottom = printer._print(denominator)
        if not (numerator.is_Symbol or numerator.is_Integer):
            top = f"({top})"
        if not (denominator.is_Symbol or denominator.is_Integer):
            bottom = f"({bottom})"
        return f"{top}//{bottom}"


def json_value(value: Value) -> int | str:
    """An integer as a JSON integer, anything else as text sympy reads back."""
    if type(value) is int:
        return value
    if isinstance(value, sympy.Integer):
        return int(value)
    return text(value)


def _wrap_text(piece: str, value: Value) -> str:
    return f"({piece})" if isinstance(value, sympy.Expr) and (value.is_Add or _negative(value)) else piece


def nested_text(series: StridedSum, length: int) -> str:
    """The first ``length`` terms of ``series`` in nested form, as text sympy reads back."""
    return _nested(series, length, text, lambda m, inner: f"{_wrap_text(text(m), m)}*({inner})")


def product_text(factors: list[Value] | tuple[Value, ...]) -> str:
    """A product of strides written factor by factor (linear in their number)."""
    kept = [f for f in factors if f != 1]
    if not kept:
        return "1"
    return "*".join(_wrap_text(text(f), f) for f in kept)


def _nested(series: StridedSum, length: int, show, combine) -> str:
    groups = series.group_sums(length)
    if not groups:
        return show(series.offset)
    last = max((i for i, (_, _, total) in enumerate(groups) if total != 0), default=-1)
    if last < 0:
        return show(0)
    inner = show(groups[last][2])
    for index in range(last, 0, -1):
        multiplier = groups[index][0]
        inner = combine(multiplier, inner)
        previous = groups[index - 1][2]
        if previous != 0:
            inner = f"{show(previous)} + {inner}"
    return inner


# -- LaTeX ----------------------------------------------------------------------------------------------------


def tex(value: Value) -> str:
    """A value in LaTeX as written in papers: ``(k_{2} - 1) s_{1}``, not ``s_{1} \\left(k_{2} - 1\\right)``.

    >>> tex(sympy.sympify("k_1 + s_1*(k_2 - 1)"))
    'k_{1} + (k_{2} - 1) s_{1}'
    >>> tex(sympy.Rational(29, 2))
    '\\\\frac{29}{2}'
    """
    if type(value) is int:
        return str(value)
    return _tex(sympy.sympify(value))


def nested_tex(series: StridedSum, length: int) -> str:
    """The first ``length`` terms of ``series`` in nested (Horner) form, in LaTeX."""
    return _nested(series, length, tex, lambda m, inner: f"{_tex_factor(sympy.sympify(m))} ({inner})")


def product_tex(factors: list[Value] | tuple[Value, ...], separator: str = " \\cdot ") -> str:
    """A product of strides in LaTeX, factor by factor, ones included (as in a derivation line)."""
    return separator.join(_tex_factor(sympy.sympify(f)) for f in factors)


def _negative(expr: sympy.Expr) -> bool:
    coefficient, _ = expr.as_coeff_Mul()
    return bool(coefficient.is_negative)


def _term_order(term: sympy.Expr) -> tuple[int, int]:
    if term.is_number:
        return (0, 0) if term.is_positive else (2, 0)
    _, rest = term.as_coeff_Mul()
    return (1, len(sympy.Mul.make_args(rest)))


def _tex(expr: sympy.Expr) -> str:
    if expr.is_Add and any(not term.as_coeff_Mul()[0].is_Integer for term in expr.args):
        pulled = sympy.factor_terms(expr)  # (k - 1)/2, not k/2 - 1/2
        if not pulled.is_Add:
            return _tex(pulled)
    if expr.is_Add:
        terms = sorted(expr.args, key=_term_order)
        out = _tex(terms[0])
        for term in terms[1:]:
            if _negative(term):
                out += " - " + _tex(-term)
            else:
                out += " + " + _tex(term)
        return out
    if expr.is_Rational:
        if expr.is_Integer:
            return str(expr)
        sign = "-" if expr < 0 else ""
        return f"{sign}\\frac{{{abs(expr.p)}}}{{{expr.q}}}"
    if expr.is_Mul:
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient.is_negative:
            return "-" + _tex(-expr)
        factors = sympy.Mul.make_args(rest)
        sums = [f for f in factors if f.is_Add]
        others = [f for f in factors if not f.is_Add]
        body = " ".join([f"({_tex(f)})" for f in sums] + [_tex_factor(f) for f in others])
        if coefficient == 1:
            return body
        if coefficient.is_Integer:
            return f"{coefficient} {body}"
        if len(factors) == 1 and factors[0].is_Add:
            body = _tex(factors[0])
        numerator = f"{coefficient.p} {body}" if coefficient.p != 1 else body
        return f"\\frac{{{numerator}}}{{{coefficient.q}}}"
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
        return f"{_tex_factor(expr.base)}^{{{expr.exp}}}"
    if isinstance(expr, sympy.floor):
        return f"\\left\\lfloor {_tex(expr.args[0])} \\right\\rfloor"
    if isinstance(expr, sympy.ceiling):
        return f"\\left\\lceil {_tex(expr.args[0])} \\right\\rceil"
    return sympy.latex(expr)


def _tex_factor(expr: sympy.Expr) -> str:
    """A factor of a product: sums and negative numbers in parentheses."""
    if expr.is_Add or (expr.is_number and expr.is_negative) or (expr.is_Rational and not expr.is_Integer):
        return f"({_tex(expr)})"
    return _tex(expr)
