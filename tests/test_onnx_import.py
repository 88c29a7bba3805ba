"""symrf.from_onnx: ONNX graphs built with onnx.helper, each checked against symrf's own spec of the same network."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import symrf
from symrf.dag import Graph, GraphNode
from symrf.errors import SymrfError
from symrf.network import Network
from symrf.onnx_import import from_onnx, import_onnx

QUANTITIES = ("rf", "jump", "effective_padding", "size")


# -- building models -----------------------------------------------------------------------------------------------


class Model:
    """Nodes and initializers of a model with one input ``x`` and one output (the last node's first output)."""

    def __init__(self, shape: list, opset: int = 19) -> None:
        self.shape, self.opset = shape, opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.domains: set[str] = set()

    def const(self, name: str, value: object, dtype: object = np.float32) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def add(self, op: str, inputs: list[str], output: str | None = None, name: str | None = None,
            outputs: int = 1, domain: str = "", **attributes: object) -> str:
        output = output or f"t{len(self.nodes)}"
        names = [output] + [f"{output}_{i}" for i in range(1, outputs)]
        node = helper.make_node(op, inputs, names, name=name, domain=domain or None, **attributes)
        if domain:
            self.domains.add(domain)
        self.nodes.append(node)
        return output

    def conv(self, source: str, channels: tuple[int, int], kernel: list[int], name: str | None = None,
             op: str = "Conv", **attributes: object) -> str:
        c_in, c_out = channels
        shape = [c_out, c_in, *kernel] if op == "Conv" else [c_in, c_out, *kernel]
        weight = self.const(f"w{len(self.initializers)}", np.zeros(shape))
        return self.add(op, [source, weight], name=name or f"{op.lower()}{len(self.nodes)}", **attributes)

    def build(self, check: bool = True) -> onnx.ModelProto:
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, self.shape)
        output = self.nodes[-1].output[0]
        opsets = [helper.make_opsetid("", self.opset)] + [helper.make_opsetid(d, 1) for d in sorted(self.domains)]

        def model_with(y: onnx.ValueInfoProto) -> onnx.ModelProto:
            graph = helper.make_graph(self.nodes, "test", [x], [y], self.initializers)
            return helper.make_model(graph, opset_imports=opsets)

        inferred = onnx.shape_inference.infer_shapes(model_with(helper.make_tensor_value_info(output, 1, None)))
        y = next((v for v in inferred.graph.value_info if v.name == output), None)  # the checker wants its shape
        model = model_with(y or helper.make_tensor_value_info(output, TensorProto.FLOAT, ["?"]))
        if check:
            onnx.checker.check_model(model)
        return model


def same(graph: Graph, spec: object, size: object) -> symrf.Analysis:
    """The analysis of an imported graph, after checking it against the spec's on rf, jump, padding and size (one
    size is the size of every axis: a 1-D spec is then the same layers along each)."""
    sizes = size if isinstance(size, tuple) else (size,) * graph.axis_count
    found, expected = symrf.analyze(graph, sizes), symrf.analyze(spec, sizes if len(sizes) > 1 else size)
    for quantity in QUANTITIES:
        assert getattr(found, quantity) == getattr(expected, quantity), quantity
    return found


def layers(graph: Graph) -> dict[str, str]:
    return {node.name: repr(node.op) for node in graph.nodes}


# -- padding -------------------------------------------------------------------------------------------------------


def test_explicit_asymmetric_pads_are_begin_values_then_end_values():
    m = Model([1, 3, 32, 32])
    m.conv("x", (3, 8), [3, 3], name="c", strides=[2, 2], pads=[1, 0, 0, 2])  # H (1, 0), W (0, 2)
    same(from_onnx(m.build()), "conv((3, 3), s=2, p=((1, 0), (0, 2)))", (32, 32))
    m = Model([1, 3, 32, 32])
    m.conv("x", (3, 8), [3, 3], strides=[2, 2], pads=[0, 0, 1, 1])
    same(from_onnx(m.build()), "conv(3, 2, p=[(0, 1)])", 32)


@pytest.mark.parametrize(("size", "mode", "spec"), [
    (32, "SAME_UPPER", "conv(3, 2, p=[(0, 1)])"),  # total 1: the odd pixel after
    (33, "SAME_UPPER", "conv(3, 2, p=1)"),
    (32, "SAME_LOWER", "conv(3, 2, p=[(1, 0)])"),  # total 1: the odd pixel before
    (32, "VALID", "conv(3, 2)"),
    (32, "NOTSET", "conv(3, 2)"),
])
def test_auto_pad_with_a_known_size(size, mode, spec):
    m = Model([1, 3, size, size])
    m.conv("x", (3, 8), [3, 3], strides=[2, 2], auto_pad=mode)
    graph = from_onnx(m.build())
    same(graph, spec, size)
    if mode == "SAME_UPPER":  # TensorFlow's "same" is SAME_UPPER
        same(graph, "conv(3, 2, p='same')", size)


def test_same_upper_with_a_dilated_kernel_and_a_known_size():
    m = Model([1, 3, 20, 20])
    m.conv("x", (3, 8), [3, 3], strides=[3, 3], dilations=[2, 2], auto_pad="SAME_UPPER")
    same(from_onnx(m.build()), "conv(3, 3, d=2, p='same')", 20)  # total max(6*3 + 5 - 20, 0) = 3


def test_auto_pad_without_a_size():
    m = Model([1, 3, "H", "W"])
    m.conv("x", (3, 8), [3, 3], auto_pad="SAME_UPPER")  # stride 1: exact whatever the size
    m.conv(m.nodes[-1].output[0], (8, 8), [4, 4], auto_pad="SAME_LOWER")
    graph = from_onnx(m.build())
    assert [node.op.layers[0].padding for node in graph.nodes] == [(1, 1), (2, 2)]  # ceil(3/2) before
    assert [node.op.layers[0].padding_end for node in graph.nodes] == [(None, None), (1, 1)]
    same(graph, "conv(3, p=1), conv(4, p=[(2, 1)])", 17)

    m = Model([1, 3, "H", "W"])
    m.conv("x", (3, 8), [3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
    graph = from_onnx(m.build())
    assert graph.nodes[0].op.layers[0].padding == ("same", "same")
    for size in (32, 33):
        same(graph, "conv(3, 2, p='same')", size)
    graph = from_onnx(m.build(), 33)  # resolved for the size given
    assert graph.nodes[0].op.layers[0].padding == (1, 1)

    m = Model([1, 3, "H", "W"])
    m.conv("x", (3, 8), [3, 3], strides=[2, 2], auto_pad="SAME_LOWER")
    with pytest.raises(SymrfError, match=r"SAME_LOWER padding with stride 2 depends on the input size; give the input"):
        from_onnx(m.build())
    same(from_onnx(m.build(), (32, 32)), "conv(3, 2, p=[(1, 0)])", 32)


def test_resolved_same_padding_is_noted():
    m = Model([1, 3, 32, 32])
    m.conv("x", (3, 8), [3, 3], name="c", strides=[2, 2], auto_pad="SAME_UPPER")
    imported = import_onnx(m.build())
    notes = imported.notes
    assert imported.warnings == ()
    assert len(notes) == 1 and "'c'" in notes[0] and "input size (32, 32)" in notes[0]


def test_dilation():
    m = Model([1, 3, 32, 32])
    m.conv("x", (3, 8), [3, 3], dilations=[2, 2], pads=[2, 2, 2, 2])
    m.conv(m.nodes[-1].output[0], (8, 8), [3, 3], dilations=[3, 1], strides=[2, 1])
    same(from_onnx(m.build()), "conv(3, p=2, d=2), conv((3, 3), s=(2, 1), d=(3, 1))", (32, 32))


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool", "LpPool"])
def test_pools_and_ceil_mode(op):
    m = Model([1, 3, 32, 32])
    m.add(op, ["x"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)  # 16 outputs, not 15
    a = same(from_onnx(m.build()), "pool(3, 2, p=[(0, 1)])", 32)
    assert a.size == (16, 16)
    m = Model([1, 3, 32, 32])
    m.add(op, ["x"], kernel_shape=[3, 3])  # ONNX's strides default to 1, not to the kernel
    same(from_onnx(m.build()), "pool(3, 1)", 32)


def test_ceil_mode_drops_a_window_that_would_start_in_the_end_padding():
    m = Model([1, 3, 5])
    m.add("MaxPool", ["x"], kernel_shape=[2], strides=[2], pads=[1, 1], ceil_mode=1)
    assert same(from_onnx(m.build()), "pool(2, 2, p=1)", 5).size == 3  # as PyTorch: not 4


def test_ceil_mode_without_a_size_warns():
    m = Model([1, 3, "H", "W"])
    m.add("MaxPool", ["x"], name="mp", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    graph, found = (imported := import_onnx(m.build())).graph, imported.warnings
    assert len(found) == 1 and "'mp'" in found[0] and "--input-size" in found[0]
    assert symrf.analyze(graph, 32).rf == symrf.analyze("pool(3, 2)", (32, 32)).rf


def test_pad_op():
    m = Model([1, 3, 32, 32])
    pads = m.const("pads", [0, 0, 1, 2, 0, 0, 3, 4], np.int64)
    m.add("Pad", ["x", pads], name="pad")
    m.conv(m.nodes[-1].output[0], (3, 8), [3, 3], strides=[2, 2])
    same(from_onnx(m.build()), "pool((1, 1), p=((1, 3), (2, 4))), conv(3, 2)", (32, 32))


def test_pad_that_crops_is_not_understood():
    m = Model([1, 3, 32, 32])
    pads = m.const("pads", [0, 0, -1, 0, 0, 0, 0, 0], np.int64)
    m.add("Pad", ["x", pads], name="crop")
    with pytest.raises(SymrfError, match=r"Pad \(node 'crop': it crops the spatial axes"):
        from_onnx(m.build())


# -- transposed convolutions and up-sampling -----------------------------------------------------------------------


def test_conv_transpose_output_padding():
    m = Model([1, 8, 16, 16])
    m.conv("x", (8, 4), [3, 3], op="ConvTranspose", strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
    a = same(from_onnx(m.build()), "convt(3, 2, p=[(1, 0)])", 16)  # PyTorch's ConvTranspose2d(3, 2, 1, 1)
    assert a.size == (32, 32)
    m = Model([1, 8, 16])
    m.conv("x", (8, 4), [2], name="up", op="ConvTranspose", strides=[2], output_padding=[1])
    graph = from_onnx(m.build())
    assert list(layers(graph)) == ["up", "up/output_padding"]
    assert same(graph, "convt(2, 2), pool(1, p=[(0, 1)])", 16).size == 33  # the last output reads nothing


def test_conv_transpose_output_shape_and_auto_pad():
    m = Model([1, 8, 16])
    m.conv("x", (8, 4), [3], op="ConvTranspose", strides=[2], output_shape=[32], pads=[5, 5])  # pads ignored
    assert same(from_onnx(m.build()), "convt(3, 2, p=[(1, 0)])", 16).size == 32
    for mode, spec in (("SAME_UPPER", "convt(3, 2, p=[(0, 1)])"), ("SAME_LOWER", "convt(3, 2, p=[(1, 0)])")):
        m = Model([1, 8, "L"])
        m.conv("x", (8, 4), [3], op="ConvTranspose", strides=[2], auto_pad=mode)
        assert same(from_onnx(m.build()), spec, 16).size == 32  # input size times stride
    m = Model([1, 8, "L"])
    m.conv("x", (8, 4), [3], op="ConvTranspose", strides=[2], output_shape=[32])
    with pytest.raises(SymrfError, match="output_shape depends on the input size"):
        from_onnx(m.build())


def _resize(m: Model, source: str, scales: list[float], **attributes: object) -> str:
    scale = m.const(f"scales{len(m.initializers)}", scales)
    return m.add("Resize", [source, "", scale], **attributes)


@pytest.mark.parametrize("attributes", [
    {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},  # PyTorch's
    {"mode": "nearest"},  # half_pixel, round_prefer_floor
    {"mode": "nearest", "coordinate_transformation_mode": "pytorch_half_pixel", "nearest_mode": "round_prefer_ceil"},
])
def test_resize_nearest_by_integer_scales(attributes):
    m = Model([1, 3, 8, 8], opset=13)
    up = _resize(m, "x", [1, 1, 2, 3], **attributes)
    m.conv(up, (3, 3), [3, 3])
    same(from_onnx(m.build()), "upsample((2, 3)), conv(3)", (8, 8))


def test_resize_to_sizes_and_upsample():
    m = Model([1, 3, 8, 8], opset=13)
    sizes = m.const("sizes", [1, 3, 32, 16], np.int64)
    m.add("Resize", ["x", "", "", sizes], mode="nearest", coordinate_transformation_mode="asymmetric",
          nearest_mode="floor")
    same(from_onnx(m.build()), "upsample((4, 2))", (8, 8))
    m = Model([1, 3, 8, 8], opset=9)
    m.add("Upsample", ["x", m.const("scales", [1, 1, 2, 2])], mode="nearest")
    same(from_onnx(m.build()), "upsample(2)", (8, 8))


@pytest.mark.parametrize(("attributes", "spec"), [
    ({"mode": "linear"}, "convt(4, 2, p=1)"),  # half_pixel: PyTorch's bilinear with align_corners=False
    ({"mode": "linear", "coordinate_transformation_mode": "asymmetric"}, "convt(3, 2, p=[(1, 0)])"),
    ({"mode": "cubic", "coordinate_transformation_mode": "pytorch_half_pixel"}, "convt(8, 2, p=3)"),
    ({"mode": "nearest", "coordinate_transformation_mode": "asymmetric"}, "upsample(2)"),
    ({"mode": "nearest", "nearest_mode": "ceil"}, "convt(2, 2, p=[(1, 0)]), pool(1, p=[(0, 1)])"),  # a shifted copy
])
def test_resize_windows(attributes, spec):
    m = Model([1, 3, 16], opset=13)
    _resize(m, "x", [1, 1, 2], name="r", **attributes)
    a = same(from_onnx(m.build()), spec, 16)
    assert a.size == 32


def test_resize_windows_that_need_padding_after_the_last_output():
    m = Model([1, 3, 16], opset=13)
    _resize(m, "x", [1, 1, 3], name="r", mode="nearest", coordinate_transformation_mode="asymmetric")
    graph = from_onnx(m.build())
    assert list(layers(graph)) == ["r", "r/end"]
    assert same(graph, "convt(3, 3, p=[(1, 0)]), pool(1, p=[(0, 1)])", 16).size == 48


@pytest.mark.parametrize(("mode", "transform", "rounding", "factor"), [
    ("nearest", "asymmetric", "floor", 3), ("nearest", "asymmetric", "round_prefer_ceil", 4),
    ("nearest", "half_pixel", "round_prefer_floor", 4), ("nearest", "half_pixel", "ceil", 2),
    ("linear", "asymmetric", "floor", 3), ("linear", "half_pixel", "floor", 2), ("linear", "half_pixel", "floor", 4),
    ("cubic", "half_pixel", "floor", 2), ("cubic", "pytorch_half_pixel", "floor", 4),
])
def test_resize_windows_are_those_onnx_reads(mode, transform, rounding, factor):
    """ONNX's reference implementation on one-hot inputs: output y depends on the input pixels of the window the
    imported layer gives it (away from the borders, where ONNX clamps)."""
    length = 12
    m = Model([1, 1, length], opset=19)
    _resize(m, "x", [1, 1, factor], mode=mode, coordinate_transformation_mode=transform, nearest_mode=rounding)
    model = m.build()
    layer = from_onnx(model).nodes[0].op.layers[0]
    k, s, p = layer.kernel, layer.stride, layer.padding
    evaluator = ReferenceEvaluator(model)
    reads: dict[int, set[int]] = {y: set() for y in range(length * factor)}
    for x in range(length):
        one = np.zeros((1, 1, length), np.float32)
        one[0, 0, x] = 1
        for y in np.nonzero(np.abs(evaluator.run(None, {"x": one})[0][0, 0]) > 1e-6)[0]:
            reads[int(y)].add(x)
    for y in range(2 * factor, (length - 2) * factor):
        assert reads[y] == set(range(-(-(y + p - k + 1) // s), (y + p) // s + 1)), y


def test_resize_that_is_not_a_layer():
    m = Model([1, 3, 16], opset=13)
    _resize(m, "x", [1, 1, 3], name="r", mode="linear")  # half_pixel: some outputs fall on an input pixel
    with pytest.raises(SymrfError, match=r"Resize \(node 'r': a linear resize by the odd factor 3"):
        from_onnx(m.build())
    m = Model([1, 3, 16], opset=13)
    _resize(m, "x", [1, 1, 2], name="r", mode="nearest", nearest_mode="floor")  # reads x - 1: a shift
    with pytest.raises(SymrfError, match="its nearest 'half_pixel' windows are not those of a layer"):
        from_onnx(m.build())
    m = Model([1, 3, 16], opset=13)
    _resize(m, "x", [1, 1, 0.5], name="r", mode="nearest")
    with pytest.raises(SymrfError, match="it resizes a spatial axis by 0.5, not by an integer factor"):
        from_onnx(m.build())
    m = Model([1, 3, 16], opset=13)
    _resize(m, "x", [1, 1, 2], name="r", mode="linear", coordinate_transformation_mode="align_corners")
    with pytest.raises(SymrfError, match="'align_corners' reads windows that differ from one output to the next"):
        from_onnx(m.build())


def test_depth_to_space_and_space_to_depth():
    m = Model([1, 3, 32, 32])
    m.add("SpaceToDepth", ["x"], blocksize=2)
    m.conv(m.nodes[-1].output[0], (12, 12), [3, 3], pads=[1, 1, 1, 1])
    m.add("DepthToSpace", [m.nodes[-1].output[0]], blocksize=2)
    same(from_onnx(m.build()), "pool(2), conv(3, p=1), upsample(2)", (32, 32))


# -- global operations and merges ----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"])
def test_global_pooling(op):
    m = Model([1, 3, 32, 32])
    m.conv("x", (3, 8), [3, 3])
    m.add(op, [m.nodes[-1].output[0]])
    a = same(from_onnx(m.build()), "conv(3), global_pool()", 32)
    assert a.rf == (32, 32)


def test_gemm_after_flatten_reads_the_whole_input():
    m = Model([1, 3, 8, 8])
    conv = m.conv("x", (3, 2), [3, 3], pads=[1, 1, 1, 1])
    flat = m.add("Flatten", [conv], name="flatten")
    m.add("Gemm", [flat, m.const("fc", np.zeros((10, 128)))], name="fc", transB=1)
    graph = from_onnx(m.build())
    same(graph, "conv(3, p=1), global_pool()", 8)
    assert symrf.analyze(graph, 8).layer("flatten").rf == (3, 3)  # the name of an op without a node: an alias
    m = Model([1, 3, 8, 8])  # a MatMul after a Reshape to (N, -1)
    conv = m.conv("x", (3, 2), [3, 3], pads=[1, 1, 1, 1])
    flat = m.add("Reshape", [conv, m.const("shape", [1, -1], np.int64)])
    m.add("MatMul", [flat, m.const("fc", np.zeros((128, 10)))])
    same(from_onnx(m.build()), "conv(3, p=1), global_pool()", 8)


def test_reduce_mean_over_the_spatial_axes_is_global_and_over_channels_pointwise():
    m = Model([1, 3, 16, 16])
    m.add("ReduceMean", ["x", m.const("axes", [2, 3], np.int64)], keepdims=1)
    same(from_onnx(m.build()), "global_pool()", 16)
    m = Model([1, 3, 16, 16], opset=13)  # axes as an attribute
    m.add("ReduceMean", ["x"], axes=[-2, -1], keepdims=0)
    same(from_onnx(m.build()), "global_pool()", 16)
    m = Model([1, 3, 16, 16])
    mean = m.add("ReduceMean", ["x", m.const("channels", [1], np.int64)], keepdims=0)  # (N, H, W)
    m.add("Unsqueeze", [mean, m.const("axes", [1], np.int64)])
    m.conv(m.nodes[-1].output[0], (1, 1), [3, 3])
    same(from_onnx(m.build()), "conv(3)", 16)
    m = Model([1, 3, 16, 16])
    m.add("ReduceMax", ["x", m.const("last", [-1], np.int64)], name="rows", keepdims=1)
    with pytest.raises(SymrfError, match=r"ReduceMax \(node 'rows': it reduces some spatial axes and not others"):
        from_onnx(m.build(), 16)


def _se_model() -> onnx.ModelProto:
    m = Model([1, 4, 32, 32])
    x = m.conv("x", (4, 8), [3, 3], name="conv1", pads=[1, 1, 1, 1])
    pooled = m.add("GlobalAveragePool", [x], name="squeeze")
    fc1 = m.conv(pooled, (8, 2), [1, 1], name="fc1")
    relu = m.add("Relu", [fc1], name="relu")
    fc2 = m.conv(relu, (2, 8), [1, 1], name="fc2")
    gate = m.add("Sigmoid", [fc2], name="gate")
    scaled = m.add("Mul", [x, gate], name="excite")
    m.conv(scaled, (8, 8), [3, 3], name="conv2", pads=[1, 1, 1, 1])
    return m.build()


def test_squeeze_and_excitation_gate_is_context():
    graph = from_onnx(_se_model())
    by_name = {node.name: node for node in graph.nodes}
    assert by_name["excite"].inputs == ("conv1",) and by_name["excite"].context == ("squeeze",)
    assert set(by_name) == {"conv1", "squeeze", "excite", "conv2"}  # the gate's ops read only global tensors
    expected = Graph((
        GraphNode("conv1", symrf.parse("conv((3, 3), p=1)"), ("input",)),
        GraphNode("squeeze", Network.of([symrf.global_pool()]), ("conv1",)),
        GraphNode("excite", Network(), ("conv1",), ("squeeze",)),
        GraphNode("conv2", symrf.parse("conv((3, 3), p=1)"), ("excite",)),
    ))
    found, wanted = symrf.analyze(graph, 32), symrf.analyze(expected, 32)
    for quantity in (*QUANTITIES, "rf_local"):
        assert getattr(found, quantity) == getattr(wanted, quantity), quantity
    assert found.rf_local == symrf.analyze("conv(3, p=1), conv(3, p=1)", (32, 32)).rf == (5, 5)
    assert found.rf != found.rf_local
    assert found.layer("fc2").rf == found.layer("gate").rf == found.layer("squeeze").rf  # aliases: the gate's ops


def test_instance_normalization_reads_the_whole_input_as_context():
    m = Model([1, 3, 16, 16])
    c = m.conv("x", (3, 3), [3, 3], pads=[1, 1, 1, 1])
    m.add("InstanceNormalization", [c, m.const("scale", np.ones(3)), m.const("bias", np.zeros(3))], name="norm")
    a = symrf.analyze(from_onnx(m.build()), 16)
    assert a.rf_local == (3, 3) and a.rf != a.rf_local


def test_concat_branches():
    m = Model([1, 3, 32, 32])
    a = m.conv("x", (3, 4), [1, 1])
    b = m.conv("x", (3, 4), [3, 3], pads=[1, 1, 1, 1])
    c = m.add("MaxPool", ["x"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    d = m.conv(m.conv("x", (3, 4), [1, 1]), (4, 4), [5, 5], pads=[2, 2, 2, 2])
    m.add("Concat", [a, b, c, d], name="cat", axis=1)
    graph = from_onnx(m.build())
    same(graph, "parallel([conv(1)], [conv(3, p=1)], [pool(3, 1, p=1)], [conv(1), conv(5, p=2)])", 32)
    assert graph.output == "cat"


def test_concat_along_a_spatial_axis_is_not_understood():
    m = Model([1, 3, 32, 32])
    m.add("Concat", ["x", m.conv("x", (3, 3), [1, 1])], name="cat", axis=-1)
    with pytest.raises(SymrfError, match=r"Concat \(node 'cat': it concatenates along a spatial axis\)"):
        from_onnx(m.build())


def test_residual_add():
    m = Model([1, 8, 32, 32])
    c1 = m.conv("x", (8, 8), [3, 3], pads=[1, 1, 1, 1])
    r = m.add("Relu", [c1])
    c2 = m.conv(r, (8, 8), [3, 3], pads=[1, 1, 1, 1])
    s = m.add("Add", [c2, "x"], name="add")
    m.add("Relu", [s])
    same(from_onnx(m.build()), "residual([conv(3, p=1), conv(3, p=1)])", 32)
    m = Model([1, 8, 32, 32])  # a strided block with a projection shortcut, and Sum
    c1 = m.conv("x", (8, 8), [3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c2 = m.conv(c1, (8, 8), [3, 3], pads=[1, 1, 1, 1])
    m.add("Sum", [c2, m.conv("x", (8, 8), [1, 1], strides=[2, 2])])
    same(from_onnx(m.build()), "parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)])", 32)


def test_adding_a_constant_changes_nothing():
    m = Model([1, 3, 32, 32])
    shifted = m.add("Sub", ["x", m.const("mean", np.zeros((1, 3, 1, 1)))])
    scaled = m.add("Div", [shifted, m.const("std", np.ones((1, 3, 1, 1)))])
    m.conv(m.add("Clip", [m.add("HardSwish", [m.add("Identity", [scaled])])]), (3, 3), [3, 3])
    same(from_onnx(m.build()), "conv(3)", 32)


# -- layouts -------------------------------------------------------------------------------------------------------


def test_channel_shuffle_keeps_the_spatial_axes():
    m = Model([1, 8, 16, 16])
    c = m.conv("x", (8, 8), [3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    grouped = m.add("Reshape", [c, m.const("s1", [1, 2, 4, 8, 8], np.int64)])
    swapped = m.add("Transpose", [grouped], perm=[0, 2, 1, 3, 4])
    back = m.add("Reshape", [swapped, m.const("s2", [1, 8, 8, 8], np.int64)])
    m.conv(back, (8, 8), [3, 3], pads=[1, 1, 1, 1])
    same(from_onnx(m.build()), "conv(3, 2, p=1), conv(3, p=1)", 16)


def test_nhwc_layouts_and_swapped_axes():
    m = Model([1, 3, 16, 12])
    nhwc = m.add("Transpose", ["x"], perm=[0, 2, 3, 1])
    act = m.add("MatMul", [nhwc, m.const("proj", np.zeros((3, 3)))])  # over the channels: pointwise
    back = m.add("Transpose", [act], perm=[0, 3, 1, 2])
    m.conv(back, (3, 3), [3, 5], strides=[1, 2])
    same(from_onnx(m.build()), "conv((3, 5), s=(1, 2))", (16, 12))
    m = Model([1, 3, 16, 12])  # H and W swapped: the conv's first kernel value is along W
    swapped = m.add("Transpose", ["x"], perm=[0, 1, 3, 2])
    m.conv(swapped, (3, 3), [3, 5], strides=[1, 2])
    same(from_onnx(m.build()), "conv((5, 3), s=(2, 1))", (16, 12))


def test_space_to_depth_by_reshapes():  # PyTorch's pixel_unshuffle: split H and W into blocks, blocks to channels
    m = Model([1, 2, "H", "W"])
    split = m.add("Reshape", ["x", m.const("s1", [1, 2, 8, 2, 4, 2], np.int64)], name="blocks")
    moved = m.add("Transpose", [split], perm=[0, 1, 3, 5, 2, 4])
    depth = m.add("Reshape", [moved, m.const("s2", [1, 8, 8, 4], np.int64)])
    m.conv(depth, (8, 8), [3, 3], pads=[1, 1, 1, 1])
    graph = from_onnx(m.build(), (16, 8))
    assert layers(graph)["blocks"] == "pool((2, 2))"
    same(graph, "pool(2), conv(3, p=1)", (16, 8))
    with pytest.raises(SymrfError, match="a split into blocks is followed once the input size is given"):
        from_onnx(m.build())


def test_reshape_that_mixes_the_spatial_axes_is_not_understood():
    m = Model([1, 8, 16, 16])
    m.add("Reshape", ["x", m.const("s", [1, 8, 32, 8], np.int64)], name="fold")
    with pytest.raises(SymrfError, match=r"Reshape \(node 'fold': it splits or mixes the spatial axes\)"):
        from_onnx(m.build())


def test_strided_slice():
    m = Model([1, 3, 32, 32])
    every_other = m.add("Slice", ["x", m.const("st", [0, 0], np.int64), m.const("en", [2**62, 2**62], np.int64),
                                  m.const("ax", [2, 3], np.int64), m.const("sp", [2, 2], np.int64)])
    m.conv(every_other, (3, 3), [3, 3])
    same(from_onnx(m.build()), "pool(1, 2), conv(3)", 32)
    m = Model([1, 3, 32, 32])
    m.add("Slice", ["x", m.const("st", [1], np.int64), m.const("en", [2**62], np.int64),
                    m.const("ax", [2], np.int64)], name="crop")
    with pytest.raises(SymrfError, match="it crops or reverses a spatial axis"):
        from_onnx(m.build())


# -- unknown ops, names, errors ------------------------------------------------------------------------------------


def _unknown_model() -> onnx.ModelProto:
    m = Model([1, 3, 32, 32])
    a = m.add("Foo", ["x"], name="foo1", domain="com.example")
    b = m.add("Bar", [a], name="bar1", domain="com.example")
    c = m.add("Foo", [b], name="foo2", domain="com.example")
    m.conv(c, (3, 3), [3, 3])
    return m.build()


def test_unknown_ops_are_listed_in_one_error():
    with pytest.raises(SymrfError) as caught:
        from_onnx(_unknown_model())
    message = str(caught.value)
    assert "\n" not in message
    assert "Foo (node 'foo1'); Bar (node 'bar1')" in message and "foo2" not in message
    for how in ("pointwise=[...]", "--pointwise", "global_=[...]", "--global", "strict=False"):
        assert how in message


def test_unknown_ops_with_strict_false_are_pointwise_with_a_warning_per_type():
    with pytest.warns(UserWarning) as caught:
        graph = from_onnx(_unknown_model(), strict=False)
    shown = [str(w.message) for w in caught]
    assert len(shown) == 2 and shown[0].startswith("Foo (node 'foo1')") and shown[1].startswith("Bar")
    same(graph, "conv(3)", 32)
    assert len(import_onnx(_unknown_model(), strict=False).warnings) == 2


def test_ops_that_cannot_be_followed_with_strict_false():
    m = Model([1, 3, 32, 32])
    cat = m.add("Concat", ["x", m.conv("x", (3, 3), [1, 1])], name="cat", axis=-1)
    m.conv(cat, (3, 3), [3, 3])
    with pytest.warns(UserWarning, match=r"^Concat \(node 'cat'\) is treated as pointwise: symrf cannot follow it"):
        graph = from_onnx(m.build(), strict=False)
    same(graph, "conv(1), conv(3)", 32)


def test_declared_ops():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = from_onnx(_unknown_model(), pointwise=["Foo", "Bar"])
    same(graph, "conv(3)", 32)
    graph = from_onnx(_unknown_model(), pointwise=["Foo"], global_=["Bar"])
    assert symrf.analyze(graph, (32, 32)).rf == (32, 32)
    with pytest.raises(SymrfError, match="'Foo' is declared both pointwise and global"):
        from_onnx(_unknown_model(), pointwise=["Foo"], global_=["Foo", "Bar"])


def test_control_flow_reading_tracked_tensors_inside_its_branches_is_unknown():
    m = Model([1, 3, 32, 32])
    c = m.conv("x", (3, 3), [3, 3])

    def branch(op: str) -> onnx.GraphProto:
        out = helper.make_tensor_value_info(f"{op}_out", TensorProto.FLOAT, [1, 3, 30, 30])
        return helper.make_graph([helper.make_node(op, [c], [f"{op}_out"])], op, [], [out])

    flag = m.const("flag", np.array(True), np.bool_)
    m.add("If", [flag], name="branch", then_branch=branch("Relu"), else_branch=branch("Sigmoid"))
    with pytest.raises(SymrfError, match=r"If \(node 'branch'\)"):
        from_onnx(m.build())
    same(from_onnx(m.build(), pointwise=["If"]), "conv(3)", 32)


def test_unnamed_nodes_are_named_after_their_type_and_index():
    m = Model([1, 3, 32])
    m.add("Conv", ["x", m.const("w1", np.zeros((3, 3, 3)))])
    m.add("Relu", [m.nodes[-1].output[0]])
    m.add("Conv", [m.nodes[-1].output[0], m.const("w2", np.zeros((3, 3, 3)))])
    graph = from_onnx(m.build())
    assert [node.name for node in graph.nodes] == ["Conv_0", "Conv_2"]
    a = symrf.analyze(graph, 32)
    assert a.layer("Conv_2").rf == 5
    assert a.layer("Relu_1").rf == 3  # the name of an op without a node of its own denotes its input's node


def test_names_of_ops_without_a_node_are_aliases():
    m = Model([1, 4, 32])
    x = m.conv("x", (4, 8), [3], name="conv1", pads=[1, 1])
    gate = m.add("Sigmoid", [m.conv(m.add("GlobalAveragePool", [x], name="squeeze"), (8, 8), [1], name="fc")],
                 name="gate")
    m.add("Mul", [x, gate], name="excite")
    a = symrf.analyze(from_onnx(m.build()), 32)
    assert a.layer("fc").rf == a.layer("gate").rf == a.layer("squeeze").rf == 34  # 32 pixels and 2 of padding
    assert a.layer("excite").rf_local == 3


def test_repeated_names_are_made_unique():
    m = Model([1, 3, 32, 32])
    m.conv("x", (3, 3), [3, 3], name="conv")
    m.conv(m.nodes[-1].output[0], (3, 3), [3, 3], name="conv")
    graph = from_onnx(m.build(check=False))  # the checker wants unique names; exporters do not always give them
    assert [node.name for node in graph.nodes] == ["conv", "conv_1"]


def test_one_and_three_spatial_axes():
    m = Model([1, 2, 64])
    c = m.conv("x", (2, 4), [5], strides=[2], pads=[2, 2])
    p = m.add("MaxPool", [c], kernel_shape=[2], strides=[2])
    m.conv(p, (4, 4), [3], dilations=[2], auto_pad="SAME_UPPER")
    a = same(from_onnx(m.build()), "conv(5, 2, p=2), pool(2), conv(3, p=2, d=2)", 64)
    assert a.size == 16
    m = Model([1, 1, 16, 16, 8])
    c = m.conv("x", (1, 4), [3, 3, 1], strides=[2, 2, 1], pads=[1, 1, 0, 1, 1, 0])
    m.add("AveragePool", [c], kernel_shape=[2, 2, 2], strides=[2, 2, 2])
    same(from_onnx(m.build()), "conv((3, 3, 1), s=(2, 2, 1), p=(1, 1, 0)), pool((2, 2, 2))", (16, 16, 8))


def test_input_size_and_paths(tmp_path):
    m = Model(["N", 3, "H", "W"])
    m.conv("x", (3, 3), [3, 3], strides=[2, 2])
    model = m.build()
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    for source in (path, str(path), model):
        assert symrf.analyze(from_onnx(source, 32), 32).size == (15, 15)
    assert symrf.analyze(from_onnx(path, (32, 16)), (32, 16)).size == (15, 7)
    with pytest.raises(SymrfError, match="input_size has 3 entries but the model's input has 2 spatial axes"):
        from_onnx(path, (1, 2, 3))
    with pytest.raises(SymrfError, match="input_size: a size is a positive integer"):
        from_onnx(path, 0)


def test_errors_are_one_line_symrf_errors(tmp_path):
    with pytest.raises(SymrfError, match="file not found"):
        from_onnx(tmp_path / "missing.onnx")
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\xff\xfe not a protobuf \x00\x01")
    with pytest.raises(SymrfError, match="is not an ONNX file"):
        from_onnx(garbage)
    with pytest.raises(SymrfError, match="is not a file"):
        from_onnx(tmp_path)
    with pytest.raises(SymrfError, match="takes a path or an onnx.ModelProto, not int"):
        from_onnx(3)
    out = helper.make_tensor_value_info("c", TensorProto.FLOAT, [1])
    constant = helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.zeros(1, np.float32)))
    empty = helper.make_model(helper.make_graph([constant], "g", [], [out]))
    with pytest.raises(SymrfError, match="has no inputs"):
        from_onnx(empty)
    m = Model([1, 3, 32, 32])
    m.add("Relu", ["x"])
    with pytest.raises(SymrfError, match="does nothing to the spatial axes"):
        from_onnx(m.build())
    m = Model([3, 32])
    m.add("Relu", ["x"])
    with pytest.raises(SymrfError, match="has 2 dimensions"):
        from_onnx(m.build())


def test_import_symrf_does_not_import_onnx():
    code = "import sys, symrf; symrf.analyze('conv(3)'); assert 'onnx' not in sys.modules, 'onnx loaded'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_from_onnx_is_public():
    assert symrf.from_onnx is from_onnx and symrf.import_onnx is import_onnx
    assert "from_onnx" in symrf.__all__ and "import_onnx" in symrf.__all__


# -- a model exported by PyTorch -----------------------------------------------------------------------------------


def test_a_model_exported_by_torch():
    import torch  # the test extra installs it: never skipped

    nn = torch.nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(8, 8, 3, padding=1)
            self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
            self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(8, 8, 1), nn.Sigmoid())

        def forward(self, x):
            y = self.conv2(torch.relu(self.conv1(x)))
            return torch.relu(x + y * self.gate(y))

    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.MaxPool2d(3, 2, ceil_mode=True), Block(),
        nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 4, 3, dilation=2, padding=2),
    ).eval()
    image = torch.zeros(1, 3, 32, 32)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated in favour of the dynamo one
        torch.onnx.export(model, (image,), buffer, dynamo=False, opset_version=17)
    imported = import_onnx(onnx.load_from_string(buffer.getvalue()))
    graph = imported.graph
    assert imported.warnings == ()
    spec = ("conv(3, 2, p=1), pool(3, 2, p=[(0, 1)]), residual([conv(3, p=1), conv(3, p=1)]), "
            "convt(3, 2, p=[(1, 0)]), upsample(2), conv(3, p=2, d=2)")
    a = symrf.analyze(graph, 32)
    b = symrf.analyze(spec, (32, 32))
    for quantity in ("rf_local", "jump", "effective_padding", "size"):
        assert getattr(a, quantity) == getattr(b, quantity if quantity != "rf_local" else "rf"), quantity
    assert a.rf != a.rf_local and a.rf[0] >= 32  # the gate reads the whole input
    assert a.size == tuple(model(image).shape[2:])


def _shufflenet_like():
    """A ShuffleNet-like model: a channel shuffle (view, transpose, reshape), pixel_unshuffle (reshapes) and
    pixel_shuffle (DepthToSpace), nearest and bilinear interpolations and a Linear over flattened positions."""
    import torch

    nn = torch.nn

    class Shuffle(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = nn.Conv2d(3, 8, 3, 2, 1)
            self.c2 = nn.Conv2d(8, 8, 3, 1, 1, groups=2)
            self.fc = nn.Linear(8 * 16 * 16, 10)

        def forward(self, x):
            x = self.c1(x)
            n, c, h, w = x.shape
            x = x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
            x = nn.functional.interpolate(self.c2(x), scale_factor=2, mode="nearest")
            x = nn.functional.pixel_shuffle(nn.functional.pixel_unshuffle(x, 2), 2)
            x = nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = nn.functional.avg_pool2d(x, 4)
            return self.fc(x.view(x.size(0), -1))

    return Shuffle().eval()


@pytest.mark.parametrize("dynamic", [False, True])  # dynamic axes: reshape targets computed from Shape ops
def test_a_shufflenet_like_model_exported_by_torch(dynamic):
    import torch

    buffer = io.BytesIO()
    axes = {"dynamic_axes": {"x": {0: "N", 2: "H", 3: "W"}}} if dynamic else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_shufflenet_like(), (torch.zeros(1, 3, 32, 32),), buffer, dynamo=False, opset_version=17,
                          input_names=["x"], **axes)
    graph = from_onnx(onnx.load_from_string(buffer.getvalue()), 32)
    same(graph, "conv(3, 2, p=1), conv(3, p=1), upsample(2), pool(2), upsample(2), convt(4, 2, p=1), pool(4), "
         "global_pool()", 32)
