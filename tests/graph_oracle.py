"""A brute-force oracle for networks with several paths and the layer kinds of symrf.graph.

It knows no receptive-field formula. From the definition of each layer it walks, backwards from an output
feature, the SET of features every path depends on: at the output a path depends on {x}; a conv or pool
feature y reads y*s - p + j*d (j = 0..k-1), a transposed convolution's y reads every x with x*s - p + j*d = y,
nearest up-sampling by s reads y // s, a global pooling (kernel and stride n, the input size) reads its whole
input (feature y, beyond the output, reads the n pixels after, as padding does), and a merge passes the sets of
its output to each input. A node feeding several others collects the sets of all of them. At the network's
input there is one set per path (equal sets merged): their extents give the largest and smallest RF, the
alignment (are all centres equal?) and, with two features, the jump. TensorFlow's "same" padding is taken
from its definition: out = ceil(n / s), total = max((out - 1) * s + k' - n, 0), before = total // 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from symrf.layers import Layer
from symrf.network import Network, Parallel, Repeat


@dataclass
class Node:
    kind: str  # "input", "merge" or a layer kind
    layer: Layer | None
    inputs: tuple[int, ...]
    size: int | None = None
    before: int | None = None  # resolved padding before the first pixel


def build(network: Network) -> list[Node]:
    """The nodes of a 1-D network (layers and merges), input first, in topological order."""
    nodes = [Node("input", None, ())]

    def walk(items, current: int) -> int:
        for item in items:
            if isinstance(item, Layer):
                nodes.append(Node(item.kind, item, (current,)))
                current = len(nodes) - 1
            elif isinstance(item, Parallel):
                ends = tuple(walk(branch.items, current) for branch in item.branches)
                nodes.append(Node("merge", None, ends))
                current = len(nodes) - 1
            elif isinstance(item, Repeat) and type(item.count) is int:  # the oracle unrolls what symrf never does
                for _ in range(item.count):
                    current = walk(item.body.items, current)
            else:
                raise TypeError(f"the oracle does not know {item!r}")
        return current

    walk(network.items, 0)
    return nodes


class SizeMismatch(Exception):
    """The inputs of a merge have different sizes, or a layer's output is empty."""


def sizes(nodes: list[Node], input_size: int) -> None:
    """Fill in every node's output size and resolved padding (PyTorch's and TensorFlow's definitions)."""
    nodes[0].size = input_size
    for node in nodes[1:]:
        n = nodes[node.inputs[0]].size
        layer = node.layer
        if node.kind == "merge":
            if len({nodes[i].size for i in node.inputs}) != 1:
                raise SizeMismatch("merge")
            node.size = n
            continue
        k, s, d = (layer.kernel, layer.stride, layer.dilation) if layer else (1, 1, 1)
        extent = d * (k - 1) + 1
        if node.kind in ("conv", "pool"):
            if layer.padding == "same":
                out = -(-n // s)
                total = max((out - 1) * s + extent - n, 0)
                node.before = total // 2
            else:
                after = layer.padding if layer.padding_end is None else layer.padding_end
                if n + layer.padding + after < extent:
                    raise SizeMismatch("empty")
                out = (n + layer.padding + after - extent) // s + 1
                node.before = layer.padding
            node.size = out
        elif node.kind in ("convt", "upsample"):
            after = layer.padding if layer.padding_end is None else layer.padding_end
            node.size = (n - 1) * s - layer.padding - after + extent
            node.before = layer.padding
            if node.size < 1:
                raise SizeMismatch("empty")
        elif node.kind == "global_pool":
            node.size = 1


def reads(node: Node, nodes: list[Node], feature: int) -> set[int]:
    """The features of the node's input that its output ``feature`` reads."""
    layer = node.layer
    if node.kind in ("conv", "pool"):
        before = node.before if node.before is not None else layer.padding
        return {feature * layer.stride - before + j * layer.dilation for j in range(layer.kernel)}
    if node.kind == "convt":
        found = set()
        for j in range(layer.kernel):
            top = feature + layer.padding - j * layer.dilation
            if top % layer.stride == 0:
                found.add(top // layer.stride)
        return found
    if node.kind == "upsample":
        return {feature // layer.stride}
    if node.kind == "global_pool":  # a pooling with kernel and stride n: feature y (y > 0 is padding) reads yn..yn+n-1
        n = nodes[node.inputs[0]].size
        return set(range(feature * n, feature * n + n))
    raise ValueError(node.kind)


def path_sets(nodes: list[Node], feature: int) -> set[frozenset[int]]:
    """One set of input pixels per path (equal sets merged) that output ``feature`` of the last node reads."""
    collections: list[set[frozenset[int]]] = [set() for _ in nodes]
    collections[-1] = {frozenset({feature})}
    for index in range(len(nodes) - 1, 0, -1):
        node = nodes[index]
        for needed in collections[index]:
            if node.kind == "merge":
                for source in node.inputs:
                    collections[source].add(needed)
            else:
                below = set()
                for x in needed:
                    below |= reads(node, nodes, x)
                collections[node.inputs[0]].add(frozenset(below))
    return collections[0]


@dataclass
class Answer:
    rf: int  # the largest extent over paths (0 when no pixel is read)
    rf_min: int
    first: int | None  # the first pixel of a largest path
    aligned: bool
    extents: list[tuple[int, int] | None]


def answer(nodes: list[Node], feature: int) -> Answer:
    """Extents of every path for one output feature: largest and smallest RF, a largest path's start, alignment."""
    extents = [(min(found), max(found)) if found else None for found in path_sets(nodes, feature)]
    lengths = [0 if e is None else e[1] - e[0] + 1 for e in extents]
    rf = max(lengths)
    firsts = sorted(e[0] for e, n in zip(extents, lengths) if n == rf and e is not None)
    centres = {Fraction(e[0] + e[1], 2) for e in extents if e is not None}
    return Answer(rf, min(lengths), firsts[0] if firsts else None, len(centres) <= 1, extents)


def path_intervals(nodes: list[Node], feature: int) -> set[tuple[int, int]]:
    """Like :func:`path_sets` for conv and pool only, walking intervals: [a, b] -> [a*s - p, b*s - p + d*(k - 1)].

    Fast enough for whole zoo models (a set of distinct intervals per node, never one entry per path).
    """
    collections: list[set[tuple[int, int]]] = [set() for _ in nodes]
    collections[-1] = {(feature, feature)}
    for index in range(len(nodes) - 1, 0, -1):
        node = nodes[index]
        if node.kind == "merge":
            for source in node.inputs:
                collections[source] |= collections[index]
            continue
        layer = node.layer
        if node.kind not in ("conv", "pool"):
            raise ValueError(f"path_intervals knows conv and pool, not {node.kind}")
        before = node.before if node.before is not None else layer.padding
        reach = layer.dilation * (layer.kernel - 1)
        collections[node.inputs[0]] |= {(a * layer.stride - before, b * layer.stride - before + reach)
                                        for a, b in collections[index]}
    return collections[0]
