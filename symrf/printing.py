"""Text and LaTeX forms of symrf's values, kept apart from the model.

Two forms for symbolic sums: *flat* (a sum of products, as in papers: ``k_1 + (k_2 - 1) s_1``) and *nested*
(Horner: ``k_1 + s_1 (k_2 - 1 + s_2 (k_3 - 1))``), which stays linear in the number of layers. Text output is
always an expression that ``sympy.parse_expr(text, local_dict=...)`` reads back exactly, the local names being the
symbols of :func:`symbols_json` (so that a symbol named ``E``, ``N`` or ``gamma`` is not read as sympy's
constant or function, and names printed formulas use are refused: :data:`~symrf.symbols.RESERVED_NAMES`). LaTeX
output is written for papers and never recurses deeper than the expression's own nesting of small pieces, so
chains of thousands of layers print.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import cast

import sympy

from .series import StridedSum
from .symbols import Value

# -- text (sympy can read it back) ------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def text(value: Value) -> str:
    """A value as text sympy reads back: ``str`` of the int or the expression, with a common rational factor
    pulled out of a sum (``(k - 1)/2``, not ``k/2 - 1/2``).

    >>> text(sympy.Rational(29, 2)), text(sympy.Symbol("k") / 2 - sympy.Rational(1, 2))
    ('29/2', '(k - 1)/2')
    """
    if isinstance(value, sympy.Expr) and value.is_Add:
        parts = [term.as_coeff_Mul() for term in value.args]
        coefficients = [c for c, _ in parts]
        flat = all(not factor.is_Add for _, rest in parts for factor in sympy.Mul.make_args(rest))
        if flat and all(c.is_Rational for c in coefficients) and not all(c.is_Integer for c in coefficients):
            # the common factor gcd(numerators)/lcm(denominators), pulled out without sympy's slower factor_terms
            common = sympy.Rational(math.gcd(*(int(c.p) for c in coefficients)),
                                    math.lcm(*(int(c.q) for c in coefficients)))
            if common != 1:
                inner = sympy.Add(*(term / common for term in value.args))
                return str(sympy.Mul(common, inner, evaluate=False))
        elif not all(c.is_Integer for c in coefficients):
            pulled = sympy.factor_terms(value)
            if not pulled.is_Add:
                return str(pulled)
    return str(value)


def spec_text(value: Value) -> str:
    """A value in the spec language (Python syntax): like :func:`text`, with ``floor(a/b)`` written ``(a)//b``.

    >>> spec_text(sympy.floor((sympy.Symbol("k") - 1) / 2))
    '(k - 1)//2'
    """
    if type(value) is int or not cast(sympy.Expr, value).has(sympy.floor):
        return text(value)
    return str(cast(sympy.Expr, value).replace(sympy.floor, _FloorDiv))


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


def symbols_json(symbols: Iterable[sympy.Symbol]) -> list[dict[str, object]]:
    """The symbols of printed values with their assumptions, sorted by name: what reading the values back needs.

    Each entry holds exactly the assumptions symrf gives the symbol, so that ``sympy.Symbol(**entry)`` is that
    symbol: ``{"name": "k", "integer": true, "positive": true}``, or ``"nonnegative": true`` instead of
    ``"positive"`` for a symbol used only as a padding (``positive: false`` would tell sympy it is zero). A name
    with several symbols counts as positive, as :func:`~symrf.symbols.unify` decides.

    >>> symbols_json([sympy.Symbol("p", integer=True, nonnegative=True), sympy.Symbol("k", integer=True,
    ...                                                                                 positive=True)])
    [{'name': 'k', 'integer': True, 'positive': True}, {'name': 'p', 'integer': True, 'nonnegative': True}]
    """
    by_name: dict[str, list[sympy.Symbol]] = {}
    for sym in symbols:
        by_name.setdefault(sym.name, []).append(sym)
    found = []
    for name in sorted(by_name):
        variants = by_name[name]
        entry: dict[str, object] = {"name": name}
        if all(v.is_integer for v in variants):
            entry["integer"] = True
        if any(v.is_positive for v in variants):
            entry["positive"] = True
        elif all(v.is_nonnegative for v in variants):
            entry["nonnegative"] = True
        found.append(entry)
    return found


def _wrap_text(piece: str, value: Value) -> str:
    return f"({piece})" if isinstance(value, sympy.Expr) and (value.is_Add or _negative(value)) else piece


def nested_text(series: StridedSum, length: int) -> str:
    """The first ``length`` terms of ``series`` in nested form, as text sympy reads back."""
    return _nested(series, length, text, _text_opener)


def _text_opener(multiplier: Value) -> str:
    return f"{_wrap_text(text(multiplier), multiplier)}*("


def _tex_opener(multiplier: Value) -> str:
    return f"{_tex_factor(sympy.sympify(multiplier))} ("


def product_text(factors: list[Value] | tuple[Value, ...]) -> str:
    """A product of strides written factor by factor (linear in their number)."""
    kept = [f for f in factors if f != 1]
    if not kept:
        return "1"
    return "*".join(_wrap_text(text(f), f) for f in kept)


def _nested(series: StridedSum, length: int, show, opener) -> str:
    """Nested form of the first ``length`` terms: ``G_0 + m_1*(G_1 + m_2*(G_2))``, linear in its length.

    ``show`` prints a small value, ``opener`` a multiplier with its opening parenthesis. The text before each
    group is built once per group and reused by every prefix, so printing all prefixes costs O(L^2) characters.
    """
    if length == 0:
        return show(series.offset)
    memo = series.printed.setdefault((show, opener), {"prefixes": [("", 0)], "results": {}})
    results = memo["results"]
    if length in results:
        return results[length]
    group_index = series.group_of(length)
    prefixes = memo["prefixes"]
    while len(prefixes) <= group_index:  # the text of groups 0..g-1, ending in the opening of group g
        g = len(prefixes) - 1
        text_before, depth = prefixes[g]
        total = series.groups[g].partial_sums[-1]
        kept = f"{text_before}{show(total)} + " if total != 0 else text_before
        prefixes.append((kept + opener(series.groups[g + 1].multiplier), depth + 1))
    end = length
    while True:  # a prefix ending in zero terms has the value of the prefix before its group
        group = series.groups[series.group_of(end)]
        partial = group.partial_sums[end - group.first - 1]
        if partial != 0 or group.first == 0:
            break
        end = group.first
    text_before, depth = prefixes[series.group_of(end)]
    result = f"{text_before}{show(partial)}{')' * depth}"
    results[length] = result
    return result


# -- values of an analysis -----------------------------------------------------------------------------------


def _series(analysis, quantity: str):
    return {
        "rf": analysis.rf_sum,
        "effective_padding": analysis.padding_sum,
        "start": analysis.start_sum,
        "center": analysis.center_sum,
    }.get(quantity)


#: Most terms that per-row values may print in nested form: a symbolic chain of L layers writes about L^2/2 terms
#: per quantity (row i has i of them). Above it, rows show the layers without their values, and derivations use
#: sum and product notation; the totals stay exact (their nested form is linear).
MAX_PRINTED_TERMS = 4_000_000


def rows_fit(length: int, weight: int, form: str) -> bool:
    """Whether the rows of a chain of ``length`` rows, each writing ``weight`` values of its prefix (row ``i``: about
    ``weight * i`` terms) in ``form``, stay within :data:`MAX_PRINTED_TERMS` (flat forms are used only for small
    values, so they always fit).

    >>> rows_fit(1000, 5, "nested"), rows_fit(2000, 5, "nested"), rows_fit(3000, 5, "flat")
    (True, False, True)
    """
    return form != "nested" or length * (length + 1) // 2 * weight <= MAX_PRINTED_TERMS


#: Quantity name of the centre measured from pixel edges ("start = 0.5" convention): centre + 1/2.
CENTER_EDGE = "center_edge"


def value_json(analysis, quantity: str, length: int, form: str) -> int | str:
    """The value of ``quantity`` after ``length`` layers, as a JSON integer or text sympy reads back."""
    if quantity == CENTER_EDGE:
        if form == "nested" and not analysis.is_numeric:
            return f"{value_json(analysis, 'center', length, form)} + 1/2"
        return json_value(analysis.center_at(length) + sympy.Rational(1, 2))
    if form == "nested" and not analysis.is_numeric:
        written = None
        if quantity == "jump":
            written = product_text([layer.stride for layer in analysis.layers[:length]])
        elif (series := _series(analysis, quantity)) is not None:
            written = nested_text(series, length)
        if written is not None:
            return int(written) if written.lstrip("-").isdigit() else written
    return json_value(getattr(analysis, f"{quantity}_at")(length))


def value_tex(analysis, quantity: str, length: int, form: str) -> str:
    """The value of ``quantity`` after ``length`` layers in LaTeX."""
    if quantity == CENTER_EDGE:
        if form == "nested" and not analysis.is_numeric:
            return f"{value_tex(analysis, 'center', length, form)} + \\frac{{1}}{{2}}"
        return tex(analysis.center_at(length) + sympy.Rational(1, 2))
    if form == "nested" and not analysis.is_numeric:
        if quantity == "jump":
            return product_tex([layer.stride for layer in analysis.layers[:length]] or [1], " ")
        series = _series(analysis, quantity)
        if series is not None:
            return nested_tex(series, length)
    return tex(getattr(analysis, f"{quantity}_at")(length))


# -- LaTeX ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
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


def tex_factor(value: Value) -> str:
    """A value as a factor of a product, in parentheses unless it is a symbol, a natural number or a power.

    >>> tex_factor(sympy.Symbol("k") - 1), tex_factor(3)
    ('(k - 1)', '3')
    """
    if type(value) is int:
        return str(value) if value >= 0 else f"({value})"
    return _tex_factor(sympy.sympify(value))


def tex_base(value: Value) -> str:
    """A value as the base of a power: like :func:`tex_factor`, with powers in parentheses too."""
    if isinstance(value, sympy.Expr) and value.is_Pow:
        return f"\\left({tex(value)}\\right)"
    return tex_factor(value)


def nested_tex(series: StridedSum, length: int) -> str:
    """The first ``length`` terms of ``series`` in nested (Horner) form, in LaTeX."""
    return _nested(series, length, tex, _tex_opener)


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
    if isinstance(expr, sympy.Piecewise):
        rows = []
        for expression, condition in expr.args:
            when = "\\text{otherwise}" if condition is sympy.true else f"\\text{{if }} {_sympy_latex(condition)}"
            rows.append(f"{_tex(expression)} & {when}")
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"
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
        numerator, denominator = sympy.fraction(expr, exact=True)
        if denominator != 1:
            if numerator.is_Mul and numerator.as_coeff_Mul()[0] == 1:
                factors = sympy.Mul.make_args(numerator)
                if len(factors) == 1 and factors[0].is_Add:
                    return f"\\frac{{{_tex(factors[0])}}}{{{_tex(denominator)}}}"
            return f"\\frac{{{_tex(numerator)}}}{{{_tex(denominator)}}}"
        factors = sympy.Mul.make_args(rest)
        sums = [f for f in factors if f.is_Add]
        others = [f for f in factors if not f.is_Add]
        body = " ".join([_tex_factor(f) for f in sums] + [_tex_factor(f) for f in others])
        if coefficient == 1:
            return body
        return f"{coefficient} \\cdot {body}" if body[0].isdigit() else f"{coefficient} {body}"
    if expr.is_Pow:
        base, exponent = expr.args
        if exponent.is_number and exponent.is_negative:
            return f"\\frac{{1}}{{{_tex(base ** -exponent)}}}"
        shown = f"\\left({_tex(base)}\\right)" if base.is_Pow else _tex_factor(base)
        return f"{shown}^{{{_tex(exponent)}}}"
    if isinstance(expr, sympy.floor):
        return f"\\left\\lfloor {_tex(expr.args[0])} \\right\\rfloor"
    if isinstance(expr, sympy.ceiling):
        return f"\\left\\lceil {_tex(expr.args[0])} \\right\\rceil"
    if isinstance(expr, sympy.log):
        argument = expr.args[0]
        return f"\\log{' ' + _tex(argument) if argument.is_Symbol else _tex_factor(argument)}"
    return _sympy_latex(expr)


@lru_cache(maxsize=65536)
def _sympy_latex(expr: sympy.Expr) -> str:
    return sympy.latex(expr)


@lru_cache(maxsize=65536)
def _tex_factor(expr: sympy.Expr) -> str:
    """A factor of a product or the base of a power: in parentheses unless it is a symbol, a natural number, a
    power with a positive exponent or a floor/ceiling."""
    shown = _tex(expr)
    if expr.is_Symbol or (expr.is_Integer and expr >= 0) or isinstance(expr, (sympy.floor, sympy.ceiling)):
        return shown
    if expr.is_Pow and expr.exp.is_positive:
        return shown
    if "\\frac" in shown or "\\begin" in shown:
        return f"\\left({shown}\\right)"
    return f"({shown})"
