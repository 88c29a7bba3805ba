"""Networks with several paths (residual and inception blocks), TF padding and up-sampling: one sweep over a DAG.

The model (Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019,
section "Multi-path networks"):

- A network is lowered, one axis at a time, to a directed acyclic graph whose nodes are layers and merges (the
  end of a :func:`~symrf.network.parallel` block, or a node of a graph file with several inputs). Nodes are
  visited once, in topological order, each in time proportional to its inputs: the cost is linear in the number
  of edges, and paths are never enumerated (a stack of ``n`` residual blocks has ``2^n`` of them).
- Each node carries, for output feature 0, the largest receptive field over all paths from the input (``rf``),
  the smallest (``rf_min``), the jump, the effective padding ``P`` of the largest path and whether all paths are
  aligned. A layer acts on every path alike: ``r' = r + (k' - 1) J``, ``P' = P + p J``, ``J' = J s``. A merge
  takes the maximum and the minimum over its inputs; since a layer's result grows with each path's RF, the
  maxima of a merge's inputs compose into the maximum over all paths.
- All inputs of a merge must have the same jump (else :class:`~symrf.errors.SymrfError`). Paths are aligned
  when their centre offsets ``(r - 1)/2 - P`` agree; otherwise the merge is misaligned: a warning names the two
  paths and their offsets (``strict=True`` makes it an error) and the values of the largest path are reported.
- With symbols the maximum is ``sympy.Max`` unless sympy decides it under the symbols' assumptions; a note says
  when it could not.
- TensorFlow's ``p="same"`` is resolved from the size of the layer's input. Without an input size it is known
  only for stride 1 (or kernel 1); otherwise the effective padding is unknown (``None``) from that layer on and
  the alignment checks that depend on it are skipped, with a note. The RF and the jump never depend on padding.
- Transposed convolutions and up-sampling divide the jump by ``s``, and their outputs fall into phases that read
  different numbers of inputs: after them the values depend on the output position ``x`` modulo a period ``U``
  (the product of the up-sampling strides). For each phase the extent ``[lo, hi]`` of the largest and of the
  smallest path is kept in a table with ``lo(x + U) = lo(x) + D`` (``D`` = jump times ``U``); a layer reads the
  hull of its window. The report gives the largest RF over the phases and every phase's values. When the
  largest path differs from phase to phase, the values after the next merge are bounds (the hull over the
  paths) and a note says so. Alignment is checked phase by phase at each merge; as phases can read different
  numbers of pixels, later layers may still move the centres of paths that were aligned phase by phase.
- ``global_pool()`` reads the whole input of the layer: its RF is ``r + (n - 1) J`` for an input of ``n``
  features, and ``n`` is a symbol named after the layer when no input size is given.
- A block repeated a symbolic number of times acts like one layer with kernel, stride and padding equal to the
  block's RF, jump and effective padding, repeated through the closed forms of :mod:`symrf.closed_forms`
  (``Summary.repeated``): ``n * [residual([conv(3, p=1), conv(3, p=1)])]`` has RF ``4n + 1``.

>>> a = analyze("parallel([conv(1, 4)], [conv(3, 2, p=1), conv(1, 2)])")
>>> a.rf, a.rf_min, a.jump, a.effective_padding, a.aligned
(3, 1, 4, 1, True)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import sympy

from . import recurrence as rec
from .analysis import Analysis, Row, given_values, hidden_rows_note, substitution
from .dag import INPUT, Graph, GraphNode
from .derivations import graph_derivation
from .errors import SHOWN, EmptyOutputError, LayerError, SymrfError, brief, quoted, shorten
from .layers import DOWN_KINDS, UP_KINDS, Layer, Value, as_value
from .naming import Namer, given_names
from .network import Network, Parallel, Repeat
from .segments import Summary, cheap_algebra, expand_if_small, expanded_if_small, tidy
from .symbols import symbol

__all__ = ["Graph", "GraphAnalysis", "GraphNode", "MisalignedError", "PathValues", "PhaseResult"]

class MisalignedError(SymrfError):
    """A merge whose paths are not centred alike, in strict mode."""


# -- results ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathValues:
    """What arrives on one input of a merge, along the largest and the smallest path into that input."""

    label: str  # "path 1 (conv3)", "path 2 (identity)", or the input node's name in a graph file
    source: str  # the node the input comes from
    rf: Value
    rf_min: Value
    jump: Value
    effective_padding: Value | None
    center: Value | None  # the centre offset (rf - 1)/2 - P; None when the padding is unknown


@dataclass(frozen=True, slots=True)
class PhaseResult:
    """The values of output feature ``phase`` (and of every feature ``phase + q*U``, shifted by ``q*U*J``)."""

    phase: int
    rf: Value  # 0 when no input pixel reaches this phase (a transposed convolution with k < s)
    rf_min: Value
    start: Value | None
    center: Value | None
    effective_padding: Value | None  # phase*J - start, so that start(x) = x*J - P for x of this phase


# -- the state of a node during the sweep ------------------------------------------------------------------------


class _Phases:
    """Extents of the largest and smallest paths for the output phases ``0..U-1``; ``lo(x + U) = lo(x) + D``."""

    __slots__ = ("period", "shift", "largest", "smallest", "mixed")

    def __init__(self, period: int, shift: int, largest: list, smallest: list, mixed: bool = False) -> None:
        self.period = period
        self.shift = shift
        self.largest = largest  # per phase: (lo, hi) or None when nothing reaches it
        self.smallest = smallest
        self.mixed = mixed  # the largest path differs between phases: later values are bounds

    def extent(self, table: list, x: int) -> tuple[int, int] | None:
        q, t = divmod(x, self.period)
        found = table[t]
        if found is None:
            return None
        return found[0] + q * self.shift, found[1] + q * self.shift


class _State:
    """The values carried by a node: RF (max and min over paths), jump, effective paddings, alignment, size."""

    __slots__ = ("rf", "rf_min", "jump", "padding", "padding_min", "aligned", "size", "phases")

    def __init__(self, rf, rf_min, jump, padding, padding_min, aligned, size, phases=None) -> None:
        self.rf = rf
        self.rf_min = rf_min
        self.jump = jump
        self.padding = padding  # effective padding of the largest path (None: unknown)
        self.padding_min = padding_min
        self.aligned = aligned  # True, False or None (unknown)
        self.size = size
        self.phases = phases  # None for an affine state (a single phase)


def _step(state: _State, kernel: Value, kernel_min: Value, stride: Value, padding: Value | None,
          padding_min: Value | None, aligned: bool | None, size: Value | None) -> _State:
    """The step rule of :mod:`symrf.recurrence` applied to the largest and the smallest path alike:
    ``r' = r + (k' - 1) J``, ``P' = P + p J``, ``J' = J s`` (an unknown padding stays unknown)."""
    jump = state.jump
    return _State(
        rec.next_rf(state.rf, kernel, jump),
        rec.next_rf(state.rf_min, kernel_min, jump),
        rec.next_jump(jump, stride),
        None if state.padding is None or padding is None else rec.next_effective_padding(state.padding, padding, jump),
        None if state.padding_min is None or padding_min is None else rec.next_effective_padding(
            state.padding_min, padding_min, jump),
        aligned,
        size,
    )


def _tidy(value: Value | None) -> Value | None:
    """A value as printed (:func:`~symrf.segments.tidy`); None (unknown) stays None."""
    return None if value is None else tidy(value)


def _compose(before: _State, inner: _State) -> _State:
    """The state of a node of a block (``inner``, measured from the block's input) in the whole network, the block
    starting after ``before``: the block up to that node acts like one layer."""
    aligned = None if before.aligned is None or inner.aligned is None else before.aligned and inner.aligned
    return _step(before, inner.rf, inner.rf_min, inner.jump, inner.padding, inner.padding_min, aligned, inner.size)


def _center(rf: Value, padding: Value | None) -> Value | None:
    return None if padding is None else rec.center(rf, padding)


def _equal(a: Value, b: Value) -> bool | None:
    """Whether two values are equal: True, False, or None when sympy cannot tell."""
    if type(a) is int and type(b) is int:
        return a == b
    difference = sympy.sympify(a) - b
    expanded = expanded_if_small(difference)
    if expanded is None:  # a floor, a Max, or too large to expand (a power such as (2*k + 1)**1000)
        return None if not difference.is_number else difference == 0
    if expanded == 0:
        return True
    # decided by the expanded form alone: whether the expansion came from sympy's cache or was computed (the same
    # expression, a new object) must not change the answer (it once did: 1 - 2*s was "unknown" on a first analysis)
    if cast(sympy.Expr, expanded).is_number or cast(sympy.Expr, expanded).is_zero is False:
        return False
    return None


#: Most output phases after up-sampling (the product of the up-sampling strides, divided by the strides after them):
#: each phase is followed on its own.
MAX_PHASES = 4_096

#: Most work in phases: output phases times the input pixels each reads (a kernel, or a global pooling's input).
MAX_PHASE_WORK = 4_000_000

#: Largest ``Max``/``Min`` of symbolic path values a merge keeps, in terms of its written form; beyond it the merge
#: reports a bound instead (merges of merges of undecidable paths would otherwise double in size at every level).
MAX_EXTREME_TERMS = 64


def _extreme(values: list[Value], largest: bool) -> tuple[Value, int, bool, bool]:
    """The maximum (or minimum) of ``values``, the index of an input that attains it, whether it is decided, and
    whether the value is only a bound: when the undecided ``Max`` would be written with more than
    :data:`MAX_EXTREME_TERMS` terms, an upper bound (the sum of the RFs less the extra pixels for a maximum, the
    shortest written input for a minimum) is reported instead."""
    if all(type(v) is int for v in values):
        best = max(values) if largest else min(values)
        return best, values.index(best), True, False
    if not all(cheap_algebra(value) for value in values):  # sympy would look for the real roots of s**1000 - ...
        found = _dominant(values, largest)
        if found is not None:
            return values[found], found, True, False
        best = (sympy.Max if largest else sympy.Min)(*values, evaluate=False)
        bound = _written_size(best, {}) > MAX_EXTREME_TERMS
        return (_extreme_bound(values, largest) if bound else (best, 0)) + (False, bound)
    best = (sympy.Max if largest else sympy.Min)(*values)
    decided = not isinstance(best, (sympy.Max, sympy.Min))
    if decided:
        for index, value in enumerate(values):
            if _equal(value, best):
                return best, index, True, False
        return best, 0, True, False
    if _written_size(best, {}) <= MAX_EXTREME_TERMS:
        return best, 0, False, False
    return _extreme_bound(values, largest) + (False, True)


def _extreme_bound(values: list[Value], largest: bool) -> tuple[Value, int]:
    """An upper bound of the maximum (or minimum) of RFs, and the input it is taken from."""
    if largest:  # every RF is at least 1, so max(a, b, ...) <= a + b + ... - (count - 1)
        return sympy.Add(*values) - (len(values) - 1), 0
    index = min(range(len(values)), key=lambda i: _written_size(values[i], {}))
    return values[index], index  # min(a, b, ...) <= each of them


def _dominant(values: list[Value], largest: bool) -> int | None:
    """The index of a value at least (at most) every other one, decided without polynomial algebra: the difference
    of two values is a number, or a product of positive symbols and powers of them; None when not found."""
    for index, value in enumerate(values):
        if all(_cheap_sign((value - other) if largest else (other - value)) for other in values):
            return index
    return None


def _cheap_sign(difference: Value) -> bool:
    """Whether ``difference`` is decidably >= 0 from its form alone."""
    if type(difference) is int or cast(sympy.Expr, difference).is_number:
        return bool(difference >= 0)
    coefficient, rest = cast(sympy.Expr, difference).as_coeff_Mul()
    return bool(coefficient > 0) and all(
        factor.is_Symbol and factor.is_positive or factor.is_Pow and factor.base.is_Symbol and factor.base.is_positive
        and factor.exp.is_positive for factor in sympy.Mul.make_args(rest))


def _written_size(expr: Value, memo: dict) -> int:
    """How many terms ``expr`` has when written out (shared sub-expressions counted each time), in time linear in
    its distinct sub-expressions."""
    if type(expr) is int:
        return 1
    args = cast(sympy.Expr, expr).args
    if not args:
        return 1
    found = memo.get(expr)
    if found is None:
        found = memo[expr] = 1 + sum(_written_size(arg, memo) for arg in args)
    return cast(int, found)


def _text(value: Value | None) -> str:
    return "unknown" if value is None else str(value)


# -- lowering a network to nodes ---------------------------------------------------------------------------------


class _Plan:
    """A 1-D network as nodes in topological order: node 0 is the input."""

    __slots__ = ("names", "kinds", "ops", "inputs", "labels", "namer", "aliases", "context")

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        """``reserved``: the names given in the network, which generated names skip."""
        self.names: list[str] = [INPUT]
        self.kinds: list[str] = ["input"]
        self.ops: list[Layer | Repeat | None] = [None]  # by kind: a layer, a repeated block, or None
        self.inputs: list[tuple[int, ...]] = [()]
        self.labels: list[tuple[str, ...]] = [()]
        self.namer = Namer(reserved)
        self.aliases: dict[str, int] = {}
        self.context: dict[int, tuple[int, ...]] = {}  # global context (GraphNode.context) taken at a node

    def auto_name(self, kind: str, given: str | None, prefix: str = "") -> str:
        """A node's own name, else its kind and a per-kind counter (:mod:`symrf.naming`)."""
        return self.namer.name(kind, given, prefix)

    def add(self, name: str, kind: str, op: Layer | Repeat | None, inputs: tuple[int, ...],
            labels: tuple[str, ...] = ()) -> int:
        self.names.append(name)
        self.kinds.append(kind)
        self.ops.append(op)
        self.inputs.append(inputs)
        self.labels.append(labels)
        return len(self.names) - 1


def _lower(items: tuple, start: int, plan: _Plan, prefix: str = "") -> int:
    """Add the nodes of ``items`` (a 1-D network) after node ``start``; return the last node."""
    current = start
    for item in items:
        kind = type(item)
        if kind is Layer:
            current = plan.add(plan.auto_name(item.kind, item.name, prefix), item.kind, item, (current,))
        elif kind is Parallel:
            ends, labels = [], []
            for number, branch in enumerate(item.branches, start=1):
                end = _lower(branch.items, current, plan, prefix)
                ends.append(end)
                labels.append(f"path {number} ({plan.names[end]})" if end != current else f"path {number} (identity)")
            name = plan.auto_name("merge", item.name, prefix)
            current = plan.add(name, "merge", None, tuple(ends), tuple(labels))
        elif kind is Repeat:
            current = plan.add(plan.auto_name("repeat", None, prefix), "repeat", item, (current,))
        else:
            raise SymrfError(f"{item!r} has values for several axes; analyse the network one axis at a time")
    return current


def _lower_graph(graph: Graph) -> _Plan:
    reserved = {node.name for node in graph.nodes}.union(*(given_names(node.op.items) for node in graph.nodes))
    plan = _Plan(reserved)
    where: dict[str, int] = {INPUT: 0}
    for node in graph.nodes:
        sources = tuple(where[name] for name in node.inputs)
        first = len(plan.names)  # the node's first plan index, where its context arrives
        single = len(node.op) == 1 and type(node.op.items[0]) is Layer and node.op.items[0].name is None
        if len(sources) > 1 or len(node.op) == 0:
            labels = tuple(graph_name for graph_name in node.inputs)
            merge_name = node.name if len(node.op) == 0 else f"{node.name}/merge"
            start = plan.add(merge_name, "merge", None, sources, labels)
        else:
            start = sources[0]
        if single:
            layer = cast(Layer, node.op.items[0])
            end = plan.add(node.name, layer.kind, layer, (start,))
        else:
            outer, plan.namer = plan.namer, Namer(reserved)  # a node's layers are numbered within the node
            end = _lower(node.op.items, start, plan, prefix=f"{node.name}/")
            plan.namer = outer
            if end != start or len(node.op) == 0:
                plan.aliases.setdefault(node.name, end)
        if node.context:
            plan.context[first] = tuple(where[name] for name in node.context)
        where[node.name] = end
    output = cast(str, graph.output)  # Graph.__post_init__ names the output node
    plan.aliases[output] = where[output]
    rows: dict[str, int] | None = None
    for alias, target in (graph.aliases or {}).items():
        if target not in where:  # a named layer inside a node (Graph.__post_init__ checked that it exists)
            rows = rows if rows is not None else {name: index for index, name in enumerate(plan.names)}
            plan.aliases.setdefault(alias, rows[target])
        else:
            plan.aliases.setdefault(alias, where[target])
    return plan


def _global_flags(plan: _Plan) -> tuple[list[bool], list[bool], bool]:
    """Per plan index: whether every path into it passes a global operation (a global pooling), whether global
    context reaches it, and whether some merge joins global and local paths (so ``rf_local`` needs its own sweep)."""
    count = len(plan.names)
    every_global, reached, mixed = [False] * count, [False] * count, False
    for index in range(1, count):
        sources, kind = plan.inputs[index], plan.kinds[index]
        if kind == "merge":
            flags = [every_global[i] for i in sources]
            every_global[index] = all(flags)
            mixed = mixed or (any(flags) and not all(flags))
        elif kind == "global_pool":
            every_global[index] = True
        elif kind == "repeat":
            every_global[index] = every_global[sources[0]] or _pools_globally(cast(Repeat, plan.ops[index]).body)
        else:
            every_global[index] = every_global[sources[0]]
        reached[index] = index in plan.context or any(reached[i] for i in sources)
    return every_global, reached, mixed


def _local_plan(plan: _Plan, every_global: list[bool]) -> tuple[_Plan, dict[int, int]]:
    """The plan without its global paths (nodes every path of which is global, and such inputs of merges); the map
    from the plan's indices to the new ones."""
    local = _Plan()
    where = {0: 0}
    for index in range(1, len(plan.names)):
        if every_global[index]:
            continue
        keep = [(where[i], label) for i, label in zip(plan.inputs[index], plan.labels[index] or plan.inputs[index])
                if not every_global[i]]
        labels = tuple(str(label) for _, label in keep) if plan.labels[index] else ()
        where[index] = local.add(plan.names[index], plan.kinds[index], plan.ops[index], tuple(i for i, _ in keep),
                                 labels)
    return local, where


# -- the sweep ---------------------------------------------------------------------------------------------------


class _Sweep:
    """One pass over a plan in topological order: a state per node, and the notes and warnings found on the way."""

    def __init__(self, plan: _Plan, input_size: Value | None, strict: bool, output: int | None = None) -> None:
        self.plan = plan
        self.strict = strict
        self.output = output  # the output node, when the plan is a whole network (not a repeated block)
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.resolved: list[tuple[Value, Value] | None] = [None] * len(plan.names)
        self.paths: dict[int, tuple[PathValues, ...]] = {}
        states: list[_State] = [_State(1, 1, 1, 0, 0, True, input_size)]
        kinds, ops, inputs, names = plan.kinds, plan.ops, plan.inputs, plan.names
        for index in range(1, len(names)):
            kind = kinds[index]
            if kind == "merge":
                states.append(self.merge(index, [states[i] for i in inputs[index]]))
            elif kind == "repeat":
                states.append(self.repeat(index, states[inputs[index][0]], cast(Repeat, ops[index])))
            else:
                states.append(self.layer(index, states[inputs[index][0]], cast(Layer, ops[index])))
        self.states = states

    # -- layers ------------------------------------------------------------------------------------------------

    def layer(self, index: int, state: _State, layer: Layer) -> _State:
        name = self.plan.names[index]
        kind = layer.kind
        if kind in DOWN_KINDS:
            kernel = layer.effective_kernel
            before, after = self.padding(index, layer, kernel, state.size)
            size = self.down_size(index, layer, kernel, state.size, before, after)
            if state.phases is not None:
                return self.phased_down(index, state, kernel, layer.stride, before, layer.dilation, size)
            return _step(state, kernel, kernel, layer.stride, before, before, state.aligned, size)
        if kind in UP_KINDS:
            return self.up(index, state, layer)
        return self.global_pool(index, state, name)

    def padding(self, index: int, layer: Layer, kernel: Value, size: Value | None) -> tuple[Value | None, Value | None]:
        pair: tuple[Value, Value] | None  # (before, after); None: a "same" padding that is not known yet
        if layer.padding != "same":
            pair = (layer.padding, layer.padding if layer.padding_end is None else layer.padding_end)
            self.resolved[index] = pair
            return pair
        pair = rec.same_padding(size, kernel, layer.stride)
        if pair is None:
            why = "without an input size" if size is None else f"for the input size {brief(size)}"
            self.note(f"{self.plan.names[index]}: the 'same' padding is unknown {why}; the effective padding and "
                      f"the alignment checks after it are skipped")
            return None, None
        self.resolved[index] = pair
        return pair

    def down_size(self, index, layer, kernel, size, before, after) -> Value | None:
        if size is None:
            return None
        if layer.padding == "same":
            return rec.same_output_size(size, layer.stride)
        rec.check_output(self.plan.names[index], size, kernel, before, after)
        return rec.output_size(size, kernel, layer.stride, before, after)

    def up(self, index: int, state: _State, layer: Layer) -> _State:
        name = self.plan.names[index]
        values = (layer.kernel, layer.stride, layer.padding, layer.dilation)
        if not all(type(v) is int for v in values) or not (layer.padding_end is None or type(layer.padding_end) is int):
            raise LayerError(f"{name}: a transposed convolution or up-sampling needs integer values here")
        kernel, stride, padding, dilation = cast("tuple[int, int, int, int]", values)  # all int: checked above
        after = padding if layer.padding_end is None else layer.padding_end
        self.resolved[index] = (padding, after)
        size = None
        if state.size is not None:
            size = rec.transposed_output_size(state.size, layer.effective_kernel, stride, padding, after)
            if type(size) is int and size < 1:
                raise EmptyOutputError(f"{name}: its output would be empty for an input of size {brief(state.size)}")
        if state.phases is None and stride > MAX_PHASES and dilation == 1 and self.is_output(index):
            return self.unlisted_up(name, state, kernel, stride, size)
        phases = self.to_phases(index, state)
        period = phases.period * stride
        self.check_phases(name, period, kernel)
        largest, smallest = [], []
        for y in range(period):
            xs = rec.transposed_inputs(y, kernel, stride, padding, dilation)
            largest.append(_hull(phases, phases.largest, xs))
            smallest.append(_hull(phases, phases.smallest, xs))
        return self.from_phases(_Phases(period, phases.shift, largest, smallest, phases.mixed), state.aligned, size)

    def unlisted_up(self, name: str, state: _State, kernel: int, stride: int, size: Value | None) -> _State:
        """The network's last layer up-samples by more than :data:`MAX_PHASES`: its RF and jump without listing
        the phases. Output feature ``y`` of a transposed convolution (dilation 1) reads the inputs ``x`` with
        ``y + p - k < x s <= y + p``, the multiples of ``s`` among ``k`` consecutive integers: ``ceil(k/s)`` of them
        for some phases, ``floor(k/s)`` for others, consecutive. So the largest RF is ``r + (ceil(k/s) - 1) J``, the
        smallest ``r_min + (floor(k/s) - 1) J`` (0 when some phase reads nothing), and the jump ``J/s``; start and
        centre differ between phases and are left unknown."""
        if not all(type(v) is int for v in (state.rf, state.rf_min, state.jump)):
            raise LayerError(f"{name}: up-sampling after layers with symbols is not supported; give numbers")
        most, least = -(-kernel // stride), kernel // stride
        rf = state.rf + (most - 1) * state.jump
        rf_min = 0 if least == 0 else state.rf_min + (least - 1) * state.jump
        self.note(f"{name}: its output phases are not listed (as many as its stride, {quoted(stride)}: more than "
                  f"{MAX_PHASES:,}); rf is the largest over them, rf min the smallest, and start and centre differ "
                  "between phases")
        return _State(rf, rf_min, sympy.Rational(state.jump, stride), None, None, state.aligned, size)

    def is_output(self, index: int) -> bool:
        """Whether node ``index`` is the network's output and no other node reads it."""
        return index == self.output and not any(index in inputs for inputs in self.plan.inputs)

    def phased_down(self, index, state, kernel, stride, before, dilation, size) -> _State:
        name = self.plan.names[index]
        if not all(type(v) is int for v in (kernel, stride, dilation)) or before is None or type(before) is not int:
            raise LayerError(f"{name}: after up-sampling, layers need integer values and a known padding")
        phases = state.phases
        common = math.gcd(phases.period, stride)
        period, shift = phases.period // common, phases.shift * (stride // common)
        self.check_phases(name, period, -(-kernel // dilation))
        largest, smallest = [], []
        reach = range(0, (kernel - 1) + 1, dilation)
        for y in range(period):
            xs = [y * stride - before + j for j in reach]
            largest.append(_hull(phases, phases.largest, xs))
            smallest.append(_hull(phases, phases.smallest, xs))
        return self.from_phases(_Phases(period, shift, largest, smallest, phases.mixed), state.aligned, size)

    def check_phases(self, name: str, period: int, taps: int) -> None:
        """Refuse, before building them, more output phases than :data:`MAX_PHASES` or more work than
        :data:`MAX_PHASE_WORK` (phases times the taps each reads)."""
        if period > MAX_PHASES:
            raise LayerError(f"{name}: up-sampling here makes {shorten(str(period))} output phases, more than "
                             f"{MAX_PHASES:,} (the product of the up-sampling strides); use smaller strides")
        if period * taps > MAX_PHASE_WORK:
            raise LayerError(f"{name}: {period:,} output phases times {shorten(str(taps))} taps is more work than "
                             f"{MAX_PHASE_WORK:,}; use a smaller kernel or fewer up-sampling layers")

    def global_pool(self, index: int, state: _State, name: str) -> _State:
        size = state.size
        if size is None:
            size = symbol(re.sub(r"[^A-Za-z0-9_]", "_", f"n_{name}"))
            self.note(f"{name}: the RF covers the whole input of the layer, of size {size} (give an input size)")
        self.resolved[index] = (0, 0)
        if state.phases is not None:
            if type(size) is not int:
                raise LayerError(f"{name}: after up-sampling, a global pooling needs a known input size")
            phases = state.phases
            self.check_phases(name, phases.period, size)
            largest = _hull(phases, phases.largest, range(size))
            smallest = _hull(phases, phases.smallest, range(size))
            if largest is None:  # nothing reaches the pooled features (a transposed convolution with k < s)
                self.note(f"{name}: no input pixel reaches this layer")
            shift = phases.shift * size // phases.period  # one output feature: its neighbours do not exist
            return self.from_phases(_Phases(1, shift, [largest], [smallest]), state.aligned, 1)
        return _step(state, size, size, size, 0, 0, state.aligned, 1)  # a kernel and a stride as wide as the input

    def to_phases(self, index: int, state: _State) -> _Phases:
        if state.phases is not None:
            return state.phases
        values = (state.rf, state.rf_min, state.jump, state.padding, state.padding_min)
        if not all(type(v) is int for v in values):
            name = self.plan.names[index]
            if state.padding is None:
                raise LayerError(f"{name}: up-sampling after an unknown 'same' padding needs the input size")
            raise LayerError(f"{name}: up-sampling after layers with symbols is not supported; give numbers")
        largest = [(-state.padding, state.rf - 1 - state.padding)]
        smallest = [(-state.padding_min, state.rf_min - 1 - state.padding_min)]
        return _Phases(1, state.jump, largest, smallest)

    def from_phases(self, phases: _Phases, aligned: bool | None, size: Value | None) -> _State:
        """A state from phase tables: affine again when the period is back to 1."""
        if phases.period == 1 and phases.largest[0] is not None and phases.smallest[0] is not None:
            (lo, hi), (lo_min, hi_min) = phases.largest[0], phases.smallest[0]
            return _State(hi - lo + 1, hi_min - lo_min + 1, phases.shift, -lo, -lo_min, aligned, size)
        rf, rf_min, padding, padding_min = _phase_summary(phases)
        jump = sympy.Rational(phases.shift, phases.period)
        jump = int(jump) if jump.is_Integer else jump
        return _State(rf, rf_min, jump, padding, padding_min, aligned, size, phases)

    # -- merges ------------------------------------------------------------------------------------------------

    def merge(self, index: int, states: list[_State]) -> _State:
        plan = self.plan
        name = plan.names[index]
        sources = plan.inputs[index]
        labels = plan.labels[index] or tuple(plan.names[i] for i in sources)
        first = states[0]
        for label, state in zip(labels[1:], states[1:]):
            same = _equal(state.jump, first.jump)
            if same is False:
                raise SymrfError(
                    f"{name}: its inputs have different jumps, {first.jump} along {labels[0]} and {state.jump} along "
                    f"{label}; paths can only be merged at the same resolution"
                )
            if same is None:
                self.note(f"{name}: cannot tell whether the jumps {first.jump} and {state.jump} are equal")
        size = self.merge_size(name, labels, states)
        self.paths[index] = tuple(
            PathValues(label, plan.names[source], s.rf, s.rf_min, s.jump, s.padding, _center(s.rf, s.padding))
            for label, source, s in zip(labels, sources, states)
        )
        if any(state.phases is not None for state in states):
            return self.merge_phases(index, states, labels, size)
        rf, largest, decided, bound = _extreme([s.rf for s in states], True)
        rf_min, smallest, decided_min, bound_min = _extreme([s.rf_min for s in states], False)
        if bound or bound_min:
            what = "the largest RF" if bound else "the smallest RF"
            self.note(f"{name}: {what} over its paths is a maximum of more than {MAX_EXTREME_TERMS} terms; the "
                      f"value reported is an upper bound ({brief(rf if bound else rf_min, SHOWN)}), and so are the "
                      f"values after it")
        elif not decided or not decided_min:
            self.note(f"{name}: sympy cannot tell which path has the {'largest' if not decided else 'smallest'} RF "
                      f"for every value of the symbols, so the RF is {brief(rf if not decided else rf_min, SHOWN)}")
        aligned = self.alignment(name, labels, states)
        padding, padding_min = states[largest].padding, states[smallest].padding_min
        if aligned and not (decided and decided_min):
            centre = _center(states[0].rf, states[0].padding)
            padding = None if centre is None else expand_if_small((rf - 1) / sympy.Integer(2) - centre)
            padding_min = None if centre is None else expand_if_small((rf_min - 1) / sympy.Integer(2) - centre)
        return _State(rf, rf_min, first.jump, padding, padding_min, aligned, size)

    def merge_size(self, name: str, labels: tuple[str, ...], states: list[_State]) -> Value | None:
        first = states[0].size
        for label, state in zip(labels[1:], states[1:]):
            if first is None or state.size is None:
                return None
            same = _equal(first, state.size)
            if same is False:
                raise SymrfError(f"{name}: its inputs have different sizes, {brief(first)} along {labels[0]} and "
                                 f"{brief(state.size)} along {label}")
        return first

    def alignment(self, name: str, labels: tuple[str, ...], states: list[_State]) -> bool | None:
        """Whether the inputs of a merge are centred alike; a warning (or an error) names two that are not."""
        if any(state.aligned is False for state in states):
            return False
        centres = [_center(s.rf, s.padding) for s in states]
        if any(c is None for c in centres):
            self.note(f"{name}: alignment not checked, the effective padding of "
                      f"{labels[centres.index(None)]} depends on the input size ('same' padding)")
            return None
        reference = 0
        result: bool | None = True
        for other in range(1, len(states)):
            same = _equal(centres[reference], centres[other])
            if same is False:
                self.misaligned(name, labels[reference], centres[reference], labels[other], centres[other])
                return False
            if same is None:
                self.note(f"{name}: cannot tell whether {labels[reference]} and {labels[other]} are aligned "
                          f"(centre offsets {brief(centres[reference])} and {brief(centres[other])})")
                result = None
        return result if all(state.aligned for state in states) else None

    def misaligned(self, name: str, first: str, first_centre: Value, other: str, other_centre: Value) -> None:
        message = (f"{name} is misaligned: {first} is centred at {brief(first_centre)} but {other} at "
                   f"{brief(other_centre)} "
                   f"(centre offsets (rf - 1)/2 - P, in input pixels); the values of the largest path are reported")
        if self.strict:
            raise MisalignedError(message.split("; ")[0])
        self.warnings.append(message)

    def merge_phases(self, index: int, states: list[_State], labels: tuple[str, ...], size: Value | None) -> _State:
        """A merge after up-sampling: phase by phase, the input whose extent contains the others' is the largest.

        The largest path is exact when one input's extent contains every other input's at every phase (later
        layers take hulls, which keep containment); otherwise the union of the inputs' extents is kept, an upper
        bound, and a note says so. Likewise for the smallest path (an extent contained in all the others).
        """
        name = self.plan.names[index]
        tables = [self.to_phases(index, state) for state in states]
        period = math.lcm(*(t.period for t in tables))
        shift = tables[0].shift * (period // tables[0].period)
        largest_of = [[t.extent(t.largest, phase) for phase in range(period)] for t in tables]
        smallest_of = [[t.extent(t.smallest, phase) for phase in range(period)] for t in tables]
        inputs = range(len(tables))
        outer = [i for i in inputs
                 if all(_contains(largest_of[i][x], largest_of[j][x]) for j in inputs for x in range(period))]
        inner = [i for i in range(len(tables))
                 if all(_contains(smallest_of[j][x], smallest_of[i][x]) for j in range(len(tables))
                        for x in range(period))]
        if outer:
            largest = largest_of[outer[0]]
        else:
            largest = [_union([extents[x] for extents in largest_of]) for x in range(period)]
        if inner:
            smallest = smallest_of[inner[0]]
        else:
            smallest = [min(((e[1] - e[0], e) for e in (extents[x] for extents in smallest_of) if e is not None),
                            default=(0, None))[1] for x in range(period)]
        mixed = any(t.mixed for t in tables) or not outer or not inner
        if not outer or not inner:
            self.note(f"{name}: no path's extent contains the others' at every output phase; the values after it "
                      f"are bounds (the hull over paths)")
        aligned = all(state.aligned is not False for state in states)
        for phase in range(period):
            extents: list[Any] = [found[phase] for found in largest_of]  # (first, last), or None: not reached
            present = [i for i, e in enumerate(extents) if e is not None]
            if aligned and len({sum(extents[i]) for i in present}) > 1:
                aligned = False
                first, second = present[:2]
                offset = phase * sympy.Rational(shift, period)
                self.misaligned(f"{name} (output phase {phase})", labels[first],
                                sympy.Rational(sum(extents[first]), 2) - offset, labels[second],
                                sympy.Rational(sum(extents[second]), 2) - offset)
        return self.from_phases(_Phases(period, shift, largest, smallest, mixed), aligned, size)

    # -- repeated blocks ---------------------------------------------------------------------------------------

    def repeat(self, index: int, state: _State, item: Repeat) -> _State:
        """A repeated block acts like one layer (:func:`_repeated`). A block that pools globally sees a different
        input size in its first copy than in the others (a global pooling's output has size 1, so every later copy
        gets the same input): the first copy is followed on its own and the others repeated."""
        name = self.plan.names[index]
        if state.phases is not None:
            raise LayerError(f"{name}: a block repeated a symbolic number of times cannot follow up-sampling")
        body = _Plan()
        end = _lower(item.body.items, 0, body)
        if isinstance(item.count, sympy.Expr) and item.count.free_symbols:
            self.note(hidden_rows_note(name, item))
        count = item.count
        size = state.size
        if count != 0 and _pools_globally(item.body):
            first = self.block(name, body, end, size)
            aligned = None if state.aligned is None or first.aligned is None else state.aligned and first.aligned
            state = _step(state, first.rf, first.rf_min, first.jump, first.padding, first.padding_min, aligned,
                          first.size)
            count, size = (count - 1 if type(count) is int else sympy.expand(count - 1)), first.size
            if count == 0:
                return state
            try:  # the input of every later copy: fixed, so no size changes
                block = self.block(name, body, end, size)
            except EmptyOutputError as exc:
                raise EmptyOutputError(f"{name}: copy 2 of {item.count}: {exc}") from None
        else:
            block = self.block(name, body, end, None)
            if size is not None:
                size = self.repeated_size(item, size, name)
        rf, padding, jump = _repeated(block.rf, block.padding, block.jump, count)
        rf_min, padding_min, _ = _repeated(block.rf_min, block.padding_min, block.jump, count)
        aligned = None if state.aligned is None or block.aligned is None else state.aligned and block.aligned
        return _step(state, rf, rf_min, jump, padding, padding_min, aligned, size)  # the block acts like one layer

    def block(self, name: str, body: _Plan, end: int, size: Value | None) -> _State:
        """One copy of a repeated block, from an input of size ``size`` (None: not followed); its notes and
        warnings are kept, prefixed with the name of the repetition."""
        inner = _Sweep(body, size, self.strict)
        for note in inner.notes:
            self.note(f"{name}: {note}")
        for warning in inner.warnings:
            if f"{name}: {warning}" not in self.warnings:
                self.warnings.append(f"{name}: {warning}")
        block = inner.states[end]
        if block.phases is not None:
            raise LayerError(f"{name}: a block repeated a symbolic number of times cannot up-sample")
        return block

    def repeated_size(self, item: Repeat, size: Value, name: str) -> Value | None:
        """The size after a repeated block (:func:`symrf.recurrence.repeated_size`), or None with a note."""
        body = _Plan()
        end = _lower(item.body.items, 0, body)

        def step(one: Value) -> Value | None:
            return _Sweep(body, one, self.strict).states[end].size

        found = rec.repeated_size(step, size, item.count, name)
        if found is None:
            self.note(f"{name}: the output size after {item.count} repetitions of a strided block is not computed")
        return found

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _pools_globally(network: Network) -> bool:
    """Whether a global pooling occurs in ``network`` at any depth (its output size then no longer depends on the
    input's)."""
    for item in network.items:
        if isinstance(item, Repeat):
            if _pools_globally(item.body):
                return True
        elif isinstance(item, Parallel):
            if any(_pools_globally(branch) for branch in item.branches):
                return True
        elif item.kind == "global_pool":
            return True
    return False


def _repeated(rf: Value, padding: Value | None, jump: Value, count: Value) -> tuple[Value, Value | None, Value]:
    """RF, effective padding and jump of a block repeated ``count`` times (``symrf.closed_forms.Summary``).

    A block acts on receptive fields like one layer with kernel ``rf``, stride ``jump`` and padding ``padding``,
    so ``n`` of them give ``1 + (rf - 1) G``, ``padding G`` and ``jump^n`` with ``G = 1 + J + ... + J^(n-1)``.
    """
    known = padding is not None
    block = Summary(rf - 1, jump, padding if known else 0, rec.center(rf, padding) if known else 0)
    total = block.repeated(count)
    span = total.span
    if isinstance(span, sympy.Expr) and not span.has(sympy.Piecewise):
        span = expand_if_small(span)
    return span + 1, total.effective_padding if known else None, total.jump


def _contains(outer: tuple[int, int] | None, inner: tuple[int, int] | None) -> bool:
    """Whether extent ``outer`` contains extent ``inner`` (nothing is contained in anything)."""
    if inner is None:
        return True
    return outer is not None and outer[0] <= inner[0] and outer[1] >= inner[1]


def _union(extents: list) -> tuple[int, int] | None:
    """The smallest extent that contains all of ``extents`` (None if they are all empty)."""
    present = [e for e in extents if e is not None]
    if not present:
        return None
    return min(e[0] for e in present), max(e[1] for e in present)


def _hull(phases: _Phases, table: list, xs) -> tuple[int, int] | None:
    """The extent covering the extents of features ``xs`` (None if none of them is reached)."""
    lo = hi = None
    for x in xs:
        found = phases.extent(table, x)
        if found is None:
            continue
        if lo is None or found[0] < lo:
            lo = found[0]
        if hi is None or found[1] > hi:
            hi = found[1]
    return None if lo is None else (lo, cast(int, hi))  # hi is set together with lo


def _phase_summary(phases: _Phases) -> tuple[Value, Value, Value, Value]:
    """RF (largest over phases), smallest RF, and the effective paddings of the phase with the largest RF."""
    rfs = [0 if e is None else e[1] - e[0] + 1 for e in phases.largest]
    rf = max(rfs)
    phase = rfs.index(rf)
    rf_min = min(0 if e is None else e[1] - e[0] + 1 for e in phases.smallest)  # 0: a phase nothing reaches
    jump = sympy.Rational(phases.shift, phases.period)
    found = phases.largest[phase]
    padding = None if found is None else phase * jump - found[0]
    small = phases.smallest[phase]
    padding_min = None if small is None else phase * jump - small[0]
    return rf, rf_min, _int(padding), _int(padding_min)


def _int(value):
    if isinstance(value, sympy.Rational) and value.is_Integer:
        return int(value)
    return value


# -- the analysis ------------------------------------------------------------------------------------------------


class GraphAnalysis(Analysis):
    """The receptive-field quantities of a 1-D network with several paths, per node and for the output.

    Rows follow the topological order: layers, merges (``merge1``, ... or the name given to
    :func:`~symrf.network.parallel`) and symbolically repeated blocks. Misalignment warnings and notes (what
    could not be decided or computed) are in ``warnings`` and ``notes``.

    >>> a = analyze("conv(7, 2, p=3), pool(3, 2, p=1), residual([conv(3, p=1), conv(3, p=1)]), "
    ...             "residual([conv(3, p=1), conv(3, p=1)])")
    >>> a.rf, a.jump, a.effective_padding, a.rf_min
    (43, 4, 21, 11)
    >>> [row.name for row in a][:4], a.layer("merge2").paths[1].label
    (['conv1', 'pool1', 'conv2', 'conv3'], 'path 2 (identity)')
    >>> analyze("conv(7, 2, p=3), pool(3, 2, p=1), 2 * [residual([conv(3, p=1), conv(3, p=1)])]").rf
    43
    """

    def __init__(self, network: Network | Graph, input_size: Value | None = None, strict: bool = False) -> None:
        self.network = network
        self.input_size = input_size
        self.strict = strict
        if isinstance(network, Graph):
            plan = _lower_graph(network)
            output = plan.aliases[cast(str, network.output)]  # Graph.__post_init__ names the output node
        else:
            plan = _Plan(given_names(network.items))
            output = _lower(network.items, 0, plan)
        sweep = _Sweep(plan, input_size, strict, output)
        self._plan, self._sweep, self._output = plan, sweep, output
        self._global, self._reached, mixed = _global_flags(plan)
        self._local: tuple[_Sweep, dict[int, int]] | None = None
        notes = list(sweep.notes)
        if mixed:  # some merge joins global and local paths: the local RFs need a sweep of their own
            local, where = _local_plan(plan, self._global)
            self._local = (_Sweep(local, input_size, False), where)
        for index, sources in plan.context.items():
            shown = ", ".join(plan.names[i] for i in sources)
            whole = "" if input_size is not None else f", of size {_whole_input(None)} (give an input size)"
            notes.append(f"{plan.names[index]}: takes global context from {shown}: its features and those after it "
                         f"read the whole input{whole}; rf_local is the RF of the local paths")
        self._warnings: tuple[str, ...] = tuple(sweep.warnings)
        self._notes: tuple[str, ...] = tuple(notes)

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._warnings

    @property
    def notes(self) -> tuple[str, ...]:
        return self._notes

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(self._plan.names[1:])

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        return tuple(self._node(index) for index in range(1, len(self._plan.names)))

    def __len__(self) -> int:
        return len(self._plan.names) - 1

    def _aliases(self) -> Mapping[str, int]:
        return {name: index for name, index in self._plan.aliases.items() if index > 0}

    def _node(self, index: int) -> Row:
        plan, state = self._plan, self._sweep.states[index]
        start = None if state.padding is None else -state.padding
        phases = None
        if state.phases is not None:
            phases = _phase_results(state.phases)
        op = plan.ops[index]
        rf = rf_local = tidy(state.rf)
        if self._global[index]:
            rf_local = None
        elif self._local is not None:
            local, where = self._local
            rf_local = tidy(local.states[where[index]].rf)
        if self._reached[index] and not self._global[index] and start is not None:
            rf = _whole_union(rf, start, self.input_size)
        return Row(
            index, plan.names[index], plan.kinds[index], op if isinstance(op, (Layer, Repeat)) else None,
            tuple(plan.names[i] for i in plan.inputs[index]), rf, tidy(state.rf_min), tidy(state.jump),
            _tidy(state.padding), _tidy(start), _tidy(_center(state.rf, state.padding)), _tidy(state.size),
            self._sweep.resolved[index], state.aligned, self._sweep.paths.get(index, ()), phases, (), rf_local,
        )

    def copies(self, key: int | str) -> tuple[Row, ...]:
        """The rows of the first and the last copy of a block repeated an integer number of times (row ``key``),
        named ``repeat1[1]/conv1, ...`` and ``repeat1[n]/conv1, ...``, each with its values in the whole network
        (sizes are not followed, and a merge inside lists no paths); empty for any other row.

        >>> [(row.name, row.rf) for row in analyze("conv(3), 4 * [residual([conv(3, p=1)])]").copies("repeat1")]
        ... # doctest: +NORMALIZE_WHITESPACE
        [('repeat1[1]/conv1', 5), ('repeat1[1]/merge1', 5), ('repeat1[4]/conv1', 11), ('repeat1[4]/merge1', 11)]
        """
        row = self.layer(key)
        item = row.layer
        if not isinstance(item, Repeat) or type(item.count) is not int or item.count < 1:
            return ()
        index = row.index
        before = self._sweep.states[self._plan.inputs[index][0]]
        body = _Plan()
        _lower(item.body.items, 0, body)
        pools = _pools_globally(item.body)
        first = _Sweep(body, before.size if pools else None, self.strict)
        later = first if not pools or item.count == 1 else _Sweep(body, first.states[-1].size, self.strict)
        listed = [(1, before, first)]
        if item.count > 1:  # the last copy starts after the first one and count - 2 others
            last = _compose(before, first.states[-1])
            block = later.states[-1]
            rf, padding, jump = _repeated(block.rf, block.padding, block.jump, item.count - 2)
            rf_min, padding_min, _ = _repeated(block.rf_min, block.padding_min, block.jump, item.count - 2)
            listed.append((item.count, _step(last, rf, rf_min, jump, padding, padding_min, last.aligned, None), later))
        found: list[Row] = []
        for copy, start, sweep in listed:
            for inner in range(1, len(body.names)):
                state = _compose(start, sweep.states[inner])
                found.append(Row(
                    index, f"{row.name}[{copy}]/{body.names[inner]}", body.kinds[inner], body.ops[inner],
                    tuple(f"{row.name}[{copy}]/{body.names[i]}" if i else row.inputs[0] for i in body.inputs[inner]),
                    state.rf, state.rf_min, state.jump, state.padding,
                    None if state.padding is None else -state.padding, _center(state.rf, state.padding), None,
                    sweep.resolved[inner], state.aligned))
        return tuple(found)

    @cached_property
    def output(self) -> Row | None:
        """The row of the output node (None for an empty network), built without the other rows."""
        return self._node(self._output) if self._output else None

    def _total(self, field: str, empty: object) -> Any:
        row = self.output
        return empty if row is None else getattr(row, field)

    @property
    def rf(self) -> Value:
        """The largest receptive field over all paths (and, after up-sampling, over all output phases)."""
        return self._total("rf", 1)

    @property
    def rf_min(self) -> Value:
        """The smallest receptive field over all paths (the shortest path, e.g. through every shortcut)."""
        return self._total("rf_min", 1)

    @property
    def has_global(self) -> bool:
        return bool(self._plan.context) or any(self._global)

    @property
    def rf_local(self) -> Value | None:
        """The largest RF over the paths that avoid global operations (None when every path is global)."""
        return self._total("rf_local", 1)

    @property
    def jump(self) -> Value:
        return self._total("jump", 1)

    @property
    def effective_padding(self) -> Value | None:
        return self._total("effective_padding", 0)

    @property
    def start(self) -> Value | None:
        return self._total("start", 0)

    @property
    def center(self) -> Value | None:
        return self._total("center", 0)

    @property
    def size(self) -> Value | None:
        return self._total("size", self.input_size)

    @property
    def aligned(self) -> bool | None:
        """Whether every path from the input to the output is centred alike (None when it cannot be checked)."""
        return self._total("aligned", True)

    @property
    def phases(self) -> tuple[PhaseResult, ...] | None:
        return self._total("phases", None)

    @property
    def branched(self) -> bool:
        return bool(self.merges) or any(row.kind == "repeat" for row in self.rows) and self.rf_min != self.rf

    def input_interval(self, feature: int = 0) -> tuple[Value, Value] | None:
        """The first and last input pixels that output feature ``feature`` sees along its largest path."""
        state = self._sweep.states[self._output]
        if state.phases is not None:
            return state.phases.extent(state.phases.largest, feature)
        if state.padding is None:
            return None
        first = feature * state.jump - state.padding
        return first, first + state.rf - 1

    def subs(self, values: Mapping[Any, object] | None = None, **named: object) -> GraphAnalysis:
        """The analysis with symbols given values, e.g. ``a.subs(n=3)``."""
        mapping = substitution(self.free_symbols, given_values(values, named))
        size = self.input_size
        if isinstance(size, sympy.Expr):
            size = as_value(size.xreplace(mapping), "size", "input ")
        return GraphAnalysis(self.network.xreplace(mapping), size, self.strict)

    def block(self, index: int) -> GraphAnalysis:
        """The analysis, on its own, of the block that row ``index`` (a ``repeat`` row) repeats."""
        op = self._plan.ops[index]
        if not isinstance(op, Repeat):
            raise SymrfError(f"row {index} ({self._plan.names[index]}) is not a repeated block")
        return GraphAnalysis(op.body, None, self.strict)

    def latex(self, **options: Any) -> str:
        """The derivation node by node: each layer's step, each merge as the maximum and minimum over its inputs
        with the alignment check; ``jump``, ``center`` and ``document`` as for chains."""
        return graph_derivation(self, **options)


def _whole_input(size: Value | None) -> Value:
    """The size of the whole input: ``size``, or the symbol ``n_input`` when it is not given."""
    return symbol("n_input") if size is None else size


def _whole_union(rf: Value, start: Value, size: Value | None) -> Value:
    """The RF of a feature that reads the whole input (through global context) and, along its local paths, the
    window of ``rf`` pixels from ``start`` (which may reach into the padding): the union of the two."""
    whole = _whole_input(size)
    last = start + rf - 1
    if all(type(v) is int for v in (rf, start, whole)):
        return max(last, whole - 1) - min(start, 0) + 1
    return tidy(sympy.Max(last, whole - 1) - sympy.Min(start, 0) + 1)


def _phase_results(phases: _Phases) -> tuple[PhaseResult, ...]:
    jump = sympy.Rational(phases.shift, phases.period)
    results = []
    for phase, (found, small) in enumerate(zip(phases.largest, phases.smallest)):
        if found is None:
            results.append(PhaseResult(phase, 0, 0, None, None, None))
            continue
        rf = found[1] - found[0] + 1
        rf_min = 0 if small is None else small[1] - small[0] + 1
        centre = sympy.Rational(found[0] + found[1], 2)
        results.append(PhaseResult(phase, rf, rf_min, found[0], _int(centre), _int(phase * jump - found[0])))
    return tuple(results)
