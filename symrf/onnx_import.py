"""Import ONNX models: :func:`from_onnx` turns a model (a file or an ``onnx.ModelProto``) into a symrf
:class:`~symrf.dag.Graph`, one node per operation that acts on the spatial axes.

The spatial axes are the dimensions after N and C of the model's first input (NCL, NCHW, NCDHW). Only tensors that
descend from that input are followed; initializers and ``Constant`` nodes (weights, shapes, scales) are read as
values (shape computations such as ``Shape``, ``Gather``, ``Concat`` are followed to read reshape targets).

- ``Conv``, ``ConvTranspose`` and ``MaxPool``/``AveragePool``/``LpPool`` are layers: ``auto_pad`` (SAME_UPPER and
  SAME_LOWER resolved to explicit paddings for a known size; SAME_UPPER is TensorFlow's "same" otherwise),
  explicit ``pads`` (the begin values of every axis, then the end values), dilations; ``ceil_mode`` and output
  padding become padding after the last pixel, which only changes output sizes;
- ``Pad`` is a pool of kernel 1 with that padding; ``Slice`` with a step, a pool of kernel 1 and that stride;
- ``Resize``/``Upsample`` by integer factors: "nearest" copies a pixel (an ``upsample``, or a transposed
  convolution for roundings that shift the copy); "linear" and "cubic" read 2 and 4 pixels, the windows of a
  transposed convolution derived from ONNX's coordinate formulas; ``DepthToSpace`` is an up-sampling,
  ``SpaceToDepth`` (and its reshape form, PyTorch's ``pixel_unshuffle``) a pool whose kernel is its stride;
- global pooling, a ``Gemm``/``MatMul`` over flattened positions and reductions over every spatial axis are
  global; ``InstanceNormalization``, ``GroupNormalization`` and a softmax or ``LayerNormalization`` over the spatial
  axes read each position with the whole map's statistics as context;
- ``Add``, ``Mul``, ``Concat`` and the like are merges (a global input is context, see
  :class:`~symrf.dag.GraphNode`); element-wise operations change nothing;
- ``Reshape``, ``Transpose``, ``Squeeze``, ``Unsqueeze``, ``Flatten``, ``Gather`` and ``Split`` are followed while
  they keep the spatial axes whole (a channel shuffle, NHWC layouts, a flatten before a ``Gemm``).

Anything else that touches the spatial axes stops the import with one error that lists every such op type, unless
it is declared (``pointwise=[...]``, ``global_=[...]``) or ``strict=False``. Node names (``<op_type>_<index>``
for unnamed nodes) name the layers; the names of ops without a node of their own are aliases of their input's.

The ``onnx`` package is an optional dependency (``pip install symrf[onnx]``): ``import symrf`` does not load it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

from .dag import Graph, GraphNode
from .errors import SymrfError, quoted
from .importing import GraphBuilder, Imported, Tensor, unique_name
from .layers import layer_per_axis
from .naming import name_problem
from .network import Network

__all__ = ["from_onnx", "import_onnx"]


# -- what the importer knows of a tensor ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Track:
    """A tensor that descends from the input: its symrf tensor, its rank (None when unknown), where its spatial
    axes are (``axes[i]`` is the position of symrf's axis ``i``) or, once they are flattened into one dimension
    with the channels (before a ``Gemm``), the position of that dimension (``flat``)."""

    tensor: Tensor
    rank: int | None
    axes: tuple[int, ...] = ()
    flat: int | None = None

    @property
    def is_global(self) -> bool:
        return self.tensor.is_global

    def touched(self) -> tuple[int, ...]:
        """The positions that hold the spatial axes (the flattened dimension of a flat tensor)."""
        if self.is_global:
            return ()
        return (self.flat,) if self.flat is not None else self.axes


class _NotUnderstood(Exception):
    """A known op used in a way that cannot be followed (the reason completes "node 'x': ...")."""


#: Element-wise operations: each output position reads the same position of its inputs (several tracked inputs
#: are merged).
POINTWISE = frozenset("""
    Abs Acos Acosh Add And Asin Asinh Atan Atanh BatchNormalization BitShift BitwiseAnd BitwiseNot BitwiseOr
    BitwiseXor Cast CastLike Ceil Celu Clip Cos Cosh DequantizeLinear Div Dropout Elu Equal Erf Exp Expand Floor
    Gelu Greater GreaterOrEqual HardSigmoid HardSwish Identity IsInf IsNaN LRN LeakyRelu Less LessOrEqual Log Max
    Mean Min Mish Mod Mul Neg Not Or PRelu Pow QuantizeLinear Reciprocal Relu Round Selu Shrink Sigmoid Sign Sin
    Sinh Softplus Softsign Sqrt Sub Sum Swish Tan Tanh ThresholdedRelu Where Xor
""".split())

#: Operations whose outputs are not tensors with positions (shapes, sizes): not followed.
SHAPE_OPS = frozenset({"Shape", "Size"})

#: Reductions with an ``axes`` list (an attribute before opset 18, ReduceSum's before 13; an input after).
REDUCTIONS = frozenset({"ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL1", "ReduceL2",
                        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})

#: Normalisations whose statistics are taken over every position: the output reads the whole input as context.
WHOLE_NORMS = frozenset({"InstanceNormalization", "GroupNormalization"})

GLOBAL_POOLS = frozenset({"GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"})

POOLS = frozenset({"MaxPool", "AveragePool", "LpPool"})

#: How messages ask for the input size.
GIVE_SIZE = "give the input size (input_size=..., CLI --input-size)"

#: Largest end index that means "to the end" in a ``Slice`` (INT32_MAX and more).
_TO_END = 2**31 - 1

Pair = tuple[int, int]


# -- the public functions ------------------------------------------------------------------------------------------


def import_onnx(path_or_model: object, input_size: object = None, *, strict: bool = True,
                pointwise: Iterable[str] = (), global_: Iterable[str] = ()) -> Imported:
    """Read an ONNX model as a symrf graph, with what the import noticed (see :func:`from_onnx` for the arguments):
    ``notes`` say what it decided (paddings resolved for the input size, inputs and outputs not followed),
    ``warnings`` what may be wrong (op types treated as pointwise because of ``strict=False``)."""
    model, where = _load(path_or_model)
    importer = _Importer(model, where, input_size, strict, _op_types(pointwise, "pointwise"),
                         _op_types(global_, "global_"))
    graph = importer.run()
    sizes = importer.builder.input.sizes
    declared = tuple(int(size) for size in sizes if size is not None) if None not in sizes else None
    return Imported(graph, tuple(importer.notes), tuple(importer.warnings), declared)


def from_onnx(path_or_model: object, input_size: object = None, *, strict: bool = True,
              pointwise: Iterable[str] = (), global_: Iterable[str] = ()) -> Graph:
    """The symrf :class:`~symrf.dag.Graph` of an ONNX model: a path (``str`` or :class:`~pathlib.Path`) or an
    ``onnx.ModelProto``. Analyse it with :func:`symrf.analyze`.

    ``input_size`` is one size for every spatial axis or one per axis (the input's own dimensions by default; a
    ``dim_param`` is an unknown size). ``pointwise`` and ``global_`` name op types symrf does not know: a pointwise
    op keeps every position (an activation), a global one makes every output read the whole input. With
    ``strict=False`` unknown op types are treated as pointwise, with a warning (:mod:`warnings`) per type.

    >>> from onnx import TensorProto, helper
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    >>> conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv1", kernel_shape=[3, 3], strides=[2, 2],
    ...                         auto_pad="SAME_UPPER")
    >>> w = helper.make_tensor("w", TensorProto.FLOAT, [8, 3, 3, 3], [0.0] * 216)
    >>> model = helper.make_model(helper.make_graph([conv], "g", [x], [y], [w]))
    >>> a = analyze(from_onnx(model), 32)
    >>> a.rf, a.jump, a.effective_padding, a.size
    ((3, 3), (2, 2), (0, 0), (16, 16))
    """
    imported = import_onnx(path_or_model, input_size, strict=strict, pointwise=pointwise, global_=global_)
    for warning in imported.warnings:
        warnings.warn(warning, UserWarning, stacklevel=2)
    return imported.graph


def _op_types(values: Iterable[str], argument: str) -> frozenset[str]:
    if isinstance(values, str):
        values = (values,)
    try:
        found = tuple(values)
    except TypeError:
        raise SymrfError(f"{argument} is a list of ONNX op types, not {quoted(values)}") from None
    for value in found:
        if not isinstance(value, str) or not value:
            raise SymrfError(f"{argument}: an op type is a name such as 'Relu', not {quoted(value)}")
    return frozenset(found)


def _load(source: object) -> tuple[onnx.ModelProto, str]:
    """The model and how messages name it."""
    if isinstance(source, onnx.ModelProto):
        return source, "the ONNX model"
    if not isinstance(source, (str, Path)):
        raise SymrfError(f"from_onnx takes a path or an onnx.ModelProto, not {type(source).__name__}")
    path = Path(source)
    shown = quoted(str(path))
    if not path.exists():
        raise SymrfError(f"{shown}: file not found")
    if not path.is_file():
        raise SymrfError(f"{shown} is not a file")
    try:
        model = onnx.load(str(path), load_external_data=False)  # weights are not needed, only their shapes
    except Exception as exc:  # protobuf's DecodeError and its relatives
        raise SymrfError(f"{shown} is not an ONNX file ({type(exc).__name__})") from None
    if not isinstance(model, onnx.ModelProto) or not model.HasField("graph"):
        raise SymrfError(f"{shown} is not an ONNX file (it has no graph)")
    return model, shown


# -- values of constants and shapes --------------------------------------------------------------------------------

Dim = int | str | None  # a dimension: its size, a dim_param's name, or unknown


def _attributes(node: onnx.NodeProto) -> dict[str, Any]:
    found = {}
    for attribute in node.attribute:
        value = onnx.helper.get_attribute_value(attribute)
        found[attribute.name] = value.decode() if isinstance(value, bytes) else value
    return found


def _dims(value_type: onnx.TypeProto) -> tuple[Dim, ...] | None:
    if not value_type.HasField("tensor_type") or not value_type.tensor_type.HasField("shape"):
        return None
    dims: list[Dim] = []
    for dim in value_type.tensor_type.shape.dim:
        if dim.HasField("dim_value") and dim.dim_value > 0:
            dims.append(int(dim.dim_value))
        elif dim.HasField("dim_param") and dim.dim_param:
            dims.append(dim.dim_param)
        else:
            dims.append(None)
    return tuple(dims)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# -- the import ----------------------------------------------------------------------------------------------------


class _Importer:
    def __init__(self, model: onnx.ModelProto, where: str, input_size: object, strict: bool,
                 pointwise: frozenset[str], global_: frozenset[str]) -> None:
        both = sorted(pointwise & global_)
        if both:
            raise SymrfError(f"{both[0]!r} is declared both pointwise and global; it is one or the other")
        self.model, self.where, self.strict = model, where, strict
        self.declared_pointwise, self.declared_global = pointwise, global_
        self.graph = model.graph
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.opset = next((entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")),
                          onnx.defs.onnx_opset_version())
        self.initializers = {tensor.name: tensor for tensor in self.graph.initializer}
        self.constant_nodes: dict[str, onnx.NodeProto] = {}
        self.producers: dict[str, onnx.NodeProto] = {}
        for node in self.graph.node:
            if node.op_type == "Constant" and node.output:
                self.constant_nodes[node.output[0]] = node
            for output in node.output:
                self.producers[output] = node
        self.shape_values: dict[str, list[Dim] | None] = {}
        inputs = [value for value in self.graph.input if value.name not in self.initializers]
        if not inputs:
            raise SymrfError(f"{where} has no inputs")
        if not self.graph.output:
            raise SymrfError(f"{where} has no outputs")
        self.input = inputs[0]
        if len(inputs) > 1:
            self.notes.append(f"the model has {len(inputs)} inputs; only the first, {self.input.name!r}, is "
                              "followed (the others count as constants)")
        dims = _dims(self.input.type)
        sizes = self._input_sizes(dims, input_size)
        self.axis_count = len(sizes)
        self.builder = GraphBuilder(self.axis_count, sizes)
        self.shapes = self._infer_shapes(dims, sizes)
        self.tracks: dict[str, _Track] = {self.input.name: _Track(self.builder.input, self.axis_count + 2,
                                                                   tuple(range(2, self.axis_count + 2)))}
        self.unknown: dict[str, tuple[str, str]] = {}  # op type -> (a node, why), in order of discovery
        self.resolved_same: list[str] = []
        self.ceil_unknown: list[str] = []
        self.fresh = 0
        self.named: dict[str, int] = {}  # sizes found for the names shape inference gives unknown dimensions
        self.resolved: dict[str, list[Dim]] = {}  # dimensions the importer worked out (reshapes, transposes)

    # -- set-up ----------------------------------------------------------------------------------------------------

    def _input_sizes(self, dims: tuple[Dim, ...] | None, input_size: object) -> tuple[int | None, ...]:
        given: tuple[object, ...] | None = None
        if input_size is not None:
            given = tuple(input_size) if isinstance(input_size, (tuple, list)) else None
            if given is None:
                if dims is None:
                    raise SymrfError(f"the input {self.input.name!r} of {self.where} has no shape; give input_size "
                                     "as one size per spatial axis, such as (224, 224)")
                given = (input_size,) * max(len(dims) - 2, 0)
        if dims is None:
            if given is None:
                raise SymrfError(f"the input {self.input.name!r} of {self.where} has no shape; give input_size as "
                                 "one size per spatial axis, such as (224, 224)")
            count = len(given)
        else:
            count = len(dims) - 2
            if count < 1:
                raise SymrfError(f"the input {self.input.name!r} of {self.where} has {len(dims)} dimensions; symrf "
                                 "reads N, C and then the spatial axes (NCL, NCHW, NCDHW)")
        if given is None:
            assert dims is not None
            return tuple(dim if isinstance(dim, int) else None for dim in dims[2:])
        if len(given) != count:
            raise SymrfError(f"input_size has {len(given)} entries but the model's input has {count} spatial axes")
        own = dims[2:] if dims is not None else (None,) * count
        found: list[int | None] = []
        for size, dim in zip(given, own):
            if size is None:  # this axis's own size
                found.append(dim if isinstance(dim, int) else None)
            elif isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise SymrfError(f"input_size: a size is a positive integer, not {quoted(size)}")
            else:
                found.append(int(size))
        return tuple(found)

    def _infer_shapes(self, dims: tuple[Dim, ...] | None, sizes: tuple[int | None, ...]) -> dict[str, tuple[Dim, ...]]:
        """Every tensor's dimensions that ONNX's shape inference finds, with the input's spatial sizes set."""
        model = onnx.ModelProto()
        model.CopyFrom(self.model)
        for value in model.graph.input:
            if value.name == self.input.name and dims is not None:
                for dim, size in zip(value.type.tensor_type.shape.dim[2:], sizes):
                    if size is not None:
                        dim.Clear()
                        dim.dim_value = size
        try:
            model = shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
        except Exception as exc:  # a model onnx cannot infer: the importer uses what the model declares
            self.notes.append(f"ONNX shape inference failed ({type(exc).__name__}); only the shapes the model "
                              "declares are used")
        shapes: dict[str, tuple[Dim, ...]] = {}
        for tensor in model.graph.initializer:
            shapes[tensor.name] = tuple(int(d) for d in tensor.dims)
        for value in (*model.graph.input, *model.graph.value_info, *model.graph.output):
            found = _dims(value.type)
            if found is not None:
                shapes[value.name] = found
        return shapes

    # -- constants -------------------------------------------------------------------------------------------------

    def constant(self, name: str) -> np.ndarray | None:
        """The value of a constant tensor (an initializer or a Constant node's output), or None."""
        if not name:
            return None
        try:
            if name in self.initializers:
                return numpy_helper.to_array(self.initializers[name])
            node = self.constant_nodes.get(name)
            if node is None:
                return None
            attributes = _attributes(node)
            if "value" in attributes:
                return numpy_helper.to_array(attributes["value"])
            for key in ("value_int", "value_ints", "value_float", "value_floats"):
                if key in attributes:
                    return np.array(attributes[key])
        except Exception:  # external data not loaded, sparse values: not known
            return None
        return None

    def ints(self, node: onnx.NodeProto, attributes: dict[str, Any], key: str, index: int) -> list[int] | None:
        """An integer list given as the attribute ``key`` (older opsets) or as input ``index`` (a constant)."""
        if key in attributes:
            return [int(v) for v in attributes[key]]
        if len(node.input) > index and node.input[index]:
            found = self.shape_value(node.input[index])
            if found is None or not all(isinstance(v, int) for v in found):
                raise _NotUnderstood(f"its {key} are not constants")
            return [int(v) for v in found]  # type: ignore[arg-type]
        return None

    def shape_value(self, name: str, depth: int = 0) -> list[Dim] | None:
        """The values of a small integer tensor: a constant, or computed from shapes (``Shape``, ``Gather``,
        ``Concat``, arithmetic...) as exporters do for the targets of reshapes; an entry is a dim_param's name or
        None where unknown. None when it is not such a tensor."""
        if name in self.shape_values:
            return self.shape_values[name]
        found = self._shape_value(name, depth)
        if found is not None and len(found) > 64:
            found = None
        self.shape_values[name] = found
        return found

    def _shape_value(self, name: str, depth: int) -> list[Dim] | None:
        value = self.constant(name)
        if value is not None:
            if value.dtype.kind not in "iub" or value.size > 64:
                return None
            return [int(v) for v in value.reshape(-1)]
        node = self.producers.get(name)
        if node is None or depth > 100 or node.domain not in ("", "ai.onnx"):
            return None
        op, attributes = node.op_type, _attributes(node)
        if op == "Shape":
            dims = self.full_dims(node.input[0])
            if dims is None:
                return None
            start, end = int(attributes.get("start", 0)), attributes.get("end")
            return list(dims[start:None if end is None else int(end)])
        if op in ("Cast", "Identity", "Squeeze", "Unsqueeze", "Flatten", "Reshape"):
            return self.shape_value(node.input[0], depth + 1)  # the values of a shape tensor keep their order
        inputs = [self.shape_value(i, depth + 1) if i else None for i in node.input]
        if op == "Concat":
            return None if any(v is None for v in inputs) else [d for v in inputs if v is not None for d in v]
        data = inputs[0] if inputs else None
        if data is None:
            return None
        if op == "Gather" and len(inputs) > 1 and inputs[1] is not None and int(attributes.get("axis", 0)) == 0:
            indices = inputs[1]
            if not all(isinstance(i, int) and -len(data) <= i < len(data) for i in indices):
                return None
            return [data[i] for i in indices if isinstance(i, int)]
        if op == "Slice" and len(node.input) >= 3:
            starts, ends = inputs[1], inputs[2]
            steps = inputs[4] if len(inputs) > 4 and node.input[4] else [1]
            if not (starts and ends and steps) or not all(isinstance(v, int) for v in (*starts, *ends, *steps)):
                return None
            return data[slice(int(starts[0]), int(ends[0]), int(steps[0]))]  # type: ignore[arg-type]
        if op in ("Add", "Sub", "Mul", "Div") and len(inputs) == 2 and inputs[1] is not None:
            other = inputs[1]
            if len(data) != len(other) and 1 not in (len(data), len(other)):
                return None
            count = max(len(data), len(other))
            left = data * count if len(data) == 1 else data
            right = other * count if len(other) == 1 else other
            return [_arithmetic(op, a, b) for a, b in zip(left, right)]
        return None

    def full_dims(self, name: str) -> list[Dim] | None:
        """A tensor's dimensions, with the spatial sizes the importer knows filled in; an unknown one is named after
        the tensor and its position (so that a reshape to its own ``Shape`` keeps it)."""
        shape = self.resolved.get(name) or self.shapes.get(name)
        track = self.tracks.get(name)
        if shape is None and track is not None and track.rank is not None:
            shape = (None,) * track.rank  # beyond what shape inference found: the spatial sizes only
        if shape is None:
            return None
        dims = [self.named.get(dim, dim) if isinstance(dim, str) else dim for dim in shape]
        if track is not None and not track.is_global and track.flat is None and track.rank == len(dims):
            for position, size in zip(track.axes, track.tensor.sizes):
                if size is not None:
                    dims[position] = size
        return [f"?{name}[{i}]" if dim is None else dim for i, dim in enumerate(dims)]  # unknown, but this one

    def shape_of(self, name: str) -> tuple[Dim, ...] | None:
        if name in self.shapes:
            return self.shapes[name]
        value = self.constant(name)
        return None if value is None else tuple(int(d) for d in value.shape)

    # -- the sweep ---------------------------------------------------------------------------------------------------

    def run(self) -> Graph:
        index_of = {id(node): index for index, node in enumerate(self.graph.node)}
        for node in _topological(self.graph.node):
            index = index_of[id(node)]
            tracked = [self.tracks.get(name) for name in node.input]
            if not any(tracked):  # a control-flow op (If, Loop) may read tracked tensors inside its subgraphs
                tracked = [self.tracks[name] for name in sorted(_subgraph_reads(node)) if name in self.tracks]
                if tracked:
                    tracked = [None, *tracked]  # not its data input: no handler takes it for one
            if not any(tracked) or node.op_type in SHAPE_OPS:
                continue  # computes constants (shapes, weights), or reads only the input's shape
            name = node.name if node.name and name_problem(node.name) is None else f"{node.op_type}_{index}"
            outputs = self.node(node, name, tracked)
            for output, track in zip(node.output, outputs):
                if output and track is not None:
                    self.tracks[output] = track
            if outputs and outputs[0] is not None and name not in self.builder.taken:
                self.builder.alias(name, outputs[0].tensor)
        self.finish_notes()
        if self.unknown and self.strict:
            raise SymrfError(self.unknown_message())
        output = self.graph.output[0].name
        if len(self.graph.output) > 1:
            self.notes.append(f"the model has {len(self.graph.output)} outputs; the graph ends at the first, "
                              f"{output!r}")
        if output not in self.tracks:
            raise SymrfError(f"the output {output!r} of {self.where} does not depend on its input "
                             f"{self.input.name!r}")
        return self.builder.build(self.tracks[output].tensor)

    def node(self, node: onnx.NodeProto, name: str, tracked: list[_Track | None]) -> list[_Track | None]:
        op = node.op_type
        count = max(len(node.output), 1)
        present = [t for t in tracked if t is not None]
        if op in self.declared_global:
            return [self.make_global(name, present)] * count
        if op in self.declared_pointwise:
            return [self.relayout(node, self.pointwise(name, present))] * count
        if all(t.is_global for t in present):  # whatever reads only global tensors reads the whole input
            return [self.pointwise(name, present)] * count
        handler = _HANDLERS.get(op) if node.domain in ("", "ai.onnx") else None
        if handler is None and op not in POINTWISE:
            return [self.relayout(node, self.not_known(op, name, "", present))] * count
        try:
            if handler is None:
                return [self.pointwise(name, present)] * count
            found = handler(self, node, name, _attributes(node), tracked)
        except _NotUnderstood as exc:
            return [self.relayout(node, self.not_known(op, name, str(exc), present))] * count
        return found if isinstance(found, list) else [found] * count

    def relayout(self, node: onnx.NodeProto, track: _Track) -> _Track:
        """The output of an op taken as pointwise without knowing its layout: when its rank is not its input's,
        the spatial axes are assumed after N and C if it has that many dimensions (so later layers still apply)."""
        shape = self.shapes.get(node.output[0]) if node.output else None
        if track.is_global or shape is None or len(shape) == track.rank:
            return track
        if len(shape) == self.axis_count + 2:
            return _Track(track.tensor, len(shape), tuple(range(2, self.axis_count + 2)))
        return replace(track, rank=len(shape))

    def not_known(self, op: str, name: str, why: str, present: list[_Track]) -> _Track:
        if op not in self.unknown:
            self.unknown[op] = (name, why)
            if not self.strict:
                how = f"symrf cannot follow it ({why})" if why else "symrf does not know it"
                self.warnings.append(f"{op} (node {name!r}) is treated as pointwise: {how}; declare it with "
                                     f"pointwise=[{op!r}] or global_=[{op!r}] (CLI --pointwise {op} or --global {op})")
        return self.pointwise(name, present)

    def unknown_message(self) -> str:
        shown = []
        for op, (name, why) in self.unknown.items():
            shown.append(f"{op} (node {name!r}: {why})" if why else f"{op} (node {name!r})")
        first = next(iter(self.unknown))
        return (f"{self.where} has ops that symrf does not understand on the spatial axes: {'; '.join(shown)}; "
                f"declare each op type that keeps every position with pointwise=[...] (CLI --pointwise TYPE, such as "
                f"--pointwise {first}) and each whose outputs read the whole input with global_=[...] (CLI --global "
                "TYPE), or pass strict=False to treat them as pointwise")

    def finish_notes(self) -> None:
        if self.resolved_same:
            sizes = self.builder.input.sizes
            self.notes.append(f"the SAME padding of {_listed(self.resolved_same)} is resolved for the input size "
                              f"{sizes[0] if len(sizes) == 1 else sizes}: the graph holds explicit paddings, so "
                              "import the model again to analyse another size")
        if self.ceil_unknown:
            self.warnings.append(f"the ceil_mode of {_listed(self.ceil_unknown)} needs the input size: the sizes after "
                                 "it follow the floor rule (the RF, jump and effective padding do not depend on it); "
                                 f"{GIVE_SIZE}")

    # -- building blocks -------------------------------------------------------------------------------------------

    def pointwise(self, name: str, present: list[_Track]) -> _Track:
        """An element-wise op: one tracked input passes, several are merged (global ones as context)."""
        if len(present) == 1:
            return present[0]
        tensor = self.builder.merge(name, [t.tensor for t in present])
        layout = next((t for t in present if not t.is_global), present[0])
        return replace(layout, tensor=tensor)

    def make_global(self, name: str, present: list[_Track]) -> _Track:
        merged = self.pointwise(name, present)
        if merged.is_global:
            return merged
        return _Track(self.builder.global_(name, merged.tensor), merged.rank, merged.axes, merged.flat)

    def with_context(self, name: str, track: _Track) -> _Track:
        """An op whose output reads its own position and statistics over every position (a normalisation)."""
        stats = self.builder.global_(f"{name}/stats", track.tensor)
        return replace(track, tensor=self.builder.merge(name, [track.tensor, stats]))

    def spatial(self, track: _Track, op: str) -> list[int]:
        """For a layer op (Conv, pools): ``order[i]``, the index among the op's spatial dims (after N and C) of
        symrf's axis ``i``."""
        if track.flat is not None:
            raise _NotUnderstood("its input has its spatial axes flattened")
        expected = set(range(2, self.axis_count + 2))
        if set(track.axes) != expected or (track.rank is not None and track.rank != self.axis_count + 2):
            raise _NotUnderstood(f"its input does not have the spatial axes after N and C, where {op} reads them")
        return [position - 2 for position in track.axes]

    def per_axis(self, values: Sequence[int], order: list[int]) -> list[int]:
        return [int(values[j]) for j in order]

    def layer(self, name: str, kind: str, source: Tensor, kernel: Sequence[int], stride: Sequence[int],
              pads: Sequence[Pair | None], dilation: Sequence[int],
              sizes: Sequence[int | None] | None = None) -> Tensor:
        """A layer; a padding entry None is TensorFlow's "same" (SAME_UPPER with an unknown size)."""
        if all(pair is not None for pair in pads):
            return self.builder.layer(name, kind, source, kernel, stride, [p for p in pads if p is not None],
                                      dilation, sizes)
        node = unique_name(name, self.builder.taken)
        padding = tuple("same" if pair is None else pair for pair in pads)
        made = layer_per_axis(kind, tuple(kernel), tuple(stride), padding, tuple(dilation), None)
        self.builder.nodes.append(GraphNode(node, Network.of([made]), (source.node,)))
        found: list[int | None] = []
        for pair, size, k, s, d in zip(pads, source.sizes, kernel, stride, dilation):
            if size is None:
                found.append(None)
            elif pair is None:
                found.append(_ceil_div(size, s))
            else:
                found.append((size + pair[0] + pair[1] - (d * (k - 1) + 1)) // s + 1)
        return Tensor(node, tuple(found), source.is_global)

    def pads(self, name: str, attributes: dict[str, Any], sizes: Sequence[int | None], kernel: list[int],
             stride: list[int], dilation: list[int], order: list[int]) -> list[Pair | None]:
        """Each axis's ``(before, after)`` padding of a conv or pool; None for "same" (SAME_UPPER, unknown size)."""
        mode = attributes.get("auto_pad", "NOTSET") or "NOTSET"
        n = self.axis_count
        if mode == "NOTSET":
            values = attributes.get("pads", [0] * 2 * n)
            if len(values) != 2 * n:
                raise SymrfError(f"{name}: pads has {len(values)} values; give {2 * n} (the begin values of every "
                                 "axis, then the end values)")
            return [(int(values[j]), int(values[j + n])) for j in order]
        if mode == "VALID":
            return [(0, 0)] * n
        if mode not in ("SAME_UPPER", "SAME_LOWER"):
            raise SymrfError(f"{name}: unknown auto_pad {mode!r} (NOTSET, SAME_UPPER, SAME_LOWER or VALID)")
        found: list[Pair | None] = []
        for size, k, s, d in zip(sizes, kernel, stride, dilation):
            extent = d * (k - 1) + 1
            if size is not None:
                total = max((_ceil_div(size, s) - 1) * s + extent - size, 0)
            elif s == 1:
                total = extent - 1
            elif mode == "SAME_UPPER":
                found.append(None)
                continue
            else:
                raise SymrfError(f"{name}: SAME_LOWER padding with stride {s} depends on the input size; "
                                 f"{GIVE_SIZE}")
            before = total // 2 if mode == "SAME_UPPER" else total - total // 2
            found.append((before, total - before))
        if any(size is not None and s > 1 for size, s in zip(sizes, stride)):
            self.resolved_same.append(name)
        return found

    def kernel(self, node: onnx.NodeProto, attributes: dict[str, Any]) -> list[int]:
        if "kernel_shape" in attributes:
            return [int(k) for k in attributes["kernel_shape"]]
        shape = self.shape_of(node.input[1]) if len(node.input) > 1 else None
        if shape is None or len(shape) != self.axis_count + 2 or not all(isinstance(d, int) for d in shape[2:]):
            raise _NotUnderstood("its kernel shape is unknown (no kernel_shape and no weight shape)")
        return [int(d) for d in shape[2:]]  # type: ignore[arg-type]

    def check_values(self, name: str, **values: Sequence[int]) -> None:
        for key, value in values.items():
            if len(value) != self.axis_count:
                raise SymrfError(f"{name}: {key} has {len(value)} values but the model has {self.axis_count} "
                                 "spatial axes")

    def fresh_dim(self) -> str:
        self.fresh += 1
        return f"?{self.fresh}"

    def dims_of(self, name: str, track: _Track) -> list[Dim]:
        """A tracked tensor's dimensions (its known spatial sizes filled in), unknown ones as fresh names."""
        dims = self.full_dims(name)
        if dims is None or (track.rank is not None and len(dims) != track.rank):
            raise _NotUnderstood("the shape of its input is unknown")
        return [self.fresh_dim() if dim is None else dim for dim in dims]


def _arithmetic(op: str, a: Dim, b: Dim) -> Dim:
    if not isinstance(a, int) or not isinstance(b, int):
        return None
    if op == "Add":
        return a + b
    if op == "Sub":
        return a - b
    if op == "Mul":
        return a * b
    if b == 0:
        return None
    quotient = abs(a) // abs(b)  # integer division truncates
    return quotient if (a >= 0) == (b > 0) else -quotient


def _subgraph_reads(node: onnx.NodeProto) -> set[str]:
    """The names the subgraphs of a node (If, Loop, Scan) read, at any depth."""
    found: set[str] = set()
    for attribute in node.attribute:
        graphs = list(attribute.graphs) + ([attribute.g] if attribute.HasField("g") else [])
        for graph in graphs:
            for inner in graph.node:
                found.update(name for name in inner.input if name)
                found |= _subgraph_reads(inner)
    return found


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _topological(nodes: Sequence[onnx.NodeProto]) -> list[onnx.NodeProto]:
    """The nodes in an order where every tensor is made before it is read (the file's order when it is one)."""
    made: set[str] = set()
    for node in nodes:
        made.update(node.output)
    ready: set[str] = set()
    done: list[onnx.NodeProto] = []
    waiting = list(nodes)
    while waiting:
        rest = []
        for node in waiting:
            if all(not name or name not in made or name in ready for name in node.input):
                done.append(node)
                ready.update(node.output)
            else:
                rest.append(node)
        if len(rest) == len(waiting):  # a cycle: leave the rest in file order
            return done + rest
        waiting = rest
    return done


# -- the ops -------------------------------------------------------------------------------------------------------

Handler = Callable[[_Importer, onnx.NodeProto, str, dict[str, Any], list[_Track | None]],
                   "_Track | list[_Track | None]"]
_HANDLERS: dict[str, Handler] = {}


def _handles(*ops: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        for op in ops:
            _HANDLERS[op] = function
        return function

    return register


def _data(tracked: list[_Track | None], what: str = "its weights") -> _Track:
    """The tracked first input of a layer op; the other inputs must be constants."""
    first = tracked[0]
    if first is None:
        raise _NotUnderstood(f"{what} depend on the input but its data does not")
    if any(t is not None for t in tracked[1:]):
        raise _NotUnderstood(f"{what} depend on the input")
    return first


@_handles("Conv")
def _conv(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
          tracked: list[_Track | None]) -> _Track:
    x = _data(tracked)
    order = im.spatial(x, node.op_type)
    n = im.axis_count
    kernel = im.kernel(node, attributes)
    strides = [int(v) for v in attributes.get("strides", [1] * n)]
    dilations = [int(v) for v in attributes.get("dilations", [1] * n)]
    im.check_values(name, kernel_shape=kernel, strides=strides, dilations=dilations)
    kernel, strides, dilations = (im.per_axis(v, order) for v in (kernel, strides, dilations))
    pads = im.pads(name, attributes, x.tensor.sizes, kernel, strides, dilations, order)
    return replace(x, tensor=im.layer(name, "conv", x.tensor, kernel, strides, pads, dilations))


@_handles(*POOLS)
def _pool(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
          tracked: list[_Track | None]) -> _Track:
    x = _data(tracked, "its parameters")
    order = im.spatial(x, node.op_type)
    n = im.axis_count
    if "kernel_shape" not in attributes:
        raise SymrfError(f"{name}: a {node.op_type} needs kernel_shape")
    kernel = [int(v) for v in attributes["kernel_shape"]]
    strides = [int(v) for v in attributes.get("strides", [1] * n)]
    dilations = [int(v) for v in attributes.get("dilations", [1] * n)]
    im.check_values(name, kernel_shape=kernel, strides=strides, dilations=dilations)
    kernel, strides, dilations = (im.per_axis(v, order) for v in (kernel, strides, dilations))
    pads = im.pads(name, attributes, x.tensor.sizes, kernel, strides, dilations, order)
    if attributes.get("ceil_mode", 0) and all(pair is not None for pair in pads):
        pads = _ceil_pads(im, name, x.tensor.sizes, kernel, strides, dilations, pads)
    return replace(x, tensor=im.layer(name, "pool", x.tensor, kernel, strides, pads, dilations))


def _ceil_pads(im: _Importer, name: str, sizes: Sequence[int | None], kernel: list[int], strides: list[int],
               dilations: list[int], pads: list[Pair | None]) -> list[Pair | None]:
    """``ceil_mode``: the end padding that gives, by the floor rule, the ceil rule's output size (a window that
    would start in the end padding is dropped, as in ONNX and PyTorch); windows start where they did."""
    found: list[Pair | None] = []
    for size, k, s, d, pair in zip(sizes, kernel, strides, dilations, pads):
        assert pair is not None
        if s == 1:
            found.append(pair)
            continue
        if size is None:
            if name not in im.ceil_unknown:
                im.ceil_unknown.append(name)
            found.append(pair)
            continue
        before, after = pair
        extent = d * (k - 1) + 1
        span = size + before + after - extent
        count = _ceil_div(span, s) + 1
        if (count - 1) * s >= size + before:
            count -= 1
        extra = max((count - 1) * s + extent - (size + before + after), 0)
        found.append((before, after + extra))
    return found


@_handles("ConvTranspose")
def _conv_transpose(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
                    tracked: list[_Track | None]) -> _Track:
    x = _data(tracked)
    order = im.spatial(x, node.op_type)
    n = im.axis_count
    kernel = im.kernel(node, attributes)
    strides = [int(v) for v in attributes.get("strides", [1] * n)]
    dilations = [int(v) for v in attributes.get("dilations", [1] * n)]
    output_padding = [int(v) for v in attributes.get("output_padding", [0] * n)]
    im.check_values(name, kernel_shape=kernel, strides=strides, dilations=dilations, output_padding=output_padding)
    kernel, strides, dilations, output_padding = (im.per_axis(v, order)
                                                  for v in (kernel, strides, dilations, output_padding))
    mode = attributes.get("auto_pad", "NOTSET") or "NOTSET"
    shape = attributes.get("output_shape")
    if shape is not None and len(shape) == n + 2:
        shape = shape[2:]
    pads: list[Pair] = []
    if shape is not None or mode in ("SAME_UPPER", "SAME_LOWER"):
        if shape is not None:
            im.check_values(name, output_shape=shape)
            shape = im.per_axis(shape, order)
        for axis, (size, k, s, d, extra) in enumerate(zip(x.tensor.sizes, kernel, strides, dilations, output_padding)):
            extent = d * (k - 1) + 1
            if shape is None:  # SAME: an output of size * stride, whatever the size
                total = extra + extent - s
            elif size is None:
                raise SymrfError(f"{name}: the padding that gives output_shape depends on the input size; "
                                 f"{GIVE_SIZE}")
            else:
                total = s * (size - 1) + extra + extent - int(shape[axis])
            if total < 0:
                raise SymrfError(f"{name}: its output is larger than the transposed convolution's whole extent "
                                 "(negative padding), which symrf does not support")
            before = total // 2 if mode == "SAME_UPPER" else total - total // 2  # as ONNX's specification says
            pads.append((before, total - before))
    elif mode == "VALID":
        pads = [(0, 0)] * n
    elif mode == "NOTSET":
        values = attributes.get("pads", [0] * 2 * n)
        if len(values) != 2 * n:
            raise SymrfError(f"{name}: pads has {len(values)} values; give {2 * n}")
        pads = [(int(values[j]), int(values[j + n])) for j in order]
    else:
        raise SymrfError(f"{name}: unknown auto_pad {mode!r} (NOTSET, SAME_UPPER, SAME_LOWER or VALID)")
    # output padding adds positions after the last: less padding at the end, or positions that read nothing
    layer_pads = [(before, max(after - extra, 0)) for (before, after), extra in zip(pads, output_padding)]
    beyond = [max(extra - after, 0) for (_, after), extra in zip(pads, output_padding)]
    tensor = im.layer(name, "convt", x.tensor, kernel, strides, layer_pads, dilations)
    if any(beyond):
        one = [1] * n
        tensor = im.layer(f"{name}/output_padding", "pool", tensor, one, one, [(0, b) for b in beyond], one)
    return replace(x, tensor=tensor)


@_handles(*GLOBAL_POOLS)
def _global_pool(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
                 tracked: list[_Track | None]) -> _Track:
    return im.make_global(name, [_data(tracked, "its parameters")])


@_handles(*WHOLE_NORMS)
def _whole_norm(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
                tracked: list[_Track | None]) -> _Track:
    return im.with_context(name, _data(tracked, "its scale and bias"))


@_handles("BatchNormalization")
def _batch_norm(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
                tracked: list[_Track | None]) -> list[_Track | None]:
    x = _data(tracked, "its statistics")
    if attributes.get("training_mode", 0):  # statistics of this batch, over every position
        return [im.with_context(name, x)] + [None] * (len(node.output) - 1)
    return [x] * len(node.output)


def _classify(track: _Track, axes: Iterable[int]) -> str:
    """Whether ``axes`` hold every spatial position ("all"), none ("none") or some ("some")."""
    chosen = set(axes)
    touched = set(track.touched())
    if not touched & chosen:
        return "none"
    return "all" if touched <= chosen else "some"


def _normalized(axes: Iterable[int], rank: int | None) -> list[int]:
    found = []
    for axis in axes:
        if axis < 0:
            if rank is None:
                raise _NotUnderstood("its axes count from the end of a tensor of unknown rank")
            axis += rank
        found.append(axis)
    return found


@_handles("LayerNormalization", "MeanVarianceNormalization")
def _norm(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
          tracked: list[_Track | None]) -> list[_Track | None]:
    x = _data(tracked, "its scale and bias")
    if node.op_type == "LayerNormalization":
        if x.rank is None:
            raise _NotUnderstood("the rank of its input is unknown")
        start = _normalized([int(attributes.get("axis", -1))], x.rank)[0]
        axes = list(range(start, x.rank))
    else:
        axes = _normalized(attributes.get("axes", [0, 2, 3]), x.rank)
    found = _classify(x, axes)
    if found == "some":
        raise _NotUnderstood("it normalises over some spatial axes and not others")
    out = im.with_context(name, x) if found == "all" else x
    return [out] + [None] * (len(node.output) - 1)


@_handles("Softmax", "LogSoftmax", "Hardmax")
def _softmax(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
             tracked: list[_Track | None]) -> _Track:
    x = _data(tracked)
    if im.opset >= 13:
        axes = _normalized([int(attributes.get("axis", -1))], x.rank)
    else:  # the input is coerced to 2-D at axis: the op spans every later axis
        if x.rank is None:
            raise _NotUnderstood("the rank of its input is unknown")
        axes = list(range(_normalized([int(attributes.get("axis", 1))], x.rank)[0], x.rank))
    found = _classify(x, axes)
    if found == "some":
        raise _NotUnderstood("it normalises along some spatial axes and not others")
    return im.with_context(name, x) if found == "all" else x


@_handles(*REDUCTIONS)
def _reduce(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
            tracked: list[_Track | None]) -> _Track:
    x = _data(tracked, "its axes")
    axes = im.ints(node, attributes, "axes", 1)
    if not axes:
        if attributes.get("noop_with_empty_axes", 0):
            return x
        return im.make_global(name, [x])
    axes = _normalized(axes, x.rank)
    found = _classify(x, axes)
    if found == "all":
        return im.make_global(name, [x])
    if found == "some":
        raise _NotUnderstood("it reduces some spatial axes and not others")
    if attributes.get("keepdims", 1):
        return x
    return _drop(x, axes)


@_handles("ArgMax", "ArgMin")
def _arg(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
         tracked: list[_Track | None]) -> _Track:
    x = _data(tracked)
    axes = _normalized([int(attributes.get("axis", 0))], x.rank)
    found = _classify(x, axes)
    if found == "all":
        return im.make_global(name, [x])
    if found == "some":
        raise _NotUnderstood("it reduces some spatial axes and not others")
    return x if attributes.get("keepdims", 1) else _drop(x, axes)


def _drop(x: _Track, axes: Iterable[int]) -> _Track:
    """``x`` with the (non-spatial) dims ``axes`` removed."""
    gone = sorted(set(axes))

    def moved(position: int) -> int:
        return position - sum(1 for a in gone if a < position)

    rank = None if x.rank is None else x.rank - len(gone)
    flat = None if x.flat is None else moved(x.flat)
    return _Track(x.tensor, rank, tuple(moved(p) for p in x.axes), flat)


def _moved(x: _Track, move: Callable[[int], int], rank: int | None) -> _Track:
    flat = None if x.flat is None else move(x.flat)
    return _Track(x.tensor, rank, tuple(move(p) for p in x.axes), flat)


@_handles("Pad")
def _pad(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
         tracked: list[_Track | None]) -> _Track:
    x = _data(tracked, "its pads")
    key = "paddings" if "paddings" in attributes else "pads"
    values = im.ints(node, attributes, key, 1) or []
    if x.rank is None:
        raise _NotUnderstood("the rank of its input is unknown")
    axes = list(range(x.rank))
    if len(node.input) > 3 and node.input[3]:
        axes = _normalized(im.ints(node, {}, "axes", 3) or [], x.rank)
    if len(values) != 2 * len(axes):
        raise SymrfError(f"{name}: pads has {len(values)} values for {len(axes)} axes")
    pair = {axis: (values[i], values[i + len(axes)]) for i, axis in enumerate(axes)}
    if x.flat is not None and pair.get(x.flat, (0, 0)) != (0, 0):
        raise _NotUnderstood("it pads flattened positions")
    pairs = [pair.get(position, (0, 0)) for position in x.axes]
    if any(before < 0 or after < 0 for before, after in pairs):
        raise _NotUnderstood("it crops the spatial axes (negative pads)")
    if all(p == (0, 0) for p in pairs):
        return x
    mode = attributes.get("mode", "constant")
    if mode != "constant":
        im.notes.append(f"{name}: a {mode!r} padding copies input pixels into the padding; symrf counts the padded "
                        "pixels as padding, so the fields of the border features are as with zeros")
    one = [1] * im.axis_count
    return replace(x, tensor=im.layer(name, "pool", x.tensor, one, one, pairs, one))


def _resize_reads(y: int, factor: int, mode: str, transform: str, rounding: str) -> list[int]:
    """The input pixels with a non-zero weight in output ``y`` of an up-sampling by the integer ``factor`` (away
    from the borders), by ONNX's formulas in exact arithmetic."""
    if transform == "asymmetric":
        original = Fraction(y, factor)
    else:  # half_pixel, pytorch_half_pixel, half_pixel_symmetric: the same when the output is factor * the input
        original = Fraction(2 * y + 1 - factor, 2 * factor)
    if mode == "nearest":
        if rounding == "floor":
            return [math.floor(original)]
        if rounding == "ceil":
            return [math.ceil(original)]
        if rounding == "round_prefer_ceil":
            return [math.floor(original + Fraction(1, 2))]
        return [math.ceil(original - Fraction(1, 2))]  # round_prefer_floor
    first = math.floor(original)
    if original == first:  # on an input pixel: the other taps weigh 0
        return [first]
    return [first, first + 1] if mode == "linear" else [first - 1, first, first + 1, first + 2]


def _resize_window(factor: int, mode: str, transform: str, rounding: str) -> tuple[int, int] | None:
    """``(kernel, padding)`` of the transposed convolution with stride ``factor`` whose output ``y`` reads exactly
    the input pixels the resize reads (``x`` with ``y + p - k < x * factor <= y + p``), or None."""
    period = range(factor, 2 * factor)
    phases = [_resize_reads(y, factor, mode, transform, rounding) for y in period]
    if any(_resize_reads(y + factor, factor, mode, transform, rounding) != [x + 1 for x in reads]
           for y, reads in zip(period, phases)):
        return None
    for kernel in range(1, 4 * factor + 2):
        for padding in range(kernel + factor):
            if all(list(range(-(-(y + padding - kernel + 1) // factor), (y + padding) // factor + 1)) == reads
                   for y, reads in zip(period, phases)):
                return kernel, padding
    return None


@_handles("Resize", "Upsample")
def _resize(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
            tracked: list[_Track | None]) -> _Track:
    """Up-sampling by integer factors: each output reads the input pixels ONNX's formulas give a non-zero weight
    (one for "nearest", two for "linear", four for "cubic"), which are the windows of a transposed convolution."""
    x = _data(tracked, "its scales")
    mode = {"bilinear": "linear", "trilinear": "linear"}.get(attributes.get("mode", "nearest"), attributes.get(
        "mode", "nearest"))
    if x.flat is not None:
        raise _NotUnderstood("its input has its spatial axes flattened")
    if x.rank is None:
        raise _NotUnderstood("the rank of its input is unknown")
    legacy = node.op_type == "Upsample" or im.opset < 11
    transform = "asymmetric" if legacy else attributes.get("coordinate_transformation_mode", "half_pixel")
    rounding = "floor" if legacy else attributes.get("nearest_mode", "round_prefer_floor")
    if mode not in ("nearest", "linear", "cubic"):
        raise SymrfError(f"{name}: {node.op_type} mode {mode!r} is not supported")
    if mode == "cubic" and (float(attributes.get("cubic_coeff_a", -0.75)) >= 0):
        raise SymrfError(f"{name}: cubic resizing with cubic_coeff_a >= 0 is not supported")
    if transform not in ("asymmetric", "half_pixel", "pytorch_half_pixel", "half_pixel_symmetric"):
        raise _NotUnderstood(f"its coordinate_transformation_mode {transform!r} reads windows that differ from one "
                             "output to the next")
    axes = list(range(x.rank))
    if "axes" in attributes:
        axes = _normalized(attributes["axes"], x.rank)
    scales = _resize_scales(im, node, name, attributes, x, axes)
    windows = []
    for position in x.axes:
        scale = scales.get(position, Fraction(1))
        if scale.denominator != 1 or scale < 1:
            raise _NotUnderstood(f"it resizes a spatial axis by {float(scale):g}, not by an integer factor")
        factor = int(scale)
        if mode != "nearest" and factor > 1 and factor % 2 and transform != "asymmetric":
            raise _NotUnderstood(f"a {mode} resize by the odd factor {factor} puts some outputs on an input pixel, "
                                 "where floating-point rounding decides whether they read one pixel or more")
        window = _resize_window(factor, mode, transform, rounding)
        if window is None:
            raise _NotUnderstood(f"its {mode} {transform!r} windows are not those of a layer")
        windows.append((factor, *window))
    if all(window == (1, 1, 0) for window in windows):
        return x
    n = im.axis_count
    factors = [factor for factor, _, _ in windows]
    if all(kernel == factor and padding == 0 for factor, kernel, padding in windows):
        one, zero = [1] * n, [(0, 0)] * n
        return replace(x, tensor=im.layer(name, "upsample", x.tensor, factors, factors, zero, one))
    # the output has factor * n pixels: the padding after is what the kernel leaves; where it would be negative,
    # the last outputs read the clamped last pixel, which symrf counts as padding (a pool of kernel 1 after)
    pads = [(padding, max(kernel - factor - padding, 0)) for factor, kernel, padding in windows]
    beyond = [max(factor + padding - kernel, 0) for factor, kernel, padding in windows]
    kernels = [kernel for _, kernel, _ in windows]
    im.notes.append(f"{name}: {mode} resizing by {tuple(factors)} reads the windows of convt({tuple(kernels)}, "
                    f"s={tuple(factors)}, p={tuple(pads)})")
    tensor = im.layer(name, "convt", x.tensor, kernels, factors, pads, [1] * n)
    if any(beyond):
        one = [1] * n
        tensor = im.layer(f"{name}/end", "pool", tensor, one, one, [(0, b) for b in beyond], one)
    return replace(x, tensor=tensor)


def _resize_scales(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any], x: _Track,
                   axes: list[int]) -> dict[int, Fraction]:
    """The scale of each resized dimension: from the scales (an attribute or a constant input), the constant output
    sizes, or else the output shape that shape inference found (scales computed from the input's shape)."""
    if "scales" in attributes:  # Upsample before opset 9
        values: Any = attributes["scales"]
    else:
        index = 1 if node.op_type == "Upsample" or im.opset < 11 else 2
        given = len(node.input) > index and node.input[index]
        values = im.constant(node.input[index]) if given else None
        if values is None and given:
            return _inferred_scales(im, node, name, x, "its scales are not constants")
        if values is not None and values.size == 0:
            values = None
    if values is not None:
        values = [float(v) for v in np.asarray(values).reshape(-1)]
        if len(values) != len(axes):
            raise _NotUnderstood(f"it has {len(values)} scales for {len(axes)} axes")
        return {axis: Fraction(value).limit_denominator(1_000) for axis, value in zip(axes, values)}
    if len(node.input) < 4 or not node.input[3]:
        raise _NotUnderstood("it has neither scales nor sizes")
    if attributes.get("keep_aspect_ratio_policy", "stretch") != "stretch":
        raise _NotUnderstood("its keep_aspect_ratio_policy is not 'stretch'")
    sizes = im.constant(node.input[3])
    if sizes is None:
        return _inferred_scales(im, node, name, x, "its sizes are not constants")
    wanted = [int(v) for v in sizes.reshape(-1)]
    if len(wanted) != len(axes):
        raise _NotUnderstood(f"it has {len(wanted)} sizes for {len(axes)} axes")
    return _scales_from_sizes(name, x, dict(zip(axes, wanted)))


def _inferred_scales(im: _Importer, node: onnx.NodeProto, name: str, x: _Track, why: str) -> dict[int, Fraction]:
    shape = im.shapes.get(node.output[0])
    if shape is None or len(shape) != x.rank:
        raise _NotUnderstood(why)
    wanted = {p: shape[p] for p in x.axes}
    if not all(isinstance(size, int) for size in wanted.values()):
        raise _NotUnderstood(why + " and its output size is unknown" + (
            f"; {GIVE_SIZE}" if any(size is None for size in x.tensor.sizes) else ""))
    return _scales_from_sizes(name, x, wanted)  # type: ignore[arg-type]


def _scales_from_sizes(name: str, x: _Track, wanted: dict[int, int]) -> dict[int, Fraction]:
    found = {}
    for position, size in zip(x.axes, x.tensor.sizes):
        if position in wanted:
            if size is None:
                raise SymrfError(f"{name}: a resize to given sizes needs the input size; {GIVE_SIZE}")
            found[position] = Fraction(wanted[position], size)
    return found


@_handles("DepthToSpace", "SpaceToDepth")
def _depth_space(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
                 tracked: list[_Track | None]) -> _Track:
    x = _data(tracked)
    im.spatial(x, node.op_type)
    if "blocksize" not in attributes:
        raise SymrfError(f"{name}: a {node.op_type} needs blocksize")
    r = int(attributes["blocksize"])
    n = im.axis_count
    blocks, one, zero = [r] * n, [1] * n, [(0, 0)] * n
    kind = "upsample" if node.op_type == "DepthToSpace" else "pool"
    return replace(x, tensor=im.layer(name, kind, x.tensor, blocks, blocks, zero, one))


@_handles("Concat")
def _concat(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
            tracked: list[_Track | None]) -> _Track:
    present = [t for t in tracked if t is not None]
    for track in present:
        if track.is_global:
            continue
        axis = _normalized([int(attributes.get("axis", 1))], track.rank)[0]
        if axis in track.touched():
            raise _NotUnderstood("it concatenates along a spatial axis")
    return im.pointwise(name, present)  # one tracked input: constants concatenated along the channels


@_handles("Split")
def _split(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
           tracked: list[_Track | None]) -> list[_Track | None]:
    x = _data(tracked, "its split sizes")
    axis = _normalized([int(attributes.get("axis", 0))], x.rank)[0]
    if axis in x.touched():
        raise _NotUnderstood("it splits a spatial axis")
    return [x] * len(node.output)


@_handles("Tile")
def _tile(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
          tracked: list[_Track | None]) -> _Track:
    x = _data(tracked, "its repeats")
    repeats = im.ints(node, attributes, "repeats", 1) or []
    if any(repeats[p] != 1 for p in x.touched() if p < len(repeats)):
        raise _NotUnderstood("it repeats a spatial axis")
    return x


@_handles("Slice")
def _slice(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
           tracked: list[_Track | None]) -> _Track:
    x = _data(tracked, "its starts and ends")
    legacy = im.opset < 10
    axes = attributes.get("axes") if legacy else im.ints(node, {}, "axes", 3)
    if axes is None:  # the first len(starts) axes
        shape = attributes.get("starts") if legacy else im.shape_of(node.input[1])
        if shape is None or len(shape) != 1 or not isinstance(shape[0], int):
            raise _NotUnderstood("the number of its starts is unknown")
        axes = list(range(len(shape) if legacy else shape[0]))
    axes = _normalized(axes, x.rank)
    if not set(axes) & set(x.touched()):  # channels only (a chunk): starts and ends need not be constants
        return x
    if x.flat is not None:
        raise _NotUnderstood("it slices flattened positions")
    starts = im.ints(node, attributes, "starts", 1) or []
    ends = im.ints(node, attributes, "ends", 2) or []
    steps = (None if legacy else im.ints(node, {}, "steps", 4)) or [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise SymrfError(f"{name}: starts, ends, axes and steps differ in length")
    strides = [1] * im.axis_count
    for axis, start, end, step in zip(axes, starts, ends, steps):
        if axis not in x.axes:
            continue
        i = x.axes.index(axis)
        size = x.tensor.sizes[i]
        if start < 0:
            if size is None:
                raise _NotUnderstood("it slices a spatial axis of unknown size from its end")
            start += size
        if step < 1 or start > 0:
            raise _NotUnderstood("it crops or reverses a spatial axis")
        if end < _TO_END and (size is None or (end if end >= 0 else end + size) < size):
            raise _NotUnderstood("it crops a spatial axis")
        strides[i] = step
    if all(s == 1 for s in strides):
        return x
    one = [1] * im.axis_count
    return replace(x, tensor=im.layer(name, "pool", x.tensor, one, strides, [(0, 0)] * im.axis_count, one))


@_handles("Gather")
def _gather(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
            tracked: list[_Track | None]) -> _Track:
    x = _data(tracked, "its indices")
    axis = _normalized([int(attributes.get("axis", 0))], x.rank)[0]
    if axis in x.touched():
        raise _NotUnderstood("it gathers along a spatial axis")
    shape = im.shape_of(node.input[1])
    if shape is None:
        raise _NotUnderstood("the rank of its indices is unknown")
    grown = len(shape) - 1

    def move(position: int) -> int:
        return position + grown if position > axis else position

    return _moved(x, move, None if x.rank is None else x.rank + grown)


@_handles("Transpose")
def _transpose(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
               tracked: list[_Track | None]) -> _Track:
    x = _data(tracked)
    if "perm" in attributes:
        perm = [int(p) for p in attributes["perm"]]
    elif x.rank is not None:
        perm = list(reversed(range(x.rank)))
    else:
        raise _NotUnderstood("the rank of its input is unknown")
    if sorted(perm) != list(range(len(perm))):
        raise SymrfError(f"{name}: perm {perm} is not a permutation")
    dims = im.full_dims(node.input[0])
    if dims is not None and len(dims) == len(perm):
        im.resolved[node.output[0]] = [dims[p] for p in perm]
    return _moved(x, perm.index, len(perm))


@_handles("Squeeze")
def _squeeze(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
             tracked: list[_Track | None]) -> _Track:
    x = _data(tracked, "its axes")
    axes = im.ints(node, attributes, "axes", 1)
    if axes is None:
        shape = im.shapes.get(node.input[0])
        if shape is None:
            raise _NotUnderstood("the shape of its input is unknown")
        axes = [i for i, dim in enumerate(shape) if dim == 1]
    axes = _normalized(axes, x.rank)
    if set(axes) & set(x.touched()):
        raise _NotUnderstood("it removes a spatial axis")
    return _drop(x, axes)


@_handles("Unsqueeze")
def _unsqueeze(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
               tracked: list[_Track | None]) -> _Track:
    x = _data(tracked, "its axes")
    axes = im.ints(node, attributes, "axes", 1) or []
    if x.rank is None:
        raise _NotUnderstood("the rank of its input is unknown")
    rank = x.rank + len(axes)
    added = set(_normalized(axes, rank))
    kept = [p for p in range(rank) if p not in added]
    return _moved(x, kept.__getitem__, rank)


@_handles("Flatten")
def _flatten(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
             tracked: list[_Track | None]) -> _Track:
    x = _data(tracked)
    if x.rank is None:
        raise _NotUnderstood("the rank of its input is unknown")
    axis = _normalized([int(attributes.get("axis", 1))], x.rank)[0]
    touched = x.touched()
    if all(p >= axis for p in touched):
        return _Track(x.tensor, 2, (), 1)
    if all(p < axis for p in touched):
        return _Track(x.tensor, 2, (), 0)
    raise _NotUnderstood("it flattens the spatial axes into two dimensions")


def _product(dims: Sequence[Dim]) -> tuple[int, tuple[str, ...]]:
    """A product of dimensions as a number and the sorted names of its unknown factors."""
    number, names = 1, []
    for dim in dims:
        if isinstance(dim, int):
            number *= dim
        else:
            names.append(str(dim))
    return number, tuple(sorted(names))


@_handles("Reshape")
def _reshape(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
             tracked: list[_Track | None]) -> _Track:
    """Follows the spatial axes through a reshape: an axis kept whole; an axis split into (outer, inner) dims,
    outer first, as in a space-to-depth: a pool whose kernel and stride are the inner size, the inner dims being
    channels from then on; or all of them merged into one dimension (a flatten)."""
    x = _data(tracked, "its shape")
    before = im.dims_of(node.input[0], x)
    after = _reshape_target(im, node, attributes, before)
    im.resolved[node.output[0]] = after
    prefix_in = [_product(before[:p]) for p in range(len(before) + 1)]
    prefix_out = [_product(after[:q]) for q in range(len(after) + 1)]
    suffix_in = [_product(before[p:]) for p in range(len(before) + 1)]
    suffix_out = [_product(after[q:]) for q in range(len(after) + 1)]

    def cut(p: int, q: int) -> bool:
        """Whether the elements before input dim ``p`` are those before output dim ``q``: as the reshape keeps the
        number of elements, equal products after the cuts do too (where the dims before are unknown)."""
        return prefix_in[p] == prefix_out[q] or suffix_in[p] == suffix_out[q]

    def kept(position: int) -> int | None:
        """Where a whole input dimension lands as a whole output dimension."""
        for q in range(len(after)):
            if after[q] == before[position] and cut(position, q) and cut(position + 1, q + 1):
                return q
        return None

    def split(position: int) -> tuple[int, int] | None:
        """Where a spatial dimension of known size is split into consecutive dims, and the size of the inner ones."""
        size = before[position]
        for q in range(len(after)):
            if not cut(position, q):
                continue
            end = next((e for e in range(q + 1, len(after) + 1) if cut(position + 1, e)), None)
            group = after[q:end] if end is not None else []
            if not isinstance(size, int) or not group or not all(isinstance(d, int) for d in group):
                continue
            outer = next((q + i for i, d in enumerate(group) if d != 1), q)
            return outer, size // int(after[outer])  # type: ignore[arg-type]
        return None

    def merged(positions: Sequence[int]) -> int | None:
        """The output dimension that holds exactly whole input dimensions, among them ``positions``."""
        low, high = min(positions), max(positions)
        for q in range(len(after)):
            start = next((a for a in range(low + 1) if cut(a, q)), None)
            end = next((b for b in range(high + 1, len(before) + 1) if cut(b, q + 1)), None)
            if start is not None and end is not None:
                return q
        return None

    if x.flat is not None:
        q = kept(x.flat)
        if q is None:
            q = merged([x.flat])
        if q is None:
            raise _NotUnderstood("it splits the flattened positions")
        return _Track(x.tensor, len(after), (), q)
    found = [kept(p) for p in x.axes]
    if all(q is not None for q in found):
        return _Track(x.tensor, len(after), tuple(q for q in found if q is not None))
    splits = [(q, 1) if q is not None else split(p) for p, q in zip(x.axes, found)]
    if all(entry is not None for entry in splits):
        places = [entry[0] for entry in splits if entry is not None]
        blocks = [entry[1] for entry in splits if entry is not None]
        one, zero = [1] * im.axis_count, [(0, 0)] * im.axis_count
        tensor = im.layer(name, "pool", x.tensor, blocks, blocks, zero, one)
        return _Track(tensor, len(after), tuple(places))
    q = merged(x.axes)
    if q is None:
        unknown = any(size is None for size in x.tensor.sizes)
        raise _NotUnderstood("it splits or mixes the spatial axes" + ("; a split into blocks is followed once the "
                                                                       "input size is given" if unknown else ""))
    return _Track(x.tensor, len(after), (), q)


def _reshape_target(im: _Importer, node: onnx.NodeProto, attributes: dict[str, Any],
                    before: list[Dim]) -> list[Dim]:
    """The output dimensions of a Reshape: its constant shape (0 copies, -1 completes), or the inferred shape (where
    one dimension that the input does not have completes the product, as -1 would)."""
    values: list[Dim] | None = attributes.get("shape")
    if values is None and len(node.input) > 1:
        values = im.shape_value(node.input[1])
    shape = im.shapes.get(node.output[0])

    def known(dims: Sequence[Dim]) -> int:
        return sum(1 for dim in dims if (isinstance(dim, int) and dim >= 0) or (dim is not None and dim in before))

    if values is not None and shape is not None and known(shape) > known(values):
        values = None  # the inferred shape says more
    target: list[Dim | int] = []
    completing: Dim = None  # the name shape inference gave the dimension that -1 completes
    if values is None:
        if shape is None:
            raise _NotUnderstood("its target shape is unknown")
        shape = tuple(im.named.get(dim, dim) if isinstance(dim, str) else dim for dim in shape)
        new = [i for i, dim in enumerate(shape) if not isinstance(dim, int) and dim not in before]
        target = [-1 if [i] == new else im.fresh_dim() if dim is None else dim for i, dim in enumerate(shape)]
        completing = shape[new[0]] if len(new) == 1 else None
    else:
        alone = values.count(None) + values.count(-1) == 1  # one unknown entry completes the product
        for i, value in enumerate(values):
            if value == 0 and not attributes.get("allowzero", 0):
                if i >= len(before):
                    raise SymrfError(f"{node.name or node.op_type}: its shape copies dimension {i} of a tensor of "
                                     f"rank {len(before)}")
                target.append(before[i])
            elif value is None:
                target.append(-1 if alone else im.fresh_dim())
            else:
                target.append(value)
    if -1 in target:
        target[target.index(-1)] = _completed(im, before, [dim for dim in target if dim != -1], completing)
    return target


def _completed(im: _Importer, before: list[Dim], rest: list[Dim], completing: Dim) -> Dim:
    """The dimension that makes the product of ``rest`` that of ``before`` (an unknown when it cannot be worked
    out: the spatial axes may still be followed from the dimensions after them)."""
    whole, known = _product(before), _product(rest)
    names = list(whole[1])
    for factor in known[1]:
        if factor not in names:
            return im.fresh_dim()
        names.remove(factor)
    if known[0] == 0 or whole[0] % known[0]:
        return im.fresh_dim()
    number = whole[0] // known[0]
    if names:
        return names[0] if number == 1 and len(names) == 1 else im.fresh_dim()
    if isinstance(completing, str):
        im.named[completing] = number  # the same unknown elsewhere (after a Transpose) is now known
    return number


@_handles("MatMul", "Gemm")
def _matmul(im: _Importer, node: onnx.NodeProto, name: str, attributes: dict[str, Any],
            tracked: list[_Track | None]) -> _Track:
    a, b = (tracked + [None, None])[:2]
    rest = [t for t in tracked[2:] if t is not None]  # Gemm's C
    if a is not None and b is not None and not (a.is_global or b.is_global):
        raise _NotUnderstood("both of its operands depend on the input")
    sides: list[tuple[_Track | None, int | None]]
    if node.op_type == "Gemm":
        sides = [(a, 0 if attributes.get("transA", 0) else 1), (b, 1 if attributes.get("transB", 0) else 0)]
    else:
        sides = [(a, None if a is None or a.rank is None else a.rank - 1),
                 (b, None if b is None or b.rank is None else b.rank - 2)]
    local = [(t, axis) for t, axis in sides if t is not None and not t.is_global]
    if not local:
        return im.pointwise(name, [t for t, _ in sides if t is not None] + rest)
    track, axis = local[0]
    if axis is None:
        raise _NotUnderstood("the rank of its input is unknown")
    if track.flat is not None and track.flat == axis:
        out = im.make_global(name, [track])
    elif axis in track.touched():
        raise _NotUnderstood("it sums along a spatial axis")
    else:
        out = track
    others = [t for t, _ in sides if t is not None and t is not track] + rest
    return im.pointwise(name, [out] + others) if others else out
