"""The effective receptive field (ERF) with uniform weights, exactly: :func:`erf` and its result :class:`ERF`.

With uniform weights (every tap of a kernel weighs the same: average pooling, and max pooling treated as average
pooling), the response of output feature 0 to the input pixels, along one axis, is a distribution: the
convolution of the layers' dilated, strided box kernels. Layer ``l`` (kernel ``k_l``, stride ``s_l``, dilation
``d_l``) spreads each feature over ``k_l`` features of its input, ``d_l`` apart, each with weight ``1/k_l``; so the
mean of the response is the centre of the receptive field, and its variance is

    sigma^2 = sum_l (d_l J_{l-1})^2 (k_l^2 - 1) / 12

with ``J_{l-1}`` the jump before layer ``l`` (a box of ``k`` taps ``d`` apart has variance ``d^2 (k^2 - 1)/12``,
in units of its input's features, which are ``J_{l-1}`` input pixels apart; variances of independent sums add).
Segments compose as ``sigma^2 = sigma_A^2 + J_A^2 sigma_B^2``, so a block repeated ``n`` times gives the geometric
series ``sigma_B^2 (1 + J_B^2 + ... + J_B^(2(n-1)))``. The ratio ``sigma / l`` (``l`` the RF) falls like
``1/sqrt(n)`` for stacks of stride 1 and tends to a constant for strided stacks: as ``n -> oo`` it tends to
``sqrt(sigma_B^2/(J_B^2 - 1) + sigma_C^2) / ((l_B - 1)/(J_B - 1) + l_C - 1)`` for a block ``B`` with ``J_B > 1``
followed by a segment ``C`` (the parts before the block cancel).

Branches (:func:`~symrf.network.parallel`, :func:`~symrf.network.residual`, graphs, imported models): each merge
averages its inputs (weight ``1/m`` each), so the response stays a distribution (mass 1), a mixture over the paths.
A transposed convolution or an up-sampling: each output averages the inputs it reads. A global pooling averages
its whole input (so it needs the input size), and TensorFlow's "same" padding needs the input size as in
:mod:`symrf.graph`. Global context (:attr:`symrf.dag.GraphNode.context`) is left out: the response is that of the
local paths. Pixels are numbered as everywhere in symrf (feature ``x`` of a layer reads ``x*s - p + j*d``), and
layers are taken over the whole line of pixels: a window that reaches into the padding counts those positions, as
the RF does.

The exact response is computed by walking back from the feature through the network: each node carries its
distribution over its own features as integer numerators over one denominator (no floats); a layer sends each
feature's weight to the features it reads, a merge ``1/m`` of it to each input, and a node read by several others
sums what it receives. The numerators of a node are packed into one Python integer, one fixed-width slot per
feature (an N-D map: rows of slots, one after the other), so that a box of ``k`` taps is ``O(log k)`` shifts and
additions of whole integers and a stride re-spaces the slots with byte slicing: exact, and fast without NumPy.
With several axes each axis's response is the propagation along that axis alone (which equals the marginal of the
N-D map: a merge's weights do not depend on the axis), and :meth:`ERF.map` propagates the 2-D map itself, which
is a mixture over paths and not separable.

>>> e = erf("conv(3), conv(3)")
>>> e.response
(0, (Fraction(1, 9), Fraction(2, 9), Fraction(1, 3), Fraction(2, 9), Fraction(1, 9)))
>>> e.mean, e.variance, e.interval95, e.ratio95
(2, 4/3, (0, 4), 1)
>>> erf("n * [conv(3, 2)]").sigma_ratio_limit
sqrt(2)/6
"""

from __future__ import annotations

import html
import math
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any, cast

import sympy

from .analysis import Analysis
from .dag import Graph
from .derivations import series_sum
from .errors import SymrfError, brief, printable, quoted
from .graph import _lower, _lower_graph, _Plan
from .latex import _align, wrap_document
from .layers import DOWN_KINDS, UP_KINDS, Layer, Value
from .naming import given_names
from .network import Network, Repeat
from .printing import json_value, symbols_json, tex, tex_factor, text
from .recurrence import effective_kernel, output_size, same_output_size, same_padding, transposed_output_size
from .segments import MAX_EXACT_BITS, geometric_sum, is_one, tidy, unit_condition
from .tables import jupyter_latex

__all__ = ["ERF", "MAX_NODES", "MAX_STORAGE_BYTES", "MAX_WORK_BYTES"]

#: Why a feature has no response.
NOTHING_READ = ("no input pixel reaches this feature (a transposed convolution whose kernel is smaller than its stride "
                "reads nothing at some positions)")

#: Most layers and merges a network may have once its repeated blocks are unrolled for the exact response.
MAX_NODES = 200_000

#: Most bytes the packed numerators of one node may take (features times the width of a slot); beyond it the
#: response is not computed (a note says so) rather than filling the memory.
MAX_STORAGE_BYTES = 1 << 28

#: Most bytes the walk may write in all (the features of every node times the width of a slot, summed): about what
#: takes a few seconds; a deeper network's exact response is not computed (a note says so).
MAX_WORK_BYTES = 1 << 31

#: Largest symbolic expression (in operations) handed to ``sympy.limit`` when the limit of ``sigma / l`` is not read
#: off the network's structure: the bounded effort spent before giving up with a note.
MAX_LIMIT_OPS = 400

#: The masses of the reported intervals, in percent.
MASSES = (68, 95)


# -- a network as numeric steps ---------------------------------------------------------------------------------------


class _TooLarge(SymrfError):
    """The exact response would take too much memory or too many layers (reported as a note)."""


@dataclass(frozen=True, slots=True)
class _Step:
    """What a layer does along one axis, resolved: ``down`` (conv, pool, global pool): output ``y`` reads
    ``y*s - p + j*d``; otherwise (transposed convolution, up-sampling) output ``y`` reads every ``x`` with
    ``x*s - p + j*d = y``."""

    down: bool
    kernel: int
    stride: int
    padding: int
    dilation: int


class _Program:
    """A 1-D network unrolled into numeric steps: node 0 is the input, then layers and merges in topological order."""

    def __init__(self, size: Value | None) -> None:
        self.kinds: list[str] = ["input"]
        self.steps: list[_Step | None] = [None]
        self.inputs: list[tuple[int, ...]] = [()]
        self.sizes: list[Value | None] = [size]
        self.seen: set[str] = set()  # "pool", "merge", "up", "global", "context"
        self.work = 0
        self.target = 0  # the node whose feature 0 the ERF is of

    def add(self, kind: str, step: _Step | None, inputs: tuple[int, ...], size: Value | None) -> int:
        if len(self.kinds) > MAX_NODES:
            raise _TooLarge(f"the network has more than {MAX_NODES:,} layers and merges once its repeated blocks are "
                            "unrolled")
        self.kinds.append(kind)
        self.steps.append(step)
        self.inputs.append(inputs)
        self.sizes.append(size)
        return len(self.kinds) - 1

    def lower(self, plan: _Plan, start: int) -> list[int]:
        """Add the nodes of ``plan`` after node ``start``; the node of each plan index."""
        where = [start]
        if plan.context:
            self.seen.add("context")
        for index in range(1, len(plan.names)):
            self.work += 1
            if self.work > 4 * MAX_NODES:
                raise _TooLarge(f"the network has more than {MAX_NODES:,} nodes once its repeated blocks are unrolled")
            kind, name = plan.kinds[index], plan.names[index]
            sources = tuple(where[i] for i in plan.inputs[index])
            if kind == "merge":
                if len(sources) == 1:  # the average of one input is that input
                    where.append(sources[0])
                else:
                    self.seen.add("merge")
                    where.append(self.add("merge", None, sources, self.sizes[sources[0]]))
            elif kind == "repeat":
                where.append(self.repeat(cast(Repeat, plan.ops[index]), sources[0]))
            else:
                where.append(self.layer(cast(Layer, plan.ops[index]), sources[0], name))
        return where

    def repeat(self, item: Repeat, start: int) -> int:
        body = _Plan()
        end = _lower(item.body.items, 0, body)
        current = start
        for _ in range(cast(int, item.count)):  # numeric networks only: the count is an int
            current = self.lower(body, current)[end]
        return current

    def layer(self, layer: Layer, source: int, name: str) -> int:
        size = self.sizes[source]
        kind = layer.kind
        kernel, stride, dilation = cast(int, layer.kernel), cast(int, layer.stride), cast(int, layer.dilation)
        extent = cast(int, effective_kernel(kernel, dilation))
        if kind in DOWN_KINDS:
            if kind == "pool":
                self.seen.add("pool")
            if layer.padding == "same":
                pair = same_padding(size, extent, stride)
                if pair is None:
                    why = "without an input size" if size is None else f"for the input size {brief(size)}"
                    raise SymrfError(f"{name}: its 'same' padding is unknown {why}, and the ERF needs it; give an "
                                     "input size")
                before, after = pair
                out = same_output_size(size, stride) if size is not None else None
            else:
                before = layer.padding
                after = layer.padding if layer.padding_end is None else layer.padding_end
                out = output_size(size, extent, stride, before, after) if size is not None else None
            if type(before) is not int:
                raise SymrfError(f"{name}: its 'same' padding depends on the input size {brief(size)}; the ERF needs "
                                 "a numeric input size")
            return self.add("layer", _Step(True, kernel, stride, before, dilation), (source,), out)
        if kind in UP_KINDS:
            self.seen.add("up")
            padding = cast(int, layer.padding)
            after = padding if layer.padding_end is None else layer.padding_end
            out = transposed_output_size(size, extent, stride, padding, after) if size is not None else None
            return self.add("layer", _Step(False, kernel, stride, padding, dilation), (source,), out)
        self.seen.add("global")  # global_pool: a kernel and a stride as wide as its input, as symrf.graph takes it
        if type(size) is not int:
            known = "" if size is None else f" (it is {brief(size)})"
            raise SymrfError(f"{name}: a global pooling averages its whole input, so the ERF needs its size{known}; "
                             "give a numeric input size")
        return self.add("layer", _Step(True, size, size, 0, 1), (source,), 1)


def _numeric(network: Network | Graph) -> bool:
    """Whether every value of a 1-D network is an integer (a "same" padding counts: it is resolved from sizes)."""
    if isinstance(network, Graph):
        return all(_numeric(node.op) for node in network.nodes)
    for item in network.items:
        if isinstance(item, Layer):
            values = (item.kernel, item.stride, item.dilation, item.padding_end or 0,
                      0 if item.padding == "same" else item.padding)
            if not all(type(value) is int for value in values):
                return False
        elif isinstance(item, Repeat):
            if type(item.count) is not int or not _numeric(item.body):
                return False
        elif not all(_numeric(branch) for branch in cast(Any, item).branches):
            return False
    return True


def _plan_of(network: Network | Graph) -> tuple[_Plan, int]:
    """A 1-D network lowered as symrf.graph lowers it (plan indices are the analysis's row indices), and the index
    of its output."""
    if isinstance(network, Graph):
        plan = _lower_graph(network)
        return plan, plan.aliases[cast(str, network.output)]
    plan = _Plan(given_names(network.items))
    return plan, _lower(network.items, 0, plan)


# -- the packed numerators ------------------------------------------------------------------------------------------


class _Layout:
    """How a node's numerators are packed in one integer: a slot of ``size`` bytes (``width`` bits: enough for the
    largest denominator, which bounds every numerator) per feature, an N-D map in rows along its last axis: feature
    ``(i_0, ..., i_{N-1})``, counted from the node's first feature, is slot ``sum_a i_a pitch_a``. A node's rows are
    ``row`` slots long (the widest node of the part of the network at its resolution: rows change only at strided
    layers, which rewrite them anyway); ``lengths`` bound the extents along the other axes."""

    __slots__ = ("size", "width", "lengths")

    def __init__(self, lengths: tuple[int, ...], bits: int) -> None:
        self.size = max(1, (bits + 7) // 8)
        self.width = 8 * self.size
        self.lengths = lengths

    def pitch(self, row: int) -> tuple[int, ...]:
        """The slots between neighbouring features along each axis, for rows of ``row`` slots."""
        pitch = [1] * len(self.lengths)
        if len(pitch) > 1:
            pitch[-2] = row
            for axis in range(len(pitch) - 3, -1, -1):
                pitch[axis] = pitch[axis + 1] * self.lengths[axis + 1]
        return tuple(pitch)

    def slots(self, value: int) -> int:
        return -(-value.bit_length() // self.width)

    def _rows(self, data: bytes | bytearray, row: int, row_out: int) -> bytes | bytearray:
        """Rows of ``row`` slots rewritten as rows of ``row_out`` slots (cut or padded with zeros)."""
        if row == row_out:
            return data
        size = self.size
        old, new = row * size, row_out * size
        keep = min(old, new)
        pad = bytes(new - keep)
        return b"".join([data[at:at + keep] + pad for at in range(0, len(data), old)])

    def spread(self, value: int, axis: int, stride: int, row: int, row_out: int) -> int:
        """Feature ``i`` along ``axis`` moved to ``i * stride``; along the last axis, rows become ``row_out`` long."""
        count = self.slots(value)
        size = self.size
        if axis == len(self.lengths) - 1:
            data = value.to_bytes(count * size, "little")
            spaced = bytearray(count * stride * size)
            step = stride * size
            for byte in range(size):
                spaced[byte::step] = data[byte::size]
            return int.from_bytes(self._rows(spaced, stride * row, row_out) if axis else spaced, "little")
        block = self.pitch(row)[axis] * size
        length = self.lengths[axis]
        blocks = -(-count * size // block)
        data = value.to_bytes(blocks * block, "little")
        out = bytearray((blocks - 1) // length * length * block + length * block)
        for index in range(blocks):
            outer, inner = divmod(index, length)
            moved = inner * stride
            if moved < length:  # beyond it every slot is 0 (the extents fit the layout)
                at = (outer * length + moved) * block
                out[at:at + block] = data[index * block:(index + 1) * block]
        return int.from_bytes(out, "little")

    def extract(self, value: int, axis: int, stride: int, residue: int, row: int, row_out: int) -> int:
        """The features ``i = residue + stride * q`` along ``axis``, as features ``q``; along the last axis (whose
        rows are a multiple of ``stride`` long), rows become ``row_out`` long."""
        count = self.slots(value)
        size = self.size
        if axis == len(self.lengths) - 1:
            groups = -(-count // stride)
            data = value.to_bytes(groups * stride * size, "little")
            picked = bytearray(groups * size)
            step = stride * size
            for byte in range(size):
                picked[byte::size] = data[residue * size + byte::step]
            return int.from_bytes(self._rows(picked, row // stride, row_out) if axis else picked, "little")
        block = self.pitch(row)[axis] * size
        length = self.lengths[axis]
        blocks = -(-count * size // block)
        data = value.to_bytes(blocks * block, "little")
        out = bytearray((blocks - 1) // length * length * block + length * block)
        for index in range(blocks):
            outer, inner = divmod(index, length)
            if inner >= residue and (inner - residue) % stride == 0:
                at = (outer * length + (inner - residue) // stride) * block
                out[at:at + block] = data[index * block:(index + 1) * block]
        return int.from_bytes(out, "little")

    def decode(self, value: int, first: int, count: int) -> list[int]:
        """``count`` numerators from slot ``first`` (slots of at most 8 bytes are re-spaced to 8 and read as an
        ``array('Q')``; wider ones one by one)."""
        size = self.size
        value >>= first * self.width
        if value.bit_length() > count * self.width:
            value &= (1 << (count * self.width)) - 1
        data = value.to_bytes(count * size, "little")
        if size > 8:
            take = int.from_bytes
            return [take(data[at:at + size], "little") for at in range(0, count * size, size)]
        if size < 8:
            wide = bytearray(count * 8)
            for byte in range(size):
                wide[byte::8] = data[byte::size]
            data = bytes(wide)
        words = array("Q")
        words.frombytes(data)
        if sys.byteorder != "little":
            words.byteswap()
        return words.tolist()


def _box(value: int, taps: int, shift: int) -> int:
    """``value`` summed with itself shifted by ``shift``, ``2 shift``, ..., ``(taps - 1) shift`` bits: a box of
    ``taps`` taps, in ``O(log taps)`` additions (doubling, as in fast exponentiation)."""
    total, count = 0, 0
    for bit in bin(taps)[2:]:
        if count:
            total += total << (count * shift)
            count *= 2
        if bit == "1":
            total = value + (total << shift)
            count += 1
    return total


@lru_cache(maxsize=1024)
def _up_phases(kernel: int, stride: int, padding: int, dilation: int) -> tuple[tuple[tuple[int, int, int], ...], int]:
    """For each output phase ``rho`` of a transposed convolution: how many inputs ``c`` its outputs read, and the
    smallest and largest offset ``o`` (output ``y = rho + s q`` reads ``x = q + o``); and the distance between the
    offsets of a phase."""
    found = []
    for rho in range(stride):
        offsets = [(rho + padding - j * dilation) // stride for j in range(kernel)
                   if (rho + padding - j * dilation) % stride == 0]
        found.append((len(offsets), min(offsets), max(offsets)) if offsets else (0, 0, 0))
    return tuple(found), dilation // math.gcd(dilation, stride)


def _reach(step: _Step, first: int, last: int) -> tuple[int, int, int] | None:
    """The features of a layer's input that its features ``first..last`` read, and the factor of the denominator
    (the kernel, or the lcm of the counts of the phases of an up-sampling); None when they read nothing."""
    kernel, stride, padding, dilation = step.kernel, step.stride, step.padding, step.dilation
    if step.down:
        return first * stride - padding, last * stride - padding + (kernel - 1) * dilation, kernel
    low = high = None
    factor = 1
    for rho, (count, smallest, largest) in enumerate(_up_phases(kernel, stride, padding, dilation)[0]):
        start = first + (rho - first) % stride
        if count == 0 or start > last:
            continue
        end = last - (last - rho) % stride
        low_x, high_x = (start - rho) // stride + smallest, (end - rho) // stride + largest
        low = low_x if low is None else min(low, low_x)
        high = high_x if high is None else max(high, high_x)
        factor = math.lcm(factor, count)
    return None if low is None else (low, cast(int, high), factor)


def _apply(value: int, step: _Step, axis: int, first: int, last: int, layout: _Layout, row: int,
           row_out: int) -> int:
    """The numerators a layer sends to its input along ``axis`` (the other axes unchanged), aligned at the first
    feature :func:`_reach` gives; rows of ``row`` slots become rows of ``row_out`` slots (the input's)."""
    kernel, stride, padding, dilation = step.kernel, step.stride, step.padding, step.dilation
    unit = (layout.pitch(row_out) if axis == len(layout.lengths) - 1 else layout.pitch(row))[axis] * layout.width
    if step.down:
        if stride > 1:
            value = layout.spread(value, axis, stride, row, row_out)
        return _box(value, kernel, dilation * unit) if kernel > 1 else value
    phases, spacing = _up_phases(kernel, stride, padding, dilation)
    reached = cast("tuple[int, int, int]", _reach(step, first, last))
    low, factor = reached[0], reached[2]
    total = 0
    for rho, (count, smallest, _) in enumerate(phases):
        residue = (rho - first) % stride
        if count == 0 or first + residue > last:
            continue
        part = layout.extract(value, axis, stride, residue, row, row_out) if stride > 1 else value
        if not part:
            continue
        part = _box(part, count, spacing * unit)
        if factor != count:
            part *= factor // count
        start = (first + residue - rho) // stride + smallest
        total += part << ((start - low) * unit)
    return total


@dataclass(frozen=True, slots=True)
class _Packed:
    """The numerators at the input: features ``first[a]..last[a]`` along each axis, over ``denominator``, in rows of
    ``row`` slots."""

    value: int
    first: tuple[int, ...]
    last: tuple[int, ...]
    denominator: int
    layout: _Layout
    row: int

    def rows(self) -> list[list[int]]:
        """The numerators as nested rows (one list for one axis, rows of columns for two)."""
        lengths = [b - a + 1 for a, b in zip(self.first, self.last)]
        if len(lengths) == 1:
            return [self.layout.decode(self.value, 0, lengths[0])]
        if len(lengths) != 2:
            raise SymrfError("the map is written out for two axes")
        pitch = self.row
        every = self.layout.decode(self.value, 0, (lengths[0] - 1) * pitch + lengths[1])  # one pass: no re-shifting
        return [every[row * pitch:row * pitch + lengths[1]] for row in range(lengths[0])]


class _Regions:
    """Union-find of the nodes that share their rows: joined by merges and by layers of stride 1 along the last
    axis (which keep the resolution)."""

    def __init__(self, count: int) -> None:
        self.parent = list(range(count))

    def find(self, node: int) -> int:
        parent = self.parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(self, one: int, other: int) -> None:
        self.parent[self.find(one)] = self.find(other)


Extent = tuple[int, tuple[int, ...], tuple[int, ...]]  # denominator, first and last feature per axis


def _propagate(kinds: Sequence[str], inputs: Sequence[tuple[int, ...]], steps: Sequence[Sequence[_Step | None]],
               target: int) -> _Packed:
    """Walk back from feature 0 of node ``target`` to the input, along the axes of ``steps`` (one list of steps per
    axis): every node's distribution over its features, exactly."""
    count = len(steps)
    axes, final = range(count), count - 1
    zero = (0,) * count
    # pass 1: each node's extent and denominator, to lay the numerators out
    arriving: list[list[Extent]] = [[] for _ in range(target + 1)]
    arriving[target].append((1, zero, zero))
    extents: list[Extent | None] = [None] * (target + 1)
    largest, lengths = 1, [1] * count
    regions = _Regions(target + 1)
    multiples = [1] * (target + 1)  # the up-sampling strides a node's rows must hold whole groups of
    for node in range(target, -1, -1):
        parts = arriving[node]
        if not parts:
            continue
        arriving[node] = []
        denominator = math.lcm(*(part[0] for part in parts))
        first = tuple(min(part[1][a] for part in parts) for a in axes)
        last = tuple(max(part[2][a] for part in parts) for a in axes)
        extents[node] = (denominator, first, last)
        largest = max(largest, denominator)
        lengths = [max(lengths[a], last[a] - first[a] + 1) for a in axes]
        if math.prod(lengths) * (largest.bit_length() // 8 + 1) > MAX_STORAGE_BYTES:  # they only grow: stop early
            _too_large(lengths, largest.bit_length() + 1)
        if node == 0:
            break
        if kinds[node] == "merge":
            for source in inputs[node]:
                arriving[source].append((denominator * len(inputs[node]), first, last))
                regions.join(node, source)
            continue
        low, high, factor = list(first), list(last), denominator
        for a in axes:
            step = cast(_Step, steps[a][node])
            found = _reach(step, first[a], last[a])
            if found is None:
                break
            low[a], high[a], times = found
            factor *= times
        else:
            source = inputs[node][0]
            arriving[source].append((factor, tuple(low), tuple(high)))
            step = cast(_Step, steps[final][node])
            if step.stride == 1:
                regions.join(node, source)
            elif not step.down:
                multiples[node] = step.stride
    if extents[0] is None:
        raise SymrfError(NOTHING_READ)
    widths: dict[int, int] = {}
    groups: dict[int, int] = {}
    for node, extent in enumerate(extents):
        if extent is not None:
            root = regions.find(node)
            widths[root] = max(widths.get(root, 1), extent[2][final] - extent[1][final] + 1)
            groups[root] = math.lcm(groups.get(root, 1), multiples[node])
    rows = [0] * (target + 1)
    for node, extent in enumerate(extents):
        if extent is not None:
            root = regions.find(node)
            rows[node] = -(-widths[root] // groups[root]) * groups[root] if count > 1 else 1
    layout = _Layout(tuple(lengths), largest.bit_length() + 1)
    work = sum(math.prod(b - a + 1 for a, b in zip(extent[1], extent[2])) for extent in extents if extent)
    if work * layout.size > MAX_WORK_BYTES:
        raise _TooLarge(f"the exact walk would write about {work * layout.size >> 30:,} GiB ({work:,} features with "
                        f"{layout.width:,}-bit numerators), more than {MAX_WORK_BYTES >> 30:,} GiB")
    storage = max(math.prod(lengths[:final]) * rows[node] for node in range(target + 1) if extents[node]) * layout.size
    if storage > MAX_STORAGE_BYTES:
        _too_large(lengths, layout.width)
    # pass 2: the numerators
    values: list[list[tuple[int, tuple[int, ...], int]]] = [[] for _ in range(target + 1)]
    values[target].append((1, zero, 1))
    for node in range(target, -1, -1):
        received = values[node]
        if not received:
            continue
        values[node] = []
        denominator, first, last = cast(Extent, extents[node])
        row = rows[node]
        value = _gather(received, first, denominator, layout.width, layout.pitch(row))
        if node == 0:
            return _Packed(value, first, last, denominator, layout, row)
        if kinds[node] == "merge":
            for source in inputs[node]:
                values[source].append((value, first, denominator * len(inputs[node])))
            continue
        low, factor = list(first), denominator
        source = inputs[node][0]
        for a in axes:
            step = cast(_Step, steps[a][node])
            found = _reach(step, first[a], last[a])
            if found is None:
                break
            value = _apply(value, step, a, first[a], last[a], layout, row, rows[source])
            low[a] = found[0]
            factor *= found[2]
        else:
            values[source].append((value, tuple(low), factor))
    raise AssertionError("the walk ends at the input")  # pragma: no cover - the input is reached (checked above)


def _too_large(lengths: list[int], bits: int) -> None:
    shown = "x".join(f"{length:,}" for length in lengths)
    raise _TooLarge(f"the exact response spans at least {shown} pixels with {bits:,}-bit numerators, more than "
                    f"{MAX_STORAGE_BYTES >> 20:,} MiB")


def _gather(parts: list[tuple[int, tuple[int, ...], int]], first: tuple[int, ...], denominator: int, width: int,
            pitch: tuple[int, ...]) -> int:
    """The sum of what a node receives, aligned at its first feature and put over its denominator."""
    total = 0
    for value, start, own in parts:
        if own != denominator:
            value *= denominator // own
        offset = sum((s - f) * p for s, f, p in zip(start, first, pitch))
        total += value << (offset * width) if offset else value
    return total


# -- statistics of a 1-D response ------------------------------------------------------------------------------------


def _trimmed(first: int, numerators: list[int]) -> tuple[int, list[int]]:
    low = next((i for i, n in enumerate(numerators) if n), 0)
    high = next((i for i in range(len(numerators) - 1, -1, -1) if numerators[i]), low)
    return first + low, numerators[low:high + 1]


def _narrowest(numerators: list[int], total: int, percent: int) -> tuple[int, int]:
    """The narrowest run of numerators holding at least ``percent`` % of ``total`` (exactly; the leftmost of the
    narrowest)."""
    need = percent * total
    best: tuple[int, int] | None = None
    held, right = 0, -1
    for left in range(len(numerators)):
        while 100 * held < need and right + 1 < len(numerators):
            right += 1
            held += numerators[right]
        if 100 * held < need:
            break
        if best is None or right - left < best[1] - best[0]:
            best = (left, right)
        held -= numerators[left]
    return best if best is not None else (0, len(numerators) - 1)


def _fractions(rows: list[list[int]], total: int) -> list[list[Fraction]]:
    """The numerators over ``total`` as Fractions, each distinct value built once (responses are symmetric and
    repeat their values)."""
    made: dict[int, Fraction] = {}

    def one(numerator: int) -> Fraction:
        found = made[numerator] = Fraction(numerator, total)
        return found

    return [[made[n] if n in made else one(n) for n in row] for row in rows]


def _numpy() -> Any:
    """NumPy, an optional dependency (for :meth:`ERF.map_array`)."""
    try:
        import numpy
    except ModuleNotFoundError:  # pragma: no cover - numpy comes with the test, torch and plot extras
        raise SymrfError("map_array() needs NumPy: pip install numpy") from None
    return numpy


def _exact(value: Fraction | int) -> Value:
    """A Fraction as symrf writes exact values: an int, or a sympy Rational."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else sympy.Rational(value.numerator, value.denominator)
    return value


@dataclass(frozen=True, slots=True)
class _Response:
    """A 1-D response: numerators from input pixel ``first``, over ``total`` (their sum)."""

    first: int
    numerators: tuple[int, ...]
    total: int

    @classmethod
    def of(cls, first: int, numerators: list[int]) -> _Response:
        first, kept = _trimmed(first, numerators)
        return cls(first, tuple(kept), sum(kept))

    @property
    def weights(self) -> tuple[Fraction, ...]:
        return tuple(_fractions([list(self.numerators)], self.total)[0])

    def moments(self) -> tuple[Value, Value]:
        first_moment = second_moment = 0
        for index, n in enumerate(self.numerators):
            if n:
                first_moment += index * n
                second_moment += index * index * n
        mean = Fraction(first_moment, self.total)
        return _exact(self.first + mean), _exact(Fraction(second_moment, self.total) - mean * mean)

    def interval(self, percent: int) -> tuple[int, int]:
        left, right = _narrowest(list(self.numerators), self.total, percent)
        return self.first + left, self.first + right


# -- closed forms of plain networks ---------------------------------------------------------------------------------


def _layer_variance(layer: Layer) -> Value:
    """``d^2 (k^2 - 1) / 12``: the variance of a box of ``k`` taps ``d`` apart."""
    kernel, dilation = layer.kernel, layer.dilation
    if type(kernel) is int and type(dilation) is int:
        return _exact(Fraction(dilation * dilation * (kernel * kernel - 1), 12))
    return sympy.sympify(dilation) ** 2 * (sympy.sympify(kernel) ** 2 - 1) / 12


def _power(base: Value, count: Value) -> Value:
    if type(base) is int and type(count) is int:
        if count > 0 and base > 1 and count * (base.bit_length() - 1) > MAX_EXACT_BITS:
            raise SymrfError(f"{base}**{quoted(count)} is too large to evaluate exactly; use fewer repetitions")
        return base**count
    power = sympy.sympify(base) ** count
    return int(power) if power.is_Integer else power


def _normal(value: Any) -> Value:
    if isinstance(value, sympy.Expr) and value.is_Rational:
        return _exact(Fraction(int(value.p), int(value.q)))
    return cast(Value, value)


def _moments_of(items: Sequence[Any]) -> tuple[Value, Value, Value]:
    """Variance, span (RF - 1) and jump of a plain network's items: ``sigma^2 = sigma_A^2 + J_A^2 sigma_B^2``,
    ``R = R_A + J_A R_B``, ``J = J_A J_B``; a block repeated ``n`` times is a geometric series (in ``J_B^2`` for the
    variance)."""
    variances: list[Any] = []
    spans: list[Any] = []
    jump: Value = 1
    for item in items:
        if isinstance(item, Repeat):
            variance, span, ratio = _moments_of(item.body.items)
            count = item.count
            square = ratio * ratio if type(ratio) is int else ratio**2
            variance = _normal(variance * geometric_sum(square, count)) if variance != 0 else 0
            span = _normal(span * geometric_sum(ratio, count)) if span != 0 else 0
            step = _power(ratio, count)
        else:
            variance = _layer_variance(item)
            span = effective_kernel(item.kernel, item.dilation) - 1
            step = item.stride
        variances.append(variance if jump == 1 else jump * jump * variance)
        spans.append(span if jump == 1 else jump * span)
        jump = _normal(jump * step)
    return _sum(variances), _sum(spans), jump


def _sum(terms: list[Any]) -> Value:
    if all(type(t) is int or isinstance(t, Fraction) for t in terms):
        return _exact(sum(terms, Fraction(0)))
    total = sympy.Add(*[sympy.Rational(t.numerator, t.denominator) if isinstance(t, Fraction) else t for t in terms])
    return _normal(total)


def _is_zero(value: Value) -> bool | None:
    return value == 0 if type(value) is int else cast(sympy.Expr, value).is_zero


def _either(value: Value, when_zero: Any, otherwise: Any) -> Any:
    """``when_zero`` where ``value`` is 0, else ``otherwise`` (a Piecewise when sympy cannot tell)."""
    zero = _is_zero(value)
    if zero is None:
        numerator = sympy.together(value).as_numer_denom()[0]
        return sympy.Piecewise((when_zero, sympy.Eq(numerator, 0)), (otherwise, True))
    return when_zero if zero else otherwise


def _ratio_limit(items: Sequence[Any], count: sympy.Symbol) -> tuple[Any, str | None]:
    """The limit of ``sigma / l`` as the count ``count`` tends to infinity, read off the network's structure
    (segment ``A``, a block ``B`` repeated ``count`` times, segment ``C``), else by ``sympy.limit`` within a bounded
    effort; None and a note when it is not found."""
    where = [i for i, item in enumerate(items) if count in item.free_symbols]
    if len(where) == 1 and isinstance(items[where[0]], Repeat):
        block = cast(Repeat, items[where[0]])
        times = sympy.sympify(block.count)
        if count not in block.body.free_symbols and times.free_symbols == {count} and times.is_polynomial(count) \
                and sympy.Poly(times, count).LC() > 0:
            return tidy(_structural_limit(items[:where[0]], block.body.items, items[where[0] + 1:])), None
    variance, span, _ = _moments_of(items)
    ratio2 = sympy.sympify(variance) / (1 + sympy.sympify(span)) ** 2
    if ratio2.free_symbols != {count}:
        return None, (f"the limit of sigma / rf as {count} -> oo is not derived for a network with other symbols and "
                      f"{count} in several places")
    if sympy.count_ops(ratio2) > MAX_LIMIT_OPS:
        return None, f"the limit of sigma / rf as {count} -> oo is not derived: the expression is too large"
    try:
        found = sympy.limit(ratio2, count, sympy.oo)
    except (NotImplementedError, ValueError, TypeError, RecursionError):
        found = None
    if found is None or not found.is_number or found.has(sympy.oo, sympy.zoo, sympy.nan, sympy.Limit):
        return None, f"the limit of sigma / rf as {count} -> oo is not found by sympy.limit"
    return sympy.sqrt(found), None


def _structural_limit(before: Sequence[Any], body: Sequence[Any], after: Sequence[Any]) -> Any:
    """``lim sigma / l`` for segments ``A``, ``B`` repeated ``n -> oo`` times, ``C``: with ``J_B = 1`` the variance
    grows like ``n`` and the RF like ``n`` (limit 0, or the constant ratio when the block spans nothing); with
    ``J_B > 1`` both grow like ``J_B^n`` (variance like its square) and the limit is
    ``sqrt(sigma_B^2/(J_B^2 - 1) + sigma_C^2) / (R_B/(J_B - 1) + R_C)``."""
    variance_a, span_a, jump_a = _moments_of(before)
    variance_b, span_b, jump_b = _moments_of(body)
    variance_c, span_c, _ = _moments_of(after)
    v_a, r_a, j_a, v_b, r_b, j_b, v_c, r_c = (sympy.sympify(x) for x in (variance_a, span_a, jump_a, variance_b,
                                                                             span_b, jump_b, variance_c, span_c))

    def flat() -> Any:  # J_B = 1
        constant = sympy.sqrt(v_a + j_a**2 * v_c) / (1 + r_a + j_a * r_c)
        return _either(_normal(r_b), constant, sympy.Integer(0))

    def growing() -> Any:  # J_B > 1
        spread = r_b / (j_b - 1) + r_c
        return _either(_normal(sympy.together(spread)), sympy.sqrt(v_a) / (1 + r_a),
                       sympy.sqrt(v_b / (j_b**2 - 1) + v_c) / spread)

    one = is_one(jump_b)
    if one:
        return flat()
    if one is False:
        return growing()
    condition, at_one = unit_condition(cast(sympy.Expr, j_b))
    v_a, r_a, j_a, v_b, r_b, v_c, r_c = (x.xreplace(at_one) for x in (v_a, r_a, j_a, v_b, r_b, v_c, r_c))
    low = flat()
    v_a, r_a, j_a, v_b, r_b, j_b, v_c, r_c = (sympy.sympify(x) for x in (variance_a, span_a, jump_a, variance_b,
                                                                         span_b, jump_b, variance_c, span_c))
    return sympy.Piecewise((low, condition), (growing(), True))


# -- one axis ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Axis:
    """The ERF along one axis."""

    rf: Value
    center: Value | None
    mean: Value | None
    variance: Value | None
    sigma_ratio: Value | None
    sigma_ratio_limit: Value | None
    interval68: tuple[int, int] | None
    interval95: tuple[int, int] | None
    ratio95: Value | None
    response: _Response | None
    notes: tuple[str, ...]
    plain: tuple[Any, ...] | None  # the items of a plain network (up to the row asked for), for derivations
    limit_count: sympy.Symbol | None


def _sigma_ratio(variance: Value | None, rf: Value | None) -> Value | None:
    if variance is None or rf is None:
        return None
    root = sympy.sqrt(sympy.sympify(variance))
    if type(rf) is int and root.is_number:
        return root / rf
    return tidy(root / sympy.sympify(rf))


def _axis(analysis: Analysis, plan_index: int | None, response: _Response | None, problem: str | None,
          context: bool) -> _Axis:
    """The ERF along one axis from its 1-D analysis and, for numeric networks, its exact response."""
    network = analysis.network
    if plan_index is None:
        rf, center, phases = analysis.rf, analysis.center, analysis.phases
        if context and analysis.rf_local is not None:
            rf = analysis.rf_local
        length = len(analysis)
    else:
        row = analysis.row(plan_index)
        rf, center, phases = row.rf, row.center, row.phases
        if context and row.rf_local is not None:
            rf = row.rf_local
        length = plan_index
    if phases:
        center = phases[0].center  # feature 0's own phase
    notes: list[str] = []
    plain = isinstance(network, Network) and network.is_plain
    items = tuple(network.items[:length]) if plain else None
    mean = variance = limit = ratio95 = None
    intervals: list[tuple[int, int] | None] = [None, None]
    count = None
    if response is not None:
        mean, variance = response.moments()
        intervals = [response.interval(percent) for percent in MASSES]
        first, last = cast("tuple[int, int]", intervals[1])
        ratio95 = _normal(sympy.Rational(last - first + 1, rf)) if type(rf) is int else None
        if center is not None and mean != center:
            notes.append(f"the mean of the response, {text(mean)}, is not the centre of the RF, {text(center)}: the "
                         "weight is not symmetric about it (paths centred differently, whose largest gives the "
                         "centre, or an up-sampling that reads its inputs unevenly)")
    elif plain and items is not None:
        try:
            variance = _moments_of(items)[0]
        except SymrfError as error:
            notes.append(f"the variance is not computed: {error}")
        mean = center
    elif center is not None and analysis.aligned:
        mean = center  # every path is centred alike: the mixture is centred there too
    if problem:
        notes.append(problem)
    if variance is not None and not isinstance(variance, int) and isinstance(variance, sympy.Expr) and \
            not variance.is_Rational:
        variance = tidy(variance)
    if plain and items is not None:
        counts = [symbol for symbol in analysis.counts if any(symbol in item.free_symbols for item in items)]
        if len(counts) == 1 and variance is not None:
            count = counts[0]
            limit, why = _ratio_limit(items, count)
            if why:
                notes.append(why)
        elif len(counts) > 1:
            notes.append("the limit of sigma / rf is taken for one repetition count; this network has "
                         f"{len(counts)}: {', '.join(sorted(symbol.name for symbol in counts))}")
    return _Axis(rf, center, mean, variance, _sigma_ratio(variance, rf), limit, intervals[0], intervals[1], ratio95,
                 response, tuple(notes), items, count)


# -- the result -------------------------------------------------------------------------------------------------------


class ERF:
    """The effective receptive field of feature 0 of a network's output (or of one row) with uniform weights.

    With several axes every quantity is a tuple, one entry per axis (height first), as in :func:`symrf.analyze`:

    - ``rf`` and ``center``: the receptive field and its centre, from the analysis;
    - ``mean`` (equal to the centre when every path is centred alike) and ``variance`` of the response, exact;
    - ``sigma_ratio``: ``sqrt(variance) / rf``, exact; ``sigma_ratio_limit``: its limit as the count of a block
      repeated a symbolic number of times tends to infinity (else None);
    - ``interval68``, ``interval95``: the first and last input pixel of the narrowest interval that holds 68 % and
      95 % of the weight (the leftmost of the narrowest); ``ratio95``: the 95 % width over the RF;
    - ``response``: ``(first input pixel, weights)`` with the weights as Fractions (None for symbolic networks);
    - :meth:`map` (two axes): the 2-D response;
    - ``notes``: what was assumed (max pooling as average pooling, merges as averages) or not computed.

    Values that need numbers (the response, the intervals, ``ratio95``; the variance of a network with branches)
    are None for symbolic networks, and a note says so.

    >>> e = erf("conv(3), pool(2, 2), conv(3)")
    >>> e.rf, e.mean, e.variance, e.interval68, e.interval95
    (8, 7/2, 43/12, (1, 5), (0, 7))
    """

    def __init__(self, analysis: Analysis, layer: int | str | None = None) -> None:
        self.analysis = analysis
        self.layer = layer
        count = analysis.axis_count
        self.axis_count = count
        self.axis_names = analysis.axis_names
        row = analysis.layer(layer) if layer is not None else None
        analyses = [analysis.axis(axis) for axis in range(count)]
        plans = [_plan_of(one.network) for one in analyses]
        targets = [row.index if row is not None else output for _, output in plans]
        notes: list[str] = []
        self._program: tuple[list[str], list[tuple[int, ...]], list[list[_Step | None]], int] | None = None
        numeric = [_numeric(one.network) for one in analyses]
        programs: list[_Program | None] = []
        seen: set[str] = set()
        problems: list[str | None] = [None] * count
        for axis, (one, (plan, _)) in enumerate(zip(analyses, plans)):
            if not numeric[axis]:
                programs.append(None)
                seen.update(_kinds_of(plan))
                continue
            program = _Program(one.input_size)
            try:
                where = program.lower(plan, 0)
            except _TooLarge as error:
                programs.append(None)
                problems[axis] = f"the response is not computed: {error}"
                continue
            program.target = where[targets[axis]]
            programs.append(program)
            seen |= program.seen
        responses: list[_Response | None] = [None] * count
        # no axis loses weight (an output of a transposed convolution that reads nothing): nor does the N-D walk,
        # whose support lies in the product of the axes' supports, where each layer keeps the product of their masses
        self._lossless = True
        for axis, lowered in enumerate(programs):
            if lowered is None:
                if not numeric[axis] and problems[axis] is None:
                    problems[axis] = _symbolic_problem(analyses[axis])
                continue
            try:
                packed = _propagate(lowered.kinds, lowered.inputs, [lowered.steps], lowered.target)
            except _TooLarge as error:
                problems[axis] = f"the response is not computed: {error}"
                continue
            responses[axis] = _Response.of(packed.first[0], packed.rows()[0])
            if responses[axis].total == 0:  # type: ignore[union-attr]  # every path reads a gap of an up-sampling
                raise SymrfError(NOTHING_READ)
            if packed.denominator != responses[axis].total:  # type: ignore[union-attr]
                self._lossless = False
                problems[axis] = ("part of the weight reaches no input pixel (an output of a transposed convolution "
                                  "that reads nothing); the response is normalised to the weight that does")
        if all(program is not None for program in programs):
            first = cast(_Program, programs[0])
            if all(p.kinds == first.kinds and p.inputs == first.inputs for p in cast("list[_Program]", programs)):
                self._program = (first.kinds, first.inputs, [cast(_Program, p).steps for p in programs],
                                 first.target)
        context = "context" in seen or any(plan.context for plan, _ in plans)
        self._axes = tuple(
            _axis(one, row.index if row is not None else None, responses[axis], problems[axis], context)
            for axis, one in enumerate(analyses))
        notes += _kind_notes(seen, context)
        self._notes = tuple(notes)

    # -- quantities ------------------------------------------------------------------------------------------------

    def _each(self, field: str) -> Any:
        values = tuple(getattr(axis, field) for axis in self._axes)
        return values if self.axis_count > 1 else values[0]

    @property
    def rf(self) -> Any:
        """The receptive field, from the analysis (per axis)."""
        return self._each("rf")

    @property
    def center(self) -> Any:
        """The centre of the receptive field, from the analysis (per axis)."""
        return self._each("center")

    @property
    def mean(self) -> Any:
        """The mean input pixel of the response (per axis), exact; None where it is not known."""
        return self._each("mean")

    @property
    def variance(self) -> Any:
        """The variance of the response in input pixels squared (per axis), exact; None where it is not computed."""
        return self._each("variance")

    @property
    def sigma_ratio(self) -> Any:
        """``sqrt(variance) / rf`` (per axis), exact."""
        return self._each("sigma_ratio")

    @property
    def sigma_ratio_limit(self) -> Any:
        """The limit of ``sigma_ratio`` as the count of a block repeated a symbolic number of times tends to
        infinity (per axis); None for other networks."""
        return self._each("sigma_ratio_limit")

    @property
    def interval68(self) -> Any:
        """The first and last input pixel of the narrowest interval holding 68 % of the weight (per axis)."""
        return self._each("interval68")

    @property
    def interval95(self) -> Any:
        """The first and last input pixel of the narrowest interval holding 95 % of the weight (per axis)."""
        return self._each("interval95")

    @property
    def ratio95(self) -> Any:
        """The width of the 95 % interval (last - first + 1) over the RF (per axis)."""
        return self._each("ratio95")

    @cached_property
    def response(self) -> Any:
        """``(first input pixel, weights)`` per axis, the weights exact Fractions that sum to 1; None for symbolic
        networks."""
        found = tuple(None if axis.response is None else (axis.response.first, axis.response.weights)
                      for axis in self._axes)
        return found if self.axis_count > 1 else found[0]

    @property
    def notes(self) -> tuple[str, ...]:
        """What was assumed or not computed; a note of one axis only starts with its name."""
        found = list(self._notes)
        if self.axis_count == 1:
            return tuple(found + list(self._axes[0].notes))
        shared = set.intersection(*(set(axis.notes) for axis in self._axes))
        found += [note for note in self._axes[0].notes if note in shared]
        found += [f"{name}: {note}" for name, axis in zip(self.axis_names, self._axes) for note in axis.notes
                  if note not in shared]
        return tuple(found)

    def map(self) -> tuple[int, int, list[list[Fraction]]]:
        """The 2-D response ``(first_row, first_col, rows)``: the weight of input pixel ``(first_row + i,
        first_col + j)`` is ``rows[i][j]``, an exact Fraction; the weights sum to 1. Its marginals are the axes'
        responses. Only for networks with two axes."""
        first_row, first_col, numerators, total = self._map
        return first_row, first_col, _fractions(numerators, total)

    def map_array(self) -> tuple[int, int, Any]:
        """The 2-D response as floats: ``(first_row, first_col, values)``, ``values`` a NumPy float64 array of the
        same pixels as :meth:`map` (the weight of input pixel ``(first_row + i, first_col + j)`` is
        ``values[i, j]``), read straight from the packed numerators without building Fractions: each weight is its
        exact numerator over the exact total, within a few units in the last place of float64 (each 32-bit limb of
        a numerator is scaled by ``2**(32 i) / total``, rounded, and the limbs summed). Needs NumPy; only for
        networks with two axes."""
        numpy = _numpy()
        packed = self._packed
        size, row = packed.layout.size, packed.row
        height, width = (b - a + 1 for a, b in zip(packed.first, packed.last))
        data = packed.value.to_bytes(height * row * size, "little")
        limbs = []
        total = 0
        for start in range(0, size, 4):  # 32-bit limbs of each slot (exact as floats), the last possibly narrower
            limb = min(4, size - start)
            if limb == 3:
                raw = numpy.ndarray((height, width, 3), dtype=numpy.uint8, buffer=data, offset=start,
                                    strides=(row * size, size, 1))
                wide = numpy.zeros((height, width, 4), dtype=numpy.uint8)
                wide[..., :3] = raw
                part = wide.view("<u4")[..., 0]
            else:
                part = numpy.ndarray((height, width), dtype=f"<u{limb}", buffer=data, offset=start,
                                     strides=(row * size, size))
            limbs.append((start, part))
            if not self._lossless:
                total += int(part.sum(dtype=numpy.uint64)) << (8 * start)  # fewer than 2**32 slots: exact
        if self._lossless:
            total = packed.denominator
        values = numpy.zeros((height, width))
        for start, part in limbs:
            scale = float(Fraction(1 << (8 * start), total))
            if scale:
                values += part * scale
        if float(Fraction(1, total)):  # every numerator of at least 1 gives a float above 0
            nonzero = values
        else:  # pragma: no cover - a denominator beyond 2**1074
            nonzero = numpy.zeros((height, width), dtype=bool)
            for _, part in limbs:
                nonzero |= part != 0
        rows, cols = numpy.flatnonzero(nonzero.any(axis=1)), numpy.flatnonzero(nonzero.any(axis=0))
        top, left = int(rows[0]), int(cols[0])
        values = values[top:int(rows[-1]) + 1, left:int(cols[-1]) + 1]
        return packed.first[0] + top, packed.first[1] + left, values

    @cached_property
    def _packed(self) -> _Packed:
        if self.axis_count != 2:
            raise SymrfError(f"map() is the response of a network with two axes; this one has {self.axis_count} "
                             "(use response)")
        if self._program is None:
            raise SymrfError("map() needs numbers: the 2-D response of a symbolic network is not computed")
        kinds, inputs, steps, target = self._program
        return _propagate(kinds, inputs, steps, target)

    @cached_property
    def _map(self) -> tuple[int, int, list[list[int]], int]:
        packed = self._packed
        rows = packed.rows()
        top = next(i for i, row in enumerate(rows) if any(row))
        bottom = next(i for i in range(len(rows) - 1, -1, -1) if any(rows[i]))
        rows = rows[top:bottom + 1]
        left = min(next(j for j, n in enumerate(row) if n) for row in rows if any(row))
        right = max(next(j for j in range(len(row) - 1, -1, -1) if row[j]) for row in rows if any(row))
        rows = [row[left:right + 1] for row in rows]
        return packed.first[0] + top, packed.first[1] + left, rows, sum(sum(row) for row in rows)

    # -- printers --------------------------------------------------------------------------------------------------

    @printable
    def to_dict(self) -> dict[str, Any]:
        """The ERF as one JSON-ready object: ``rf``, ``mean``, ``variance``, ``sigma_ratio``, ``interval68`` and
        ``interval95`` (``[first, last]``), ``ratio95``, ``sigma_ratio_limit`` (for a repeated block), ``response``
        (numeric networks: ``{"first": pixel, "weights": ["1/9", ...]}``), ``notes`` and ``symbols`` (to read
        symbolic values back); a list per axis for a network with several axes (``axes`` names them). Integers
        stay integers, other values are text that sympy reads back."""
        keys = ("rf", "mean", "variance", "sigma_ratio", "interval68", "interval95", "ratio95")
        result: dict[str, Any] = {}
        many = self.axis_count > 1
        if many:
            result["axes"] = list(self.axis_names)
        for key in keys:
            values = [_json(getattr(axis, key)) for axis in self._axes]
            result[key] = values if many else values[0]
        if any(axis.sigma_ratio_limit is not None for axis in self._axes):
            values = [_json(axis.sigma_ratio_limit) for axis in self._axes]
            result["sigma_ratio_limit"] = values if many else values[0]
        if any(axis.response is not None for axis in self._axes):
            values = [None if axis.response is None else
                      {"first": axis.response.first, "weights": [str(w) for w in axis.response.weights]}
                      for axis in self._axes]
            result["response"] = values if many else values[0]
        result["notes"] = list(self.notes)
        symbols = self.analysis.free_symbols
        if symbols:
            result["symbols"] = symbols_json(symbols)
        return result

    @printable
    def markdown(self) -> str:
        """A Markdown table: one row per quantity, one column per axis."""
        heading = "| quantity | " + " | ".join(self.axis_names if self.axis_count > 1 else ("value",)) + " |"
        lines = [heading, "|---|" + "---|" * self.axis_count]
        rows = [("rf", "rf"), ("centre", "center"), ("mean", "mean"), ("variance", "variance"),
                ("sigma / rf", "sigma_ratio"), ("68 % interval", "interval68"), ("95 % interval", "interval95"),
                ("95 % width / rf", "ratio95")]
        if any(axis.sigma_ratio_limit is not None for axis in self._axes):
            rows.insert(5, ("lim sigma / rf", "sigma_ratio_limit"))
        for label, key in rows:
            cells = [_cell(getattr(axis, key)) for axis in self._axes]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        return "\n".join(lines)

    @printable
    def latex(self, *, document: bool = False) -> str:
        """The derivation in LaTeX: for a chain, each layer's term ``(d_l J_{l-1})^2 (k_l^2 - 1)/12`` with its
        numbers and the running sum; for a repeated block the geometric series; for a network with branches the
        exact values, with a sentence; then ``sigma / l``, its limit and the intervals. One derivation per axis."""
        parts = []
        for index, (name, axis) in enumerate(zip(self.axis_names, self._axes)):
            if self.axis_count > 1:
                parts.append(f"\\begin{{gather*}}\\text{{Along the {name} (axis {index}):}}\\end{{gather*}}")
            parts.append(_align(_derivation(axis)))
        body = "\n".join(parts)
        return wrap_document(body) if document else body

    def _repr_latex_(self) -> str | None:
        """The derivation for Jupyter, its environments bare (:func:`~symrf.tables.jupyter_latex`), as an
        analysis gives it; None when it cannot be written."""
        try:
            return jupyter_latex(self.latex())
        except SymrfError:
            return None

    @printable
    def _repr_html_(self) -> str:
        """What Jupyter shows: the table of :meth:`markdown` as HTML, the notes, and the derivation folded under it."""
        rows = [[html.escape(cell.strip()) for cell in line.strip().strip("|").split("|")]
                for line in self.markdown().splitlines()]
        head = "".join(f"<th>{cell}</th>" for cell in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows[2:])
        page = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        page += "".join(f"\n<p>note: {html.escape(note)}</p>" for note in self.notes)
        derivation = self._repr_latex_()
        if derivation is None:
            return page
        return page + "\n<details><summary>derivation</summary>\n" + html.escape(derivation, quote=False) + \
            "\n</details>"

    @printable
    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={getattr(self, key)}" for key in ("rf", "mean", "variance", "interval95"))
        return f"ERF({shown})"


# -- helpers of the result ------------------------------------------------------------------------------------------


def _kinds_of(plan: _Plan) -> set[str]:
    """What notes a network needs, from its plan (for networks not unrolled)."""
    found: set[str] = set()
    for kind, op in zip(plan.kinds, plan.ops):
        if kind == "merge":
            found.add("merge")
        elif kind == "pool":
            found.add("pool")
        elif kind in UP_KINDS:
            found.add("up")
        elif kind == "global_pool":
            found.add("global")
        elif kind == "repeat":
            body = _Plan()
            _lower(cast(Repeat, op).body.items, 0, body)
            found |= _kinds_of(body)
    return found


def _kind_notes(seen: set[str], context: bool) -> list[str]:
    notes = []
    if "pool" in seen:
        notes.append("pooling layers are taken as average pooling (max pooling included): every position of a "
                     "window weighs the same")
    if "merge" in seen:
        notes.append("each merge averages its inputs (weight 1/m each), so the response stays a distribution")
    if "up" in seen:
        notes.append("each output of a transposed convolution or an up-sampling averages the inputs it reads")
    if "global" in seen:
        notes.append("a global pooling averages its whole input")
    if context:
        notes.append("global context inputs are left out: this is the ERF of the local paths")
    return notes


def _symbolic_problem(analysis: Analysis) -> str:
    network = analysis.network
    if isinstance(network, Network) and network.is_plain:
        return ("the response, its intervals and ratio95 need numbers; give the symbols values (subs) to compute "
                "them")
    return ("the response, its variance (a mixture over paths) and its intervals are computed for numeric networks "
            "only; give the symbols values (subs) to compute them")


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else str(value)
    return json_value(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return f"{value[0]}..{value[1]}"
    return text(value)


def _derivation(axis: _Axis) -> list[str]:
    """The rows of one axis's derivation."""
    lines: list[str] = []
    items = axis.plain
    if items is not None and axis.variance is not None:
        if any(isinstance(item, Repeat) for item in items):
            lines += _repeat_rows(items, axis)
        else:
            lines += _chain_rows(cast("tuple[Layer, ...]", items), axis)
    elif axis.variance is not None:
        lines.append(_heading("The network has several paths: each merge averages its inputs, so the response is a "
                              "mixture over the paths, computed exactly; its variance:"))
        lines.append(f"\\sigma^{{2}} &= {_tex(axis.variance)}")
    elif items is not None:
        lines.append(_heading("The variance is not computed (see the notes)."))
    else:
        lines.append(_heading("The variance of a mixture over paths is computed for numeric networks only."))
    lines.append(_heading("The mean of the response and the receptive field $l$:"))
    if axis.mean is not None:
        centred = axis.center is not None and axis.mean == axis.center
        lines.append(f"\\mu &= {'c = ' if centred else ''}{_tex(axis.mean)}")
    lines.append(f"l &= {_tex(axis.rf)}")
    if axis.sigma_ratio is not None:
        lines.append(f"\\frac{{\\sigma}}{{l}} &= \\frac{{\\sqrt{{\\sigma^{{2}}}}}}{{l}} = {_tex(axis.sigma_ratio)}")
    if axis.sigma_ratio_limit is not None:
        if items is not None and any(isinstance(item, Repeat) for item in items):
            lines.append(_heading("As the count grows, with $J_{B} > 1$ the variance grows like $J_{B}^{2n}$ and $l$ "
                                  "like $J_{B}^{n}$, so $\\sigma / l$ tends to a constant; with $J_{B} = 1$ both grow "
                                  "like $n$, and $\\sigma / l$ falls like $1/\\sqrt{n}$:"))
        lines.append(f"\\lim_{{{tex(axis.limit_count)} \\to \\infty}} \\frac{{\\sigma}}{{l}} &= "
                     f"{_tex(axis.sigma_ratio_limit)}")
    if axis.interval95 is not None and axis.interval68 is not None:
        (a, b), (c, d) = axis.interval68, axis.interval95
        lines.append(_heading(f"68\\,\\% of the weight lies in input pixels ${a}..{b}$, 95\\,\\% in ${c}..{d}$ "
                              "(the narrowest intervals):"))
        first = f"({c})" if c < 0 else str(c)
        lines.append(f"r_{{95}} &= \\frac{{{d} - {first} + 1}}{{l}} = {_tex(axis.ratio95)}")
    return lines


def _tex(value: Any) -> str:
    """A value in LaTeX: :func:`symrf.printing.tex`, or sympy's own printer where a square root is written."""
    if isinstance(value, sympy.Expr) and any(power.exp in (sympy.S.Half, -sympy.S.Half)
                                             for power in value.atoms(sympy.Pow)):
        return cast(str, sympy.latex(value))
    return tex(value)


def _heading(words: str) -> str:
    return f"&\\text{{{words}}}"


#: Most layers whose terms a derivation writes one by one; longer chains are written as a sum.
MAX_STEP_ROWS = 60


def _chain_rows(layers: tuple[Layer, ...], axis: _Axis) -> list[str]:
    lines = [_heading("Each layer $i$ (kernel $k_{i}$, dilation $d_{i}$, after the jump $J_{i-1}$) adds the variance "
                      "of its box, $(d_{i} J_{i-1})^{2} \\frac{k_{i}^{2} - 1}{12}$:")]
    numeric = all(layer.is_numeric for layer in layers)
    if len(layers) > MAX_STEP_ROWS or (not numeric and len(layers) > MAX_STEP_ROWS // 4):
        count = len(layers)
        lines.append(f"\\sigma^{{2}} &= \\sum_{{i=1}}^{{{count}}} (d_{{i}} J_{{i-1}})^{{2}} "
                     f"\\frac{{k_{{i}}^{{2}} - 1}}{{12}}")
        lines.append(f"&= {tex(axis.variance)}")
        return lines
    lines.append("\\sigma^{2}_{0} &= 0")
    jump: Value = 1
    running: Value = 0
    for index, layer in enumerate(layers, start=1):
        scaled = _layer_variance(layer)
        if jump != 1:
            scaled = _normal(jump * jump * scaled)
        if numeric:
            factor = f"({tex(layer.dilation)} \\cdot {tex(jump)})^{{2}}"
            before = tex(running)
        else:
            product = _normal(sympy.sympify(layer.dilation) * jump)
            simple = type(product) is int or cast(sympy.Expr, product).is_Symbol
            factor = f"{tex_factor(product)}^{{2}}" if simple else f"({tex(product)})^{{2}}"
            before = f"\\sigma^{{2}}_{{{index - 1}}}"
        box = f"\\frac{{{tex_factor(layer.kernel)}^{{2}} - 1}}{{12}}"
        running = _sum([running, scaled])
        shown = tex(tidy(running)) if isinstance(running, sympy.Expr) and not running.is_Rational else tex(running)
        lines.append(f"\\sigma^{{2}}_{{{index}}} &= {before} + {factor} \\, {box} = {shown}")
        jump = _normal(jump * layer.stride)
    return lines


def _repeat_rows(items: tuple[Any, ...], axis: _Axis) -> list[str]:
    lines: list[str] = []
    blocks = [item for item in items if isinstance(item, Repeat)]
    for number, block in enumerate(blocks, start=1):
        label = "B" if len(blocks) == 1 else f"B_{{{number}}}"
        variance, _, ratio = _moments_of(block.body.items)
        n = tex(block.count)
        name_v, name_j = f"\\sigma^{{2}}_{{{label}}}", f"J_{{{label}}}"
        lines.append(_heading(f"Block ${label}$ (repeated ${n}$ times) on its own: variance ${name_v}$, jump "
                              f"${name_j}$:"))
        lines.append(f"{name_v} &= {tex(tidy(variance) if isinstance(variance, sympy.Expr) else variance)}, "
                     f"\\qquad {name_j} = {tex(ratio)}")
        lines.append(_heading(f"Copy $i$ adds ${name_v}$ times the square of the jump ${name_j}^{{\\,i-1}}$ of the "
                              f"copies before it, so ${n}$ copies have"))
        series = f"\\sigma^{{2\\,({n})}} &= \\sum_{{i=1}}^{{{n}}} {name_v} \\, {name_j}^{{\\,2(i-1)}}"
        linear = f"{n} \\, {name_v}"
        geometric = f"{name_v} \\, \\frac{{{name_j}^{{2 {n}}} - 1}}{{{name_j}^{{2}} - 1}}"
        series = series_sum(series, linear, geometric, ratio, name_j)
        total = _moments_of((block,))[0]
        lines += [series, f"&= {tex(tidy(total) if isinstance(total, sympy.Expr) else total)}"]
    lines.append(_heading("The whole network: its segments (runs of layers, repeated blocks) composed in order, "
                          "$\\sigma^{2} = \\sigma^{2}_{1} + J_{1}^{2} \\sigma^{2}_{2} + J_{1}^{2} J_{2}^{2} "
                          "\\sigma^{2}_{3} + \\cdots$:"))
    lines.append(f"\\sigma^{{2}} &= {tex(axis.variance)}")
    return lines
