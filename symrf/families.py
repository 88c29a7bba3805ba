"""Symbolic forms of an imported model: the family it belongs to.

- :func:`symbolic_counts`: each container whose last children are identical blocks (the blocks after the first of
  each ResNet stage) holds them as one block repeated ``n_<container> - j`` times, ``j`` the number of children
  before the run, so that ``n_<container>`` is the number of blocks in the stage: the closed form of the family,
  ``l = f(n_layer1, n_layer2, n_layer3, n_layer4)`` for a torchvision ResNet.
- :func:`symbolic_kernels`: each distinct kernel size (above 1) becomes a symbol ``k_1, k_2, ...`` in order of
  first appearance.

A block is turned into a :class:`~symrf.network.Network` (layers in sequence, :class:`~symrf.network.Parallel`
paths between a fork and a merge) when its nodes form a series-parallel graph with one input and one output and
take no global context; a run whose blocks do not is left as it is, with a note.

>>> from symrf.importing import GraphBuilder
>>> b = GraphBuilder(1, None)
>>> x = b.layer("stem", "conv", b.input, (3,), (1,), ((1, 1),), (1,))
>>> for i in range(3):
...     y = b.layer(f"stage.{i}.conv", "conv", x, (3,), (1,), ((1, 1),), (1,))
...     x = b.merge(f"stage.{i}.add", [x, y]); b.alias(f"stage.{i}", x)
>>> b.alias("stage", x)
>>> graph, notes = symbolic_counts(b.build(x))
>>> analyze(graph).rf, notes
(2*n_stage + 3, ('stage: blocks stage.0 ... stage.2 are one block repeated n_stage times',))
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sympy

from .dag import Graph, GraphNode
from .errors import SymrfError, quoted
from .importing import Imported
from .layers import AxesLayer, Layer
from .network import Item, Network, Parallel, Repeat
from .symbols import symbol

__all__ = ["SYMBOLIC_FORMS", "symbolic_counts", "symbolic_form", "symbolic_kernels"]

#: What ``symbolic=`` of the importers takes.
SYMBOLIC_FORMS = ("counts", "kernels")


def symbolic_form(imported: Imported, symbolic: str | None) -> Imported:
    """An imported model in its symbolic form (``symbolic`` is None, "counts" or "kernels"), with notes."""
    if symbolic is None:
        return imported
    if symbolic not in SYMBOLIC_FORMS:
        raise SymrfError(f"symbolic must be None, 'counts' or 'kernels', not {quoted(symbolic)}")
    graph, notes, values = (_counts if symbolic == "counts" else _kernels)(imported.graph)
    if symbolic == "counts" and not values:
        notes = (*notes, "no container ends with two or more identical blocks: every count stays a number")
    return Imported(graph, (*imported.notes, *notes), imported.warnings, imported.input_size, values)

_INDEX = re.compile(r"^(.*)\.(\d+)$")


def _unnamed(items: Iterable[Item]) -> tuple[Item, ...]:
    """The items with every name dropped (so that two copies of a block compare equal)."""
    found: list[Item] = []
    for item in items:
        if isinstance(item, Layer):
            found.append(Layer(item.kind, item.kernel, item.stride, item.padding, item.dilation, None,
                               item.padding_end))
        elif isinstance(item, AxesLayer):
            found.append(AxesLayer(tuple(_unnamed(item.axes)), None))  # type: ignore[arg-type]
        elif isinstance(item, Parallel):
            found.append(Parallel(tuple(Network(_unnamed(b.items)) for b in item.branches), None))
        else:
            found.append(Repeat(item.count, Network(_unnamed(item.body.items))))
    return tuple(found)


class _Block:
    """The nodes of one child container (by name prefix), its entry tensor and its output node."""

    def __init__(self, graph: Graph, path: str, output: str, by_name: dict[str, GraphNode]) -> None:
        self.path, self.output = path, output
        self.names = [n.name for n in graph.nodes if n.name == path or n.name.startswith(path + ".")]
        self.is_container = any(name.startswith(path + ".") for name in self.names)  # not a single leaf module
        inside = set(self.names)
        entries = {source for name in self.names for source in by_name[name].inputs if source not in inside}
        self.entry = entries.pop() if len(entries) == 1 else None
        self.context = any(by_name[name].context for name in self.names)
        self.network: Network | None = None
        if self.entry is not None and not self.context and output in inside and self.is_container:
            try:
                self.network = _series_parallel(output, self.entry, by_name, inside)
            except _NotSeriesParallel:
                self.network = None


class _NotSeriesParallel(Exception):
    pass


def _series_parallel(output: str, entry: str, by_name: dict[str, GraphNode], inside: set[str]) -> Network:
    """The block from ``entry`` to ``output`` as a Network, every node used exactly once, or _NotSeriesParallel."""
    used: list[str] = []
    dominators = _dominators(entry, by_name, inside)

    def walk(node: str, stop: str) -> list[Item]:
        if node == stop:
            return []
        if node not in inside:
            raise _NotSeriesParallel
        used.append(node)
        current = by_name[node]
        if len(current.inputs) == 1:
            return walk(current.inputs[0], stop) + list(current.op.items)
        fork = _nearest_common(current.inputs, dominators)
        if fork is None:
            raise _NotSeriesParallel
        branches = tuple(Network(tuple(walk(source, fork))) for source in current.inputs)
        return walk(fork, stop) + [Parallel(branches, None)] + list(current.op.items)

    items = walk(output, entry)
    if sorted(used) != sorted(inside) or len(set(used)) != len(used):
        raise _NotSeriesParallel
    return Network(tuple(items))


def _dominators(entry: str, by_name: dict[str, GraphNode], inside: set[str]) -> dict[str, list[str]]:
    """For each node inside, the nodes every path from ``entry`` to it passes through (itself first, entry last)."""
    found: dict[str, list[str]] = {entry: [entry]}
    for name in (n for n in by_name if n in inside):  # by_name is in topological order
        sources = [s for s in by_name[name].inputs]
        if any(s not in found for s in sources):
            raise _NotSeriesParallel
        common = [d for d in found[sources[0]] if all(d in found[s] for s in sources[1:])]
        found[name] = [name, *common]
    return found


def _nearest_common(sources: tuple[str, ...], dominators: dict[str, list[str]]) -> str | None:
    if any(s not in dominators for s in sources):
        return None
    first = dominators[sources[0]]
    return next((d for d in first if all(d in dominators[s] for s in sources[1:])), None)


def _children(graph: Graph) -> dict[str, list[tuple[int, str, str]]]:
    """Each container with numbered children (``layer1.0``, ``layer1.1``): (index, child path, output node)."""
    aliases = dict(graph.aliases or {})
    found: dict[str, list[tuple[int, str, str]]] = {}
    for alias, node in aliases.items():
        match = _INDEX.match(alias)
        if match:
            found.setdefault(match.group(1), []).append((int(match.group(2)), alias, node))
    return {parent: sorted(children) for parent, children in found.items()}


def symbolic_counts(graph: Graph) -> tuple[Graph, tuple[str, ...]]:
    """The graph with each container's final run of identical blocks repeated ``n_<container> - j`` times (see the
    module's notes), and notes saying what was made symbolic and what could not be."""
    return _counts(graph)[:2]


def _counts(graph: Graph) -> tuple[Graph, tuple[str, ...], tuple[tuple[str, int], ...]]:
    """:func:`symbolic_counts`, and each count's value in the model (its container's number of blocks)."""
    values: list[tuple[str, int]] = []
    by_name = {node.name: node for node in graph.nodes}
    nodes = list(graph.nodes)
    aliases = dict(graph.aliases or {})
    notes: list[str] = []
    output = str(graph.output)
    for parent, children in _children(graph).items():
        if len(children) < 2 or [index for index, _, _ in children] != list(range(len(children))):
            continue
        blocks = [_Block(graph, path, output, by_name) for _, path, output in children]
        last = blocks[-1]
        if not last.is_container:
            continue  # numbered leaf modules (a Sequential of layers), not blocks
        if last.network is None:
            notes.append(f"{parent}: its blocks are not series-parallel with one input (or take global context); "
                         "their count stays a number")
            continue
        shape = _unnamed(last.network.items)
        start = len(blocks) - 1
        while start > 0:
            before = blocks[start - 1].network
            if before is None or _unnamed(before.items) != shape or blocks[start].entry != blocks[start - 1].output:
                break
            start -= 1
        if len(blocks) - start < 2:
            continue  # only the last block has its shape: nothing repeats
        count_symbol = symbol("n_" + re.sub(r"[^A-Za-z0-9_]", "_", parent))
        values.append((count_symbol.name, len(blocks)))
        count = count_symbol - start
        first, final = blocks[start], blocks[-1]
        removed = {name for block in blocks[start:] for name in block.names}
        name = f"{parent}.repeat"
        node = GraphNode(name, Network((Repeat(count, Network(shape)),)), (first.entry,))  # type: ignore[arg-type]
        position = min(i for i, n in enumerate(nodes) if n.name in removed)
        nodes = [n for n in nodes if n.name not in removed]
        nodes.insert(position, node)
        nodes = [GraphNode(n.name, n.op, tuple(name if s == final.output else s for s in n.inputs),
                           tuple(name if s == final.output else s for s in n.context)) for n in nodes]
        aliases = {a: (name if target == final.output else target) for a, target in aliases.items()
                   if target not in removed or target == final.output}
        aliases.setdefault(parent, name)
        output = name if output == final.output else output
        by_name = {n.name: n for n in nodes}
        shown = f"{blocks[start].path} ... {final.path}"
        what = f"n_{parent}" if start == 0 else f"n_{parent} - {start}"
        notes.append(f"{parent}: blocks {shown} are one block repeated {what} times".replace(
            f"n_{parent}", count_symbol.name))
    return Graph(tuple(nodes), output, None, aliases), tuple(notes), tuple(values)


def symbolic_kernels(graph: Graph) -> tuple[Graph, tuple[str, ...]]:
    """The graph with each distinct kernel size above 1 replaced by a symbol ``k_1, k_2, ...`` (first appearance
    first), and a note giving each symbol's value."""
    return _kernels(graph)[:2]


def _kernels(graph: Graph) -> tuple[Graph, tuple[str, ...], tuple[tuple[str, int], ...]]:
    """:func:`symbolic_kernels`, and each symbol's value in the model."""
    sizes: dict[int, sympy.Symbol] = {}

    def kernel(value: object) -> object:
        if type(value) is not int or value <= 1:
            return value
        if value not in sizes:
            sizes[value] = symbol(f"k_{len(sizes) + 1}")
        return sizes[value]

    def layer(item: Layer) -> Layer:
        if item.kind not in ("conv", "pool", "convt"):
            return item
        return Layer(item.kind, kernel(item.kernel), item.stride, item.padding, item.dilation, item.name,
                     item.padding_end)

    def items(network: Network) -> Network:
        found: list[Item] = []
        for item in network.items:
            if isinstance(item, Layer):
                found.append(layer(item))
            elif isinstance(item, AxesLayer):
                found.append(AxesLayer(tuple(layer(a) for a in item.axes), item.name))
            elif isinstance(item, Parallel):
                found.append(Parallel(tuple(items(b) for b in item.branches), item.name))
            else:
                found.append(Repeat(item.count, items(item.body)))
        return Network(tuple(found))

    try:
        nodes = tuple(GraphNode(n.name, items(n.op), n.inputs, n.context) for n in graph.nodes)
    except SymrfError as exc:
        raise SymrfError(f"symbolic kernels: {exc}") from None
    shown = ", ".join(f"{sym.name} = {value}" for value, sym in sizes.items())
    notes = (f"kernel sizes as symbols: {shown}",) if sizes else ()
    values = tuple((sym.name, value) for value, sym in sizes.items())
    return Graph(nodes, graph.output, None, graph.aliases), notes, values

