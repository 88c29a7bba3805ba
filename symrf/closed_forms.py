"""Closed forms for networks with blocks repeated a symbolic number of times.

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

(substitute the interval of ``B``'s feature into ``A``'s map). Folding this over a chain gives the textbook sums
``r = 1 + sum_l (k'_l - 1) prod_{i<l} s_i`` (Araujo, Norris & Sim, Distill 2019). Repeating ``B`` ``n`` times
applies the rule ``n - 1`` times, so each additive quantity ``X`` in ``{R, P, C}`` becomes a geometric series::

    X = X_B (1 + J_B + ... + J_B^(n-1)) = X_B (J_B^n - 1)/(J_B - 1)   (J_B != 1),   n X_B   (J_B = 1),
    J = J_B^n.

The two branches are built directly (not through ``summation`` or ``rsolve``): when ``J_B`` is the integer 1 (or
decidably 1) the linear branch is chosen, when it is decidably not 1 the geometric one, and otherwise the result is
``Piecewise((n X_B, J_B = 1), (X_B (J_B^n - 1)/(J_B - 1), True))``, with ``J_B = 1`` written as "every stride in
``J_B`` is 1" and those strides set to 1 inside that branch; no branch ever divides by zero. The formulas hold on
the symbols' domains (counts are positive); a count of 0 is handled by :meth:`ClosedFormAnalysis.subs`, which
rebuilds the network.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache, reduce

import sympy

from . import recurrence as rec
from .chain import ChainAnalysis, _substitution
from .errors import SymrfError
from .layers import Layer, Value
from .network import Network, Repeat
from .printing import nested_tex, nested_text, tex, tex_base, tex_factor
from .symbols import NAME_PATTERN

__all__ = [
    "ClosedFormAnalysis",
    "Summary",
    "SweepTable",
    "closed_form",
    "closed_form_derivation",
    "closed_form_report",
    "exact_function",
    "geometric_sum",
    "horner_form",
    "is_one",
    "latex_value",
    "parse_assignments",
    "parse_grid",
    "substitute",
    "substitute_values",
    "summarize",
    "sweep",
    "sweep_report",
    "unit_condition",
    "wrap_document",
]

#: Most layers a substitution expands a repetition with an integer count into; above it the block stays a
#: :class:`~symrf.network.Repeat` with an integer count and is evaluated through its closed form.
MAX_EXPANDED_LAYERS = 1_000_000

#: Most bits of an exact intermediate value (a power ``J**n``); beyond it evaluation refuses instead of hanging.
MAX_EXACT_BITS = 20_000_000

#: Most points of a sweep.
MAX_SWEEP_POINTS = 50_000_000

_HALF = sympy.Rational(1, 2)

_DOCUMENT_HEADER = (
    "\\documentclass{article}\n\\usepackage[margin=2cm]{geometry}\n\\usepackage{amsmath}\n"
    "\\allowdisplaybreaks\n\\begin{document}\n"
)
_DOCUMENT_FOOTER = "\\end{document}\n"


# -- the algebra of segments ----------------------------------------------------------------------------------


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
    # A jump is a product of powers of strides. Read it factor by factor first: an integer base > 1 makes it > 1;
    # powers of symbols alone may be 1 (every symbol 1). sympy's assumptions take ~0.1 s on 50 factors.
    undecided = True
    for factor in sympy.Mul.make_args(value):
        base, exponent = factor.as_base_exp()
        if not exponent.is_positive:
            undecided = False
            break
        if base.is_Integer and base > 1:
            return False
        if not (base.is_Symbol and base.is_positive):
            undecided = False
            break
    if undecided and value.is_Mul | value.is_Pow | value.is_Symbol:
        return None
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
        return _normal(value * (ratio**count - 1) / (ratio - 1))
    condition, at_one = unit_condition(ratio)
    expr = _expr(value)
    return sympy.Piecewise(
        (count * expr.xreplace(at_one), condition),
        (expr.xreplace({condition: sympy.false}) * (ratio**count - 1) / (ratio - 1), sympy.true),
        evaluate=False,  # the branches are already exclusive and simplified: skip sympy's costly collapsing
    )


def _power(base: int, exponent: int) -> int:
    """``base**exponent`` for Python ints, refusing results too large to hold."""
    if exponent > 0 and abs(base) > 1 and exponent * (abs(base).bit_length() - 1) > MAX_EXACT_BITS:
        raise SymrfError(f"{base}**{exponent} is too large to evaluate exactly (more than {MAX_EXACT_BITS:,} bits)")
    return base**exponent


@dataclass(frozen=True, slots=True)
class Summary:
    """What a segment does to the field of one feature: ``x -> [x*J - P, x*J - P + R]`` in its input's pixels.

    ``span`` is ``R = rf - 1``, ``jump`` is ``J``, ``effective_padding`` is ``P`` and ``center`` is
    ``C = R/2 - P``. Segments compose with :meth:`then` and repeat with :meth:`repeated`.

    >>> a = Summary.of_layer(conv(3, 2, 1))
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
        ratio = self.jump
        fields = (self.span, self.effective_padding, self.center)
        if type(ratio) is int and type(count) is int:
            factor = geometric_sum(ratio, count)
            span, padding, center = (_normal(value * factor) for value in fields)
            return Summary(span, _power(ratio, count), padding, center)
        span, padding, center = (_two_branches(ratio, count, value) for value in fields)
        return Summary(span, _normal(ratio**count), padding, center)


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


def _tidy(value: Value) -> Value:
    """A quantity as printed: a ``Piecewise`` pulled to the top (each branch a whole formula, with the symbols its
    condition fixes substituted), integers as ``int``."""
    if type(value) is int:
        return value
    if value.has(sympy.Piecewise):
        value = _lift(value)
    if isinstance(value, sympy.Piecewise):
        value = sympy.Piecewise(*((_factored(expr), cond) for expr, cond in value.args), evaluate=False)
    else:
        value = _factored(value)
    return _normal(value)


#: Largest expression (in nodes) that :func:`_tidy` factors; beyond it factoring costs more than it helps reading.
_FACTOR_LIMIT = 80


def _factored(expr: sympy.Basic) -> sympy.Basic:
    """``expr`` with common numeric factors pulled out (``k/2 - 1/2`` as ``(k - 1)/2``) when it is small."""
    for count, _ in enumerate(sympy.preorder_traversal(expr)):
        if count > _FACTOR_LIMIT:
            return expr
    return sympy.factor_terms(expr)


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


# -- substitution ---------------------------------------------------------------------------------------------


def substitute(network: Network, mapping: Mapping[sympy.Symbol, Value], limit: int = MAX_EXPANDED_LAYERS) -> Network:
    """``network`` with symbols replaced; a count that becomes an integer expands its block, unless that would
    make more than ``limit`` layers: then the block stays a :class:`~symrf.network.Repeat` with an integer count.

    >>> substitute(parse("n * [conv(3)]"), {symbol("n"): 2})
    conv(3), conv(3)
    >>> substitute(parse("n * [conv(3)]"), {symbol("n"): 10**9})
    1000000000 * [conv(3)]
    """
    items, _ = _substituted(network, dict(mapping), limit)
    return Network(tuple(items))


def substitute_values(network: Network, values: Mapping[object, object]) -> Network:
    """``network`` with symbols given by name (``{"k": 3}``) replaced, checked as :meth:`ClosedFormAnalysis.subs`
    checks them.

    >>> from symrf.closed_forms import substitute_values
    >>> substitute_values(parse("n * [conv(k)]"), {"k": 3, "n": 2})
    conv(3), conv(3)
    """
    mapping = _substitution(network.free_symbols, values)
    return substitute(network, mapping) if network.is_plain else network.xreplace(mapping)


def _substituted(network: Network, mapping: dict, limit: int) -> tuple[list, int | None]:
    """The substituted items and how many layers they expand to (``None``: they hold a symbolic repetition)."""
    items: list = []
    size: int | None = 0
    for item in network.items:
        if isinstance(item, Layer):
            items.append(item.xreplace(mapping) if mapping else item)
            size = None if size is None else size + 1
            continue
        count = item.count.xreplace(mapping) if isinstance(item.count, sympy.Expr) else item.count
        count = _normal(count)
        body, body_size = _substituted(item.body, mapping, limit)
        if type(count) is int:
            if count < 0:
                raise SymrfError(f"a block cannot be repeated a negative number of times ({count})")
            if count == 0:
                continue
            if body_size is not None and size is not None and size + count * body_size <= limit:
                items.extend(body * count)
                size += count * body_size
                continue
        items.append(Repeat(count, Network(tuple(body))))
        size = None
    return items, size


# -- the analysis object ----------------------------------------------------------------------------------------


class ClosedFormAnalysis:
    """The receptive-field quantities of a network with repeated blocks, as closed forms in the counts.

    It has the top-level attributes of :class:`~symrf.chain.ChainAnalysis` (``rf``, ``jump``,
    ``effective_padding``, ``start``, ``center``, ``free_symbols``, ``subs``, ``latex``); per-layer rows exist only
    once every count is an integer (``subs`` then returns a :class:`~symrf.chain.ChainAnalysis`).

    >>> a = closed_form("n * [conv(k, s)]")
    >>> a.rf
    Piecewise((n*(k - 1) + 1, Eq(s, 1)), ((k - 1)*(s**n - 1)/(s - 1) + 1, True))
    >>> a.subs(s=1).rf
    n*(k - 1) + 1
    >>> a.subs(k=3, s=2, n=4).rf
    31
    """

    def __init__(self, network: Network, input_size: object = None) -> None:
        if input_size is not None:
            raise SymrfError(
                "output sizes have no closed form through a block repeated a symbolic number of times; "
                "give the count a value first (for instance .subs(n=4) or --subs n=4)"
            )
        self.network = network
        self.input_size = None
        self.size = None
        self.sizes = None
        self.summary = summarize(network)

    @cached_property
    def rf(self) -> Value:
        """The receptive field size ``1 + R`` of the network's output, in input pixels."""
        return _tidy(_normal(1 + self.summary.span))

    @cached_property
    def jump(self) -> Value:
        """The effective stride ``J``: input pixels between neighbouring output features."""
        return _tidy(self.summary.jump)

    @cached_property
    def effective_padding(self) -> Value:
        """``P``: how far output feature 0's field reaches before input pixel 0."""
        return _tidy(self.summary.effective_padding)

    @cached_property
    def start(self) -> Value:
        """``-P``: the first input pixel that output feature 0 sees."""
        return _tidy(_normal(-self.summary.effective_padding))

    @cached_property
    def center(self) -> Value:
        """``(rf - 1)/2 - P``: the centre of feature 0's field; feature ``x``'s is ``center + x * jump``."""
        return _tidy(self.summary.center)

    @cached_property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        return self.network.free_symbols

    @cached_property
    def counts(self) -> frozenset[sympy.Symbol]:
        """The symbols that appear in repetition counts."""
        return frozenset(self.network.count_symbols)

    @property
    def is_numeric(self) -> bool:
        return not self.free_symbols

    def input_interval(self, feature: int = 0) -> tuple[Value, Value]:
        """The first and last input pixels that output feature ``feature`` sees."""
        first = _tidy(_normal(self.start + feature * self.jump))
        return first, _tidy(_normal(first + self.rf - 1))

    def subs(self, values: Mapping[object, object] | None = None,
             **named: object) -> ChainAnalysis | ClosedFormAnalysis:
        """The analysis of the network with symbols given values; once no symbolic count is left, a
        :class:`~symrf.chain.ChainAnalysis` (with per-layer rows), whose values equal the closed form's.

        >>> closed_form("n * [conv(3), pool(2)]").subs(n=2).rf
        10
        """
        mapping = _substitution(self.free_symbols, {**dict(values or {}), **named})
        network = substitute(self.network, mapping)
        if network.has_repeats:
            return ClosedFormAnalysis(network)
        return ChainAnalysis(network)

    def _no_rows(self) -> SymrfError:
        names = ", ".join(sorted(sym.name for sym in self.counts)) or "the count"
        example = min((sym.name for sym in self.counts), default="n")
        return SymrfError(
            f"per-layer results are not defined while a block is repeated a symbolic number of times ({names}); "
            f"give the count a value first, for instance .subs({example}=3)"
        )

    def row(self, index: int) -> object:
        raise self._no_rows()

    def layer(self, key: int | str) -> object:
        raise self._no_rows()

    def __iter__(self) -> Iterator[object]:
        raise self._no_rows()

    def rf_at(self, length: int) -> Value:
        raise self._no_rows()

    def latex(self, document: bool = False) -> str:
        """The step-by-step LaTeX derivation of the closed form (see :func:`closed_form_derivation`)."""
        return closed_form_derivation(self, document=document)

    def _repr_latex_(self) -> str:
        return "$$" + latex_value(self.rf) + "$$"

    def __repr__(self) -> str:
        return f"ClosedFormAnalysis(rf={self.rf}, jump={self.jump}, effective_padding={self.effective_padding})"


def closed_form(network: Network | str | list) -> ClosedFormAnalysis:
    """The closed-form analysis of a network (a :class:`~symrf.network.Network`, a list of layers or a spec).

    >>> closed_form("n * [conv(3), conv(3), pool(2)]").rf
    5*2**n - 4
    >>> closed_form("n * [conv(k, s=2)]").rf
    (2**n - 1)*(k - 1) + 1
    """
    return ClosedFormAnalysis(_network(network))


def _network(network: object) -> Network:
    if isinstance(network, Network):
        return network
    if isinstance(network, (ChainAnalysis, ClosedFormAnalysis)):
        return network.network
    if isinstance(network, str):
        from .spec import parse

        return parse(network)
    return Network.of(network if isinstance(network, (list, tuple)) else [network])


def horner_form(analysis: ChainAnalysis | Network | str, latex: bool = False) -> str:
    """The RF of a chain without repetition in nested (Horner) form,
    ``1 + (k'_1 - 1) + s_1 ((k'_2 - 1) + s_2 (...))``: linear in the number of layers, unlike the flat sum.

    >>> horner_form("conv(k_1, s_1), conv(k_2, s_2), conv(k_3)")
    'k_1 + s_1*(k_2 - 1 + s_2*(k_3 - 1))'
    >>> horner_form("conv(3), pool(2), conv(3)")
    '8'
    """
    if not isinstance(analysis, ChainAnalysis):
        network = _network(analysis)
        if network.has_repeats:
            raise SymrfError("the Horner form is for chains without repeated blocks; use the closed form instead")
        analysis = ChainAnalysis(network)
    if analysis.is_numeric:
        return str(analysis.rf)
    printer = nested_tex if latex else nested_text
    return printer(analysis.rf_sum, len(analysis))


# -- LaTeX ------------------------------------------------------------------------------------------------------


def latex_value(value: Value) -> str:
    """A value in LaTeX as written in papers (see :func:`symrf.printing.tex`): quotients as ``\\frac``, a
    ``Piecewise`` as a ``cases`` environment.

    >>> print(latex_value(closed_form("n * [conv(3, s)]").rf))
    \\begin{cases} 1 + 2 n & \\text{if } s = 1 \\\\ 1 + \\frac{2 (s^{n} - 1)}{s - 1} & \\text{otherwise} \\end{cases}
    """
    return tex(value)


def _repeats(network: Network) -> Iterator[Repeat]:
    """The repeated blocks of ``network``, inner blocks before the blocks that hold them."""
    for item in network.items:
        if isinstance(item, Repeat):
            yield from _repeats(item.body)
            yield item


def _repeat_lines(block: Repeat, label: str) -> list[str]:
    """Derivation lines for one repeated block: its span and jump, the recurrence, the sum, the series, the result."""
    body = summarize(block.body)
    span, jump, count = _tidy(body.span), _tidy(body.jump), block.count
    n = latex_value(count)
    name_r, name_j = f"R_{{{label}}}", f"J_{{{label}}}"
    lines = [
        f"\\intertext{{The block repeated ${n}$ times, on its own: span ${name_r} = l_{{{label}}} - 1$ and jump "
        f"${name_j}$.}}",
        f"{name_r} &= {latex_value(span)}, \\qquad {name_j} = {latex_value(jump)}",
        "\\intertext{Each copy widens the field by the block's span times the jump of the copies before it:}",
        f"R^{{(i)}} &= R^{{(i-1)}} + {name_r} \\, {name_j}^{{\\,i-1}}, \\qquad R^{{(0)}} = 0",
        f"R^{{({n})}} &= \\sum_{{i=1}}^{{{n}}} {name_r} \\, {name_j}^{{\\,i-1}}"
        f" = {tex_factor(span)} \\sum_{{i=0}}^{{{n} - 1}} {tex_base(jump)}^{{i}}",
    ]
    one = is_one(jump)
    if one:
        lines.append(f"&= {latex_value(_normal(count * span))} \\qquad \\text{{since }} {name_j} = 1")
    elif one is False:
        lines.append(f"&= {tex_factor(span)} \\, \\frac{{{tex_base(jump)}^{{{n}}} - 1}}{{{latex_value(jump)} - 1}}")
    else:
        condition, at_one = unit_condition(jump)
        other = _tidy(_expr(span).xreplace({condition: sympy.false}))
        linear = _tidy(count * _expr(span).xreplace(at_one))
        lines.append(
            f"&= {tex_factor(other)} \\, \\frac{{{tex_base(jump)}^{{{n}}} - 1}}{{{latex_value(jump)} - 1}}"
            f" \\qquad \\text{{if }} {sympy.latex(sympy.Not(condition))}"
        )
        lines.append(f"R^{{({n})}} &= {latex_value(linear)} \\qquad \\text{{if }} {sympy.latex(condition)}")
    result = _tidy(body.repeated(count).span)
    lines.append(f"R^{{({n})}} &= {latex_value(result)}")
    return lines


def closed_form_derivation(analysis: ClosedFormAnalysis | Network | str, document: bool = False) -> str:
    """The LaTeX derivation of a closed form: for each repeated block (inner blocks first) the block's span and jump,
    the recurrence over copies, its sum, the geometric series and the simplified result; then the whole network.

    >>> print(closed_form_derivation("n * [conv(3)]"))  # doctest: +NORMALIZE_WHITESPACE
    \\begin{align*}
    \\intertext{The block repeated $n$ times, on its own: span $R_{B} = l_{B} - 1$ and jump $J_{B}$.}
    R_{B} &= 2, \\qquad J_{B} = 1 \\\\
    \\intertext{Each copy widens the field by the block's span times the jump of the copies before it:}
    R^{(i)} &= R^{(i-1)} + R_{B} \\, J_{B}^{\\,i-1}, \\qquad R^{(0)} = 0 \\\\
    R^{(n)} &= \\sum_{i=1}^{n} R_{B} \\, J_{B}^{\\,i-1} = 2 \\sum_{i=0}^{n - 1} 1^{i} \\\\
    &= 2 n \\qquad \\text{since } J_{B} = 1 \\\\
    R^{(n)} &= 2 n \\\\
    \\intertext{The whole network, composing its segments ($R = R_1 + J_1 R_2 + J_1 J_2 R_3 + \\cdots$, $l = 1 + R$):}
    l &= 1 + 2 n \\\\
    J &= 1
    \\end{align*}
    """
    if not isinstance(analysis, ClosedFormAnalysis):
        analysis = closed_form(analysis)
    blocks = list(_repeats(analysis.network))
    lines: list[str] = []
    for index, block in enumerate(blocks, start=1):
        lines.extend(_repeat_lines(block, "B" if len(blocks) == 1 else f"B_{index}"))
    lines.append(
        "\\intertext{The whole network, composing its segments "
        "($R = R_1 + J_1 R_2 + J_1 J_2 R_3 + \\cdots$, $l = 1 + R$):}"
    )
    lines.append(f"l &= {latex_value(analysis.rf)}")
    lines.append(f"J &= {latex_value(analysis.jump)}")
    body = _align(lines)
    return wrap_document(body) if document else body


def _align(lines: list[str]) -> str:
    """An ``align*`` environment; ``\\intertext`` lines are not ended with ``\\\\``."""
    out = []
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        ends = last or line.startswith("\\intertext")
        out.append(line if ends else line + " \\\\")
    return "\\begin{align*}\n" + "\n".join(out) + "\n\\end{align*}"


def wrap_document(body: str) -> str:
    """``body`` in a standalone LaTeX document (article, amsmath) that compiles with pdflatex."""
    return _DOCUMENT_HEADER + body + "\n" + _DOCUMENT_FOOTER


# -- exact evaluation -------------------------------------------------------------------------------------------

_Number = int | Fraction


def exact_function(expr: Value, symbols: Sequence[sympy.Symbol]) -> Callable[..., _Number]:
    """A function of ``symbols`` that evaluates ``expr`` exactly with Python ints and fractions (no floats).

    Handles sums, products, integer powers (``s**n``), ``floor``, ``ceiling``, ``Max``, ``Min`` and ``Piecewise``
    with (in)equalities; only the selected branch of a ``Piecewise`` is evaluated, so ``(s**n - 1)/(s - 1)`` is
    never divided by zero.

    >>> f = exact_function(closed_form("n * [conv(k, s)]").rf, [symbol("k"), symbol("s"), symbol("n")])
    >>> f(3, 3, 40), f(3, 1, 40)
    (12157665459056928801, 81)
    """
    position = {sym: index for index, sym in enumerate(symbols)}
    missing = (expr.free_symbols if isinstance(expr, sympy.Basic) else set()) - set(position)
    if missing:
        raise SymrfError(f"no value given for {', '.join(sorted(s.name for s in missing))}")
    compiled = _compile(_expr(expr) if not isinstance(expr, sympy.Basic) else expr, position, {})

    def evaluate(*values: int) -> _Number:
        result = compiled(values)
        if isinstance(result, Fraction) and result.denominator == 1:
            return int(result)
        return result

    return evaluate


_RELATIONS: dict[type, Callable[[object, object], bool]] = {
    sympy.Equality: operator.eq,
    sympy.Unequality: operator.ne,
    sympy.StrictLessThan: operator.lt,
    sympy.LessThan: operator.le,
    sympy.StrictGreaterThan: operator.gt,
    sympy.GreaterThan: operator.ge,
}


def _compile(expr: sympy.Basic, position: dict, memo: dict) -> Callable[[tuple], object]:
    if expr in memo:
        return memo[expr]
    compiled = _compile_node(expr, position, memo)
    memo[expr] = compiled
    return compiled


def _compile_node(expr: sympy.Basic, position: dict, memo: dict) -> Callable[[tuple], object]:
    if expr.is_Integer:
        constant: object = int(expr)
        return lambda values: constant
    if expr.is_Rational:
        constant = Fraction(int(expr.p), int(expr.q))
        return lambda values: constant
    if expr.is_Symbol:
        index = position[expr]
        return lambda values: values[index]
    if expr is sympy.true or expr is sympy.false:
        truth = bool(expr)
        return lambda values: truth
    if isinstance(expr, sympy.Piecewise):
        pairs = [
            (_compile(condition, position, memo), _compile(value, position, memo))
            for value, condition in expr.args
        ]

        def piecewise(values: tuple) -> object:
            for condition, value in pairs:
                if condition(values):
                    return value(values)
            raise SymrfError("no branch of the piecewise formula applies to these values")

        return piecewise
    parts = [_compile(arg, position, memo) for arg in expr.args]
    if expr.is_Add:
        return lambda values: sum(part(values) for part in parts)
    if expr.is_Mul:
        return lambda values: reduce(operator.mul, (part(values) for part in parts))
    if expr.is_Pow:
        base, exponent = parts
        return lambda values: _exact_power(base(values), exponent(values))
    if isinstance(expr, sympy.floor):
        return lambda values: math.floor(parts[0](values))
    if isinstance(expr, sympy.ceiling):
        return lambda values: math.ceil(parts[0](values))
    if isinstance(expr, sympy.Max):
        return lambda values: max(part(values) for part in parts)
    if isinstance(expr, sympy.Min):
        return lambda values: min(part(values) for part in parts)
    relation = _RELATIONS.get(type(expr))
    if relation is not None:
        left, right = parts
        return lambda values: relation(left(values), right(values))
    if isinstance(expr, sympy.And):
        return lambda values: all(part(values) for part in parts)
    if isinstance(expr, sympy.Or):
        return lambda values: any(part(values) for part in parts)
    if isinstance(expr, sympy.Not):
        return lambda values: not parts[0](values)
    raise SymrfError(f"cannot evaluate {type(expr).__name__} exactly: {expr}")


def _exact_power(base: _Number, exponent: _Number) -> _Number:
    if isinstance(exponent, Fraction):
        if exponent.denominator != 1:
            raise SymrfError(f"cannot evaluate the power {base}**({exponent}) exactly")
        exponent = int(exponent)
    if exponent < 0:
        return Fraction(1) / _exact_power(base, -exponent)
    if isinstance(base, Fraction):
        return Fraction(_power(base.numerator, exponent), _power(base.denominator, exponent))
    return _power(base, exponent)


# -- sweeps -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepTable(Sequence):
    """A closed form evaluated over a grid: a sequence of rows (dicts), stored by column.

    ``columns`` maps each grid name and the quantity's name to a column: a numpy ``int64`` array when numpy is
    installed and every value fits, otherwise a list of Python ints (or sympy rationals for half-integer centres).
    """

    names: tuple[str, ...]
    quantity: str
    columns: Mapping[str, object]

    def __len__(self) -> int:
        return len(self.columns[self.quantity])  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> dict[str, Value]:  # type: ignore[override]
        if not isinstance(index, int):
            raise TypeError("a sweep table is indexed by row number")
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"row {index} is out of range")
        return {name: _plain(self.columns[name][index]) for name in (*self.names, self.quantity)}  # type: ignore

    def __iter__(self) -> Iterator[dict[str, Value]]:
        return (self[i] for i in range(len(self)))

    def column(self, name: str) -> list[Value]:
        """One column as a list of Python values."""
        if name not in self.columns:
            raise SymrfError(f"there is no column {name!r}; columns: {', '.join(self.columns)}")
        return [_plain(v) for v in self.columns[name]]  # type: ignore[attr-defined]


def _plain(value: object) -> Value:
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, sympy.Rational):
        return value
    return int(value)  # type: ignore[call-overload]


def sweep(source: object, grid: Mapping[object, Iterable[int]], quantity: str = "rf",
          backend: str = "auto") -> SweepTable:
    """Evaluate a closed form over the Cartesian product of ``grid`` (``{"n": range(1, 13), "k": [3, 5, 7]}``).

    ``source`` is an analysis (its ``quantity`` is evaluated) or a sympy expression. The formula is compiled with
    ``sympy.lambdify`` and evaluated on numpy arrays; every value is then rounded to the exact integer (or half
    integer) it must be, which is provably right when a bound on the rounding error (the formula with every sign
    made positive, times its size) is small, and is recomputed exactly with Python ints where it is not (huge values,
    overflow). ``backend="exact"`` (or no numpy) evaluates every point exactly.

    >>> table = sweep(closed_form("n * [conv(k, s=2)]"), {"n": range(1, 4), "k": [3, 5]})
    >>> [row["rf"] for row in table]
    [3, 5, 7, 13, 15, 29]
    >>> table[1]
    {'n': 1, 'k': 5, 'rf': 5}
    """
    if backend not in ("auto", "numpy", "exact"):
        raise SymrfError(f"unknown sweep backend {backend!r}; use auto, numpy or exact")
    expr, known = _sweep_source(source, quantity)
    expr = expr if isinstance(expr, sympy.Basic) else sympy.Integer(expr)
    names, values = _sweep_grid(grid, known, expr)
    total = math.prod(len(v) for v in values)
    if total > MAX_SWEEP_POINTS:
        raise SymrfError(f"the sweep has {total:,} points; at most {MAX_SWEEP_POINTS:,}")
    symbols = [known[name] for name in names]
    numpy = _numpy() if backend != "exact" else None
    if backend == "numpy" and numpy is None:
        raise SymrfError("the numpy backend needs numpy installed")
    if numpy is not None:
        columns = _sweep_numpy(numpy, expr, symbols, names, values, quantity)
    else:
        columns = _sweep_exact(expr, symbols, names, values, quantity)
    return SweepTable(tuple(names), quantity, columns)


def _numpy():  # noqa: ANN202 - the module or None
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy is optional
        return None
    return numpy


def _sweep_source(source: object, quantity: str) -> tuple[Value, dict[str, sympy.Symbol]]:
    if isinstance(source, (int, sympy.Expr)) and not isinstance(source, bool):
        symbols = source.free_symbols if isinstance(source, sympy.Expr) else set()
        return source, {sym.name: sym for sym in symbols}
    if isinstance(source, (str, Network, list)):
        source = closed_form(source) if _network(source).has_repeats else ChainAnalysis(_network(source))
    if not isinstance(source, (ChainAnalysis, ClosedFormAnalysis)):
        raise SymrfError(f"sweep needs an analysis or a sympy expression, not {type(source).__name__}")
    if quantity not in ("rf", "jump", "effective_padding", "start", "center"):
        raise SymrfError(f"unknown quantity {quantity!r}; use rf, jump, effective_padding, start or center")
    return getattr(source, quantity), {sym.name: sym for sym in source.free_symbols}


def _sweep_grid(grid: Mapping[object, Iterable[int]], known: dict[str, sympy.Symbol],
                expr: sympy.Basic) -> tuple[list[str], list[list[int]]]:
    names: list[str] = []
    values: list[list[int]] = []
    for key, given in grid.items():
        name = key.name if isinstance(key, sympy.Symbol) else str(key)
        if name not in known:
            shown = ", ".join(sorted(known)) or "none"
            raise SymrfError(f"there is no symbol {name!r} to sweep (the symbols: {shown})")
        if name in names:
            raise SymrfError(f"{name} is given twice in the sweep")
        sym = known[name]
        low = 0 if sym.is_nonnegative and not sym.is_positive else 1  # the formulas hold on the symbols' domains
        column = []
        for value in given:
            if isinstance(value, bool) or not isinstance(value, (int, sympy.Integer)):
                raise SymrfError(f"sweep values must be integers; {name} got {value!r}")
            if value < low:
                raise SymrfError(f"{name} must be at least {low} in the sweep, got {value}")
            column.append(int(value))
        if not column:
            raise SymrfError(f"the sweep gives no values for {name}")
        names.append(name)
        values.append(column)
    missing = sorted(sym.name for sym in expr.free_symbols if sym.name not in names)
    if missing:
        raise SymrfError(f"the sweep needs values for {', '.join(missing)}")
    return names, values


def _sweep_exact(expr: sympy.Basic, symbols: list, names: list[str], values: list[list[int]],
                 quantity: str) -> dict[str, object]:
    function = exact_function(expr, symbols)
    points = list(itertools.product(*values))
    columns: dict[str, object] = {name: [point[i] for point in points] for i, name in enumerate(names)}
    columns[quantity] = [function(*point) for point in points]
    return columns


def _scale(expr: sympy.Basic) -> int:
    """The least common denominator of the rational numbers in ``expr`` (2 for a centre)."""
    denominators = [int(atom.q) for atom in expr.atoms(sympy.Rational)]
    return math.lcm(1, *denominators)


def _majorant(expr: sympy.Basic) -> sympy.Basic:
    """An upper bound of the magnitude of every intermediate result, used to bound floating-point error:
    signs made positive, ``floor``/``ceiling`` widened by one, divisors kept (they are exact small integers)."""
    if expr.is_Number:
        return abs(expr)
    if expr.is_Symbol:
        return sympy.Abs(expr)
    if expr.is_Add:
        return sympy.Add(*(_majorant(arg) for arg in expr.args))
    if expr.is_Mul:
        return sympy.Mul(*(_majorant(arg) for arg in expr.args))
    if expr.is_Pow:
        base, exponent = expr.args
        if exponent.is_number and exponent.is_negative:
            return sympy.Abs(expr)
        return _majorant(base) ** exponent
    if isinstance(expr, (sympy.floor, sympy.ceiling)):
        return _majorant(expr.args[0]) + 1
    if isinstance(expr, sympy.Piecewise):
        return sympy.Piecewise(*((_majorant(value), condition) for value, condition in expr.args))
    return sympy.Abs(expr)


def _sweep_numpy(np, expr: sympy.Basic, symbols: list, names: list[str], values: list[list[int]],  # noqa: ANN001
                 quantity: str) -> dict[str, object]:
    if any(max(map(abs, v)) >= 2**53 for v in values):  # not exact as float64: evaluate every point exactly
        return _sweep_exact(expr, symbols, names, values, quantity)
    grids = np.meshgrid(*(np.asarray(v, dtype=np.int64) for v in values), indexing="ij")
    integer_columns = [g.ravel() for g in grids]
    columns: dict[str, object] = dict(zip(names, integer_columns))
    size = integer_columns[0].size
    if not expr.free_symbols:
        constant = exact_function(expr, [])()
        columns[quantity] = _constant_column(np, constant, size)
        return columns
    scale = _scale(expr)
    nodes = sum(1 for _ in sympy.preorder_traversal(expr))
    function = sympy.lambdify(symbols, [expr, _majorant(expr)], "numpy")
    floats = [c.astype(np.float64) for c in integer_columns]
    with np.errstate(all="ignore"):
        value, bound = (np.broadcast_to(np.asarray(a, dtype=np.float64), (size,)) for a in function(*floats))
        scaled = value * scale
        rounded = np.rint(scaled)
        # Each operation adds at most one rounding error relative to the bound of its result, so the total error
        # is below 2 * nodes * 2**-53 * bound; keep it under 1/8 of the grid step 1/scale.
        safe = np.isfinite(bound) & (bound * (nodes * scale) < 2.0**47) & (np.abs(scaled - rounded) < 0.25)
    numerators = np.where(safe, rounded, 0).astype(np.int64)
    if safe.all() and (scale == 1 or not (numerators % scale).any()):
        columns[quantity] = numerators // scale
        return columns
    exact = exact_function(expr, symbols)
    result: list[object] = [
        (int(n) // scale if int(n) % scale == 0 else Fraction(int(n), scale)) if ok
        else exact(*(int(c[index]) for c in integer_columns))
        for index, (n, ok) in enumerate(zip(numerators.tolist(), safe.tolist()))
    ]
    columns[quantity] = result
    return columns


def _constant_column(np, constant: _Number, size: int) -> object:  # noqa: ANN001
    if isinstance(constant, int) and abs(constant) < 2**62:
        return np.full(size, constant, dtype=np.int64)
    return [constant] * size


# -- option values and rendering for the command line -------------------------------------------------------------

#: Longest ``--subs`` or ``--sweep`` text.
MAX_OPTION_TEXT = 10_000
#: Most values one ``a..b`` range of a sweep may hold.
MAX_RANGE = 10_000_000

_INTEGER = re.compile(r"-?\d{1,200}\Z")


def _option_integer(token: str, option: str) -> int:
    token = token.strip()
    if not _INTEGER.match(token):
        raise SymrfError(f"{option}: expected an integer, got {token!r}")
    return int(token)


def _option_name(token: str, option: str) -> str:
    name = token.strip()
    if not NAME_PATTERN.match(name):
        raise SymrfError(f"{option}: {name!r} is not a symbol name")
    return name


def parse_assignments(text: str, option: str = "--subs") -> dict[str, int]:
    """``"k=3,s=2"`` as ``{"k": 3, "s": 2}``, by splitting on commas and ``=`` (nothing is evaluated).

    >>> from symrf.closed_forms import parse_assignments
    >>> parse_assignments("k=3, s=2")
    {'k': 3, 's': 2}
    """
    if len(text) > MAX_OPTION_TEXT:
        raise SymrfError(f"{option}: the value is too long")
    values: dict[str, int] = {}
    for part in text.split(","):
        if part.count("=") != 1:
            raise SymrfError(f"{option}: expected name=integer pairs such as k=3,s=2, got {part.strip()!r}")
        name, value = part.split("=")
        name = _option_name(name, option)
        if name in values:
            raise SymrfError(f"{option}: {name} is given twice")
        values[name] = _option_integer(value, option)
    return values


def parse_grid(text: str, option: str = "--sweep") -> dict[str, list[int]]:
    """``"n=1..12,k=3,5,7"`` as ``{"n": [1, ..., 12], "k": [3, 5, 7]}``: a name, ``=``, then integers and
    inclusive ranges ``a..b`` separated by commas, until the next name (nothing is evaluated).

    >>> from symrf.closed_forms import parse_grid
    >>> parse_grid("n=1..4,k=3,5")
    {'n': [1, 2, 3, 4], 'k': [3, 5]}
    """
    if len(text) > MAX_OPTION_TEXT:
        raise SymrfError(f"{option}: the value is too long")
    grid: dict[str, list[int]] = {}
    current = None
    for part in text.split(","):
        if "=" in part:
            name, part = part.split("=", 1)
            current = _option_name(name, option)
            if current in grid:
                raise SymrfError(f"{option}: {current} is given twice")
            grid[current] = []
        if current is None:
            raise SymrfError(f"{option}: expected name=values such as n=1..12,k=3,5,7, got {part.strip()!r}")
        if ".." in part:
            low, high = (_option_integer(bound, option) for bound in part.split("..", 1))
            if high < low or high - low >= MAX_RANGE:
                raise SymrfError(f"{option}: the range {part.strip()} is empty or too long")
            grid[current].extend(range(low, high + 1))
        else:
            grid[current].append(_option_integer(part, option))
    return grid


def _condition_text(condition: sympy.Basic) -> str:
    if isinstance(condition, sympy.Equality):
        return f"{condition.lhs} = {condition.rhs}"
    if isinstance(condition, sympy.And):
        return " and ".join(_condition_text(arg) for arg in condition.args)
    return str(condition)


def _text_lines(value: Value) -> list[str]:
    if isinstance(value, sympy.Piecewise):
        return [
            f"{expr}    {'otherwise' if cond is sympy.true else 'if ' + _condition_text(cond)}"
            for expr, cond in value.args
        ]
    return [str(value)]


_QUANTITY_NAMES = ("rf", "jump", "effective_padding", "start", "center")
_QUANTITY_TEX = {"rf": "l", "jump": "J", "effective_padding": "P", "start": "\\text{start}", "center": "c"}


def closed_form_report(analysis: ClosedFormAnalysis, style: str = "text") -> str | dict[str, object]:
    """The closed forms of a network as text, a JSON-ready object (values as strings sympy reads back),
    Markdown or LaTeX (``style``).

    >>> print(closed_form_report(closed_form("n * [conv(3)]")))
    rf                = 2*n + 1
    jump              = 1
    effective_padding = 0
    start             = 0
    center            = n
    """
    from .printing import json_value

    values = {name: getattr(analysis, name) for name in _QUANTITY_NAMES}
    if style == "json":
        return {**{name: json_value(v) for name, v in values.items()},
                "counts": sorted(sym.name for sym in analysis.counts)}
    if style == "latex":
        rows = [f"{_QUANTITY_TEX[name]} &= {latex_value(v)}" for name, v in values.items()]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
    if style == "markdown":
        lines = ["| quantity | closed form |", "|---|---|"]
        for name, value in values.items():
            shown = "; ".join(_text_lines(value)).replace("|", "\\|")
            lines.append(f"| {name} | {shown} |")
        return "\n".join(lines)
    if style != "text":
        raise SymrfError(f"unknown style {style!r}; use text, json, markdown or latex")
    lines = []
    for name, value in values.items():
        shown = _text_lines(value)
        lines.append(f"{name:<17} = {shown[0]}")
        lines.extend(f"{'':<17}   {more}" for more in shown[1:])
    return "\n".join(lines)


def sweep_report(table: SweepTable, style: str = "text") -> str | list[dict[str, object]]:
    """A sweep as aligned text columns, a JSON-ready list of rows, or Markdown (``style``).

    >>> print(sweep_report(sweep(closed_form("n * [conv(3)]"), {"n": [1, 2]})))
    n  rf
    1   3
    2   5
    """
    from .printing import json_value

    names = [*table.names, table.quantity]
    if style == "json":
        return [{name: json_value(value) for name, value in row.items()} for row in table]
    cells = [[str(row[name]) for name in names] for row in table]
    if style == "markdown":
        lines = ["| " + " | ".join(names) + " |", "|" + "|".join("---" for _ in names) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])
    if style != "text":
        raise SymrfError(f"unknown style {style!r}; use text, json or markdown")
    widths = [max(len(name), *(len(row[i]) for row in cells)) for i, name in enumerate(names)]
    lines = ["  ".join(name.ljust(width) if i == 0 else name.rjust(width)
                       for i, (name, width) in enumerate(zip(names, widths))).rstrip()]
    lines += ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in cells]
    return "\n".join(lines)
