"""Inverse design: the least value of one unknown (a count, a kernel, a stride ...) whose RF reaches a target.

The receptive field ``r = 1 + sum_l (k'_l - 1) prod_{i<l} s_i`` is non-decreasing in every kernel, dilation and
stride and in every repetition count (more copies add non-negative terms and multiply the later ones by strides
>= 1). So when every value that holds the unknown is non-decreasing in it (checked), the set of values reaching
the target is upward closed, and the least one is found exactly by doubling then bisection, evaluating the RF with
Python integers only (no floating point, no ``ceiling(log(...))``, both wrong at exact powers). The evaluation
saturates at the target, so a probe never builds numbers much larger than the target.

For one block repeated ``n`` times between a prefix ``A`` and a suffix ``C`` (a network without symbols is read as
``n * [network]``), the closed form is ``l(n) = 1 + R_A + J_A (R_B (J_B^n - 1)/(J_B - 1) + J_B^n R_C)``, and with
``D = T - l(0)``, ``l(0) = 1 + R_A + J_A R_C``, the inequality ``l(n) >= T`` rearranges to::

    J_B^n >= 1 + D (J_B - 1) / (J_A (R_B + (J_B - 1) R_C)),   n = ceil(log(...) / log(J_B))   (J_B > 1)
    n >= D / (J_A R_B),                                         n = ceil(D / (J_A R_B))         (J_B = 1)

These formulas are what :class:`Solution` shows; numbers always come from the exact integer search.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any, cast

import sympy

from .analysis import Analysis, given_values, substitution
from .closed_forms import _network, closed_form, exact_function
from .dag import INPUT, Graph
from .errors import SymrfError, UnreachableError, brief, quoted
from .graph import GraphAnalysis, _equal
from .graphfile import GraphSpec
from .latex import _align, latex_value, wrap_document
from .layers import DOWN_KINDS, UP_KINDS, Layer, Value, input_sizes_per_axis
from .network import Network, Parallel, Repeat
from .printing import json_value, symbols_json
from .segments import _power, expand_if_small, is_one, summarize, tidy, unit_condition
from .spec import MAX_DIGITS, parse_value
from .symbols import NAME_PATTERN, factor_terms
from .symbols import symbol as make_symbol

__all__ = ["Solution", "solve"]

#: Extra bits of search room above the target's size before a target is declared out of reach.
SEARCH_MARGIN_BITS = 64

#: Largest closed form (in nodes) shown in a derivation; larger ones are left out of the LaTeX.
SHOWN_FORMULA_LIMIT = 400


@dataclass(frozen=True, slots=True)
class Solution:
    """The least value of ``symbol`` for which the network's RF reaches ``target``, and how it was found.

    ``value`` and ``rf`` (the RF at that value) are ints for a numeric question and sympy expressions (a ceiling
    of a logarithm or of a quotient, valid under ``conditions``) otherwise. ``rf_before`` is the RF one step
    earlier (``None`` when ``value`` is the least allowed value). ``steps`` are the rows of the LaTeX derivation.

    >>> s = solve("conv(3), pool(2, 2)", 224)
    >>> s.value, s.rf, s.rf_before
    (7, 382, 190)
    >>> s.to_json()
    {'symbol': 'n', 'value': 7, 'rf': 382, 'symbols': [{'name': 'n', 'integer': True, 'positive': True}]}
    """

    symbol: sympy.Symbol
    value: Value
    rf: Value
    rf_before: Value | None
    target: Value
    conditions: tuple[sympy.Basic, ...]
    steps: tuple[str, ...]
    network: Network | Graph
    #: "chain" (a plain chain: the formulas of this module), "graph" (parallel paths, padding modes, a graph) or
    #: "axes" (the largest of the answers along every axis, in ``axes``).
    engine: str = "chain"
    #: For a graph: the RF as a formula in the unknown when every merge's largest path is known, else None (the answer
    #: then comes from the exact search alone).
    formula: Value | None = None
    axes: tuple[Solution, ...] = ()
    axis: int | None = None  # the one axis asked about (``axis=``), if any

    @property
    def is_numeric(self) -> bool:
        return type(self.value) is int

    def latex(self, document: bool = False) -> str:
        """The derivation: the inequality, its rearrangement, the logarithm and the ceiling, then the checked
        integer answer and the RF one step earlier, in an ``align*`` environment (a whole document on request)."""
        body = _align(list(self.steps))
        return wrap_document(body) if document else body

    def _repr_latex_(self) -> str:
        return self.latex()

    def to_json(self) -> dict[str, object]:
        """``{"symbol": "n", "value": 7, "rf": 382, "symbols": [...]}``; non-integers are strings that
        ``sympy.parse_expr`` reads back with the ``symbols`` (each name with its assumptions, the unknown's too),
        and a symbolic answer adds its ``conditions``."""
        result: dict[str, object] = {
            "symbol": self.symbol.name,
            "value": json_value(self.value),
            "rf": json_value(self.rf),
        }
        if self.conditions:
            result["conditions"] = [str(condition) for condition in self.conditions]
        if self.engine != "chain":
            if self.engine == "axes":
                result["rf"] = [json_value(value) for value in cast(tuple, self.rf)]
                result["axes"] = [{"axis": axis, "value": json_value(one.value), "rf": json_value(one.rf)}
                                  for axis, one in enumerate(self.axes)]
            else:
                result["formula"] = None if self.formula is None else json_value(self.formula)
                result["method"] = "exact search" if self.formula is None and self.is_numeric else "closed form"
            if self.axis is not None:
                result["axis"] = self.axis
        found = set(self.network.free_symbols) | {self.symbol}
        for value in (self.target, self.value, self.rf, *self.conditions):
            found |= _symbols(value)
        result["symbols"] = symbols_json(found)
        return result

    def subs(self, values: Mapping[Any, object] | None = None, **named: object) -> Solution:
        """Solve again with some symbols given values; once all are numbers, through the exact integer search.

        >>> solve("n * [conv(k, s)]", "T").subs(k=3, s=2, T=224).value
        7
        """
        given = given_values(values, named)
        known = {sym.name: sym for sym in self.network.free_symbols | _symbols(self.target)}
        mapping = {}
        for key, value in given.items():
            name = key.name if isinstance(key, sympy.Symbol) else str(key)
            if name == self.symbol.name:
                raise SymrfError(f"{name} is the unknown being solved for; it cannot be given a value")
            if name not in known:
                shown = ", ".join(sorted(n for n in known if n != self.symbol.name)) or "none"
                raise SymrfError(f"there is no symbol {quoted(name)} in this question (its other symbols: {shown})")
            mapping[known[name]] = _given(value, name)
        network = self.network.xreplace(mapping)
        target = self.target if type(self.target) is int else _normal(cast(sympy.Expr, self.target).xreplace(mapping))
        return solve(network, target, self.symbol.name, axis=self.axis)

    def __str__(self) -> str:
        if self.is_numeric:
            before = "" if self.rf_before is None else f", RF({self.value - 1}) = {_shown(self.rf_before)}"
            where = " on every axis" if self.engine == "axes" else "" if self.axis is None else f" on axis {self.axis}"
            search = ("; the RF is a maximum over paths, answered by exact search"
                      if self.engine == "graph" and self.formula is None else "")
            return f"{self.symbol} = {self.value} (RF {_shown(self.rf)} >= {self.target}{where}{before}){search}"
        conditions = f" when {', '.join(map(str, self.conditions))}" if self.conditions else ""
        return f"{self.symbol} = {self.value}{conditions}"


def _shown(value: object) -> str:
    """A value, or one per axis as ``(43, 51)``."""
    return f"({', '.join(map(str, value))})" if isinstance(value, tuple) else str(value)


def _symbols(value: Value) -> frozenset[sympy.Symbol]:
    return frozenset(value.free_symbols) if isinstance(value, sympy.Basic) else frozenset()


def _normal(value: Value) -> Value:
    return int(value) if isinstance(value, sympy.Expr) and value.is_Integer else value


def _given(value: object, name: str) -> Value:
    if isinstance(value, bool) or not isinstance(value, (int, sympy.Integer)):
        raise SymrfError(f"{name} must be given an integer, not {quoted(value)}")
    if abs(int(value)).bit_length() > 3 * MAX_DIGITS and abs(int(value)) >= 10**MAX_DIGITS:
        raise SymrfError(f"{name} has more than {MAX_DIGITS:,} digits")
    return int(value)


# -- the question -----------------------------------------------------------------------------------------------


def _target(value: object) -> Value:
    """The target RF: a positive integer, or an integer expression (``T``), read safely from text. A target that is
    zero or negative whatever its symbols are (``-T``) is refused, as are numbers with more than ``MAX_DIGITS``
    digits."""
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?(\d[\d_]*\.[\d_]*|\.\d[\d_]*|\d[\d_]*([.]\d*)?[eE][+-]?\d+)", text):
            raise SymrfError(f"the target RF must be a positive integer or a symbol such as T; {quoted(text)} is not "
                             "an integer")
        try:
            value = parse_value(value, "target")
        except SymrfError as exc:
            raise SymrfError(f"the target {quoted(text, 30)}: {exc}") from None
    if isinstance(value, bool) or isinstance(value, float):
        raise SymrfError(f"the target RF must be a positive integer or a symbol such as T, not {quoted(value)}")
    if isinstance(value, sympy.Basic):
        if not isinstance(value, sympy.Expr) or value.has(sympy.Float) or value.is_number and not value.is_Integer:
            raise SymrfError(f"the target RF must be an integer, not {quoted(value)}")
        if value.is_Integer:
            value = int(value)
        elif not value.is_integer:
            raise SymrfError(f"the target RF must be an integer, and {quoted(value)} may not be one")
        elif value.is_positive is False:
            raise SymrfError(f"the target RF must be positive, and {quoted(value)} is zero or negative for every value "
                             "of its symbols")
        else:
            return value
    if not isinstance(value, int):
        raise SymrfError(f"the target RF must be an integer, not {type(value).__name__} {quoted(value)}")
    if value.bit_length() > 3 * MAX_DIGITS and abs(value) >= 10**MAX_DIGITS:  # compared without printing it
        raise SymrfError(f"the target RF has more than {MAX_DIGITS:,} digits")
    if value < 1:
        raise SymrfError(f"the target RF must be a positive integer, got {quoted(value)}")
    return value


def _unknown(network: Network | Graph, wanted: object) -> tuple[Network | Graph, sympy.Symbol]:
    """The network to solve (a network without symbols is read as ``n * [network]``) and its unknown."""
    symbols = network.free_symbols
    by_name = {sym.name: sym for sym in symbols}
    name = None
    if wanted is not None:
        if not isinstance(wanted, (str, sympy.Symbol)):
            raise SymrfError(f"the unknown is a symbol or its name, such as 'n', not {quoted(wanted)}")
        name = wanted.name if isinstance(wanted, sympy.Symbol) else wanted
        if not NAME_PATTERN.match(name):
            raise SymrfError(f"{quoted(name)} is not a symbol name")
    if not symbols:
        if isinstance(network, Graph):
            raise SymrfError("the graph has no symbol to solve for; write one (a count, a kernel ...) in its layers")
        if name not in (None, "n"):
            raise SymrfError(
                f"the network has no symbol {name}: a network without symbols is solved for how many times to "
                "repeat it (the unknown n)"
            )
        n = make_symbol("n")
        return Network((Repeat(n, network),)), n
    if name is not None:
        if name not in by_name:
            known = ", ".join(sorted(by_name))
            raise SymrfError(f"there is no symbol {quoted(name)} in the network (its symbols: {known})")
        return network, by_name[name]
    if len(symbols) == 1:
        return network, next(iter(symbols))
    counts = _count_symbols(network)
    if len(counts) == 1:
        return network, next(iter(counts))
    raise SymrfError(
        f"the network has several symbols ({', '.join(sorted(by_name))}); say which one to solve for "
        "(symbol=... or --for) and give the others values (subs=... or --subs)"
    )


def _count_symbols(network: Network | Graph) -> frozenset[sympy.Symbol]:
    """The symbols in repetition counts, at any depth, inside parallel paths and graph nodes too."""
    if isinstance(network, Graph):
        return frozenset().union(*(_count_symbols(node.op) for node in network.nodes))
    if network.is_plain:
        return network.count_symbols
    found: set[sympy.Symbol] = set()
    for item in network.items:
        if isinstance(item, Repeat):
            found |= _symbols(item.count) | _count_symbols(item.body)
        elif isinstance(item, Parallel):
            for branch in item.branches:
                found |= _count_symbols(branch)
    return frozenset(found)


def read_subs(text: str | None) -> dict[str, str]:
    """The values of ``--subs``: ``"k=3, s=2"`` as ``{"k": "3", "s": "2"}`` (the values are read by :func:`solve`).

    >>> read_subs("k=3, s=2")
    {'k': '3', 's': '2'}
    """
    if text is None or not text.strip():
        return {}
    found: dict[str, str] = {}
    for part in text.split(","):
        name, equals, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not NAME_PATTERN.match(name) or not value:
            raise SymrfError(f"--subs: {quoted(part.strip(), 30)} is not name=value; write --subs k=3,s=2")
        if name in found:
            raise SymrfError(f"--subs: {name} is given twice")
        found[name] = value
    return found


def _given_symbols(network: Network | Graph, target: Value, subs: object, unknown: object
                   ) -> tuple[Network | Graph, Value]:
    """The network and the target with the symbols of ``subs`` (a mapping by name or symbol; values are integers or
    text read by the spec's value parser) replaced; a name the question does not have is an error."""
    if subs is None:
        return network, target
    if not isinstance(subs, Mapping):
        raise SymrfError(f"subs takes a mapping of symbols to values, such as {{'k': 3}}, not {quoted(subs)}")
    symbols = network.free_symbols | _symbols(target)
    substitution(symbols, {key: 0 for key in subs})  # a name the question does not have: the analysis's message
    wanted = unknown.name if isinstance(unknown, sympy.Symbol) else unknown
    values: dict[str, Value] = {}
    for key, value in subs.items():
        name = key.name if isinstance(key, sympy.Symbol) else str(key)
        if name == wanted:
            raise SymrfError(f"{name} is the unknown being solved for; it cannot be given a value")
        if isinstance(value, str):
            try:
                value = parse_value(value, name)
            except SymrfError as exc:
                raise SymrfError(f"the value of {name}: {exc}") from None
        values[name] = _given(value, name)
    mapping = substitution(symbols, values)
    if not mapping:
        return network, target
    target = target if type(target) is int else _normal(cast(sympy.Expr, target).xreplace(mapping))
    return network.xreplace(mapping), target


def _question(network: object, input_size: object) -> tuple[Network | Graph, object]:
    """The network asked about and its input size: a graph file read by :func:`symrf.load_graph` brings its own."""
    if isinstance(network, GraphSpec):
        return cast("Network | Graph", network.network), network.input_size if input_size is None else input_size
    if isinstance(network, Graph):
        return network, input_size
    if isinstance(network, Analysis):
        return network.network, network.input_size if input_size is None else input_size
    return _network(network), input_size


def solve(network: Network | Graph | str | list | Analysis | GraphSpec, target: object, symbol: object = None, *,
          subs: Mapping[Any, object] | None = None, axis: int | None = None,
          input_size: object = None) -> Solution:
    """The least non-negative integer value of the unknown such that the network's RF is at least ``target``.

    The unknown is ``symbol`` if given, else the network's only symbol, else its only repetition count; a network
    without symbols is read as ``n * [network]``. ``subs`` gives other symbols values (``{"k": 3}``). With other
    symbols left (or a symbolic target) the answer is a formula with the conditions under which it holds.

    Networks with parallel paths, padding modes and graphs are solved exactly by the same search on the largest RF
    over paths; with values per axis the answer is the least value reaching the target on every axis (or on
    ``axis`` only). ``input_size`` checks that every layer still has an output at the answer.

    >>> solve("conv(3)", 10**30).value
    500000000000000000000000000000
    >>> solve("conv(3, s=3)", 3**19 + 2).value
    20
    >>> solve("n * [conv(k, s)]", "T").value
    Piecewise((ceiling((T - 1)/(k - 1)), Eq(s, 1)), (ceiling(log((T - 1)*(s - 1)/(k - 1) + 1)/log(s)), True))
    >>> solve("conv(k), pool(2), conv(k)", 100).value
    34
    >>> solve("conv(7, 2, p=3), pool(3, 2, p=1), n * [residual([conv(3, p=1), conv(3, p=1)])]", 224).value
    14
    >>> solve("n * [conv((3, 5))]", 21).value, solve("n * [conv((3, 5))]", 21, axis=1).value
    (10, 5)
    >>> solve("n * [conv(1)]", 10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symrf.errors.UnreachableError: repeating the block [conv(1)] never widens the receptive field ...
    """
    network, input_size = _question(network, input_size)
    network, unknown = _unknown(network, symbol) if subs is None else (network, None)
    target = _target(target)
    if subs is not None:
        network, target = _given_symbols(network, target, subs, symbol)
        network, unknown = _unknown(network, symbol)
    count = network.axis_count
    if count == 1 and isinstance(input_size, (tuple, list)) and len(input_size) > 1:
        count = len(input_size)
    sizes = input_sizes_per_axis(input_size, count)
    if axis is not None:
        if isinstance(axis, bool) or not isinstance(axis, int) or not 0 <= axis < count:
            raise SymrfError(f"there is no axis {quoted(axis)}: the network has {count} axis"
                             f"{'' if count == 1 else 'es'}, 0 to {count - 1}")
        one = _solve_line(network.along(axis) if count > 1 else network, unknown, target, sizes[axis])
        return replace(one, network=network, axis=axis)
    if count > 1:
        return _solve_axes(network, unknown, target, sizes)
    return _solve_line(network, unknown, target, sizes[0])


def _solve_line(network: Network | Graph, unknown: sympy.Symbol, target: Value, size: Value | None) -> Solution:
    """One axis: a plain chain by this module's formulas, anything else by the exact search on the largest path."""
    others = (network.free_symbols | _symbols(target)) - {unknown}
    if isinstance(network, Network) and network.is_plain:
        if not others:
            solution = _NumericQuestion(network, unknown, cast(int, target)).solve()  # no symbol left: an int
        else:
            return _symbolic(network, unknown, target)
    else:
        _check_kinds(network, unknown)
        if others:
            chain = _largest_path(network, unknown) if isinstance(network, Network) else None
            if chain is None:
                shown = ", ".join(sorted(sym.name for sym in others))
                raise SymrfError(
                    f"the RF of this network is a maximum over paths that sympy cannot resolve for every value of "
                    f"{shown}; give {'it a value' if len(others) == 1 else 'them values'} (subs=... or --subs) to "
                    f"solve for {unknown} exactly"
                )
            solution = _symbolic(chain, unknown, target)
            return replace(solution, network=network, engine="graph", formula=_closed_rf(chain),
                           steps=(solution.steps[0], _LARGEST_PATH_ROW, *solution.steps[1:]))
        solution = _NumericQuestion(network, unknown, cast(int, target)).solve()
    if size is not None:
        _check_sizes(network, unknown, cast(int, solution.value), size)
    return solution


def _closed_rf(chain: Network) -> Value | None:
    """The RF of a plain chain as a formula (None when too large to show)."""
    rf = _rf_formula(chain)
    return rf if _size(rf) <= SHOWN_FORMULA_LIMIT else None


@lru_cache(maxsize=64)
def _rf_formula(chain: Network) -> Value:
    """The closed form of a plain chain's RF, computed once for the answer and its derivation."""
    return closed_form(chain).rf


def _check_sizes(network: Network | Graph, x: sympy.Symbol, value: int, size: Value) -> None:
    """Every layer has an output at the answer, for the given input size (else an error saying where)."""
    try:
        GraphAnalysis(network.xreplace({x: value}), size)
    except SymrfError as exc:
        raise SymrfError(f"at {x} = {value}, for the input size {brief(size)}: {exc}") from None


def _solve_axes(network: Network | Graph, x: sympy.Symbol, target: Value, sizes: tuple) -> Solution:
    """Values per axis: the least value reaching the target on every axis is the largest of the axes' answers (each
    axis's RF is non-decreasing in the unknown, so the values reaching the target on an axis are upward closed)."""
    count = len(sizes)
    if type(target) is not int or network.free_symbols - {x}:
        raise SymrfError("with values per axis, give every other symbol a value (subs=... or --subs), or choose one "
                         "axis (axis=... or --axis)")
    answers = tuple(_solve_line(network.along(axis), x, target, sizes[axis]) for axis in range(count))
    value = max(cast(int, answer.value) for answer in answers)
    questions = [_NumericQuestion(network.along(axis), x, target) for axis in range(count)]
    rf = tuple(question.rf(value) for question in questions)
    before_ok = value - 1 >= 0 and all(question.valid(value - 1) for question in questions) and \
        all(value - 1 >= question.least() for question in questions)
    rf_before = tuple(question.rf(value - 1) for question in questions) if before_ok else None
    name = latex_value(x)
    rows = _question_rows(name, str(target), x in _count_symbols(network))
    rows[0] = rows[0].replace(" reaches the target", " reaches the target on every axis")
    for axis, answer in enumerate(answers):
        rows.append(_text(f"Along axis {axis}:"))
        rows.extend(answer.steps[1:])
    shown = ", ".join(str(answer.value) for answer in answers)
    rows.append(_text("The least value that reaches the target on every axis is the largest of these:"))
    rows.append(f"{name} &= \\max({shown}) = {value}")
    rows.append(_text("Checked with exact integers:"))
    rows.append(f"l({value}) &= ({', '.join(map(str, rf))})")
    if rf_before is not None:
        rows.append(f"l({value - 1}) &= ({', '.join(map(str, rf_before))})")
    return Solution(x, value, rf, rf_before, target, (), tuple(rows), network, "axes", None, answers)


# -- exact numeric search ---------------------------------------------------------------------------------------

_Node = tuple  # ("layer", kernel, dilation, stride) or ("repeat", count, body nodes); values are functions of x


class _NumericQuestion:
    """One numeric question: a network whose only symbol is ``x``, and an integer target."""

    def __init__(self, network: Network | Graph, x: sympy.Symbol, target: int) -> None:
        self.network, self.x, self.target = network, x, target
        self._functions: dict[object, Callable[[int], int]] = {}
        self.checks: list[tuple[str, Callable[[int], int], int, str]] = []  # (role, value, least, where)
        self.paddings: list[tuple[Callable[[int], int], str]] = []
        self.depends = False
        self.only_counts = True
        self.plain = isinstance(network, Network) and network.is_plain
        self.nodes = self._compile(network)

    @cached_property
    def chain(self) -> Network | None:
        """The network as a plain chain: itself, or the chain of its largest paths when sympy decides them."""
        if self.plain:
            return cast(Network, self.network)
        return _largest_path(self.network, self.x) if isinstance(self.network, Network) else None

    # compilation: every value holding x becomes an exact function of x, checked to be non-decreasing

    def _value(self, value: Value, role: str, where: str) -> Callable[[int], int]:
        if type(value) is int:
            constant = value
            return lambda v: constant
        if self.x not in cast(sympy.Expr, value).free_symbols:
            constant = int(value)
            return lambda v: constant
        if role != "padding":
            self.depends = True
            if role != "count":
                self.only_counts = False
            if not _non_decreasing(value, self.x):
                raise SymrfError(
                    f"the RF is not non-decreasing in {self.x} ({where} {role} {value} can shrink as {self.x} grows), "
                    f"so the least {self.x} reaching a target cannot be searched for"
                )
        else:
            self.only_counts = False
        function = self._functions.get(value)
        if function is None:
            exact = exact_function(value, [self.x])

            def function(v: int, exact: Callable = exact, value: Value = value) -> int:
                result = exact(v)
                if isinstance(result, Fraction):
                    raise SymrfError(f"{value} is not an integer at {self.x} = {v}")
                return result

            self._functions[value] = function
        if role == "padding":
            self.paddings.append((function, where))
        else:
            self.checks.append((role, function, 0 if role == "count" else 1, where))
        return function

    def _compile(self, network: Network | Graph) -> list[_Node]:
        if isinstance(network, Graph):
            return [self._compile_graph(network)]
        nodes: list[_Node] = []
        for item in network.items:
            if isinstance(item, Layer):
                where = repr(item) + ":"
                nodes.append((
                    "layer",
                    self._value(item.kernel, "kernel", where),
                    self._value(item.dilation, "dilation", where),
                    self._value(item.stride, "stride", where),
                ))
                for padding in (item.padding, item.padding_end):
                    if padding is not None and not isinstance(padding, str):  # "same": set by the input size
                        self._value(padding, "padding", where)
            elif isinstance(item, Parallel):
                _same_jumps(item, self.x)
                nodes.append(("parallel", [self._compile(branch) for branch in item.branches]))
            else:
                item = cast(Repeat, item)  # layers, parallel paths and repeated blocks
                count = self._value(item.count, "count", f"{quoted(item, 80)}:")
                nodes.append(("repeat", count, self._compile(item.body)))
        return nodes

    def _compile_graph(self, graph: Graph) -> _Node:
        """A graph: per node, its inputs (0 is the network's input) and its layers; a merge's inputs must have the
        same jump for every value of the unknown."""
        position = {INPUT: 0}
        jumps: list[Value] = [1]
        entries = []
        for number, node in enumerate(graph.nodes, start=1):
            inputs = tuple(position[name] for name in node.inputs)
            for other in inputs[1:]:
                if _equal(jumps[other], jumps[inputs[0]]) is not True:
                    raise SymrfError(
                        f"{node.name}: its inputs' jumps ({jumps[inputs[0]]} and {jumps[other]}) are not equal for "
                        f"every value of {self.x}, so the least {self.x} cannot be searched for"
                    )
            jumps.append(_normal(jumps[inputs[0]] * _jump_of(node.op)))
            entries.append((inputs, self._compile(node.op)))
            position[node.name] = number
        return ("graph", entries, position[cast(str, graph.output)])

    # evaluation

    def valid(self, v: int) -> bool:
        """Whether every kernel, stride and dilation holding ``x`` is positive and every count non-negative."""
        return all(function(v) >= least for _, function, least, _ in self.checks)

    def rf(self, v: int, cap: int | None = None) -> int:
        """``1 + R`` at ``x = v``; with ``cap``, every quantity saturates at ``cap`` (exact below it)."""
        return 1 + _span_jump(self.nodes, v, cap)[0]

    def reaches(self, v: int) -> bool:
        return self.valid(v) and self.rf(v, self.target) >= self.target

    # the search

    def least(self) -> int:
        """The least allowed value: 0 for a symbol used only as a count or declared non-negative, else 1."""
        if self.only_counts or (self.x.is_nonnegative and not self.x.is_positive):
            return 0
        return 1

    def solve(self) -> Solution:
        x, target = self.x, self.target
        low = self.least()
        if not self.depends:
            rf = self.rf(low)
            if rf < target:
                raise UnreachableError(
                    f"the receptive field does not depend on {x}: it is {rf} whatever {x} is, below the target {target}"
                )
            return self._solution(low)
        if self.reaches(low):
            return self._solution(low)
        self._reachable_or_raise()
        limit = low + 2 ** (target.bit_length() + SEARCH_MARGIN_BITS)
        bad, step = low, 1
        good = low + step
        while not self.reaches(good):
            bad, step = good, step * 2
            good = low + step
            if good > limit:
                raise UnreachableError(
                    f"no {x} up to 2**{target.bit_length() + SEARCH_MARGIN_BITS} gives a receptive field of "
                    f"{target}: the RF stays below it (it is {self.rf(bad, target)} there)"
                )
        while good - bad > 1:
            middle = (good + bad) // 2
            if self.reaches(middle):
                good = middle
            else:
                bad = middle
        return self._solution(good)

    def _reachable_or_raise(self) -> None:
        """Name the usual reason a repeated block can never reach the target: it never widens the field."""
        chain = self.chain
        block = None if chain is None else _plain_count_block(chain, self.x)
        if block is None:
            return
        index, repeat = block
        body = summarize(repeat.body)  # holds no x: its span and jump are integers
        span, jump = body.span, body.jump
        if span:
            return
        after = Network(cast(Network, chain).items[index + 1:])
        rf0 = self.rf(0)
        if jump == 1:
            raise UnreachableError(
                f"repeating the block [{quoted(repeat.body, 80)}] never widens the receptive field (its kernels all "
                f"have extent 1 and its stride is 1): the RF stays {rf0}, below the target {self.target}"
            )
        if not after.items or summarize(after).span == 0:
            raise UnreachableError(
                f"the block [{quoted(repeat.body, 80)}] has kernels of extent 1 and nothing after it widens the field: "
                f"the RF stays {rf0}, below the target {self.target}"
            )

    def _solution(self, value: int) -> Solution:
        for function, where in self.paddings:
            if function(value) < 0:
                raise SymrfError(f"at {self.x} = {value} the padding of {where[:-1]} would be negative")
        rf = self.rf(value)
        before = value - 1
        rf_before = self.rf(before) if before >= self.least() and self.valid(before) else None
        if self.plain:
            steps = _numeric_steps(self, value, rf, rf_before)
            return Solution(self.x, value, rf, rf_before, self.target, (), tuple(steps), self.network)
        chain = self.chain
        if chain is not None:
            along = _NumericQuestion(chain, self.x, self.target)
            if along.rf(value) == rf and (rf_before is None or along.rf(value - 1) == rf_before):
                rows = _numeric_steps(along, value, rf, rf_before)
                steps = [rows[0], _LARGEST_PATH_ROW, *rows[1:]]
                return Solution(self.x, value, rf, rf_before, self.target, (), tuple(steps), self.network, "graph",
                                _closed_rf(chain))
        name = latex_value(self.x)
        steps = [*_question_rows(name, str(self.target), self.x in _count_symbols(self.network), self.least()),
                 _text(f"$l({name})$ is the largest receptive field over the paths, a maximum that sympy does not "
                       f"resolve; it is non-decreasing in ${name}$, and the least ${name}$ reaching the target is "
                       "found by doubling then bisection on its exact integer values:"),
                 f"{name} &= {value}", *_check_rows(self.x, value, rf, rf_before, self.target)]
        return Solution(self.x, value, rf, rf_before, self.target, (), tuple(steps), self.network, "graph")


def _span_jump(nodes: list[_Node], v: int, cap: int | None) -> tuple[int, int]:
    """``(R, J)`` of compiled nodes at ``x = v``: ``R = R_A + J_A R_B`` and ``J = J_A J_B`` folded, repeated
    blocks by their geometric series; with ``cap``, values at or above ``cap`` are replaced by ``cap``, which keeps
    every comparison with the target exact (all quantities are non-negative and combine monotonically).

    Parallel paths (and a graph's merges) have one jump (checked when compiling) and act like one segment whose span
    is the largest of their spans: the largest RF over the paths through ``A`` then the block is
    ``1 + R_A + J_A max(R_1, R_2, ...)`` (:mod:`symrf.graph`), and a maximum of capped values is the capped
    maximum."""
    span, jump = 0, 1
    for node in nodes:
        if node[0] == "layer":
            _, kernel, dilation, stride = node
            part_span, part_jump = dilation(v) * (kernel(v) - 1), stride(v)
        elif node[0] == "parallel":
            part_span, part_jump = 0, 1
            for branch in node[1]:
                branch_span, part_jump = _span_jump(branch, v, cap)
                part_span = max(part_span, branch_span)
        elif node[0] == "graph":
            part_span, part_jump = _graph_span_jump(node, v, cap)
        else:
            _, count, body = node
            part_span, part_jump = _repeat(*_span_jump(body, v, cap), count(v), cap)
        span = span + jump * part_span
        jump = jump * part_jump
        if cap is not None:
            span, jump = min(span, cap), min(jump, cap)
    return span, jump


def _graph_span_jump(node: _Node, v: int, cap: int | None) -> tuple[int, int]:
    """``(R, J)`` of a compiled graph: one sweep in topological order, a merge taking the largest span."""
    _, entries, output = node
    states = [(0, 1)]
    for inputs, op in entries:
        span, jump = max(states[i][0] for i in inputs), states[inputs[0]][1]
        op_span, op_jump = _span_jump(op, v, cap)
        span, jump = span + jump * op_span, jump * op_jump
        if cap is not None:
            span, jump = min(span, cap), min(jump, cap)
        states.append((span, jump))
    return states[output]


def _repeat(span: int, jump: int, count: int, cap: int | None) -> tuple[int, int]:
    """``count`` copies of a block: ``(R_B (J_B^c - 1)/(J_B - 1), J_B^c)`` (``(c R_B, 1)`` when ``J_B = 1``)."""
    if count <= 0:
        return 0, 1
    if jump == 1:
        return span * count, 1
    if cap is not None and (count - 1) * (jump.bit_length() - 1) > cap.bit_length() + 1:
        # J^(c-1) > cap, so J^c and the series 1 + J + ... + J^(c-1) are both at least cap
        return (cap if span else 0), cap
    power = _power(jump, count)
    return span * ((power - 1) // (jump - 1)), power


def _non_decreasing(expr: sympy.Expr, x: sympy.Symbol) -> bool:
    """Whether ``expr`` cannot decrease as ``x`` grows (``floor``/``ceiling`` of a non-decreasing argument are)."""
    stripped = expr.replace(lambda e: isinstance(e, (sympy.floor, sympy.ceiling)), lambda e: e.args[0])
    derivative = sympy.diff(stripped, x)
    if derivative.is_nonnegative:
        return True
    try:
        polynomial = sympy.Poly(derivative, x)
    except sympy.PolynomialError:
        return False
    return all(coefficient.is_nonnegative for coefficient in polynomial.all_coeffs())


def _jump_of(network: Network) -> Value:
    """The jump of a network (of any path through it: the paths of a block have one jump), as a formula."""
    jump: Value = 1
    for item in network.items:
        if isinstance(item, Layer):
            part: Value = item.stride
        elif isinstance(item, Parallel):
            part = _jump_of(item.branches[0])
        else:
            item = cast(Repeat, item)
            part = _normal(sympy.sympify(_jump_of(item.body)) ** item.count)
        jump = _normal(jump * part)
    return jump


def _same_jumps(item: Parallel, x: sympy.Symbol) -> None:
    """Refuse parallel paths whose jumps are not equal for every value of ``x`` (the analysis refuses the merge
    where they differ, so the search would have holes)."""
    jumps = [_jump_of(branch) for branch in item.branches]
    for jump in jumps[1:]:
        if _equal(jump, jumps[0]) is not True:
            raise SymrfError(
                f"{quoted(item, 80)}: its paths' jumps ({jumps[0]} and {jump}) are not equal for every value of {x}, "
                f"so the least {x} cannot be searched for"
            )


def _check_kinds(network: Network | Graph, x: sympy.Symbol) -> None:
    """Refuse what the search cannot show to be non-decreasing in ``x``: up-sampling (a transposed convolution's
    output phases read different numbers of inputs, so its RF need not grow with the layers before it) and global
    pooling or global context (the RF is then the whole input, set by the input size)."""
    if isinstance(network, Graph):
        for node in network.nodes:
            if node.context:
                raise SymrfError(f"{node.name} takes global context: its RF is the whole input, which does not "
                                 f"depend on {x}; solve the model without its gates")
            _check_kinds(node.op, x)
        return
    for item in network.items:
        if isinstance(item, Layer):
            if item.kind in UP_KINDS:
                raise SymrfError(f"{item!r} up-samples: after a transposed convolution or an up-sampling the RF need "
                                 f"not be non-decreasing in {x}, so the least {x} reaching a target is not searched "
                                 "for")
            if item.kind == "global_pool":
                raise SymrfError(f"{item!r} reads its whole input: its RF is set by the input size, not by {x}")
        elif isinstance(item, Parallel):
            for branch in item.branches:
                _check_kinds(branch, x)
        elif isinstance(item, Repeat):
            _check_kinds(item.body, x)


#: The first row of the derivation of a network with parallel paths solved along its largest path.
_LARGEST_PATH_ROW = ("&\\text{At every merge one path has the largest receptive field for every value of the unknown, "
                     "so $l$ is the receptive field of the chain of those paths:}")


def _largest_path(network: Network, x: sympy.Symbol, counts_only: bool | None = None) -> Network | None:
    """The plain chain along the path with the largest RF through every merge, when sympy decides it for every
    allowed value (a count unknown from 0): its RF is the network's, so the chain's formulas apply. Padding modes
    become explicit paddings of 0 (padding moves the field, never its size). None when some merge is undecided."""
    if counts_only is None:
        counts_only = x in _count_symbols(network) and x not in _layer_symbols(network)
    items: list = []
    for item in network.items:
        if isinstance(item, Layer):
            if item.kind not in DOWN_KINDS:
                return None
            items.append(item if item.is_plain else Layer(item.kind, item.kernel, item.stride, 0, item.dilation))
        elif isinstance(item, Repeat):
            body = _largest_path(item.body, x, counts_only)
            if body is None:
                return None
            if body.items:
                items.append(Repeat(item.count, body))
        elif isinstance(item, Parallel):
            chains = [_largest_path(branch, x, counts_only) for branch in item.branches]
            if any(chain is None for chain in chains):
                return None
            summaries = [summarize(cast(Network, chain)) for chain in chains]
            if any(_equal(other.jump, summaries[0].jump) is not True for other in summaries[1:]):
                return None
            for chain, summary in zip(chains, summaries):
                if all(summary.span >= other.span if type(summary.span) is int and type(other.span) is int else
                       _nonnegative(sympy.sympify(summary.span) - other.span, x, counts_only) for other in summaries):
                    items.extend(cast(Network, chain).items)
                    break
            else:
                return None
        else:
            return None
    return Network(tuple(items))


def _nonnegative(expr: sympy.Expr, x: sympy.Symbol, from_zero: bool) -> bool:
    """Whether ``expr`` is decidably >= 0 for every allowed value of its symbols (``x`` from 0 when ``from_zero``):
    each positive integer symbol is written ``y + 1`` with ``y >= 0``, so that ``2*k - 2`` is seen to be."""
    if expr.is_number:
        return bool(expr >= 0)
    if from_zero:
        expr = expr.xreplace({x: sympy.Dummy(integer=True, nonnegative=True)})
    if expr.is_nonnegative:
        return True
    shifted = {sym: sympy.Dummy(integer=True, nonnegative=True) + 1
               for sym in expr.free_symbols if sym.is_integer and sym.is_positive}
    expanded = expand_if_small(expr.xreplace(shifted))
    return bool(cast(sympy.Expr, expanded).is_nonnegative)


def _plain_count_block(network: Network, x: sympy.Symbol) -> tuple[int, Repeat] | None:
    """``(index, block)`` when ``x`` is exactly the count of one top-level repeated block and appears nowhere else."""
    found = None
    for index, item in enumerate(network.items):
        if x not in item.free_symbols:
            continue
        if found is not None or not isinstance(item, Repeat) or item.count != x or x in item.body.free_symbols:
            return None
        found = (index, item)
    return found


def _segments(network: Network, index: int):  # noqa: ANN202 - three summaries
    """Summaries of the prefix, the repeated block and the suffix around item ``index``."""
    items = network.items
    return (
        summarize(Network(items[:index])),
        summarize(cast(Repeat, items[index]).body),
        summarize(Network(items[index + 1:])),
    )


# -- derivations ------------------------------------------------------------------------------------------------


def _approx(numerator: Fraction, base: int) -> str:
    """``log(q)/log(b)`` to four decimals, for display only (the answer never comes from it)."""
    value = (math.log(numerator.numerator) - math.log(numerator.denominator)) / math.log(base)
    return f"{value:.4f}"


def _text(text: str) -> str:
    """A row of text in the derivation: a ``\\text{...}`` row, which MathJax 3 renders too."""
    return f"&\\text{{{text}}}"


def _question_rows(name: str, target: str, count: bool, least: int | None = None) -> list[str]:
    """The rows that state the question and introduce ``l(x)`` and ``T``."""
    at_least = "" if least is None else f" \\geq {least}"
    copies = f"with ${name}$ copies of the repeated block" if count else f"for the value ${name}$"
    return [_text(f"The least ${name}{at_least}$ for which the receptive field $l({name})$ {copies} reaches the target "
                  f"$T = {target}$:" if target != "T" else
                  f"The least ${name}{at_least}$ for which the receptive field $l({name})$ {copies} reaches the "
                  "target $T$:")]


def _parts_rows(name: str, parts: tuple[Value, ...], closed: Value, one: bool | None) -> list[str]:
    """The network as ``A``, ``n`` copies of ``B`` and ``C``: each part's span and jump, ``l(n)`` and ``l(0)``."""
    ra, ja, rb, jb, rc = (latex_value(tidy(_normal(value))) for value in parts)
    rf0 = latex_value(tidy(_normal(1 + parts[0] + parts[1] * parts[4])))
    if one:
        copies, shifted = f"{name} \\, R_{{B}}", "R_{C}"
    elif one is False:
        copies, shifted = f"R_{{B}} \\frac{{J_{{B}}^{{{name}}} - 1}}{{J_{{B}} - 1}}", f"J_{{B}}^{{{name}}} R_{{C}}"
    else:
        copies = f"R_{{B}} (1 + J_{{B}} + \\cdots + J_{{B}}^{{{name} - 1}})"
        shifted = f"J_{{B}}^{{{name}}} R_{{C}}"
    return [
        _text(f"Write the network as $A$ (the layers before the block), $B$ (the block, repeated ${name}$ times) and "
              "$C$ (the layers after it), each with its span $R$ (its receptive field minus 1) and its jump $J$:"),
        f"R_{{A}} &= {ra}, \\qquad J_{{A}} = {ja}",
        f"R_{{B}} &= {rb}, \\qquad J_{{B}} = {jb}",
        f"R_{{C}} &= {rc}",
        f"l({name}) &= 1 + R_{{A}} + J_{{A}} \\left({copies} + {shifted}\\right) = {latex_value(closed)}",
        f"l(0) &= 1 + R_{{A}} + J_{{A}} R_{{C}} = {rf0}",
    ]


def _check_rows(x: sympy.Symbol, value: int, rf: int, rf_before: int | None, target: int) -> list[str]:
    name = latex_value(x)
    rows = [_text("Checked with exact integers:"), f"l({value}) &= {rf} \\geq {target}"]
    if rf_before is not None:
        rows.append(f"l({value - 1}) &= {rf_before} < {target}")
    else:
        rows.append(_text(f"and ${name} = {value}$ is the least value ${name}$ can take."))
    return rows


def _numeric_steps(question: _NumericQuestion, value: int, rf: int, rf_before: int | None) -> list[str]:
    x, target, network = question.x, question.target, cast(Network, question.network)  # a plain chain
    name = latex_value(x)
    block = _plain_count_block(network, x)
    rows = _question_rows(name, str(target), block is not None)
    if block is not None:
        prefix, body, suffix = _segments(network, block[0])
        closed = _rf_formula(network)
        rows += _parts_rows(name, (prefix.span, prefix.jump, body.span, body.jump, suffix.span), closed,
                            body.jump == 1)
        rf0 = 1 + prefix.span + prefix.jump * suffix.span
        gap = target - rf0
        if gap <= 0:
            rows.append(_text(f"The target is reached with no copies: $l(0) = {rf0} \\geq {target}$."))
            rows.append(f"{name} &= 0")
            return rows
        if body.jump == 1:
            quotient = Fraction(gap, prefix.jump * body.span)
            rows.append(f"{name} &\\geq \\frac{{T - l(0)}}{{J_{{A}} R_{{B}}}} = "
                        f"\\frac{{{target} - {rf0}}}{{{_product(prefix.jump, body.span)}}} = {_fraction(quotient)}")
            rows.append(f"{name} &= \\left\\lceil {_fraction(quotient)} \\right\\rceil = {value}")
        else:
            jb = body.jump
            ratio = 1 + Fraction(gap * (jb - 1), prefix.jump * (body.span + (jb - 1) * suffix.span))
            rows.append(f"{jb}^{{{name}}} &\\geq 1 + \\frac{{(T - l(0)) (J_{{B}} - 1)}}"
                        f"{{J_{{A}} (R_{{B}} + (J_{{B}} - 1) R_{{C}})}} "
                        f"= 1 + \\frac{{({target} - {rf0}) \\cdot {jb - 1}}}"
                        f"{{{_product(prefix.jump, body.span + (jb - 1) * suffix.span)}}} = {_fraction(ratio)}")
            rows.append(f"{name} &\\geq \\log_{{{jb}}} {_fraction(ratio)} = "
                        f"\\frac{{\\log {_fraction(ratio)}}}{{\\log {jb}}} \\approx {_approx(ratio, jb)}")
            rows.append(f"{name} &= \\left\\lceil \\log_{{{jb}}} {_fraction(ratio)} \\right\\rceil = {value}")
    else:
        closed = _rf_formula(network)
        if _size(closed) <= SHOWN_FORMULA_LIMIT:
            rows.append(f"l({name}) &= {latex_value(closed)} \\geq {target}")
        rows.extend(_linear_rows(closed, x, target, value))
    rows.extend(_check_rows(x, value, rf, rf_before, target))
    return rows


def _linear_rows(closed: Value, x: sympy.Symbol, target: int, value: int) -> list[str]:
    """The rearrangement ``x >= (T - c_0)/c_1`` when the RF is linear in ``x``; else a note on the search."""
    name = latex_value(x)
    linear = _linear(closed, x)
    if linear is not None:
        constant, slope = linear
        if type(constant) is int and type(slope) is int and slope > 0:
            bound = Fraction(target - constant, slope)
            rows = [f"{name} &\\geq \\frac{{{target} {_signed(-constant)}}}{{{slope}}} = {_fraction(bound)}"]
            if value != math.ceil(bound):
                rows.append(_text(f"and ${name}$ is at least {value} for the layers to be valid:"))
            rows.append(f"{name} &= {value}")
            return rows
    return [
        _text(f"$l({name})$ is non-decreasing in ${name}$; the least integer reaching the target, found by doubling "
              "then bisection with exact integers:"),
        f"{name} &= {value}",
    ]


def _signed(value: int) -> str:
    """``+ 3`` or ``- 3``: a number added to what stands before it."""
    return f"+ {value}" if value >= 0 else f"- {-value}"


def _product(first: int, second: int) -> str:
    return str(second) if first == 1 else f"{first} \\cdot {second}"


def _fraction(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"


def _size(expr: Value) -> int:
    if type(expr) is int:
        return 1
    count = 0
    for count, _ in enumerate(sympy.preorder_traversal(expr), start=1):
        if count > SHOWN_FORMULA_LIMIT:
            break
    return count


def _linear(expr: Value, x: sympy.Symbol) -> tuple[Value, Value] | None:
    """``(c_0, c_1)`` with ``expr = c_0 + c_1 x`` exactly, or ``None``."""
    if type(expr) is int:
        return None
    expr = cast(sympy.Expr, expr)
    if x not in expr.free_symbols:
        return None
    if expr.has(sympy.Piecewise, sympy.floor, sympy.ceiling):
        return None
    slope = sympy.diff(expr, x)
    if x in slope.free_symbols:
        return None
    constant = expr.xreplace({x: 0})
    return _normal(constant), _normal(slope)


# -- symbolic answers -------------------------------------------------------------------------------------------


def _positive(expr: Value) -> sympy.Basic:
    """``expr > 0`` written simply: positive factors dropped (geometric sums ``(s^n - 1)/(s - 1)`` included), terms
    moved so that both sides are positive (``k - 1 > 0`` as ``k > 1``, ``T - 2^m > 0`` as ``T > 2^m``).

    >>> from symrf.solving import _positive
    >>> _positive(symbol("k") - 1), _positive(500 - 2 ** symbol("m")), _positive(sympy.Integer(0))
    (k > 1, 2**m < 500, False)
    """
    expr = sympy.sympify(expr)
    if expr.is_number:
        return sympy.true if expr > 0 else sympy.false
    expr = factor_terms(expr)
    coefficient, rest = expr.as_coeff_Mul()
    factors = [f for f in sympy.Mul.make_args(rest) if not f.is_positive]
    for factor in list(factors):  # (b^e - 1)/(b - 1) = 1 + b + ... + b^(e-1) > 0
        if factor.is_Pow and factor.exp == -1 and factor.base.is_Add:
            base = factor.base + 1
            for other in factors:
                if other.is_Add and (other + 1).is_Pow and (other + 1).base == base and (other + 1).exp.is_positive:
                    factors.remove(factor)
                    factors.remove(other)
                    break
    rest = sympy.Mul(*factors) if coefficient > 0 else -sympy.Mul(*factors)  # 2 k - 2 > 0 is k > 1
    if rest.is_positive or _always_positive(rest):
        return sympy.true
    if rest.is_nonpositive:
        return sympy.false
    constant, variable = rest.as_coeff_Add()
    plus = [t for t in sympy.Add.make_args(variable) if not t.could_extract_minus_sign()]
    minus = [-t for t in sympy.Add.make_args(variable) if t.could_extract_minus_sign()]
    if not plus:
        return sympy.Lt(sympy.Add(*minus), constant)
    return sympy.Gt(sympy.Add(*plus), sympy.Add(*minus) - constant)


def _always_positive(expr: sympy.Expr) -> bool:
    """Whether ``expr`` is positive for every value its symbols may take: each positive integer symbol ``x`` is
    written ``x' + 1`` with ``x' >= 0``, so that ``k + s - 1`` is seen to be positive (``k' + s' + 1``).

    >>> from symrf.solving import _always_positive
    >>> _always_positive(symbol("k") + symbol("s") - 1), _always_positive(symbol("k") - 1)
    (True, False)
    """
    shifted = {sym: sympy.Symbol(f"{sym.name}_shifted", integer=True, nonnegative=True) + 1
               for sym in expr.free_symbols if sym.is_integer and sym.is_positive}
    if not shifted:
        return False
    return bool(sympy.expand(expr.xreplace(shifted)).is_positive)


def _conditions(*conditions: sympy.Basic) -> tuple[sympy.Basic, ...]:
    kept = []
    for condition in conditions:
        if condition is sympy.true or condition in kept:
            continue
        kept.append(condition)
    return tuple(kept)


def _symbolic(network: Network, x: sympy.Symbol, target: Value) -> Solution:
    analysis = closed_form(network)
    closed = analysis.rf
    block = _plain_count_block(network, x)
    if block is not None:
        return _symbolic_count(network, x, target, block[0], closed)
    return _symbolic_linear(network, x, target, closed)


def _symbolic_count(network: Network, x: sympy.Symbol, target: Value, index: int, closed: Value) -> Solution:
    """``x`` is the count of one top-level block: the ceiling of a quotient (``J_B = 1``) or of a logarithm."""
    prefix, body, suffix = _segments(network, index)
    ja, rb, jb, rc = (sympy.sympify(v) for v in (prefix.jump, body.span, body.jump, suffix.span))
    rf0 = tidy(_normal(1 + prefix.span + prefix.jump * suffix.span))
    gap = sympy.sympify(target) - rf0
    name, shown_target = latex_value(x), latex_value(target)
    one = is_one(jb)
    rows = _question_rows(name, shown_target, True, 0)
    rows += _parts_rows(name, (prefix.span, prefix.jump, body.span, body.jump, suffix.span), closed, one)
    if _positive(gap) is sympy.false:
        rows.append(_text("The target is reached with no copies."))
        rows.append(f"{name} &= 0")
        return Solution(x, 0, rf0, None, target, (), tuple(rows), network)
    if one is None:
        condition, at_one = unit_condition(jb)
        cases = [("linear", at_one, condition), ("geometric", {condition: sympy.false}, sympy.true)]
    else:
        cases = [("linear" if one else "geometric", {}, sympy.true)]
    values, conditions = [], [_positive(gap)]
    for kind, replacement, condition in cases:
        if len(cases) > 1:
            when = sympy.latex(condition) if condition is not sympy.true else sympy.latex(sympy.Not(cases[0][2]))
            rows.append(_text(f"If ${when}$:"))
        branch_gap = tidy(_normal(gap.xreplace(replacement)))
        if kind == "linear":
            growth = tidy(_normal((ja * rb).xreplace(replacement)))
            if growth == 0:
                raise UnreachableError(
                    f"repeating the block [{quoted(cast(Repeat, network.items[index]).body, 80)}] never widens the "
                    "receptive field"
                )
            bound = _normal(sympy.sympify(branch_gap) / growth)  # exact: never a float
            value = sympy.ceiling(bound)
            rows.append(f"{name} &\\geq \\frac{{T - l(0)}}{{J_{{A}} R_{{B}}}} = {latex_value(tidy(bound))}")
        else:
            growth = tidy(_normal((ja * (rb + (jb - 1) * rc)).xreplace(replacement)))
            if growth == 0:
                raise UnreachableError(
                    "nothing in or after the repeated block "
                    f"[{quoted(cast(Repeat, network.items[index]).body, 80)}] widens the field"
                )
            ratio = _normal(1 + branch_gap * (jb - 1) / growth)
            value = sympy.ceiling(sympy.log(ratio) / sympy.log(jb))
            rows.append(
                f"{latex_value(jb ** x)} &\\geq 1 + \\frac{{(T - l(0)) (J_{{B}} - 1)}}"
                f"{{J_{{A}} (R_{{B}} + (J_{{B}} - 1) R_{{C}})}} = {latex_value(tidy(ratio))}"
            )
            logarithm = f"\\log \\left({latex_value(tidy(ratio))}\\right)"
            rows.append(f"{name} &\\geq \\frac{{{logarithm}}}{{\\log {_log_argument(jb)}}}")
        rows.append(f"{name} &= {latex_value(tidy(value))}")
        values.append((value, condition))
        conditions.append(_positive(growth))
    return _symbolic_solution(network, x, target, closed, values, conditions, rows, least=0)


def _log_argument(value: sympy.Expr) -> str:
    shown = latex_value(value)
    return shown if value.is_Symbol or value.is_Integer else f"\\left({shown}\\right)"


def _symbolic_linear(network: Network, x: sympy.Symbol, target: Value, closed: Value) -> Solution:
    """The RF is linear in ``x`` (per branch): ``x = x_0 + ceil((T - l(x_0)) / c)`` with ``c`` the slope and ``x_0``
    the least allowed value."""
    branches = closed.args if isinstance(closed, sympy.Piecewise) else ((closed, sympy.true),)
    name = latex_value(x)
    kernels_only = x not in network.count_symbols and all(
        x not in v.free_symbols for v in _layer_values(network, ("stride", "dilation", "padding"))
    )
    least = 0 if (x in network.count_symbols and x not in _layer_symbols(network)) else 1
    rows = [*_question_rows(name, latex_value(target), False, least), f"l({name}) &= {latex_value(closed)}"]
    values, conditions = [], []
    for expr, condition in branches:
        linear = _linear(expr, x)
        if linear is None:
            others = ", ".join(sorted(sym.name for sym in (network.free_symbols | _symbols(target)) - {x}))
            raise SymrfError(
                f"a symbolic answer for {x} needs the RF to be linear in {x} (or {x} to be the count of one repeated "
                f"block); give the other symbols ({others}) values to solve exactly"
            )
        constant, slope = linear
        start = tidy(_normal(cast(sympy.Expr, expr).xreplace({x: least})))  # linear: not an int
        gap = _normal(sympy.sympify(target) - start)
        if len(branches) > 1:
            when = f"If ${sympy.latex(condition)}$" if condition is not sympy.true else "Otherwise"
            rows.append(_text(f"{when}:"))
        reached = _positive(gap)
        if reached is sympy.false:
            rows.append(_text("The target is reached at the least value:"))
            rows.append(f"{name} &= {least}")
            values.append((least, condition))
            continue
        # x >= (T - c_0)/c_1, the same as x >= x_0 + (T - l(x_0))/c_1: show the simpler
        bound = factor_terms((sympy.sympify(target) - constant) / slope)
        shifted = factor_terms(gap / slope)
        if sympy.count_ops(least + shifted) < sympy.count_ops(bound):
            bound = least + shifted
        value = _normal(sympy.ceiling(bound))
        rows.append(f"{name} &\\geq {latex_value(bound)}")
        rows.append(f"{name} &= {latex_value(tidy(value))}")
        values.append((value, condition))
        conditions.append(reached)
        if not kernels_only:  # a kernel's slope is a sum of jumps, always positive
            conditions.append(_positive(slope))
    return _symbolic_solution(network, x, target, closed, values, conditions, rows, least)


def _symbolic_solution(network: Network, x: sympy.Symbol, target: Value, closed: Value,
                       values: list[tuple[Value, sympy.Basic]], conditions: list, rows: list[str],
                       least: int) -> Solution:
    """The symbolic answer from its branches: the conditions under which it holds (an error when one is false)."""
    kept = _conditions(*conditions)
    if any(condition is sympy.false for condition in kept):
        raise UnreachableError(f"the target {target} can never be reached: {', '.join(map(str, kept))}")
    if kept:
        shown = " and ".join(f"${sympy.latex(c)}$" for c in kept)
        name = latex_value(x)
        rows.append(_text(f"Valid when {shown}; when the target is already reached, ${name} = {least}$."))
    value = _merge(values)
    return Solution(x, value, _at(closed, x, value), None, target, kept, tuple(rows), network)


def _merge(values: list[tuple[Value, sympy.Basic]]) -> Value:
    """One value, or a ``Piecewise`` of the branches' values when they differ."""
    if all(v == values[0][0] for v, _ in values):
        return values[0][0]
    return sympy.Piecewise(*values, evaluate=False)


def _layer_values(network: Network, roles: tuple[str, ...]) -> list[sympy.Expr]:
    found: list[sympy.Expr] = []
    for item in network.items:
        if isinstance(item, Layer):
            found.extend(getattr(item, role) for role in roles if isinstance(getattr(item, role), sympy.Expr))
        else:
            found.extend(_layer_values(cast(Repeat, item).body, roles))
    return found


def _layer_symbols(network: Network) -> set[sympy.Symbol]:
    found: set[sympy.Symbol] = set()
    for item in network.items:
        if isinstance(item, Layer):
            found |= item.free_symbols
        elif isinstance(item, Parallel):
            for branch in item.branches:
                found |= _layer_symbols(branch)
        else:
            found |= _layer_symbols(cast(Repeat, item).body)
    return found


def _at(closed: Value, x: sympy.Symbol, value: Value) -> Value:
    """The closed form at ``x = value``, branch by branch when both are piecewise on the same conditions."""
    if type(closed) is int:
        return closed
    if isinstance(closed, sympy.Piecewise) and isinstance(value, sympy.Piecewise):
        if [c for _, c in closed.args] == [c for _, c in value.args]:
            return sympy.Piecewise(
                *((expr.xreplace({x: v}), c) for (expr, c), (v, _) in zip(closed.args, value.args)), evaluate=False
            )
    return cast(sympy.Expr, closed).xreplace({x: value})
