"""Closed forms for networks with blocks repeated a symbolic number of times.

The quantities are those of :mod:`symrf.segments` (a segment's span, jump, effective padding and centre, composed
affinely and repeated as a geometric series); this module presents them as an analysis (:class:`ClosedFormAnalysis`),
a derivation, exact evaluation (:func:`exact_function`) and sweeps over a grid of values. The formulas hold on the
symbols' domains (counts are positive); a count of 0 is handled by :meth:`ClosedFormAnalysis.subs`, which rebuilds
the network.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, reduce
from typing import Any, cast

import sympy

from . import recurrence as rec
from .analysis import Analysis, Row, given_values, hidden_rows_note, substitution
from .chain import ChainAnalysis
from .derivations import closed_form_derivation
from .errors import SymrfError, quoted
from .latex import latex_value, wrap_document
from .layers import Layer, Value, as_value
from .naming import Namer, given_names
from .network import Network, Repeat
from .printing import json_value, nested_tex, nested_text
from .segments import (
    Summary,
    _expr,
    _normal,
    _power,
    geometric_sum,
    is_one,
    summarize,
    tidy,
    unit_condition,
)
from .spec import MAX_DIGITS, parse
from .symbols import NAME_PATTERN

__all__ = [
    "ClosedFormAnalysis",
    "Summary",
    "SweepTable",
    "closed_form",
    "closed_form_derivation",
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


#: Most points of a sweep.
MAX_SWEEP_POINTS = 1_000_000

#: Most rows ``symrf rf --sweep`` prints (each is a line of text or a JSON object); larger grids are refused before
#: they are built (the Python API :func:`sweep` returns up to :data:`MAX_SWEEP_POINTS` values as columns).
MAX_PRINTED_SWEEP_ROWS = 200_000

_HALF = sympy.Rational(1, 2)



# -- substitution ---------------------------------------------------------------------------------------------


def substitute(network: Network, mapping: Mapping[sympy.Symbol, Value]) -> Network:
    """``network`` with symbols replaced; a count that becomes an integer keeps its block whole (repetitions are
    never unrolled), 1 gives the block itself and 0 removes it.

    >>> substitute(parse("n * [conv(3)]"), {symbol("n"): 2})
    2 * [conv(3)]
    >>> substitute(parse("conv(3), n * [conv(3)]"), {symbol("n"): 0})
    conv(3)
    """
    return network.xreplace(dict(mapping))


def substitute_values(network: Network, values: Mapping[Any, object]) -> Network:
    """``network`` with symbols given by name (``{"k": 3}``) replaced, checked as :meth:`ClosedFormAnalysis.subs`
    checks them.

    >>> from symrf.closed_forms import substitute_values
    >>> substitute_values(parse("n * [conv(k)]"), {"k": 3, "n": 2})
    2 * [conv(3)]
    """
    mapping = substitution(network.free_symbols, values)
    return network.xreplace(mapping)


# -- the analysis object ----------------------------------------------------------------------------------------


class ClosedFormAnalysis(Analysis):
    """The receptive-field quantities of a network with repeated blocks, as closed forms in the counts.

    Rows are listed for the layers outside symbolic repeats and for each repeated block as a whole (``kind
    "repeat"``); the layers inside a block repeated a symbolic number of times have no rows until the count has
    a value (``subs`` then gives a :class:`~symrf.chain.ChainAnalysis` with every layer), and a note says so.

    >>> a = closed_form("n * [conv(k, s)]")
    >>> a.rf
    Piecewise((n*(k - 1) + 1, Eq(s, 1)), ((k - 1)*(s**n - 1)/(s - 1) + 1, True))
    >>> a.subs(s=1).rf
    n*(k - 1) + 1
    >>> a.subs(k=3, s=2, n=4).rf
    31
    >>> [(row.name, row.rf) for row in analyze("conv(3), n * [conv(3)]")]
    [('conv1', 3), ('repeat1', 2*n + 3)]
    """

    def __init__(self, network: Network, input_size: Value | None = None) -> None:
        self.network = network
        self.input_size = input_size
        self.summary = summarize(network)
        if input_size is not None:
            self._built  # noqa: B018 - sizes are checked now, as every engine does: an empty output is an error

    @cached_property
    def rf(self) -> Value:
        """The receptive field size ``1 + R`` of the network's output, in input pixels."""
        return tidy(_normal(1 + self.summary.span))

    @cached_property
    def jump(self) -> Value:
        """The effective stride ``J``: input pixels between neighbouring output features."""
        return tidy(self.summary.jump)

    @cached_property
    def effective_padding(self) -> Value:
        """``P``: how far output feature 0's field reaches before input pixel 0."""
        return tidy(self.summary.effective_padding)

    @cached_property
    def start(self) -> Value:
        """``-P``: the first input pixel that output feature 0 sees."""
        return tidy(_normal(-self.summary.effective_padding))

    @cached_property
    def center(self) -> Value:
        """``(rf - 1)/2 - P``: the centre of feature 0's field; feature ``x``'s is ``center + x * jump``."""
        return tidy(self.summary.center)

    @property
    def size(self) -> Value | None:
        """The output size for the given input size: ``None`` without one, or where a repeated block changes the
        size (a note says so)."""
        return self.rows[-1].size if self.rows and self.input_size is not None else self.input_size

    @property
    def notes(self) -> tuple[str, ...]:
        return self._built[1]

    @cached_property
    def _built(self) -> tuple[tuple[Row, ...], tuple[str, ...]]:
        namer = Namer(given_names(self.network.items))
        rows: list[Row] = []
        notes: list[str] = []
        summary = Summary.identity()
        self._before: list[Summary] = []  # the segment before each row, for copies()
        size = self.input_size
        previous = "input"
        for index, item in enumerate(self.network.items, start=1):
            self._before.append(summary)
            if isinstance(item, Repeat):
                name = namer.name("repeat")
                summary = summary.then(summarize(item.body).repeated(item.count))
                padding = None
                size = self._repeated_size(item, size, name, notes)
                if isinstance(item.count, sympy.Expr) and item.count.free_symbols:
                    notes.append(hidden_rows_note(name, item))
            else:
                name = namer.name(item.kind, item.name)
                summary = summary.then(Summary.of_layer(item))
                padding = (item.padding, item.padding)
                if size is not None:
                    size = _layer_size(item, size, name)
            rf = tidy(_normal(1 + summary.span))
            rows.append(Row(index, name, "repeat" if isinstance(item, Repeat) else item.kind, item, (previous,),
                            rf, rf, tidy(summary.jump), tidy(summary.effective_padding),
                            tidy(_normal(-summary.effective_padding)), tidy(summary.center), size, padding))
            previous = name
        return tuple(rows), tuple(notes)

    def copies(self, key: int | str) -> tuple[Row, ...]:
        """The rows of the first and the last copy of a block repeated an integer number of times (row ``key``),
        named ``repeat1[1]/conv1, ...`` and ``repeat1[n]/conv1, ...``, each with its values in the whole network
        (sizes are not followed); empty for any other row.

        >>> [(row.name, row.rf) for row in analyze("conv(3), 10**6 * [conv(3), pool(2, 1)]").copies("repeat1")]
        ... # doctest: +NORMALIZE_WHITESPACE
        [('repeat1[1]/conv1', 5), ('repeat1[1]/pool1', 6),
         ('repeat1[1000000]/conv1', 3000002), ('repeat1[1000000]/pool1', 3000003)]
        """
        row = self.layer(key)
        block = row.layer
        if not isinstance(block, Repeat) or type(block.count) is not int:
            return ()
        self._built  # noqa: B018 - fills self._before
        before = self._before[row.index - 1]
        body = summarize(block.body)
        found: list[Row] = []
        for copy, summary in ((1, before), (block.count, before.then(body.repeated(block.count - 1)))):
            namer, previous = Namer(given_names(block.body.items)), row.inputs[0]
            for item in block.body.items:
                if isinstance(item, Repeat):
                    name, kind, padding = namer.name("repeat"), "repeat", None
                    summary = summary.then(summarize(item.body).repeated(item.count))
                else:
                    layer = cast(Layer, item)  # a plain network: layers and repeated blocks
                    name, kind, padding = namer.name(layer.kind, layer.name), layer.kind, (layer.padding, layer.padding)
                    summary = summary.then(Summary.of_layer(layer))
                rf = tidy(_normal(1 + summary.span))
                name = f"{row.name}[{copy}]/{name}"
                found.append(Row(row.index, name, kind, item, (previous,), rf, rf, tidy(summary.jump),
                                 tidy(summary.effective_padding), tidy(_normal(-summary.effective_padding)),
                                 tidy(summary.center), None, padding))
                previous = name
        return tuple(found)

    @staticmethod
    def _repeated_size(item: Repeat, size: Value | None, name: str, notes: list[str]) -> Value | None:
        """The size after a repeated block (:func:`symrf.recurrence.repeated_size`), or None with a note."""
        if size is None:
            return None
        body = item.body

        def step(one: Value) -> Value | None:
            analysis = ClosedFormAnalysis(body, one) if body.has_repeats else ChainAnalysis(body, one)
            return analysis.size

        found = rec.repeated_size(step, size, item.count, name)
        if found is None:
            notes.append(f"{name}: the output size after {item.count} repetitions of a strided block is not computed")
        return found

    @property
    def rows(self) -> tuple[Row, ...]:
        return self._built[0]

    def subs(self, values: Mapping[Any, object] | None = None, **named: object) -> Analysis:
        """The analysis of the network with symbols given values; once no symbolic count is left, a
        :class:`~symrf.chain.ChainAnalysis` (with per-layer rows), whose values equal the closed form's.

        >>> closed_form("n * [conv(3), pool(2)]").subs(n=2).rf
        10
        """
        mapping = substitution(self.free_symbols, given_values(values, named))
        network = substitute(self.network, mapping)
        size = self.input_size
        if isinstance(size, sympy.Expr):
            size = as_value(size.xreplace(mapping), "size", "input ")
        if network.has_repeats:
            return ClosedFormAnalysis(network, size)
        return ChainAnalysis(network, size)

    def latex(self, **options: Any) -> str:
        """The step-by-step LaTeX derivation of the closed form (see :func:`symrf.latex.closed_form_derivation`)."""
        return closed_form_derivation(self, **options)


def _layer_size(layer: Layer, size: Value, name: str) -> Value:
    """The output size of one layer, or an error when it would be empty (:mod:`symrf.recurrence`)."""
    kernel = layer.effective_kernel
    rec.check_output(name, size, kernel, layer.padding)
    return rec.output_size(size, kernel, layer.stride, layer.padding)


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
    if isinstance(network, Analysis):
        return network.network
    if isinstance(network, str):
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


_RELATIONS: dict[type, Callable[[_Number, _Number], bool]] = {
    sympy.Equality: operator.eq,
    sympy.Unequality: operator.ne,
    sympy.StrictLessThan: operator.lt,
    sympy.LessThan: operator.le,
    sympy.StrictGreaterThan: operator.gt,
    sympy.GreaterThan: operator.ge,
}


def _compile(expr: sympy.Basic, position: dict, memo: dict) -> Callable[[tuple], _Number]:
    if expr in memo:
        return memo[expr]
    compiled = _compile_node(expr, position, memo)
    memo[expr] = compiled
    return compiled


def _compile_node(expr: sympy.Basic, position: dict, memo: dict) -> Callable[[tuple], _Number]:
    if expr.is_Integer:
        constant: _Number = int(expr)
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

        def piecewise(values: tuple) -> _Number:
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


def sweep(source: object, grid: Mapping[Any, Iterable[int]], quantity: str = "rf",
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


def _sweep_grid(grid: Mapping[Any, Iterable[int]], known: dict[str, sympy.Symbol],
                expr: sympy.Basic) -> tuple[list[str], list[list[int]]]:
    names: list[str] = []
    values: list[list[int]] = []
    if not isinstance(grid, Mapping):
        raise SymrfError(f"a sweep's grid maps symbols to integers, as in {{'n': range(1, 13)}}, not {quoted(grid)}")
    for key, given in grid.items():
        name = key.name if isinstance(key, sympy.Symbol) else str(key)
        if name not in known:
            shown = ", ".join(sorted(known)) or "none"
            raise SymrfError(f"there is no symbol {quoted(name)} to sweep (the symbols: {shown})")
        if isinstance(given, (int, sympy.Integer)) and not isinstance(given, bool):
            given = [given]
        if not isinstance(given, Iterable) or isinstance(given, (str, bytes)):
            raise SymrfError(f"the sweep's values of {name} are a list or range of integers, not {quoted(given)}")
        if isinstance(given, Sized):
            try:
                size = len(given)
            except OverflowError:  # range(1, 10**100)
                size = MAX_SWEEP_POINTS + 1
            if size > MAX_SWEEP_POINTS:
                raise SymrfError(f"the sweep gives more than {MAX_SWEEP_POINTS:,} values of {name}")
        if name in names:
            raise SymrfError(f"{name} is given twice in the sweep")
        sym = known[name]
        low = 0 if sym.is_nonnegative and not sym.is_positive else 1  # the formulas hold on the symbols' domains
        column = []
        for value in given:
            if isinstance(value, bool) or not isinstance(value, (int, sympy.Integer)):
                raise SymrfError(f"sweep values must be integers; {name} got {quoted(value)}")
            if abs(int(value)).bit_length() > 3 * MAX_DIGITS and abs(int(value)) >= 10**MAX_DIGITS:
                raise SymrfError(f"a sweep value of {name} has more than {MAX_DIGITS:,} digits")
            if value < low:
                raise SymrfError(f"{name} must be at least {low} in the sweep, got {value}")
            column.append(int(value))
            if len(column) > MAX_SWEEP_POINTS:
                raise SymrfError(f"the sweep gives more than {MAX_SWEEP_POINTS:,} values of {name}")
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


def sweep_report(table: SweepTable, style: str = "text") -> str | list[dict[str, object]]:
    """A sweep as aligned text columns, a JSON-ready list of rows, or Markdown (``style``).

    >>> print(sweep_report(sweep(closed_form("n * [conv(3)]"), {"n": [1, 2]})))
    n  rf
    1   3
    2   5
    """
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
