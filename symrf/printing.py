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
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import cast

import sympy

from .errors import PRINTED_DIGITS, too_long_to_print
from .series import StridedSum
from .symbols import Value, factor_terms

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
            pulled = factor_terms(value)
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
    """An integer as a JSON integer, anything else as text sympy reads back; :class:`~symrf.errors.SymrfError` for
    an integer of more than :data:`~symrf.errors.PRINTED_DIGITS` digits (JSON writers refuse to write it)."""
    if isinstance(value, sympy.Integer):
        value = int(value)
    if type(value) is int:
        if value.bit_length() > _PRINTED_BITS and abs(value) >= _PRINTED_LIMIT:
            raise too_long_to_print()
        return value
    return text(value)


#: The smallest integer of more than PRINTED_DIGITS digits, and a few bits less than its length.
_PRINTED_LIMIT = 10**PRINTED_DIGITS
_PRINTED_BITS = _PRINTED_LIMIT.bit_length() - 2


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
    if form == "flat" and not analysis.is_numeric and hasattr(analysis, "rf_sum"):
        series = _series(analysis, quantity)
        if series is not None:
            return flat_tex(series, length)
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


def flat_tex(series: StridedSum, length: int) -> str:
    """The first ``length`` terms of ``series`` as a flat sum in the order of the layers: one term per run of
    layers that share a jump, its common factor pulled out (``\\frac{(k_{2} - 2 p_{2} - 1) s_{1}}{2}``).

    >>> from symrf.series import PrefixProducts
    >>> k, s = sympy.symbols("k s", positive=True)
    >>> flat_tex(StridedSum(1, (k - 1, k - 1), (s, 1), PrefixProducts((s, 1))), 2)
    'k + (k - 1) s'
    """
    if length == 0:
        return tex(series.offset)
    out = ""
    for _, jump, total in series.group_sums(length):
        if total == 0:
            continue
        term = _term_tex(total, jump)
        if not out:
            out = term
        elif term.startswith("-"):
            out += " - " + term[1:]
        else:
            out += " + " + term
    return out or "0"


def _term_tex(total: Value, jump: Value) -> str:
    """``total * jump`` with the rational content of ``total`` pulled out: ``4 (k - 1)``, ``\\frac{(k - 2 p) s}{2}``."""
    total, jump = sympy.sympify(total), sympy.sympify(jump)
    if jump == 1 and not (total.is_Add and any(not t.as_coeff_Mul()[0].is_Integer for t in total.args)):
        return tex(total)
    coefficient, rest = total.primitive() if total.is_Add else total.as_coeff_Mul()
    jump_coefficient, jump_rest = jump.as_coeff_Mul()
    coefficient = coefficient * jump_coefficient
    factors = [f for f in (*sympy.Mul.make_args(rest), *sympy.Mul.make_args(jump_rest)) if f != 1]
    if not factors:
        return tex(coefficient)
    sign = "-" if coefficient < 0 else ""
    coefficient = abs(coefficient)
    if coefficient == 1 and len(factors) == 1:
        return sign + (_tex_factor(factors[0]) if sign and factors[0].is_Add else tex(factors[0]))
    arguments = factors if coefficient == 1 else [coefficient, *factors]
    return sign + _tex(sympy.Mul(*arguments, evaluate=False))


def product_tex(factors: list[Value] | tuple[Value, ...], separator: str = " \\cdot ") -> str:
    """A product of strides in LaTeX, factor by factor, ones included (as in a derivation line)."""
    return separator.join(_tex_factor(sympy.sympify(f)) for f in factors)


def _negative(expr: sympy.Expr) -> bool:
    coefficient, _ = expr.as_coeff_Mul()
    return bool(coefficient.is_negative)


def _term_order(term: sympy.Expr) -> tuple[int, bool, int]:
    """Terms of a sum as written: a positive number first, then the symbolic terms (those added before those
    subtracted, fewer factors first), a subtracted number last."""
    if term.is_number:
        return (0, False, 0) if term.is_positive else (2, False, 0)
    coefficient, rest = term.as_coeff_Mul()
    return (1, bool(coefficient.is_negative), len(sympy.Mul.make_args(rest)))


def _tex(expr: sympy.Expr) -> str:
    if isinstance(expr, sympy.Piecewise):
        rows = []
        for expression, condition in expr.args:
            when = "\\text{otherwise}" if condition is sympy.true else f"\\text{{if }} {_condition_tex(condition)}"
            rows.append(f"{_tex(expression)} & {when}")
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"
    if expr.is_Add and any(not term.as_coeff_Mul()[0].is_Integer for term in expr.args):
        pulled = factor_terms(expr)  # (k - 1)/2, not k/2 - 1/2
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
            positive = -expr
            return "-" + (_tex_factor(positive) if positive.is_Add else _tex(positive))
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
        if all(f.as_base_exp()[0].is_Symbol or f.as_base_exp()[0].is_Integer for f in others):
            # powers of numbers first, then symbols in order: 2^{m} o, s_{1} s_{2} s_{10} (not s_{1} s_{10} s_{2})
            others.sort(key=lambda f: (0, ()) if f.as_base_exp()[0].is_Integer else
                        (1, _natural(f.as_base_exp()[0].name)))
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


def _condition_tex(condition: sympy.Basic) -> str:
    """A condition of a ``Piecewise`` as written in prose: ``s = 1 \\text{ and } t = 1``, not with ``\\wedge``."""
    if isinstance(condition, sympy.And):
        return " \\text{ and } ".join(_condition_tex(arg) for arg in condition.args)
    return _sympy_latex(condition)


def _natural(name: str) -> tuple:
    """A sort key that orders the numbers inside names by value: ``s_2`` before ``s_10``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part)


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


# -- how wide LaTeX is -------------------------------------------------------------------------------------------

#: Widths in points of the glyphs of Computer Modern at 10 pt: math italic letters, roman text letters, and the
#: widths that any other character or command takes (a conservative estimate, for line breaking).
_ITALIC = dict(zip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    5.29, 4.29, 4.33, 5.20, 4.66, 4.90, 4.77, 5.76, 3.45, 4.12, 5.21, 2.98, 8.78, 6.00, 4.85, 5.03, 4.46, 4.51, 4.69,
    3.61, 5.72, 4.85, 7.16, 5.72, 4.90, 4.65, 7.50, 7.59, 7.15, 8.28, 7.38, 6.43, 7.86, 8.31, 4.40, 5.55, 8.49, 6.81,
    9.70, 8.03, 7.63, 6.42, 7.91, 7.59, 6.13, 5.84, 6.83, 5.83, 9.44, 8.28, 5.81, 6.83)))
_ROMAN = dict(zip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    5.00, 5.56, 4.44, 5.56, 4.44, 3.06, 5.00, 5.56, 2.78, 3.06, 5.28, 2.78, 8.33, 5.56, 5.00, 5.56, 5.28, 3.92, 3.94,
    3.89, 5.56, 5.28, 7.22, 5.28, 5.28, 4.44, 7.50, 7.08, 7.22, 7.64, 6.81, 6.53, 7.85, 7.50, 3.61, 5.14, 7.78, 6.25,
    9.17, 7.50, 7.78, 6.81, 7.78, 7.36, 5.56, 7.22, 7.50, 7.50, 10.28, 7.50, 7.50, 6.11)))
_SIZE = {"D": 1.0, "T": 1.0, "S": 0.75, "SS": 0.6}
_SCRIPT = {"D": "S", "T": "S", "S": "SS", "SS": "SS"}
_FRACTION = {"D": "T", "T": "S", "S": "SS", "SS": "SS"}
_RELATIONS = frozenset({"geq", "ge", "leq", "le", "neq", "ne", "approx", "equiv", "to", "rightarrow", "mapsto", "in",
                        "sim", "coloneqq", "Rightarrow", "iff", "gets", "leftarrow"})
_BINARIES = {"cdot": 2.78, "times": 7.78, "pm": 7.78, "mp": 7.78, "setminus": 5.0, "cup": 6.67, "cap": 6.67}
_OPERATORS = {"log": 12.8, "ln": 8.3, "exp": 15.0, "max": 19.4, "min": 17.2, "lim": 13.9, "sin": 11.7,
              "cos": 13.3, "gcd": 15.0, "det": 14.4, "arg": 13.9, "deg": 13.3}
_LARGE = {"sum": (14.4, 10.6), "prod": (12.8, 9.4), "int": (8.3, 5.6)}  # (display, text)
_SPACES = {",": 1.67, ":": 2.22, ";": 2.78, "!": -1.67, " ": 3.33, "quad": 10.0, "qquad": 20.0, "enspace": 5.0}
_SYMBOLS = {"cdots": 13.4, "ldots": 13.4, "dots": 13.4, "lceil": 4.44, "rceil": 4.44, "lfloor": 4.44,
            "rfloor": 4.44, "langle": 3.89, "rangle": 3.89, "{": 5.0, "}": 5.0, "|": 5.0, "infty": 10.0,
            "prime": 2.75, "_": 5.0, "&": 7.78, "%": 8.33, "#": 8.33, "$": 5.0, "emptyset": 5.0,
            "textbackslash": 5.0, "Delta": 8.33, "Sigma": 7.22, "ell": 4.17, "partial": 5.69}
_TEXT_COMMANDS = frozenset({"text", "textrm", "textup", "mathrm", "operatorname", "mbox", "textit", "textbf",
                            "texttt", "mathtt"})
_ARGUMENT_COMMANDS = frozenset({"mathbf", "mathit", "boldsymbol", "mathcal", "mathbb", "overline", "underline",
                                "hat", "tilde", "bar", "vec", "widehat", "widetilde", "phantom", "mathsf"})
_IGNORED = frozenset({"limits", "nolimits", "hline", "left.", "right.", "displaystyle", "textstyle", "scriptstyle",
                      "allowbreak", "nonumber", "notag", "relax", "strut", "nobreak"})


def tex_width(text: str, style: str = "D") -> float:
    """About how wide the math ``text`` is when typeset, in points (Computer Modern, 10 pt), in display style
    (``D``) or text style (``T``): a slight overestimate, for breaking lines and choosing table layouts before TeX
    sees them. Text in ``\\text{...}`` counts in roman letters, ``\\frac`` as its wider part, ``cases`` as its
    widest rows.

    >>> round(tex_width("l_{1} &= 1 + (3 - 1) = 3"))
    86
    """
    if len(text) > _MEASURED_LENGTH:  # far wider than a line anyway: a cheap overestimate (markup counts too)
        return _WIDE_CHARACTER * len(text)
    return _measured(text, style)


#: Longest text measured glyph by glyph; longer texts (which never fit on a line) are estimated from their length.
_MEASURED_LENGTH = 600
#: Points per character of the estimate: wider than any glyph of the measured texts on average.
_WIDE_CHARACTER = 5.0


@lru_cache(maxsize=65536)
def _measured(text: str, style: str) -> float:
    return _Width(text).math(0, len(text), style)


class _Width:
    """A small reader of the LaTeX that symrf writes, measuring as it goes (see :func:`tex_width`)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    # reading

    def close_brace(self, start: int, end: int) -> int:
        """The index of the ``}`` matching the ``{`` at ``start`` (``end`` if it is missing)."""
        depth, text = 0, self.text
        for index in range(start, end):
            char = text[index]
            if char == "\\":
                continue
            if char == "{" and (index == 0 or text[index - 1] != "\\"):
                depth += 1
            elif char == "}" and text[index - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return index
        return end

    def command(self, start: int, end: int) -> tuple[str, int]:
        """The name of the command whose backslash is at ``start``, and the index after it."""
        index = start + 1
        if index >= end:
            return "", end
        if not self.text[index].isalpha():
            return self.text[index], index + 1
        while index < end and self.text[index].isalpha():
            index += 1
        return self.text[start + 1:index], index

    def argument(self, start: int, end: int) -> tuple[int, int, int]:
        """The span ``(first, last)`` of the argument at ``start`` (a group, a command or one character) and the
        index after it."""
        index = start
        while index < end and self.text[index] == " ":
            index += 1
        if index >= end:
            return end, end, end
        if self.text[index] == "{":
            close = self.close_brace(index, end)
            return index + 1, close, min(close + 1, end)
        if self.text[index] == "\\":
            _, after = self.command(index, end)
            return index, after, after
        return index, index + 1, index + 1

    def environment(self, name: str, start: int, end: int) -> tuple[int, int]:
        """The body of ``\\begin{name}`` (whose body starts at ``start``): ``(end of body, index after \\end)``."""
        depth, index = 1, start
        opening, closing = f"\\begin{{{name}}}", f"\\end{{{name}}}"
        while index < end:
            next_open = self.text.find(opening, index, end)
            next_close = self.text.find(closing, index, end)
            if next_close < 0:
                return end, end
            if 0 <= next_open < next_close:
                depth, index = depth + 1, next_open + len(opening)
                continue
            depth -= 1
            if depth == 0:
                return next_close, next_close + len(closing)
            index = next_close + len(closing)
        return end, end

    def cells(self, start: int, end: int) -> list[list[tuple[int, int]]]:
        """The rows (split at ``\\\\``) and cells (split at ``&``) of an environment's body, at its top level."""
        rows: list[list[tuple[int, int]]] = [[]]
        cell_start, index, depth, text = start, start, 0, self.text
        while index < end:
            char = text[index]
            if char == "\\":
                name, after = self.command(index, end)
                if name == "\\" and depth == 0:
                    rows[-1].append((cell_start, index))
                    rows.append([])
                    cell_start = after
                elif name == "begin":
                    first, last, after = self.argument(after, end)
                    _, after = self.environment(text[first:last], after, end)
                index = after
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char == "&" and depth == 0:
                rows[-1].append((cell_start, index))
                cell_start = index + 1
            index += 1
        rows[-1].append((cell_start, end))
        return [row for row in rows if any(self.text[a:b].strip() for a, b in row)]

    # measuring

    def text_width(self, start: int, end: int, size: float) -> float:
        """Roman text (``\\text{...}``), with ``$...$`` inside measured as math."""
        width, index, text = 0.0, start, self.text
        while index < end:
            char = text[index]
            if char == "$":
                close = text.find("$", index + 1, end)
                close = end if close < 0 else close
                width += self.math(index + 1, close, "T") * size
                index = close + 1
                continue
            if char == "\\":
                name, after = self.command(index, end)
                if name in ("{", "}", "_", "&", "%", "#", "$", "textbackslash", "^", "~"):
                    width += 5.0 * size
                elif name in _SPACES:
                    width += _SPACES[name] * size
                elif name in ("times", "cdot"):
                    width += 7.78 * size
                index = after
                continue
            if char in "{}":
                index += 1
                continue
            width += (_ROMAN.get(char) or (3.33 if char == " " else 5.0 if char.isdigit() else 5.5)) * size
            index += 1
        return width

    def math(self, start: int, end: int, style: str) -> float:  # noqa: C901 - one reader of many tokens
        """Math from ``start`` to ``end`` in ``style`` (D, T, S or SS)."""
        text, size = self.text, _SIZE[style]
        spaced = style in ("D", "T")
        width, index = 0.0, start
        previous = "none"  # the class of the previous atom: none, ord, bin, rel, open, punct, op
        scripts: list[float] = []  # the sub- and superscripts of the atom just read

        def atom(kind: str, glyph: float) -> None:
            nonlocal width, previous
            width += max(scripts, default=0.0)
            scripts.clear()
            if kind == "bin" and previous in ("none", "bin", "rel", "open", "punct", "op"):
                kind = "ord"  # a sign: no spaces around it
            if kind == "bin":
                width += glyph * size + (4.44 if spaced else 0.0)
            elif kind == "rel":
                width += glyph * size + (5.56 if spaced else 0.0)
            elif kind == "punct":
                width += glyph * size + (1.67 if spaced else 0.0)
            elif kind == "op":
                width += glyph + (1.67 if previous == "ord" else 0.0)
            else:
                width += glyph * size + (1.67 if previous == "op" and kind == "ord" else 0.0)
            previous = kind

        while index < end:
            char = text[index]
            if char in " \n\t&":
                index += 1
                continue
            if char in "_^":
                first, last, index = self.argument(index + 1, end)
                scripts.append(self.math(first, last, _SCRIPT[style]) + 0.5)
                continue
            if char == "{":
                close = self.close_brace(index, end)
                atom("ord", 0.0)
                width += self.math(index + 1, close, style)
                index = close + 1
                continue
            if char == "}":
                index += 1
                continue
            if char == "\\":
                name, after = self.command(index, end)
                index = after
                if name in _SPACES:
                    width += max(scripts, default=0.0) + _SPACES[name]
                    scripts.clear()
                elif name == "\\" or name in _IGNORED:
                    pass
                elif name in ("frac", "dfrac", "tfrac", "binom"):
                    inner = {"dfrac": "T", "tfrac": "S"}.get(name, _FRACTION[style])
                    first, last, index = self.argument(index, end)
                    top = self.math(first, last, inner)
                    first, last, index = self.argument(index, end)
                    bottom = self.math(first, last, inner)
                    atom("ord", 0.0)
                    width += max(top, bottom) + 2.4 + (7.8 if name == "binom" else 0.0)
                elif name in _TEXT_COMMANDS:
                    first, last, index = self.argument(index, end)
                    atom("ord", 0.0)
                    width += self.text_width(first, last, size) * (1.05 if name in ("texttt", "mathtt") else 1.0)
                elif name in _ARGUMENT_COMMANDS:
                    first, last, index = self.argument(index, end)
                    atom("ord", 0.0)
                    width += self.math(first, last, style) * (1.1 if name in ("mathbf", "boldsymbol") else 1.0)
                elif name == "sqrt":
                    first, last, index = self.argument(index, end)
                    atom("ord", 8.33)
                    width += self.math(first, last, style)
                elif name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "middle"):
                    first, last, index = self.argument(index, end)
                    delimiter = text[first:last]
                    glyph = 1.2 if delimiter == "." else 6.0
                    atom("open" if name in ("left", "bigl", "Bigl") else "close" if name != "middle" else "ord",
                         glyph / size)
                elif name == "begin":
                    first, last, index = self.argument(index, end)
                    environment = text[first:last]
                    body_end, index = self.environment(environment, index, end)
                    body_start = last + 1
                    if environment in ("array", "tabular"):  # skip the column specification
                        body_start = self.argument(body_start, body_end)[2]
                    atom("ord", 0.0)
                    width += self.environment_width(environment, body_start, body_end, style)
                elif name in _BINARIES:
                    atom("bin", _BINARIES[name])
                elif name in _RELATIONS:
                    atom("rel", 7.78)
                elif name in _OPERATORS:
                    atom("op", _OPERATORS[name] * size)
                elif name in _LARGE:
                    display, inline = _LARGE[name]
                    below: list[float] = []
                    while True:  # its limits: under and over it in display style, beside it otherwise
                        look = index
                        while look < end and text[look] == " ":
                            look += 1
                        if look < end and text[look] in "_^":
                            first, last, index = self.argument(look + 1, end)
                            below.append(self.math(first, last, _SCRIPT[style]))
                            continue
                        if text.startswith("\\limits", look) or text.startswith("\\nolimits", look):
                            index = look + len("\\limits" if text.startswith("\\limits", look) else "\\nolimits")
                            continue
                        break
                    if style == "D":
                        atom("op", max([display, *below]))
                    else:
                        atom("op", inline * size + max(below, default=0.0))
                elif name in _SYMBOLS:
                    glyph = _SYMBOLS[name]
                    atom("open" if name in ("lceil", "lfloor", "langle") else
                         "close" if name in ("rceil", "rfloor", "rangle") else "ord", glyph)
                elif name.isalpha() and name.lower() in ("alpha", "beta", "gamma", "delta", "epsilon", "lambda",
                                                         "mu", "nu", "pi", "rho", "sigma", "tau", "phi", "omega",
                                                         "theta", "kappa", "eta", "xi", "chi", "psi", "zeta"):
                    atom("ord", 5.8 if name.islower() else 7.5)
                else:
                    atom("ord", 7.0)
                continue
            index += 1
            if char in "+-*":
                atom("bin", 7.78 if char != "*" else 5.0)
            elif char in "=<>:":
                atom("rel", 7.78 if char != ":" else 2.78)
            elif char in ",;":
                atom("punct", 2.78)
            elif char in "([":
                atom("open", 3.89)
            elif char in ")]":
                atom("close", 3.89)
            elif char == "'":
                scripts.append(2.75 * size)
            elif char.isdigit():
                atom("ord", 5.0)
            elif char in _ITALIC:
                atom("ord", _ITALIC[char])
            elif char in "|/.!?~":
                atom("ord", {"|": 2.78, "/": 5.0, ".": 2.78, "!": 2.78, "?": 4.72, "~": 3.33}[char])
            else:
                atom("ord", 6.0)
        return width + max(scripts, default=0.0)

    def environment_width(self, name: str, start: int, end: int, style: str) -> float:
        """The width of an environment's body: its columns side by side, each as wide as its widest cell."""
        inner = "T" if name in ("cases", "matrix", "pmatrix", "bmatrix", "smallmatrix", "array") else style
        columns: list[float] = []
        for row in self.cells(start, end):
            for column, (first, last) in enumerate(row):
                measured = self.math(first, last, inner)
                if column < len(columns):
                    columns[column] = max(columns[column], measured)
                else:
                    columns.append(measured)
        if name == "cases":
            return 8.9 + sum(columns) + 10.0 * (len(columns) - 1)
        if name in ("aligned", "alignedat", "align", "align*", "gathered", "split"):
            return sum(columns) + 20.0 * ((len(columns) - 1) // 2)
        return sum(columns) + 10.0 * (len(columns) - 1) + (10.0 if "matrix" in name else 0.0)
