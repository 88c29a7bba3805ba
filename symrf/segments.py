"""The algebra of segments: what a run of layers does to the field of one feature, composed and repeated.

A segment of a network (a layer, a block, a whole network) acts on the field of one output feature as an affine map
of input-pixel intervals: feature ``x`` of its output sees ``[x*J - P, x*J - P + R]`` of its input. So a segment is
summarised by four numbers (a :class:`Summary`):

- the span ``R = rf - 1`` (distance from the first to the last pixel seen),
- the jump ``J`` (effective stride),
- the effective padding ``P`` (how far feature 0 reaches before pixel 0; ``start = -P``),
- the centre ``C = R/2 - P`` of feature 0's field.

A single layer with effective kernel ``k' = d(k - 1) + 1``, stride ``s`` and padding ``p`` is
``R = k' - 1, J = s, P = p, C = (k' - 1)/2 - p``. Segment ``A`` followed by segment ``B`` is::

    R = R_A + J_A R_B,   J = J_A J_B,   P = P_A + J_A P_B,   C = C_A + J_A C_B

(substitute the interval of ``B``'s feature into ``A``'s map); this is the step rule of :mod:`symrf.recurrence`
(``l' = l + (k' - 1) J``, ``P' = P + p J``, ``J' = J s``) applied to whole segments. Folding it over a chain gives
the textbook sums ``r = 1 + sum_l (k'_l - 1) prod_{i<l} s_i`` (Araujo, Norris & Sim, Distill 2019). Repeating ``B``
``n`` times applies the rule ``n - 1`` times, so each additive quantity ``X`` in ``{R, P, C}`` becomes a geometric
series::

    X = X_B (1 + J_B + ... + J_B^(n-1)) = X_B (J_B^n - 1)/(J_B - 1)   (J_B != 1),   n X_B   (J_B = 1),
    J = J_B^n.

The two branches are built directly (not through ``summation`` or ``rsolve``): when ``J_B`` is the integer 1 (or
decidably 1) the linear branch is chosen, when it is decidably not 1 the geometric one, and otherwise the result is
``Piecewise((n X_B, J_B = 1), (X_B (J_B^n - 1)/(J_B - 1), True))``, with ``J_B = 1`` written as "every stride in
``J_B`` is 1" and those strides set to 1 inside that branch; no branch ever divides by zero. An integer count is
repeated exactly with integer arithmetic.

The graph engine, the closed forms, solving and the input-size questions all use this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import sympy
from sympy.core.mul import _keep_coeff

from . import recurrence as rec
from .errors import SymrfError, quoted
from .layers import Layer
from .network import Network, Repeat
from .symbols import Value, huge_power

__all__ = ["MAX_EXACT_BITS", "Summary", "cheap_algebra", "expand_if_small", "expanded_if_small", "geometric_sum",
           "is_one", "summarize", "tidy", "unit_condition"]

#: Most bits of an exact intermediate value (a power ``J**n``); beyond it evaluation refuses instead of hanging.
MAX_EXACT_BITS = 20_000_000

_HALF = sympy.Rational(1, 2)


def _normal(value: Value) -> Value:
    """Sympy integers as ``int``; other values unchanged."""
    if isinstance(value, sympy.Expr) and value.is_Integer:
        return int(value)
    return value


def is_one(value: Value) -> bool | None:
    """Whether ``value`` equals 1: ``True``, ``False``, or ``None`` when sympy cannot decide.

    >>> from symrf.closed_forms import is_one
    >>> is_one(1), is_one(2 * symbol("s")), is_one(symbol("s"))
    (True, False, None)
    """
    if type(value) is int:
        return value == 1
    value = cast(sympy.Expr, value)  # not an int
    # A jump is a product of powers of strides. Read it factor by factor first: when every exponent is positive and
    # every base a positive integer, it is 1 exactly when every base is 1, so it is not 1 as soon as one base is
    # decidably not 1 (2, or 2*k + 1). Bases are small, so this never expands a power such as (2*k - 1)**300 (and
    # sympy's assumptions take ~0.1 s on 50 factors).
    factors = [factor.as_base_exp() for factor in sympy.Mul.make_args(value)]
    if all(exponent.is_positive and base.is_integer and base.is_positive for base, exponent in factors):
        decided: bool | None = True
        for base, _ in factors:
            base_is_one = None if base.is_Symbol else (base - 1).is_zero
            if base_is_one is False:
                return False
            if base_is_one is None:
                decided = None
        return decided
    if any(_high_degree(exponent) for _, exponent in factors):
        return None  # sympy would expand the power to decide: the caller keeps both branches instead
    return (value - 1).is_zero  # as sympy.Eq decides


def unit_condition(jump: sympy.Expr) -> tuple[sympy.Basic, dict[sympy.Symbol, sympy.Integer]]:
    """The condition ``J = 1`` for a symbolic jump, and the symbols it fixes to 1.

    A jump is a product of strides and of powers of strides with positive counts, all positive integers, so it is 1
    exactly when each base is 1: ``s_1 s_2 = 1`` is ``s_1 = 1 and s_2 = 1``, and ``(s^n)^m = 1`` is ``s = 1``.

    >>> from symrf.closed_forms import unit_condition
    >>> unit_condition(symbol("s") ** symbol("n"))
    (Eq(s, 1), {s: 1})
    >>> unit_condition(symbol("s_1") * symbol("s_2"))[0]
    Eq(s_1, 1) & Eq(s_2, 1)
    """
    bases = []
    for factor in sympy.Mul.make_args(jump):
        while factor.is_Pow and factor.exp.is_positive:
            factor = factor.base
        bases.append(factor)
    equalities = [sympy.Eq(base, 1, evaluate=not base.is_Symbol) for base in dict.fromkeys(bases)]
    condition = equalities[0] if len(equalities) == 1 else sympy.And(*equalities, evaluate=False)
    return condition, {base: sympy.Integer(1) for base in bases if base.is_Symbol}


def geometric_sum(ratio: Value, count: Value) -> Value:
    """``1 + J + ... + J^(n-1)``: ``n`` when ``J = 1``, else ``(J^n - 1)/(J - 1)``; a ``Piecewise`` if undecided.

    Integers give exact integers.

    >>> geometric_sum(2, 5), geometric_sum(1, 5)
    (31, 5)
    >>> geometric_sum(symbol("s"), symbol("n"))
    Piecewise((n, Eq(s, 1)), ((s**n - 1)/(s - 1), True))
    """
    if type(ratio) is int and type(count) is int:
        return count if ratio == 1 else (_power(ratio, count) - 1) // (ratio - 1)
    return _two_branches(ratio, count, 1)


def _two_branches(ratio: Value, count: Value, value: Value) -> Value:
    """``value * (1 + J + ... + J^(n-1))``, the branch chosen directly when ``J = 1`` is decided, else a
    ``Piecewise`` whose branch ``J = 1`` has the strides that make up ``J`` set to 1, and whose other branch knows
    that inner conditions ``J = 1`` are false."""
    if value == 0:
        return 0
    one = is_one(ratio)
    if one:
        return _normal(count * value)
    if one is False:
        return _normal(value * (_raised(ratio, count) - 1) / (ratio - 1))
    condition, at_one = unit_condition(ratio)
    expr = _expr(value)
    otherwise = expr.xreplace({condition: sympy.false})
    # a zero factor is kept out of the product: sympy would ask whether the power is finite, which for a power such
    # as (2*k - 1)**1000 - 1 looks for its real roots
    return sympy.Piecewise(
        (count * expr.xreplace(at_one), condition),
        (otherwise * (_raised(ratio, count) - 1) / (ratio - 1) if otherwise != 0 else sympy.Integer(0), sympy.true),
        evaluate=False,  # the branches are already exclusive and simplified: skip sympy's costly collapsing
    )


def _brief(number: int) -> str:
    """An integer for a message: its digits when short, else ``(an integer of about N digits)``."""
    return str(number) if number.bit_length() <= 128 else f"({quoted(number)})"


def _power(base: int, exponent: int) -> int:
    """``base**exponent`` for Python ints, refusing results too large to hold."""
    if exponent > 0 and abs(base) > 1 and exponent * (abs(base).bit_length() - 1) > MAX_EXACT_BITS:
        raise SymrfError(f"{_brief(base)}**{_brief(exponent)} is too large to evaluate exactly (more than "
                         f"{MAX_EXACT_BITS:,} bits); use fewer repetitions or smaller strides")
    return base**exponent


def _raised(ratio: Value, count: Value) -> Value:
    """``ratio**count`` for a symbolic ratio or count, refusing (as :func:`_power` does) an integer count that would
    raise a numeric factor of the ratio to more than :data:`MAX_EXACT_BITS` bits: sympy evaluates ``(2*d)**n`` as
    ``2**n * d**n``."""
    if type(count) is int and isinstance(ratio, sympy.Expr):
        coefficient = ratio.as_coeff_Mul()[0]
        if coefficient.is_Rational:
            _power(max(abs(int(coefficient.p)), int(coefficient.q)), count)  # refuses when too large
    return ratio**count


@dataclass(frozen=True, slots=True)
class Summary:
    """What a segment does to the field of one feature: ``x -> [x*J - P, x*J - P + R]`` in its input's pixels.

    ``span`` is ``R = rf - 1``, ``jump`` is ``J``, ``effective_padding`` is ``P`` and ``center`` is
    ``C = R/2 - P``. Segments compose with :meth:`then` and repeat with :meth:`repeated`.

    >>> a = Summary.of_layer(conv(3, 2, p=1))
    >>> a
    Summary(span=2, jump=2, effective_padding=1, center=0)
    >>> a.then(a)
    Summary(span=6, jump=4, effective_padding=3, center=0)
    """

    span: Value
    jump: Value
    effective_padding: Value
    center: Value

    @classmethod
    def identity(cls) -> Summary:
        """The empty segment: it sees exactly its own pixel."""
        return cls(0, 1, 0, 0)

    @classmethod
    def of_layer(cls, layer: Layer) -> Summary:
        """One layer: ``R = k' - 1, J = s, P = p, C = (k' - 1)/2 - p`` with ``k' = d(k - 1) + 1``."""
        kernel = rec.effective_kernel(layer.kernel, layer.dilation)
        return cls(kernel - 1, layer.stride, layer.padding, rec.center(kernel, layer.padding))

    def then(self, other: Summary) -> Summary:
        """This segment followed by ``other``.

        ``R = R_A + J_A R_B, J = J_A J_B, P = P_A + J_A P_B, C = C_A + J_A C_B``.
        """
        jump = self.jump
        return Summary(
            _normal(self.span + jump * other.span),
            _normal(jump * other.jump),
            _normal(self.effective_padding + jump * other.effective_padding),
            _normal(self.center + jump * other.center),
        )

    def repeated(self, count: Value) -> Summary:
        """``count`` copies in sequence: ``X = X_B (J_B^n - 1)/(J_B - 1)`` (``n X_B`` when ``J_B = 1``), ``J = J_B^n``.

        >>> Summary.of_layer(conv(3, 2)).repeated(3)
        Summary(span=14, jump=8, effective_padding=0, center=7)
        >>> Summary.of_layer(conv("k", "s")).repeated(symbol("n")).span
        Piecewise((n*(k - 1), Eq(s, 1)), ((k - 1)*(s**n - 1)/(s - 1), True))
        """
        if type(count) is int and count < 0:
            raise SymrfError(f"a block cannot be repeated a negative number of times ({count})")
        if count == 1:
            return self
        ratio = self.jump
        fields = (self.span, self.effective_padding, self.center)
        if type(ratio) is int and type(count) is int:
            factor = geometric_sum(ratio, count)
            span, padding, center = (_normal(value * factor) for value in fields)
            return Summary(span, _power(ratio, count), padding, center)
        span, padding, center = (_two_branches(ratio, count, value) for value in fields)
        return Summary(span, _normal(_raised(ratio, count)), padding, center)


def _expr(value: Value) -> sympy.Expr:
    return sympy.Integer(value) if type(value) is int else sympy.sympify(value)


def _chain_summary(layers: Sequence[Layer]) -> Summary:
    """A run of plain layers, folded with :meth:`Summary.then`.

    Symbolic runs group the layers that share one jump and build each sum once (as :mod:`symrf.series` does), so
    that long symbolic chains cost O(L^2) factors rather than O(L^3) sympy operations.
    """
    if all(layer.is_numeric for layer in layers):
        summary = Summary.identity()
        for layer in layers:
            summary = summary.then(Summary.of_layer(layer))
        return summary
    spans: list[sympy.Expr] = []
    paddings: list[sympy.Expr] = []
    centers: list[sympy.Expr] = []
    group: tuple[list, list, list] = ([], [], [])
    jump: Value = 1

    def flush() -> None:
        for total, terms in zip((spans, paddings, centers), group):
            if terms:
                total.append(sympy.Add(*terms) * jump)
            terms.clear()

    for layer in layers:
        kernel = rec.effective_kernel(layer.kernel, layer.dilation)
        group[0].append(kernel - 1)
        group[1].append(layer.padding)
        group[2].append((kernel - 1) * _HALF - layer.padding)
        if layer.stride != 1:
            flush()
            jump = jump * layer.stride
    flush()
    span, padding, center = (_normal(sympy.Add(*terms)) for terms in (spans, paddings, centers))
    return Summary(span, _normal(jump), padding, center)


@lru_cache(maxsize=512)
def summarize(network: Network) -> Summary:
    """The :class:`Summary` of a network: runs of layers folded, repeated blocks as geometric series.

    >>> summarize(parse("n * [conv(3)]"))
    Summary(span=2*n, jump=1, effective_padding=0, center=n)
    >>> summarize(parse("m * [n * [conv(3)], pool(2)]")).span
    (2**m - 1)*(2*n + 1)
    """
    summary = Summary.identity()
    run: list[Layer] = []
    for item in network.items:
        if type(item) is Layer and item.is_plain:
            run.append(item)
            continue
        if type(item) is not Repeat:
            raise SymrfError(
                f"closed forms cover chains of conv and pool layers with explicit padding, and blocks of them "
                f"repeated; {item!r} is not one (symrf.analyze handles it)"
            )
        if run:
            summary = summary.then(_chain_summary(run))
            run = []
        summary = summary.then(summarize(item.body).repeated(item.count))
    if run:
        summary = summary.then(_chain_summary(run))
    return summary


# -- values as printed ------------------------------------------------------------------------------------------


def tidy(value: Value) -> Value:
    """A quantity as printed, written as an author would write it and always equal to ``value``: a ``Piecewise``
    pulled to the top (each branch a whole formula, with the symbols its condition fixes substituted; branches that
    agree stated once), each formula in its shortest form among a few exact rewritings (common factors pulled out,
    quotients cancelled, the non-constant part factored), integers as ``int``.

    >>> tidy(12 * 4 ** (symbol("m") * symbol("n")) + 5 * (1 - 4 ** symbol("m")) * (4 ** (symbol("m") * symbol("n"))
    ...      - 1) / (4 ** symbol("m") - 1) + 4)
    7*4**(m*n) + 9
    >>> tidy(1 - 2 * symbol("n") + 2 * symbol("k") * symbol("n"))
    2*n*(k - 1) + 1
    """
    if type(value) is int:
        return value
    if cast(sympy.Expr, value).has(sympy.Piecewise):
        value = _lift(value)
    if isinstance(value, sympy.Piecewise):
        branches = [(_simplest(expr), cond) for expr, cond in value.args]
        if all(expr == branches[0][0] for expr, _ in branches):
            value = branches[0][0]  # the same formula in every branch: stated once
        else:
            value = sympy.Piecewise(*branches, evaluate=False)
    else:
        value = _simplest(value)
    return _normal(value)


#: Largest expression (in nodes) that :func:`tidy` rewrites; beyond it rewriting costs more than it helps reading.
_FACTOR_LIMIT = 120


def _size(expr: sympy.Basic, limit: int) -> int:
    """The number of nodes of ``expr``, counted up to ``limit + 1``."""
    count = 0
    for count, _ in enumerate(sympy.preorder_traversal(expr), start=1):
        if count > limit:
            break
    return count


def _cost(expr: sympy.Basic) -> tuple[int, int, int, int, int]:
    """How long a formula reads: how many times it names a symbol (``2*n*(k - 1)`` names two, ``2*k*n - 2*n``
    three), how many fractions it adds (``(k - 1)/2``, not ``k/2 - 1/2``), its number of operations, of terms and
    of nodes."""
    names = fractions = operations = nodes = 0
    for node in sympy.preorder_traversal(expr):
        nodes += 1
        if node.is_Symbol:
            names += 1
        elif node.is_Add:
            operations += len(node.args) - 1
            fractions += sum(1 for term in node.args if not term.as_coeff_Mul()[0].is_Integer)
        elif node.is_Mul:
            operations += len(node.args) - 1
        elif node.is_Pow:
            operations += 1
    return names, fractions, operations, len(sympy.Add.make_args(expr)), nodes


def _contents(expr: sympy.Basic) -> sympy.Basic:
    """``expr`` with the rational content of every sum pulled out: ``(k - 2*p - 1)/2``, not ``k/2 - p - 1/2``."""
    if expr.is_Atom or not isinstance(expr, sympy.Expr):
        return expr
    args = [_contents(arg) for arg in expr.args]
    if expr.is_Add:
        rebuilt = sympy.Add(*args)
        if rebuilt.is_Add and not any(power.exp.is_negative and not power.base.is_number
                                      for power in rebuilt.atoms(sympy.Pow)):  # no fraction inside a fraction
            content, primitive = rebuilt.primitive()
            if content != 1:
                return _keep_coeff(content, primitive)
        return rebuilt
    return expr.func(*args)


@lru_cache(maxsize=4096)
def _simplest(expr: sympy.Basic) -> sympy.Basic:
    """The shortest of a few exact rewritings of ``expr`` (a formula without ``Piecewise``): its common numeric
    factors pulled out (``(k - 1)/2``, not ``k/2 - 1/2``), its quotients cancelled (``7*4**(m*n) + 9``), its
    non-constant part factored (``2*n*(k - 1) + 1``, not ``2*k*n - 2*n + 1``). Each rewriting is an identity of
    rational functions, so the value never changes where ``expr`` is defined."""
    if not isinstance(expr, sympy.Expr) or expr.is_Atom or _size(expr, _FACTOR_LIMIT) > _FACTOR_LIMIT \
            or huge_power(expr):
        return expr
    size = _size(expr, _FACTOR_LIMIT)
    candidates = [sympy.factor_terms(expr)]
    if size <= _CANCEL_LIMIT and _polynomial_friendly(expr):
        if any(power.exp.is_negative and not power.base.is_number
                                         for power in expr.atoms(sympy.Pow)):  # a quotient with symbols
            candidates.append(sympy.factor_terms(sympy.cancel(expr)))
        expanded = sympy.expand(expr) if expr.is_Add or expr.is_Mul else expr
        constant, rest = expanded.as_coeff_Add()
        if rest.is_Add:  # the non-constant part with its common factors pulled out: 1 + 2*n*(k - 1)
            candidates += [constant + sympy.factor_terms(rest), sympy.factor_terms(expanded)]
            if size <= _POLYNOMIAL_LIMIT and len(expr.free_symbols) <= 3:  # full factoring costs: small ones only
                candidates += [constant + sympy.factor(rest), sympy.factor(expanded)]
    candidates += [_contents(candidate) for candidate in candidates]
    return min(candidates, key=_cost)


#: Largest expression (in nodes) whose quotients :func:`_simplest` cancels and that it expands, and that it factors
#: as a polynomial: these grow fast with size (seconds on 100 nodes of nested repeats).
_CANCEL_LIMIT = 60
_POLYNOMIAL_LIMIT = 30
#: Polynomial rewriting also grows with the degree (``s**1000`` expands to 1000 terms) and with the size of the
#: integers (factoring searches primes beyond the coefficients): past these it is skipped.
_DEGREE_LIMIT = 16
_DIGITS_LIMIT = 30


def expand_if_small(expr: Value) -> Value:
    """``sympy.expand(expr)`` when that stays cheap (:func:`cheap_algebra`), else ``expr`` unchanged: a power
    such as ``(2*k + 1)**1000`` expands to a thousand terms with 300-digit coefficients."""
    expanded = expanded_if_small(expr)
    return expr if expanded is None else expanded


def expanded_if_small(expr: Value) -> Value | None:
    """``sympy.expand(expr)`` when that stays cheap, else None (where :func:`expand_if_small` gives ``expr`` back,
    which cannot be told from an expression that expanding leaves as it is).

    >>> s = sympy.Symbol("s", positive=True, integer=True)
    >>> expanded_if_small(1 - 2*s), expanded_if_small(sympy.floor(s / 2)) is None
    (1 - 2*s, True)
    """
    if type(expr) is int:
        return expr
    if not _polynomial_friendly(cast(sympy.Expr, expr)):
        return None
    return sympy.expand(expr)


def cheap_algebra(value: Value) -> bool:
    """Whether sympy's sign decisions on ``value`` stay cheap (those behind ``Max``, ``Min`` and ``is_positive``,
    which look for real roots of polynomials): false for a power of a symbol above degree 16."""
    return type(value) is int or _small_terms(cast(sympy.Expr, value), digits=False)


def _high_degree(exponent: sympy.Expr) -> bool:
    """Whether a power with this exponent counts as a polynomial of high degree: ``s**1000``, and ``s**(1000*m)`` or
    ``2**(1000*m)``, which sympy's polynomial algorithms write as ``(s**m)**1000`` and ``(2**m)**1000``."""
    coefficient = exponent.as_coeff_Mul()[0]
    return bool(coefficient.is_Rational and abs(coefficient) > _DEGREE_LIMIT)


def _polynomial_friendly(expr: sympy.Expr) -> bool:
    """Whether cancelling, expanding and factoring ``expr`` stays cheap: no floor, ceiling, min, max or log, and
    :func:`_small_terms`."""
    return not expr.has(sympy.floor, sympy.ceiling, sympy.Min, sympy.Max, sympy.log) and _small_terms(expr)


def _small_terms(expr: sympy.Expr, digits: bool = True) -> bool:
    """No integer power of a symbol above :data:`_DEGREE_LIMIT` (:func:`_high_degree`), and (with ``digits``) no
    integer or fraction longer than :data:`_DIGITS_LIMIT` digits."""
    for node in sympy.preorder_traversal(expr):
        if digits and node.is_Rational and max(abs(node.p), node.q).bit_length() > _DIGITS_LIMIT * 10 // 3:
            return False
        if node.is_Pow and _high_degree(node.exp) and not (node.base.is_number and node.exp.is_number):
            return False
    return True


def _lift(expr: sympy.Basic) -> sympy.Basic:
    """``f(Piecewise((a, c), (b, True)))`` as ``Piecewise((f(a), c), (f(b), True))``.

    A cheap :func:`sympy.piecewise_fold` for the common case of one piecewise argument per node (the general fold
    is used when there are several).
    """
    if not expr.args or not expr.has(sympy.Piecewise):
        return expr
    if isinstance(expr, sympy.Piecewise):  # splice branches that are themselves piecewise
        flat = []
        for branch, condition in expr.args:
            branch = _lift(branch)
            if not isinstance(branch, sympy.Piecewise):
                flat.append((branch, condition))
                continue
            for inner, inner_condition in branch.args:
                both = inner_condition if condition is sympy.true else sympy.And(condition, inner_condition)
                if both is not sympy.false:
                    flat.append(_fix(inner, both))
        return sympy.Piecewise(*flat, evaluate=False)
    args = [_lift(arg) for arg in expr.args]
    pieces = [index for index, arg in enumerate(args) if isinstance(arg, sympy.Piecewise)]
    if len(pieces) != 1 or not (expr.is_Add or expr.is_Mul or expr.is_Pow):
        folded = sympy.piecewise_fold(expr.func(*args))
        if isinstance(folded, sympy.Piecewise):  # its branches combine conditions: substitute what they fix
            folded = sympy.Piecewise(*(_fix(e, c) for e, c in folded.args), evaluate=False)
        return folded
    index = pieces[0]
    branches = []
    for branch, condition in args[index].args:
        replaced = list(args)
        replaced[index] = branch
        lifted = expr.func(*replaced)
        branches.append(_fix(lifted, condition) if condition is not sympy.true else (lifted, condition))
    return sympy.Piecewise(*branches, evaluate=False)


def _fix(expr: sympy.Basic, condition: sympy.Basic) -> tuple[sympy.Basic, sympy.Basic]:
    """A branch with the symbols its condition sets (``s = 1``, ``s = 1 & t = 1``) substituted."""
    equalities = condition.args if isinstance(condition, sympy.And) else (condition,)
    fixed = {
        eq.lhs: eq.rhs for eq in equalities if isinstance(eq, sympy.Equality) and eq.lhs.is_Symbol and eq.rhs.is_Number
    }
    return (expr.xreplace(fixed) if fixed else expr), condition
