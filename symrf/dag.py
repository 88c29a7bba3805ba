"""Networks as directed acyclic graphs of named nodes (the model behind graph files and imported models).

A node merges its inputs (when it has several) and then applies its layers (a :class:`~symrf.network.Network`,
maybe empty); ``"input"`` names the network's input. :func:`order_nodes` puts the nodes in a topological order
or says where they form a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy

from .axes import common_axis_count
from .errors import SymrfError, quoted
from .layers import check_name
from .network import Network

__all__ = ["INPUT", "Graph", "GraphNode", "order_nodes"]

#: The name of the network's input in a graph.
INPUT = "input"



@dataclass(frozen=True, slots=True)
class GraphNode:
    """A named node of a graph: its inputs are merged (if several), then ``op`` (a network, maybe empty) is applied.

    >>> GraphNode("a", parse("conv(3)"), ("input",))
    GraphNode(name='a', op=conv(3), inputs=('input',), context=())
    """

    name: str
    op: Network
    inputs: tuple[str, ...]
    #: Nodes whose output reaches this node as global context (an excitation gate, a pooled feature broadcast back
    #: over every position): each of its features reads the whole input through them, but they are not merged
    #: position by position, so they change ``rf`` (the whole input) and not ``rf_local`` (see :mod:`symrf.graph`).
    context: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SymrfError(f"a node's name must be a non-empty string, not {quoted(self.name)}")
        check_name(self.name, "node", SymrfError)
        if self.name == INPUT:
            raise SymrfError(f"{INPUT!r} names the network's input; give the node another name")
        op = self.op if isinstance(self.op, Network) else Network.of(self.op)
        object.__setattr__(self, "op", op)
        inputs = (self.inputs,) if isinstance(self.inputs, str) else tuple(self.inputs)
        if not inputs:
            raise SymrfError(f"node {self.name!r} has no inputs")
        for source in inputs:
            if not isinstance(source, str):
                raise SymrfError(f"node {self.name!r}: an input is a node's name, not {quoted(source)}")
        object.__setattr__(self, "inputs", inputs)
        context = (self.context,) if isinstance(self.context, str) else tuple(self.context)
        for source in context:
            if not isinstance(source, str) or source == INPUT:
                raise SymrfError(f"node {self.name!r}: a context input is a node's name, not {quoted(source)}")
        object.__setattr__(self, "context", context)

    @property
    def sources(self) -> tuple[str, ...]:
        """Every node this one reads: its inputs, then its context."""
        return self.inputs + self.context


@dataclass(frozen=True, slots=True)
class Graph:
    """A network as a DAG of named nodes (a graph file); ``"input"`` is the network's input.

    The nodes may come in any order; they must form a DAG whose names are unique and whose inputs exist.
    ``output`` names the output node (by default the last node in topological order).

    >>> g = Graph((GraphNode("a", parse("conv(3, p=1)"), ("input",)), GraphNode("b", Network(), ("a", "input"))))
    >>> analyze(g).rf
    3
    """

    nodes: tuple[GraphNode, ...]
    output: str | None = None
    labels: Mapping[str, str] | None = field(default=None, repr=False, compare=False)  # names in messages
    #: Other names for nodes (an imported model's container paths, such as ``layer3``, name the node of the
    #: container's output): ``analysis.layer(alias)`` gives that node's row. A target may also be the name of a
    #: named layer inside a node (a graph file's node with several layers).
    aliases: Mapping[str, str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        nodes = tuple(self.nodes)
        if not nodes:
            raise SymrfError("a graph needs at least one node")
        nodes = order_nodes(nodes, self.labels)
        object.__setattr__(self, "nodes", nodes)
        output = self.output if self.output is not None else nodes[-1].name
        if output not in {node.name for node in nodes}:
            raise SymrfError(f"the output {quoted(output)} is not a node of the graph")
        object.__setattr__(self, "output", output)
        if self.aliases:
            names = {node.name for node in nodes} | {
                getattr(item, "name", None) for node in nodes for item in node.op.items} - {None}
            for alias, target in self.aliases.items():
                if target not in names:
                    raise SymrfError(f"the alias {quoted(alias)} names {quoted(target)}, which is not a node")

    @property
    def axis_count(self) -> int:
        counts = {node.op.axis_count for node in self.nodes}
        return common_axis_count(counts)

    @property
    def is_numeric(self) -> bool:
        return all(node.op.is_numeric for node in self.nodes)

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for node in self.nodes:
            found |= node.op.free_symbols
        return frozenset(found)

    def along(self, axis: int) -> Graph:
        """The graph along one axis (every node's layers reduced to that axis)."""
        nodes = tuple(GraphNode(n.name, n.op.along(axis), n.inputs, n.context) for n in self.nodes)
        return Graph(nodes, self.output, self.labels, self.aliases)

    def xreplace(self, mapping: dict) -> Graph:
        nodes = tuple(GraphNode(n.name, n.op.xreplace(mapping), n.inputs, n.context) for n in self.nodes)
        return Graph(nodes, self.output, self.labels, self.aliases)

    def up_to(self, name: str) -> Graph:
        """The graph whose output is the node (or the named layer of a node's chain) that ``name`` or its alias
        names: the nodes it does not depend on are left out.

        >>> g = Graph((GraphNode("a", parse("conv(3, name='c'), conv(3)"), ("input",)),
        ...            GraphNode("b", parse("pool(2)"), ("a",))), aliases={"stage": "a"})
        >>> [node.op for node in g.up_to("c").nodes], g.up_to("stage").output
        ([conv(3, name='c')], 'a')
        """
        target = (self.aliases or {}).get(name, name)
        by_name = {node.name: node for node in self.nodes}
        holder = None
        if target not in by_name:
            holder = next((node for node in self.nodes
                           if any(getattr(item, "name", None) == target for item in node.op.items)), None)
            if holder is None:
                raise SymrfError(f"the graph has no node or layer named {quoted(name)}")
        end = holder.name if holder is not None else target
        kept: set[str] = set()
        stack = [end]
        while stack:
            current = stack.pop()
            if current == INPUT or current in kept:
                continue
            kept.add(current)
            stack.extend(by_name[current].inputs)
            stack.extend(by_name[current].context)
        nodes = []
        for node in self.nodes:
            if node.name not in kept:
                continue
            if node is holder:
                node = GraphNode(node.name, node.op.up_to(target), node.inputs, node.context)
            nodes.append(node)
        names = kept | {getattr(item, "name", None) for node in nodes for item in node.op.items} - {None}
        aliases = {alias: to for alias, to in (self.aliases or {}).items() if to in names}
        return Graph(tuple(nodes), end, self.labels, aliases or None)

    @property
    def has_context(self) -> bool:
        """Whether any node takes global context (so that ``rf_local`` may differ from ``rf``)."""
        return any(node.context for node in self.nodes)


def order_nodes(nodes: tuple[GraphNode, ...], labels: Mapping[str, str] | None = None) -> tuple[GraphNode, ...]:
    """``nodes`` in a topological order (stable: file order where it is free), or an error that says where.

    ``labels`` gives how to show a node's name in messages (a graph file adds the line).

    >>> a, b = GraphNode("a", Network(), ("b",)), GraphNode("b", Network(), ("input",))
    >>> [node.name for node in order_nodes((a, b))]
    ['b', 'a']
    >>> order_nodes((GraphNode("a", Network(), ("b",)), GraphNode("b", Network(), ("a",))))
    Traceback (most recent call last):
    ...
    symrf.errors.SymrfError: the nodes form a cycle: a -> b -> a
    """
    by_name: dict[str, int] = {}
    for index, node in enumerate(nodes):
        if node.name in by_name:
            raise SymrfError(f"node name {node.name!r} is used twice (nodes {by_name[node.name] + 1} and {index + 1})")
        by_name[node.name] = index
    for index, node in enumerate(nodes):
        for name in node.sources:
            if name != INPUT and name not in by_name:
                raise SymrfError(
                    f"node {node.name!r} (node {index + 1}) has the input {quoted(name)}, which is not a node"
                )
    done: list[GraphNode] = []
    state = [0] * len(nodes)  # 0 unseen, 1 on the stack, 2 done
    for root in range(len(nodes)):
        if state[root]:
            continue
        stack = [(root, 0)]
        state[root] = 1
        while stack:
            index, position = stack[-1]
            inputs = [by_name[name] for name in nodes[index].sources if name != INPUT]
            if position < len(inputs):
                stack[-1] = (index, position + 1)
                child = inputs[position]
                if state[child] == 1:
                    cycle = [nodes[i].name for i, _ in stack[[i for i, _ in stack].index(child):]]
                    shown = [(labels or {}).get(name, name) for name in reversed(cycle + [nodes[child].name])]
                    raise SymrfError(f"the nodes form a cycle: {' -> '.join(shown)}")
                if state[child] == 0:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[index] = 2
                done.append(nodes[index])
                stack.pop()
    return tuple(done)
