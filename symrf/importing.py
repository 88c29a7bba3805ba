"""What the importers of real models share (:mod:`symrf.torch_import`, :mod:`symrf.onnx_import`): a builder that
turns the operations of a traced model into a symrf :class:`~symrf.dag.Graph`, one node per operation that acts on
the spatial axes, with unique names and the sizes PyTorch and ONNX compute.

The importers read a model and say, op by op, what it does to the spatial axes; the builder keeps, for every
tensor, the node it comes from, its spatial sizes (when the input size is known) and whether it is *global* (every
position of it reads the whole input: after a global pooling, a ``Linear`` over flattened positions, or a mean over
the spatial axes). Where a global tensor is combined with a local one (an excitation gate multiplied in, a pooled
feature added back over every position), it becomes *context* of the merge (:attr:`GraphNode.context
<symrf.dag.GraphNode.context>`): the merge reads the whole input through it, but its local paths keep their
geometry, which is what ``rf_local`` reports.

>>> b = GraphBuilder(1, (32,))
>>> x = b.layer("conv1", "conv", b.input, (3,), (1,), ((1, 1),), (1,))
>>> g = b.global_("pool", x)
>>> y = b.merge("mul", [x, b.layer("fc", "conv", g, (1,), (1,), ((0, 0),), (1,))])
>>> a = analyze(b.build(y), 32)
>>> a.rf, a.rf_local, y.sizes
(33, 3, (32,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .dag import INPUT, Graph, GraphNode
from .errors import SymrfError
from .layers import Layer, global_pool, layer_per_axis
from .network import Network
from .recurrence import effective_kernel, output_size, transposed_output_size

__all__ = ["GraphBuilder", "Imported", "Tensor", "unique_name"]


@dataclass(frozen=True, slots=True)
class Tensor:
    """What an importer knows of a tensor: the graph node whose output it is, its spatial sizes (None where
    unknown) and whether every position of it reads the whole input (it is then broadcast over positions)."""

    node: str
    sizes: tuple[int | None, ...]
    is_global: bool = False


@dataclass(frozen=True, slots=True)
class Imported:
    """An imported model: its :class:`~symrf.dag.Graph`, notes on how it was read (which tracer, how an op was
    modelled) and warnings (ops of unknown effect treated as pointwise)."""

    graph: Graph
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: The input size the model declares (an ONNX file's input shape), one per spatial axis, when all are known.
    input_size: tuple[int, ...] | None = None
    #: For a symbolic import (``symbolic="counts"`` or ``"kernels"``), each symbol's value in the model itself, by
    #: name: ``(("n_layer3", 6), ...)``.
    values: tuple[tuple[str, int], ...] = ()


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name_1``, ``name_2``, ... : the first that is not in ``taken`` (which gets it).

    >>> taken = {"input"}
    >>> unique_name("add", taken), unique_name("add", taken), unique_name("input", taken)
    ('add', 'add_1', 'input_1')
    """
    found, number = name, 0
    while found in taken:
        number += 1
        found = f"{name}_{number}"
    taken.add(found)
    return found


Pair = tuple[int, int]


class GraphBuilder:
    """Builds a :class:`~symrf.dag.Graph` op by op; ``axis_count`` spatial axes, ``input_sizes`` one per axis
    (None when not given). Every method returns the :class:`Tensor` the op makes."""

    def __init__(self, axis_count: int, input_sizes: Sequence[int | None] | None = None) -> None:
        if axis_count < 1:
            raise SymrfError("the model has no spatial axes")
        self.axis_count = axis_count
        sizes = tuple(input_sizes) if input_sizes is not None else (None,) * axis_count
        if len(sizes) != axis_count:
            raise SymrfError(f"the input size has {len(sizes)} entries but the model has {axis_count} spatial axes")
        self.input = Tensor(INPUT, sizes)
        self.nodes: list[GraphNode] = []
        self.taken: set[str] = {INPUT}
        self.aliases: dict[str, str] = {}

    # -- ops -------------------------------------------------------------------------------------------------------

    def layer(self, name: str, kind: str, source: Tensor, kernel: Sequence[int], stride: Sequence[int],
              padding: Sequence[Pair], dilation: Sequence[int], sizes: Sequence[int | None] | None = None) -> Tensor:
        """A conv, pool, convt or upsample layer with values per axis (padding as ``(before, after)`` pairs); its
        output sizes are computed (PyTorch's floor rule) unless ``sizes`` gives them (ceil mode, output padding)."""
        self._check(len(kernel), len(stride), len(padding), len(dilation))
        node = unique_name(name, self.taken)
        made = layer_per_axis(kind, tuple(kernel), tuple(stride), tuple(tuple(p) for p in padding), tuple(dilation),
                              None)
        layers = made.axes if not isinstance(made, Layer) else (made,)
        if sizes is None:
            sizes = tuple(_size(layer, size) for layer, size in zip(layers, source.sizes))
        self.nodes.append(GraphNode(node, Network.of([made]), (source.node,)))
        return Tensor(node, tuple(sizes), source.is_global)

    def global_(self, name: str, source: Tensor) -> Tensor:
        """A global operation (global pooling, ``Linear`` over flattened positions, a mean over the spatial axes):
        one output position that reads the whole input."""
        node = unique_name(name, self.taken)
        self.nodes.append(GraphNode(node, Network.of([global_pool()]), (source.node,)))
        return Tensor(node, (1,) * self.axis_count, True)

    def merge(self, name: str, sources: Sequence[Tensor]) -> Tensor:
        """An element-wise combination or a concatenation of tensors on the same grid (``+``, ``*``, ``cat``):
        global inputs become context; a merge of global inputs only is global."""
        local = [t for t in sources if not t.is_global]
        context = [t for t in sources if t.is_global]
        if not local:  # everything global: still global
            local, context = context, []
        inputs = tuple(dict.fromkeys(t.node for t in local))
        extra = tuple(dict.fromkeys(t.node for t in context if t.node not in inputs))
        if len(inputs) == 1 and not extra:
            return local[0]  # one distinct input: the merge does nothing to the geometry
        node = unique_name(name, self.taken)
        self.nodes.append(GraphNode(node, Network(), inputs, extra))
        sizes = next((t.sizes for t in local if all(s is not None for s in t.sizes)), local[0].sizes)
        return Tensor(node, sizes, local[0].is_global)

    def alias(self, name: str, tensor: Tensor) -> None:
        """Let ``name`` (a container's or a pass-through module's path) denote the node of ``tensor``. A later call
        for the same name replaces an earlier one: an importer calls it for every op inside a container, in the
        order they run, so a container's path names the node of its last op's output. A node's own name is never an
        alias (nor is the input a target): such calls are ignored, and :meth:`build` drops an alias whose name a
        later node took."""
        if tensor.node == INPUT or name in self.taken:
            return
        self.aliases.pop(name, None)  # re-inserted: the mapping keeps the order of the latest calls
        self.aliases[name] = tensor.node

    def build(self, output: Tensor) -> Graph:
        """The graph, with ``output``'s node as its output."""
        if output.node == INPUT:
            raise SymrfError("the model does nothing to the spatial axes of its input (no layer was found)")
        aliases = {name: node for name, node in self.aliases.items() if name not in self.taken}
        return Graph(tuple(self.nodes), output.node, None, aliases)

    def _check(self, *counts: int) -> None:
        if any(count != self.axis_count for count in counts):
            raise SymrfError(f"an op gives values for {counts[0]} axes but the model has {self.axis_count}")


def _size(layer: Layer, size: int | None) -> int | None:
    """A layer's output size from its input size (None when unknown)."""
    if size is None:
        return None
    before = layer.padding
    after = before if layer.padding_end is None else layer.padding_end
    if not isinstance(before, int) or not isinstance(after, int):
        return None
    kernel = effective_kernel(layer.kernel, layer.dilation)
    if layer.kind in ("convt", "upsample"):
        value = transposed_output_size(size, kernel, layer.stride, before, after)
    else:
        value = output_size(size, kernel, layer.stride, before, after)
    if not isinstance(value, int) or value < 1:
        raise SymrfError(f"{layer.name or layer.kind}: its output would be empty for an input of size {size}")
    return value
