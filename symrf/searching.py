"""Design search: every assignment of a spec's symbols within ranges that meets the constraints, and the cheapest.

The constraints are: the RF is at least ``T`` on every axis, the jump at most ``J`` on every axis, the output at
least ``M`` for an input of size ``N`` (then every layer's output is non-empty and the paths of every merge have
equal sizes), and every merge aligned. The cost is the number of layers of the unrolled network (a count multiplies
its body's layers) or the sum over layers of the kernel's area (the product of the kernel over the axes).

Why the search is exact without enumerating the box. Each symbol is classified from where it occurs:

- *monotone* symbols sit only in repetition counts and in kernels, dilations and strides of conv and pool layers,
  in expressions non-decreasing in them. The RF ``1 + sum_l (k'_l - 1) prod_{i<l} s_i`` (the maximum over paths) is
  non-decreasing in each of them, so is the jump ``prod s_l`` and the cost; the output size is non-increasing in
  them (a count only when its block cannot widen its input: ``2p <= k' - 1`` in every layer).
- the others (in paddings, in the strides or counts inside parallel paths, whose jumps must agree, or in
  expressions that can shrink) are enumerated, over explicit ranges only, at most :data:`ENUMERATION_LIMIT`
  assignments.

For monotone symbols the search fixes them one at a time. A partial assignment is dropped when its RF with the
remaining symbols at their maxima is below ``T``, when its jump or output with the remaining symbols at their
minima breaks a limit, when its cost with the remaining symbols at their minima exceeds the best cost found, or
when a lower bound that counts the RF still missing does (:meth:`_Search.bound`: the linear relaxation of the RF's
affine pieces against the cost, see :mod:`symrf.relaxation`; the symbols ordered from the dearest RF per cost to
the cheapest, so that the bound grows along each loop and ends it). The first symbol's least useful value comes
by bisection, and the last symbol's least value reaching
``T`` by a downward gallop from its value for the previous prefix (the staircase of least values). Alignment and
equal sizes at merges are not monotone: they are checked on every candidate. Every number comes from Python
integers, saturated at a cap above every limit (exact below it); reported values are recomputed without the cap.
At most :data:`EVALUATION_LIMIT` assignments are evaluated, so no input runs for minutes.

>>> d = design("conv(3), n * [conv(3)], pool(2, 2), m * [conv(3)]", 20, ranges="n=1..10,m=1..10")
>>> [(s.values, s.rf, s.cost) for s in d.solutions]
[({'m': 3, 'n': 2}, 20, 7), ({'m': 4, 'n': 1}, 22, 7)]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Any, cast

import sympy

from .closed_forms import exact_function
from .errors import SymrfError, quoted
from .layers import AxesLayer, Layer, Value
from .network import Network, Parallel, Repeat
from .relaxation import cost_form, cost_is_superlinear, spans
from .solving import _non_decreasing, _target
from .spec import parse

__all__ = ["COSTS", "Design", "DesignPoint", "design", "parse_ranges"]

#: The cost models.
COSTS = ("layers", "kernel-area")

#: Most assignments one search evaluates before it stops with an error.
EVALUATION_LIMIT = 200_000

#: Most assignments of the symbols that are not monotone (enumerated one by one).
ENUMERATION_LIMIT = 10_000

#: Most optimal assignments listed (the rest are counted).
SHOWN = 20

#: Largest value a default upper bound may reach (found by doubling).
DEFAULT_BOUND_BITS = 64


@dataclass(frozen=True, slots=True)
class DesignPoint:
    """One assignment: its ``values`` (symbol name -> int), its RF and jump (an int, or a tuple per axis) and its
    cost."""

    values: dict[str, int]
    rf: Any
    jump: Any
    cost: int

    def to_json(self) -> dict[str, object]:
        def plain(value: Any) -> object:
            return list(value) if isinstance(value, tuple) else value

        return {"values": dict(self.values), "rf": plain(self.rf), "jump": plain(self.jump), "cost": self.cost}

    def __str__(self) -> str:
        values = ", ".join(f"{name}={value}" for name, value in self.values.items())
        return f"{values}: RF {_shown(self.rf)}, jump {_shown(self.jump)}, cost {self.cost}"


def _shown(value: Any) -> str:
    return " x ".join(map(str, value)) if isinstance(value, tuple) else str(value)


@dataclass(frozen=True, slots=True)
class Design:
    """The answer of :func:`design`: the optimal assignments (``solutions``, at most :data:`SHOWN` listed, the
    smallest first; ``count`` of them in all) and, when asked for, the ``pareto`` front of cost against RF."""

    target: int
    minimize: str
    ranges: dict[str, tuple[int, int]]
    solutions: tuple[DesignPoint, ...]
    count: int
    pareto: tuple[DesignPoint, ...] | None = None
    evaluations: int = field(default=0, compare=False)
    #: How many axes a kernel area counts (``design(..., axes=)``, or the network's own count).
    axes: int = 1

    def to_json(self) -> dict[str, object]:
        """``{"solutions": [...], "count": ..., "pareto": [...]}`` (pareto only when asked for), sorted by cost."""
        result: dict[str, object] = {"solutions": [point.to_json() for point in self.solutions],
                                     "count": self.count}
        if self.pareto is not None:
            result["pareto"] = [point.to_json() for point in self.pareto]
        return result

    def markdown(self) -> str:
        """Markdown tables: the optimal assignments (a column per symbol, then RF, jump and cost) under a line that
        states the question, then the Pareto front when it was asked for.

        >>> print(design("conv(k), n * [conv(3)]", 9, minimize="kernel-area").markdown())
        1 optimal assignment (minimizing kernel-area, RF >= 9, within k=1..7, n=1..4):
        <BLANKLINE>
        | k | n | rf | jump | cost |
        |---|---|---|---|---|
        | 7 | 1 | 9 | 1 | 10 |
        """
        names = list(self.ranges)

        def table(points: tuple[DesignPoint, ...]) -> list[str]:
            rows = ["| " + " | ".join([*names, "rf", "jump", "cost"]) + " |", "|" + "---|" * (len(names) + 3)]
            for point in points:
                cells = [str(point.values[name]) for name in names] + [_shown(point.rf), _shown(point.jump),
                                                                       str(point.cost)]
                rows.append("| " + " | ".join(cells) + " |")
            return rows

        lines = [str(self).splitlines()[0], "", *table(self.solutions)]
        if self.count > len(self.solutions):
            lines += ["", f"... and {self.count - len(self.solutions)} more with the same cost."]
        if self.pareto is not None:
            lines += ["", "Pareto front (cost against the smallest RF over the axes):", "", *table(self.pareto)]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __str__(self) -> str:
        ranges = ", ".join(f"{name}={low}..{high}" for name, (low, high) in self.ranges.items())
        cost = f"{self.minimize} on {self.axes} axes" if self.minimize == "kernel-area" and self.axes > 1 else \
            self.minimize
        lines = [f"{self.count} optimal assignment{'s' if self.count != 1 else ''} (minimizing {cost}, "
                 f"RF >= {self.target}, within {ranges}):"]
        lines += [f"  {point}" for point in self.solutions]
        if self.count > len(self.solutions):
            lines.append(f"  ... and {self.count - len(self.solutions)} more with the same cost")
        if self.pareto is not None:
            lines.append("Pareto front (cost against the smallest RF over the axes):")
            lines += [f"  {point}" for point in self.pareto]
        return "\n".join(lines)


# -- ranges -----------------------------------------------------------------------------------------------------

_RANGE = re.compile(r"\s*([A-Za-z]\w*)\s*=\s*(\d[\d_]*)\s*(?:\.\.\s*(\d[\d_]*)\s*)?")


def parse_ranges(text: str) -> dict[str, tuple[int, int]]:
    """``"n1=1..20,k=3..7"`` as ``{"n1": (1, 20), "k": (3, 7)}``; ``k=5`` is ``(5, 5)``.

    >>> parse_ranges("n1=1..20, k=5")
    {'n1': (1, 20), 'k': (5, 5)}
    """
    if len(text) > 10_000:
        raise SymrfError("the --range text is longer than 10,000 characters")
    ranges: dict[str, tuple[int, int]] = {}
    for part in text.split(","):
        match = _RANGE.fullmatch(part)
        if not match:
            raise SymrfError(f"cannot read the range {quoted(part.strip(), 40)}: write name=low..high, such as n=1..20")
        name, low, high = match.group(1), match.group(2), match.group(3) or match.group(2)
        if len(low) > 30 or len(high) > 30:
            raise SymrfError(f"the range of {name} has numbers longer than 30 digits")
        if name in ranges:
            raise SymrfError(f"{name} is given two ranges")
        ranges[name] = (int(low), int(high))
    return ranges


# -- compiling the network into integer evaluators --------------------------------------------------------------

class _Invalid(Exception):
    """A value out of its domain (a kernel below 1 ...) at some assignment."""


def _value(value: Value | str, symbols: list[sympy.Symbol], role: str, where: str) -> int | Callable:
    if type(value) is int:
        return value
    function = exact_function(cast(sympy.Expr, value), symbols)

    def evaluate(values: tuple, function: Callable = function) -> int:
        result = function(*values)
        if isinstance(result, Fraction):
            raise _Invalid(f"the {role} {value} of {where} is not an integer")
        return result

    return evaluate


def _get(value: int | Callable, values: tuple) -> int:
    return value if type(value) is int else value(values)  # type: ignore[operator]


def _compile(network: Network, symbols: list[sympy.Symbol]) -> list[tuple]:
    """Nodes of a 1-D network: (0, kernel, stride, padding, dilation, where) for a layer, (1, count, body, summary)
    for a repeated block, (2, branches, summary) for parallel paths; ``summary`` is the exact ``(span, jump, ok)`` of
    a body or of paths without symbols (computed once), else ``None``."""
    nodes: list[tuple] = []
    for item in network.items:
        if type(item) is Layer:
            where = repr(item)
            nodes.append((0, _value(item.kernel, symbols, "kernel", where),
                          _value(item.stride, symbols, "stride", where),
                          _value(cast(Value, item.padding), symbols, "padding", where),
                          _value(item.dilation, symbols, "dilation", where), where))
        elif type(item) is Repeat:
            body = _compile(item.body, symbols)
            summary = _constant(body, item.body)
            nodes.append((1, _value(item.count, symbols, "count", quoted(item, 60)), body, summary))
        else:
            branches = [_compile(branch, symbols) for branch in cast(Parallel, item).branches]
            node = (2, branches, None)
            nodes.append((2, branches, _constant([node], item)))
    return nodes


def _constant(nodes: list[tuple], item: object) -> tuple[int, int, bool] | None:
    if getattr(item, "free_symbols", True):
        return None
    span, jump, _, ok = _fold(nodes, (), None, None)
    return span, jump, ok


def _compile_cost(network: Network, symbols: list[sympy.Symbol], area: bool, axes: int) -> list[tuple]:
    nodes: list[tuple] = []
    for item in network.items:
        if type(item) is Layer:
            kernel = _value(item.kernel, symbols, "kernel", repr(item)) if area else 1
            nodes.append((0, (kernel,) * (axes if area else 1)))
        elif type(item) is AxesLayer:
            kernels = tuple(_value(layer.kernel, symbols, "kernel", repr(item)) for layer in item.axes) if area \
                else (1,)
            nodes.append((0, kernels))
        elif type(item) is Repeat:
            nodes.append((1, _value(item.count, symbols, "count", quoted(item, 60)),
                          _compile_cost(item.body, symbols, area, axes)))
        else:
            nodes.append((2, [_compile_cost(branch, symbols, area, axes) for branch in cast(Parallel, item).branches]))
    return nodes


def _cost(nodes: list[tuple], values: tuple) -> int:
    total = 0
    for node in nodes:
        if node[0] == 0:
            term = 1
            for kernel in node[1]:
                term *= _get(kernel, values)
            total += term
        elif node[0] == 1:
            count = _get(node[1], values)
            if count:
                total += count * _cost(node[2], values)
        else:
            total += sum(_cost(branch, values) for branch in node[1])
    return total


def _layer(node: tuple, values: tuple) -> tuple[int, int, int, int]:
    kernel, stride, padding, dilation = node[1], node[2], node[3], node[4]
    if type(kernel) is not int:
        kernel = kernel(values)
    if type(stride) is not int:
        stride = stride(values)
    if type(padding) is not int:
        padding = padding(values)
    if type(dilation) is not int:
        dilation = dilation(values)
    if kernel < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise _Invalid(f"{node[5]} gets kernel {kernel}, stride {stride}, padding {padding}, dilation {dilation}")
    return dilation * (kernel - 1) + 1, stride, padding, kernel


def _size_after(size: int, extent: int, stride: int, padding: int) -> int:
    """``floor((n + 2p - k') / s) + 1``, or 0 for an empty output."""
    if size <= 0 or size + 2 * padding < extent:
        return 0
    return (size + 2 * padding - extent) // stride + 1


def _fold(nodes: list[tuple], values: tuple, cap: int | None, size: int | None) -> tuple[int, int, int | None, bool]:
    """``(span, jump, size, ok)`` of a sequence: ``R = R_A + J_A R_B``, ``J = J_A J_B`` (the largest path at a
    merge), saturated at ``cap`` (exact below it; ``None``: exact); ``ok`` is false when a merge's paths have
    different jumps or sizes."""
    span, jump, ok = 0, 1, True
    for node in nodes:
        tag = node[0]
        if tag == 0:
            extent, stride, padding, _ = _layer(node, values)
            span += jump * (extent - 1)
            jump *= stride
            if size is not None:
                size = _size_after(size, extent, stride, padding)
        elif tag == 1:
            count = _get(node[1], values)
            if count < 0:
                raise _Invalid(f"the count of a repeated block is {count}")
            if count == 0:
                continue
            if node[3] is not None:
                body_span, body_jump, body_ok = node[3]
            else:
                body_span, body_jump, _, body_ok = _fold(node[2], values, cap, None)
            ok = ok and body_ok
            block_span, block_jump = _repeated(body_span, body_jump, count, cap)
            span += jump * block_span
            jump *= block_jump
            if size is not None:
                size, size_ok = _repeated_size(node[2], values, count, body_jump, size)
                ok = ok and size_ok
        elif node[2] is not None and size is None:
            branch_span, branch_jump, branch_ok = node[2]
            ok = ok and branch_ok
            span += jump * branch_span
            jump *= branch_jump
        else:
            results = [_fold(branch, values, cap, size) for branch in node[1]]
            jumps = {result[1] for result in results}
            if len(jumps) > 1 or (cap is not None and cap in jumps):
                exact = {_fold(branch, values, None, None)[1] for branch in node[1]}
                ok = ok and len(exact) == 1
            ok = ok and all(result[3] for result in results)
            span += jump * max(result[0] for result in results)
            jump *= max(jumps)
            if size is not None:
                sizes = {cast(int, result[2]) for result in results}
                ok = ok and len(sizes) == 1
                size = min(sizes)
        if cap is not None:
            span, jump = min(span, cap), min(jump, cap)
    return span, jump, size, ok


def _repeated(span: int, jump: int, count: int, cap: int | None) -> tuple[int, int]:
    """``count`` copies of a block: ``R (J^n - 1)/(J - 1)`` (``n R`` when ``J = 1``) and ``J^n``."""
    if jump == 1:
        return (span * count if cap is None else min(cap, span * count)), 1
    if cap is None:
        power = jump**count
        return span * (power - 1) // (jump - 1), power
    total, power = 0, 1
    for _ in range(count):  # at most about log2(cap) + 2 rounds: the jump doubles at least
        total = min(cap, total + power * span)
        power = min(cap, power * jump)
        if power == cap and (total == cap or span == 0):
            break
    return total, power


#: Most copies of a strided block followed one by one for the output size (it reaches a fixed point long before).
_SIZE_ROUNDS = 10_000


def _repeated_size(body: list[tuple], values: tuple, count: int, jump: int, size: int) -> tuple[int, bool]:
    """The output size after ``count`` copies of ``body``. With stride 1 everywhere a copy changes the size by a
    constant ``d`` wherever it is non-empty, so the last copy is the one to check; otherwise the sizes reach a fixed
    point (or 0) within a few copies."""
    _, _, first, ok = _fold(body, values, None, size)
    first = cast(int, first)
    if count == 1 or first == 0:
        return first, ok
    if jump == 1:
        change = size - first
        if change <= 0:
            return size - count * change, ok
        last = size - (count - 1) * change
        if last < 1:
            return 0, ok
        _, _, after, last_ok = _fold(body, values, None, last)
        return cast(int, after), ok and last_ok
    current = first
    for _ in range(min(count - 1, _SIZE_ROUNDS)):
        _, _, following, copy_ok = _fold(body, values, None, current)
        ok = ok and copy_ok
        if following == current or following == 0:
            return cast(int, following), ok
        current = cast(int, following)
    if count - 1 > _SIZE_ROUNDS:
        raise SymrfError(f"the output size did not settle within {_SIZE_ROUNDS:,} copies of a block")
    return current, ok


def _centres(nodes: list[tuple], values: tuple) -> tuple[int, int, int, bool]:
    """``(span, jump, 2C, aligned)`` exactly, ``C = R/2 - P`` the centre offset: ``2C = 2C_A + J_A 2C_B``; a merge is
    aligned when its paths' centres (and jumps) agree."""
    span, jump, centre, aligned = 0, 1, 0, True
    for node in nodes:
        if node[0] == 0:
            extent, stride, padding, _ = _layer(node, values)
            span, centre, jump = span + jump * (extent - 1), centre + jump * (extent - 1 - 2 * padding), jump * stride
        elif node[0] == 1:
            count = _get(node[1], values)
            if count == 0:
                continue
            body_span, body_jump, body_centre, body_aligned = _centres(node[2], values)
            aligned = aligned and body_aligned
            if body_jump == 1:
                factor, power = count, 1
            else:
                power = body_jump**count
                factor = (power - 1) // (body_jump - 1)
            span, centre, jump = span + jump * body_span * factor, centre + jump * body_centre * factor, jump * power
        else:
            results = [_centres(branch, values) for branch in node[1]]
            aligned = aligned and all(r[3] for r in results) and len({(r[1], r[2]) for r in results}) == 1
            widest = max(results, key=lambda r: r[0])
            span, centre, jump = span + jump * widest[0], centre + jump * widest[2], jump * widest[1]
    return span, jump, centre, aligned


# -- classification ---------------------------------------------------------------------------------------------

def _layers_of(item: object) -> tuple[Layer, ...]:
    """The layers of a layer or of a layer with values per axis (one per axis); none for other items."""
    if type(item) is AxesLayer:
        return item.axes
    return (item,) if type(item) is Layer else ()


def _expands(network: Network) -> bool:
    """Whether a block might widen its input (some layer with ``2p > k' - 1``, or a symbolic padding)."""
    for item in network.items:
        layers = _layers_of(item)
        for layer in layers:
            padding, kernel, dilation = layer.padding, layer.kernel, layer.dilation
            if padding == 0:
                continue
            if type(padding) is not int or type(kernel) is not int or type(dilation) is not int:
                return True
            if 2 * padding > dilation * (kernel - 1):
                return True
        if type(item) is Repeat and _expands(item.body):
            return True
        if type(item) is Parallel and any(_expands(branch) for branch in item.branches):
            return True
    return False


def _classify(network: Network, sizes: bool) -> set[sympy.Symbol]:
    """The symbols that are not monotone (see the module's notes); refuses layers design does not cover."""
    found: set[sympy.Symbol] = set()

    def role(value: object, name: str, in_branch: bool) -> None:
        if not isinstance(value, sympy.Expr):
            return
        for sym in value.free_symbols:
            if name == "padding" or not _non_decreasing(value, sym) \
                    or (in_branch and (name in ("stride", "count") or sizes)):
                found.add(sym)

    def walk(net: Network, in_branch: bool) -> None:
        for item in net.items:
            if type(item) in (Layer, AxesLayer):
                for layer in _layers_of(item):
                    if not layer.is_plain:
                        raise SymrfError(f"design covers conv and pool layers with explicit symmetric padding, "
                                         f"repeated blocks and parallel paths; {quoted(layer, 60)} is not one")
                    for name in ("kernel", "stride", "padding", "dilation"):
                        role(getattr(layer, name), name, in_branch)
            elif type(item) is Repeat:
                role(item.count, "count", in_branch)
                if sizes and isinstance(item.count, sympy.Expr) and _expands(item.body):
                    found.update(item.count.free_symbols)
                walk(item.body, in_branch)
            else:
                for branch in cast(Parallel, item).branches:
                    walk(branch, True)

    walk(network, False)
    return found


def _positive_symbols(network: Network) -> set[sympy.Symbol]:
    """The symbols in kernels, strides and dilations (at least 1), at any depth."""
    found: set[sympy.Symbol] = set()
    for item in network.items:
        if type(item) is Repeat:
            found |= _positive_symbols(item.body)
        elif type(item) is Parallel:
            for branch in item.branches:
                found |= _positive_symbols(branch)
        else:
            for layer in _layers_of(item):
                for value in (layer.kernel, layer.stride, layer.dilation):
                    if isinstance(value, sympy.Expr):
                        found |= value.free_symbols
    return found


def _has_merge(network: Network) -> bool:
    return any(type(item) is Parallel or (type(item) is Repeat and _has_merge(item.body)) for item in network.items)


# -- the search -------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Evaluation:
    rf: tuple[int, ...]
    jump: tuple[int, ...]
    size: tuple[int, ...] | None
    ok: bool
    cost: int


class _Problem:
    """One design question, compiled: evaluators per axis and for the cost, the limits, the counters."""

    def __init__(self, network: Network, symbols: list[sympy.Symbol], target: int, minimize: str,
                 max_jump: int | None, input_size: int | None, min_output: int, aligned: bool,
                 cost_axes: int) -> None:
        axes = network.axis_count
        self.axes = [_compile(network.along(axis) if axes > 1 else network, symbols) for axis in range(axes)]
        self.cost_axes = cost_axes
        self.cost_nodes = _compile_cost(network, symbols, minimize == "kernel-area", cost_axes)
        self.target, self.max_jump, self.input_size = target, max_jump, input_size
        self.min_output, self.aligned = min_output, aligned
        self.cap = max(target, (max_jump or 0) + 1, 2)
        self.cache: dict[tuple, _Evaluation] = {}
        self.evaluations = 0
        self.checks = aligned or _has_merge(network)
        self.names: tuple[str, ...] = ()
        self.pieces: list[list[tuple]] = []  # per axis with an affine RF: its pieces (constant, coefficients)
        self.weights: tuple | None = None  # the cost's coefficients when it is affine
        self.bounded = False  # whether the relaxation bound applies (see :meth:`relax`)

    def relax(self, network: Network, symbols: list[sympy.Symbol], minimize: str, lows: list[int]) -> None:
        """Prepares the cost lower bound that counts the RF still missing (:meth:`_Search.bound`): the affine pieces
        of the RF on each axis that has them (:func:`symrf.relaxation.spans`) and the cost's coefficients, or the
        proof that finite differences bound it below."""
        axes = network.axis_count
        found = [spans(network.along(axis) if axes > 1 else network, symbols) for axis in range(axes)]
        pieces = [[(_plain(piece[0]), tuple(_plain(c) for c in piece[1:])) for piece in axis]
                  for axis in found if axis is not None]
        if not pieces:
            return
        area = minimize == "kernel-area"
        form = cost_form(network, symbols, area, self.cost_axes)
        if form is not None and all(c >= 0 for c in form[1:]):
            self.weights = tuple(_plain(c) for c in form[1:])
        elif not cost_is_superlinear(network, symbols, area, lows, self.cost_axes):
            return
        self.pieces, self.bounded = pieces, True

    def differences(self, values: tuple, rest: list[int], cost: int) -> list:
        """The cost's coefficients of the ``rest`` symbols, or its finite differences at ``values`` (a valid linear
        lower bound when :meth:`relax` proved the cost superlinear; 0 where a step is out of the domain)."""
        if self.weights is not None:
            return [self.weights[i] for i in rest]
        weights = []
        for i in rest:
            moved = list(values)
            moved[i] += 1
            try:
                weights.append(max(0, _cost(self.cost_nodes, tuple(moved)) - cost))
            except _Invalid:
                weights.append(0)
        return weights

    def evaluate(self, values: tuple) -> _Evaluation:
        found = self.cache.get(values)
        if found is not None:
            return found
        self.evaluations += 1
        if self.evaluations > EVALUATION_LIMIT:
            raise SymrfError(f"the search needs more than {EVALUATION_LIMIT:,} evaluations (the limit); give "
                             "narrower --range values or a stronger constraint")
        try:
            folds = [_fold(nodes, values, self.cap, self.input_size) for nodes in self.axes]
            cost = _cost(self.cost_nodes, values)
        except _Invalid as exc:
            raise SymrfError(f"at {self.shown(values)}: {exc}") from None
        sizes = tuple(cast(int, f[2]) for f in folds) if self.input_size is not None else None
        result = _Evaluation(tuple(f[0] + 1 for f in folds), tuple(f[1] for f in folds), sizes,
                             all(f[3] for f in folds), cost)
        if len(self.cache) > 4 * 10**5:
            self.cache.clear()
        self.cache[values] = result
        return result

    def shown(self, values: tuple) -> str:
        return ", ".join(f"{name}={value}" for name, value in zip(self.names, values))

    def reaches(self, e: _Evaluation) -> bool:
        return min(e.rf) >= self.target

    def within(self, e: _Evaluation) -> bool:
        """The limits that smaller values keep: jump and output size."""
        if self.max_jump is not None and max(e.jump) > self.max_jump:
            return False
        return e.size is None or min(e.size) >= self.min_output

    def checked(self, values: tuple, e: _Evaluation) -> bool:
        """The checks that are not monotone: equal jumps and sizes at merges, alignment."""
        if not e.ok:
            return False
        return not self.aligned or all(_centres(nodes, values)[3] for nodes in self.axes)

    def exact(self, values: tuple) -> DesignPoint:
        folds = [_fold(nodes, values, None, None) for nodes in self.axes]
        rf = tuple(f[0] + 1 for f in folds)
        jump = tuple(f[1] for f in folds)
        one = len(folds) == 1
        return DesignPoint(dict(sorted(zip(self.names, values))), rf[0] if one else rf, jump[0] if one else jump,
                           _cost(self.cost_nodes, values))


def _plain(value: Fraction) -> int | Fraction:
    return value.numerator if value.denominator == 1 else value


def _ceiling(value: int | Fraction | float) -> int | float:
    if isinstance(value, float):
        return value
    return -(-value.numerator // value.denominator) if isinstance(value, Fraction) else value


def _least(predicate: Callable[[int], bool], low: int, high: int, hint: int | None = None) -> int:
    """The least ``v`` in ``[low, high]`` with ``predicate(v)``, for a predicate false then true, known true at
    ``high`` (and at ``hint``, from which it gallops down)."""
    if hint is not None and low <= hint <= high and predicate(hint):
        good, step = hint, 1
        while good - step >= low and predicate(good - step):
            good -= step
            step *= 2
        low, high = max(low, good - step + 1), good  # predicate(good - step) is false, or good - step < low
    while low < high:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _greatest(predicate: Callable[[int], bool], low: int, high: int) -> int:
    """The greatest ``v`` in ``[low, high]`` with ``predicate(v)``, for a predicate true then false, true at ``low``."""
    while low < high:
        middle = (low + high + 1) // 2
        if predicate(middle):
            low = middle
        else:
            high = middle - 1
    return low


class _Search:
    """Branch and bound over the monotone symbols (positions ``order`` in the value tuple), the others fixed."""

    def __init__(self, problem: _Problem, order: list[int], low: list[int], high: list[int]) -> None:
        self.problem, self.order, self.low, self.high = problem, order, low, high
        self.best: float = float("inf")
        self.found: list[tuple] = []
        self.count = 0
        self.base: list[int] = []
        self.hints: dict[int, int] = {}
        self.high_of = {position: value for position, value in zip(order, high)}
        self.monotone = self.ratios_fall()

    def ratios_fall(self) -> list[bool]:
        """Whether at each depth the bound cannot fall as the symbol grows (the later ones at their lows): the cost
        is affine and, on every piece, the symbol's cost per unit of RF is at least every later symbol's. Then the
        cost of its least completion grows by at least ``w - g * (the largest later ratio)`` >= 0 per step."""
        problem = self.problem
        weights = problem.weights or ()
        flags = []
        for depth, position in enumerate(self.order):
            ok = problem.bounded and problem.weights is not None
            for pieces in problem.pieces if ok else []:
                for _, gains in pieces:
                    gain = gains[position]
                    if gain > 0 and any(gains[j] > 0 and weights[position] * gains[j] < weights[j] * gain
                                        for j in self.order[depth + 1:]):
                        ok = False
            flags.append(ok)
        return flags

    def at(self, base: list[int], assigned: list[int], rest: list[int]) -> tuple:
        values = list(base)
        for position, value in zip(self.order, assigned + rest):
            values[position] = value
        return tuple(values)

    def record(self, values: tuple, cost: int, many: int = 1, position: int | None = None) -> None:
        """``many`` optimal candidates: ``values`` and, when ``many > 1``, the next values at ``position``."""
        if cost < self.best:
            self.best, self.found, self.count = cost, [], 0
        self.count += many
        for offset in range(min(many, SHOWN)):
            if offset:
                changed = list(values)
                changed[cast(int, position)] += offset
                self.found.append(tuple(changed))
            else:
                self.found.append(values)
        if len(self.found) > 4 * SHOWN:
            self.found = sorted(self.found)[:SHOWN]

    def run(self, base: list[int]) -> None:
        self.base, self.hints = base, {}
        self.node(0, [])

    def node(self, depth: int, assigned: list[int]) -> None:
        problem, m = self.problem, len(self.order)
        lows, highs = self.low[depth:], self.high[depth:]
        if not problem.reaches(problem.evaluate(self.at(self.base, assigned, highs))):
            return
        bottom_values = self.at(self.base, assigned, lows)
        bottom = problem.evaluate(bottom_values)
        if not problem.within(bottom) or bottom.cost > self.best:
            return
        if problem.bounded and self.bound(bottom_values, depth, bottom.cost)[0] > self.best:
            return
        low, high = self.low[depth], self.high[depth]
        if depth == m - 1:
            self.last(assigned, low, high)
            return
        later_high, later_low = self.high[depth + 1:], self.low[depth + 1:]
        first = _least(lambda v: problem.reaches(problem.evaluate(self.at(self.base, assigned + [v], later_high))),
                       low, high)
        self.hints.pop(depth + 1, None)
        value = first
        while value <= high:
            values = self.at(self.base, assigned + [value], later_low)
            e = problem.evaluate(values)
            if not problem.within(e) or e.cost > self.best:
                break
            if problem.bounded:
                bound, axes = self.bound(values, depth + 1, e.cost)
                if bound > self.best:
                    following = self.skip(values, depth, axes) if self.monotone[depth] else value + 1
                    if following is None:
                        break
                    value = following
                    continue
            self.node(depth + 1, assigned + [value])
            value += 1

    def bound(self, values: tuple, depth: int, cost: int) -> tuple[int | float, list[list]]:
        """A lower bound on the cost of every completion of ``values`` (the symbols ``order[depth:]`` at their lows
        in it, free up to their highs) whose RF reaches the target: on each axis with an affine RF, the least cost of
        the linear relaxation (the cost's coefficients, or its finite differences, against the RF gained per unit)
        for the cheapest piece, a fractional knapsack filled by the best ratio first; the largest over the axes.
        Returns the bound rounded up and each axis's pieces as ``(value, deficit)``, the value infinite when the
        symbols cannot cover the deficit."""
        problem = self.problem
        rest = self.order[depth:]
        weights = problem.differences(values, rest, cost)
        needed = problem.target - 1
        largest: int | Fraction | float = cost
        axes = []
        for pieces in problem.pieces:
            smallest: int | Fraction | float = float("inf")
            found: list[tuple] = []
            for constant, gains in pieces:
                deficit = needed - constant - sum(g * v for g, v in zip(gains, values) if g)
                if deficit <= 0:
                    found.append((cost, deficit))
                    smallest = min(smallest, cost)
                    continue
                items = sorted(((w, gains[i], self.high_of[i] - values[i]) for w, i in zip(weights, rest)
                                if gains[i] > 0), key=lambda item: Fraction(item[0]) / item[1])
                extra: int | Fraction = 0
                left = deficit
                for weight, gain, room in items:
                    if gain * room >= left:
                        extra += Fraction(weight * left) / gain
                        left = 0
                        break
                    extra += weight * room
                    left -= gain * room
                total = cost + extra if left <= 0 else float("inf")
                found.append((total, deficit))
                smallest = min(smallest, total)
            axes.append(found)
            largest = max(largest, smallest)
        return _ceiling(largest), axes

    def skip(self, values: tuple, depth: int, axes: list[list]) -> int | None:
        """After the bound of ``values`` (the symbol ``order[depth]`` at some ``v``) exceeds the best cost, the next
        value of that symbol whose bound may not, or ``None``. Valid when :attr:`monotone` holds at ``depth``: on an
        axis whose every piece exceeds the best, a piece with a finite value only grows with ``v``, and a piece that
        cannot be covered becomes coverable only where ``v`` adds the rest of its deficit."""
        position, best = self.order[depth], self.best
        later = self.order[depth + 1:]
        for axis, found in zip(self.problem.pieces, axes):
            if any(total <= best for total, _ in found):
                continue
            following: int | None = None
            for (_, gains), (total, deficit) in zip(axis, found):
                if total != float("inf"):
                    continue
                gain = gains[position]
                if gain <= 0:
                    continue
                room = sum(gains[i] * (self.high_of[i] - values[i]) for i in later if gains[i] > 0)
                candidate = values[position] + max(1, int(-(-(deficit - room) // gain)))
                following = candidate if following is None else min(following, candidate)
            if following is None or following > self.high[depth]:
                return None
            return int(following)
        return values[position] + 1

    def last(self, assigned: list[int], low: int, high: int) -> None:
        problem, depth = self.problem, len(assigned)

        def evaluate(v: int) -> _Evaluation:
            return problem.evaluate(self.at(self.base, assigned, [v]))

        first = _least(lambda v: problem.reaches(evaluate(v)), low, high, self.hints.get(depth))
        self.hints[depth] = first
        position = self.order[depth]
        value = first
        while value <= high:
            e = evaluate(value)
            if not problem.within(e) or e.cost > self.best:
                return
            values = self.at(self.base, assigned, [value])
            if not problem.checks:  # every value with the same cost is a tie: counted by bisection
                cost = e.cost

                def tied(v: int, cost: int = cost) -> bool:
                    return evaluate(v).cost == cost and problem.within(evaluate(v))

                top = _greatest(tied, value, high)
                self.record(values, cost, top - value + 1, position)
                return
            if problem.checked(values, e):
                self.record(values, e.cost)
            value += 1


def _pareto(problem: _Problem, base: list[int], order: list[int], low: list[int], high: list[int]) -> list[tuple]:
    """Every feasible assignment (the box pruned by monotonicity only), with its exact smallest RF and cost."""
    found: list[tuple] = []
    search = _Search(problem, order, low, high)
    search.base = base

    def walk(assigned: list[int]) -> None:
        depth = len(assigned)
        if depth == len(order):
            values = search.at(base, assigned, [])
            e = problem.evaluate(values)
            if problem.reaches(e) and problem.within(e) and problem.checked(values, e):
                point = problem.exact(values)
                rf = point.rf if type(point.rf) is int else min(point.rf)
                found.append((point.cost, rf, values))
            return
        if not problem.reaches(problem.evaluate(search.at(base, assigned, high[depth:]))):
            return
        for value in range(low[depth], high[depth] + 1):
            e = problem.evaluate(search.at(base, assigned + [value], low[depth + 1:]))
            if not problem.within(e):
                break
            walk(assigned + [value])

    walk([])
    return found


def _front(points: list[tuple]) -> list[tuple]:
    """The points not dominated (lower or equal cost and higher or equal RF, one strictly), with all their ties."""
    best: dict[int, int] = {}
    for cost, rf, _ in points:
        best[cost] = max(best.get(cost, rf), rf)
    kept, highest = set(), None
    for cost in sorted(best):
        if highest is None or best[cost] > highest:
            kept.add((cost, best[cost]))
            highest = best[cost]
    return sorted((p for p in points if (p[0], p[1]) in kept), key=lambda p: (p[0], p[2]))


# -- the entry point ----------------------------------------------------------------------------------------------

def _positive(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SymrfError(f"{name} must be a positive integer, not {quoted(value)}")
    return value


def design(network: Network | str | list, target: object, ranges: Mapping[str, object] | str | None = None,
           minimize: str = "layers", max_jump: int | None = None, input_size: int | None = None,
           min_output: int | None = None, aligned: bool = False, pareto: bool = False,
           axes: int | None = None) -> Design:
    """Every assignment of the network's symbols within ``ranges`` whose RF reaches ``target`` on every axis (and
    whose jump is at most ``max_jump``, whose output for ``input_size`` is at least ``min_output``, whose merges are
    all aligned), and the cheapest by ``minimize`` ("layers" or "kernel-area"), exactly (see the module's notes).

    ``axes`` is how many spatial axes a layer written with one value spans in a kernel area: by default one (the
    network is analysed along one axis, and ``conv(3)`` costs 3); ``axes=2`` counts an image's 3x3 kernel as 9. A
    network written with values per axis (``conv((3, 5))``) has its own count.

    ``ranges`` maps names to ``(low, high)`` (or ``range`` objects, or ``"n=1..20,k=3..7"``). A monotone symbol
    without a range goes from 1 to the least value at which it alone (the others at their lows) reaches the target:
    above it no assignment is cheaper. Other symbols, and every symbol with ``aligned`` or with an input size and
    merges, need a range.

    >>> design("n * [conv(3)]", 9).solutions[0]
    DesignPoint(values={'n': 4}, rf=9, jump=1, cost=4)
    """
    if isinstance(network, str):
        network = parse(network)
    elif not isinstance(network, Network):
        if isinstance(network, (list, tuple)):
            network = Network.of(network)
        else:
            raise SymrfError(f"design takes a spec or a Network, not {type(network).__name__}")
    network = cast(Network, network)
    goal = _target(target)
    if type(goal) is not int:
        raise SymrfError("design needs a numeric target RF")
    if minimize not in COSTS:
        raise SymrfError(f"unknown cost {quoted(minimize)}: choose one of {', '.join(COSTS)}")
    cost_axes = network.axis_count
    if axes is not None:
        if minimize != "kernel-area":
            raise SymrfError("--axes counts the axes of a kernel area: it goes with --minimize kernel-area")
        if type(axes) is not int or not 1 <= axes <= 3:
            raise SymrfError(f"--axes is 1, 2 or 3 (the spatial axes of a layer written with one value), not "
                             f"{quoted(axes)}")
        if network.axis_count > 1 and axes != network.axis_count:
            raise SymrfError(f"the network has values for {network.axis_count} axes; --axes {axes} contradicts it")
        cost_axes = axes
    max_jump, input_size = _positive(max_jump, "the largest jump"), _positive(input_size, "the input size")
    if min_output is not None and input_size is None:
        raise SymrfError("--min-output needs --input-size (the output size depends on the input's)")
    output = _positive(min_output, "the least output size") or 1
    symbols = sorted(network.free_symbols, key=lambda s: s.name)
    if not symbols:
        raise SymrfError("the network has no symbols to choose; write one, such as n * [conv(3)]")
    given = _ranges(ranges, symbols, frozenset(_positive_symbols(network)))
    non_monotone = _classify(network, input_size is not None)
    names = tuple(s.name for s in symbols)
    problem = _Problem(network, symbols, goal, minimize, max_jump, input_size, output, aligned, cost_axes)
    problem.names = names
    strict = aligned or (input_size is not None and _has_merge(network))
    for sym in symbols:
        if sym.name not in given and (sym in non_monotone or strict):
            why = ("it is not monotone (it sits in a padding, in a stride or count inside parallel paths, or in an "
                   "expression that can shrink)" if sym in non_monotone else
                   "the checks at merges (alignment, equal sizes) are not monotone, so no default bound is safe")
            raise SymrfError(f"give a range for {sym.name} (such as --range {sym.name}=1..10): {why}")
    fixed = [i for i, s in enumerate(symbols) if s in non_monotone]
    box = 1
    for i in fixed:
        box *= given[names[i]][1] - given[names[i]][0] + 1
    if box > ENUMERATION_LIMIT:
        listed = ", ".join(names[i] for i in fixed)
        raise SymrfError(f"the symbols {listed} are not monotone, so each of their {box:,} assignments would be "
                         f"searched; the limit is {ENUMERATION_LIMIT:,}: narrow their ranges")
    free = [i for i in range(len(symbols)) if i not in fixed]
    problem.relax(network, symbols, minimize, [given[name][0] if name in given else 1 for name in names])
    shown_ranges: dict[str, tuple[int, int]] = {}
    all_found: list[tuple] = []
    best: float = float("inf")
    count = 0
    front: list[tuple] = []
    largest: tuple | None = None
    for combination in product(*(range(given[names[i]][0], given[names[i]][1] + 1) for i in fixed)):
        base = [0] * len(symbols)
        for i, value in zip(fixed, combination):
            base[i] = value
        low = [given[names[i]][0] if names[i] in given else 1 for i in free]
        high = [given[names[i]][1] if names[i] in given else 0 for i in free]
        for j, i in enumerate(free):
            if names[i] not in given:
                high[j] = _default_bound(problem, base, free, low, j, names[i])
        for j, i in enumerate(free):
            shown_ranges[names[i]] = (low[j], max(high[j], shown_ranges.get(names[i], (0, 0))[1]))
        for i in fixed:
            shown_ranges[names[i]] = given[names[i]]
        top = list(base)
        for j, i in enumerate(free):
            top[i] = high[j]
        top_rf = problem.evaluate(tuple(top)).rf
        if largest is None or min(top_rf) > min(largest[0]):
            largest = (top_rf, tuple(top))
        order = _ratio_order(problem, base, free, low, high) if problem.bounded else \
            _order(problem, base, free, low, high)
        search = _Search(problem, [free[j] for j in order], [low[j] for j in order], [high[j] for j in order])
        search.best = best
        if free:
            search.run(base)
        else:
            e = problem.evaluate(tuple(base))
            if problem.reaches(e) and problem.within(e) and problem.checked(tuple(base), e) and e.cost <= best:
                search.record(tuple(base), e.cost)
        if search.count and search.best <= best:
            if search.best < best:
                all_found, count = [], 0
            best = search.best
            all_found += search.found
            count += search.count
        if pareto:
            front += _pareto(problem, base, search.order, search.low, search.high)
    if not count:
        assert largest is not None
        rf = largest[0][0] if len(largest[0]) == 1 else largest[0]
        if min(largest[0]) < goal:
            raise SymrfError(f"the target RF {goal} is not reached within the ranges: the largest RF is {_shown(rf)} "
                             f"(at {problem.shown(largest[1])})")
        raise SymrfError(f"no assignment within the ranges meets all the constraints ({_constraints(problem)})")
    solutions = tuple(problem.exact(values) for values in sorted(set(all_found))[:SHOWN])
    points = tuple(problem.exact(values) for _, _, values in _front(front)) if pareto else None
    return Design(goal, minimize, dict(sorted(shown_ranges.items())), solutions, count, points, problem.evaluations,
                  cost_axes)


def _constraints(problem: _Problem) -> str:
    parts = [f"RF >= {problem.target}"]
    if problem.max_jump is not None:
        parts.append(f"jump <= {problem.max_jump}")
    if problem.input_size is not None:
        parts.append(f"output >= {problem.min_output} for input {problem.input_size}, equal sizes at merges")
    if problem.aligned:
        parts.append("aligned merges")
    return ", ".join(parts)


def _ranges(ranges: Mapping[str, object] | str | None, symbols: list[sympy.Symbol],
            positive: frozenset) -> dict[str, tuple[int, int]]:
    """The ranges given, checked: a symbol in a kernel, stride or dilation is at least 1, any other at least 0."""
    if ranges is None:
        return {}
    if isinstance(ranges, str):
        ranges = parse_ranges(ranges)
    if not isinstance(ranges, Mapping):
        raise SymrfError(f"ranges map symbol names to (low, high), not {quoted(ranges)}")
    by_name = {s.name: s for s in symbols}
    result: dict[str, tuple[int, int]] = {}
    for name, value in ranges.items():
        name = name.name if isinstance(name, sympy.Symbol) else str(name)
        if name not in by_name:
            raise SymrfError(f"there is no symbol {quoted(name)} in the network (its symbols: "
                             f"{', '.join(sorted(by_name))})")
        if isinstance(value, range):
            if value.step != 1 or not value:
                raise SymrfError(f"the range of {name} must be a non-empty range with step 1")
            low, high = value.start, value.stop - 1
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            low, high = value
        else:
            raise SymrfError(f"the range of {name} is (low, high), not {quoted(value)}")
        if any(isinstance(v, bool) or not isinstance(v, int) for v in (low, high)):
            raise SymrfError(f"the range of {name} needs integer bounds, not {quoted(value)}")
        if low > high:
            raise SymrfError(f"the range of {name} is empty: {low}..{high} (low above high)")
        least = 1 if by_name[name] in positive else 0
        if low < least:
            raise SymrfError(f"{name} is at least {least}: its range cannot start at {low}")
        result[name] = (low, high)
    return result


def _default_bound(problem: _Problem, base: list[int], free: list[int], low: list[int], j: int, name: str) -> int:
    """The least value of the ``j``-th free symbol at which it alone (the others at their lows) reaches the target,
    by doubling then bisection: an assignment above it is never cheaper (the module's notes)."""

    def reaches(v: int) -> bool:
        values = list(base)
        for k, i in enumerate(free):
            values[i] = v if k == j else low[k]
        return problem.reaches(problem.evaluate(tuple(values)))

    limit = 2 ** (problem.target.bit_length() + DEFAULT_BOUND_BITS)
    step = 1
    while not reaches(low[j] + step - 1):
        step *= 2
        if step > limit:
            raise SymrfError(f"give a range for {name} (such as --range {name}=1..10): alone it does not reach the "
                             f"target RF {problem.target}, so it has no default upper bound")
    return _least(reaches, low[j] + step // 2 - 1 if step > 1 else low[j], low[j] + step - 1)


def _order(problem: _Problem, base: list[int], free: list[int], low: list[int], high: list[int]) -> list[int]:
    """The free symbols from the narrowest useful range to the widest (the widest is searched last, by gallops):
    the useful range of a symbol ends where its jump or output limit is broken (the others at their lows)."""
    widths = []
    for j in range(len(free)):
        def within(v: int, j: int = j) -> bool:
            values = list(base)
            for k, i in enumerate(free):
                values[i] = v if k == j else low[k]
            return problem.within(problem.evaluate(tuple(values)))

        top = _greatest(within, low[j], high[j]) if within(low[j]) else low[j]
        widths.append(top - low[j])
    return sorted(range(len(free)), key=lambda j: (widths[j], j))


def _ratio_order(problem: _Problem, base: list[int], free: list[int], low: list[int], high: list[int]) -> list[int]:
    """The free symbols from the dearest RF to the cheapest (cost per unit over RF gained per unit, the most
    favourable over the axes' pieces; a symbol that gains nothing first): the cheapest, searched last by gallops,
    carries the deficit, and the bound of each earlier symbol then grows with it (see :meth:`_Search.ratios_fall`)."""
    values = list(base)
    for j, i in enumerate(free):
        values[i] = low[j]
    cost = problem.evaluate(tuple(values)).cost
    weights = problem.differences(tuple(values), free, cost)
    ratios = []
    for j, i in enumerate(free):
        gains = [gains[i] for pieces in problem.pieces for _, gains in pieces if gains[i] > 0]
        ratios.append(min(Fraction(weights[j]) / gain for gain in gains) if gains else None)
    return sorted(range(len(free)), key=lambda j: (ratios[j] is not None, -(ratios[j] or 0), j))
