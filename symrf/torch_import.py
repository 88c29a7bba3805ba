"""Import a PyTorch model as a symrf :class:`~symrf.dag.Graph`, without running it on data and without its weights.

The model is traced with ``torch.fx``, every module type symrf understands (and every declared one) kept as one
call. When fx cannot trace it (a branch on the input's shape, ``int()`` of a size), ``torch.export`` traces it on a
fake input of the given input size: nothing is computed, and its ATen ops are read, a call of a known module as that
module. A branch on the input's *values* (``if x.sum() > 0``) defeats both: the model has no graph without data.

The trace is read op by op, following which axes of each tensor are spatial and what their sizes are (as products
of sizes read from the model, so that ``c // 2`` times 2 is ``c`` without knowing ``c``): a ``permute`` to
channels-last and back, a channel shuffle ``view``, a ``flatten`` that merges the positions (after which only a
``Linear`` or a global op may use them) and a ``reshape`` that splits them again. An op whose effect on the spatial
axes symrf does not know is never guessed: the import stops with one error that lists every such op type, unless
they are declared (``pointwise=``, ``global_=``) or ``strict=False`` treats them as pointwise.

What each op is for the receptive field:

- convolutions and poolings (1-, 2- and 3-D, "same" padding, dilation, padding modes, ceil mode, output padding):
  layers with PyTorch's output sizes (ceil mode and output padding become padding after the last pixel, which
  changes only output sizes);
- adaptive pooling: a global pooling to size 1; with a known input size ``n`` and output ``o``, a pooling by
  ``n/o`` when ``o`` divides ``n``, an up-sampling by ``o/n`` when ``n`` divides ``o`` (each output reads one pixel);
- interpolation (``nn.Upsample``, ``F.interpolate``) by integer factors, or by 1/2, 1/4...: "nearest" is an
  ``upsample`` (or a stride); the linear and cubic modes (``align_corners=False``, even factors) read 2 and 4
  pixels per output and axis, the windows of a transposed convolution derived from PyTorch's index formulas;
  ``pixel_shuffle`` is an up-sampling, ``pixel_unshuffle`` a pooling whose kernel is its stride;
- padding (``F.pad`` and the padding modules): a convolution with kernel 1 and the padding;
- ``+``, ``*``, ``cat``, ``stack``: merges; a global tensor in a merge (an excitation gate, a pooled feature
  broadcast back) is global context (:attr:`GraphNode.context <symrf.dag.GraphNode.context>`);
- global pooling, a reduction over every spatial axis, a ``Linear`` over flattened positions: global; ``GroupNorm``,
  ``InstanceNorm`` and a softmax or ``LayerNorm`` over the spatial axes: each position with the statistics of the
  whole map as context;
- activations, ``BatchNorm``, dropout, constants, channel-only reshapes, norms and reductions: nothing (pointwise).

Names: a module's layer keeps its path (``layer3.1.conv2``); a functional op is ``<container>.<op>``
(``layer1.0.add``); a container's path (``layer3``) and a pass-through module's path (``layer3.1.bn2``) name the
node of their output (:attr:`Graph.aliases <symrf.dag.Graph.aliases>`).
"""

from __future__ import annotations

import builtins
import io
import itertools
import logging
import math
import operator
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache, partial
from typing import Any

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn
from torch._subclasses.fake_tensor import FakeTensorMode

from .dag import Graph
from .errors import SymrfError, quoted, shorten
from .families import symbolic_form
from .importing import GraphBuilder, Imported, Tensor

__all__ = ["from_torch", "import_torch"]


# -- sizes: monomials over unknown dimensions --------------------------------------------------------------------

_TOKENS = itertools.count(1)


class _Size:
    """A tensor dimension's size: ``coef * t1**e1 * t2**e2 ...`` over tokens (unknown sizes read from the model,
    each maybe with a known value), so that ``c // 2`` times 2 is ``c`` again without knowing ``c``."""

    __slots__ = ("coef", "powers", "value")

    def __init__(self, coef: Fraction, powers: tuple[tuple[int, int], ...], value: Fraction | None) -> None:
        self.coef = coef
        self.powers = powers
        self.value = value

    @staticmethod
    def const(number: int | Fraction) -> _Size:
        return _Size(Fraction(number), (), Fraction(number))

    @staticmethod
    def token(value: int | None = None) -> _Size:
        return _Size(Fraction(1), ((next(_TOKENS), 1),), None if value is None else Fraction(value))

    def _combine(self, other: _Size, sign: int) -> _Size:
        powers = dict(self.powers)
        for token, exponent in other.powers:
            powers[token] = powers.get(token, 0) + sign * exponent
        coef = self.coef * other.coef if sign > 0 else self.coef / other.coef
        value = None
        if self.value is not None and other.value is not None and other.value != 0:
            value = self.value * other.value if sign > 0 else self.value / other.value
        return _Size(coef, tuple(sorted((t, e) for t, e in powers.items() if e)), value)

    def __mul__(self, other: _Size) -> _Size:
        return self._combine(other, 1)

    def __truediv__(self, other: _Size) -> _Size:
        return self._combine(other, -1)

    def same(self, other: _Size) -> bool:
        if self.coef == other.coef and self.powers == other.powers:
            return True
        return self.value is not None and self.value == other.value

    @property
    def number(self) -> int | None:
        """The size as an int when it is known and whole."""
        if self.value is not None and self.value.denominator == 1:
            return int(self.value)
        return None

    @property
    def is_one(self) -> bool:
        return self.value == 1 or (self.coef == 1 and not self.powers)

    def compare(self, other: _Size) -> int | None:
        """1 when this size is a multiple of ``other`` larger than it, -1 for the reverse, 0 when they are equal,
        None when that cannot be told."""
        if self.same(other):
            return 0
        ratio = self / other
        if self.value is not None and other.value is not None:
            return 1 if self.value > other.value else -1
        if not ratio.powers:
            return None if ratio.coef == 1 else (1 if ratio.coef > 1 else -1)
        exponents = [e for _, e in ratio.powers]
        if all(e > 0 for e in exponents):
            return 1  # unknown sizes (channels, positions) are taken to be larger than the numbers they are divided by
        if all(e < 0 for e in exponents):
            return -1
        return None

    def __repr__(self) -> str:
        return f"_Size({self.coef}, {self.powers}, {self.value})"


def _product(sizes: Iterable[_Size]) -> _Size:
    total = _Size.const(1)
    for size in sizes:
        total = total * size
    return total


def _as_size(value: object) -> _Size | None:
    if isinstance(value, _Size):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _Size.const(value)
    return None


def _size_arith(function: Callable[..., Any], values: Sequence[object]) -> object:
    """Arithmetic on sizes read from tensors (``c // 2``, ``h * 2``): monomials where they stay monomials."""
    sizes = [_as_size(v) for v in values]
    if any(s is None for s in sizes) or not values:
        numbers = [v.number if isinstance(v, _Size) else v for v in values]
        if any(n is None for n in numbers):
            return _OPAQUE
        try:
            return function(*numbers)
        except Exception:  # an operation that does not apply: the value is simply unknown
            return _OPAQUE
    a = sizes[0]
    assert a is not None
    if function is operator.neg:
        return _Size.const(-a.number) if a.number is not None else _Size.token(None)
    b = sizes[1] if len(sizes) > 1 else None
    if b is None:
        return _OPAQUE
    if function in (operator.mul, operator.imul):
        return a * b
    if function in (operator.floordiv, operator.ifloordiv, operator.truediv, operator.itruediv):
        quotient = a / b
        if quotient.value is not None and quotient.value.denominator != 1 and function in (operator.floordiv,
                                                                                           operator.ifloordiv):
            return _Size.token(math.floor(quotient.value))
        return quotient
    numbers = [a.number, b.number]
    if numbers[0] is not None and numbers[1] is not None:
        return _Size.const(function(numbers[0], numbers[1]))
    return _Size.token(None)


# -- what the reader knows of each value ---------------------------------------------------------------------------

#: A tensor dimension: its components (several after a flatten), each a role and a size. A role is ``"c"`` (no
#: position: batch, channels), a spatial axis (an int, 0 the first) or ``"x"`` (positions mixed beyond recovery).
Component = tuple[object, _Size]
Dim = tuple[Component, ...]


class _Opaque:
    """A value that carries no position and nothing symrf needs (a dtype, a device, an unknown number)."""

    def __repr__(self) -> str:
        return "<opaque>"


_OPAQUE = _Opaque()


@dataclass(frozen=True, slots=True)
class _Const:
    """A tensor that does not depend on the input's positions (a parameter, a buffer, a constant)."""

    shape: tuple[_Size, ...] | None = None


@dataclass(frozen=True, slots=True)
class _Val:
    """A tensor with positions: the builder's tensor and the layout of its dimensions (None when unknown)."""

    tensor: Tensor
    dims: tuple[Dim, ...] | None

    @property
    def is_global(self) -> bool:
        return self.tensor.is_global


class _Same:
    """The pieces of a tensor split along a channel axis (``count`` of them, None when unknown): every piece has
    the tensor's positions."""

    __slots__ = ("value", "count")

    def __init__(self, value: object, count: int | None = None) -> None:
        self.value = value
        self.count = count

    def __getitem__(self, index: object) -> object:
        if isinstance(index, slice):
            return tuple([self.value] * self.count)[index] if self.count is not None else self
        return self.value


def _trivial(component: Component) -> bool:
    return component[1].value == 1


def _has_space(dim: Dim) -> bool:
    """Whether a dimension holds positions (a spatial component not known to be of size 1, or mixed ones)."""
    return any(role != "c" and not _trivial((role, size)) for role, size in dim)


def _axis_of(dim: Dim) -> int | None:
    if len(dim) == 1 and isinstance(dim[0][0], int):
        return dim[0][0]
    return None


def _dim_size(dim: Dim) -> _Size:
    return _product(size for _, size in dim)


def _normal(components: Sequence[Component]) -> Dim:
    """Components with neighbouring channel components joined."""
    joined: list[Component] = []
    for role, size in components:
        if role == "c" and joined and joined[-1][0] == "c":
            joined[-1] = ("c", joined[-1][1] * size)
        else:
            joined.append((role, size))
    return tuple(joined) if joined else (("c", _Size.const(1)),)


def _channel(size: _Size | None = None) -> Dim:
    return (("c", size if size is not None else _Size.token(None)),)


class _Unknown(Exception):
    """An op of unknown effect (collected; the import goes on treating it as pointwise)."""


# -- the op tables -------------------------------------------------------------------------------------------------

#: Ops that act on each position alone, read by their first tensor argument.
_UNARY = frozenset("""
relu relu6 gelu silu sigmoid hardswish hardsigmoid tanh elu selu celu leaky_relu prelu mish softplus softsign
hardtanh threshold logsigmoid tanhshrink softshrink hardshrink rrelu dropout dropout1d dropout2d dropout3d
alpha_dropout feature_alpha_dropout feature_dropout native_dropout clamp clip clamp_min clamp_max abs exp exp2
log log2 log10 log1p expm1 neg negative sqrt rsqrt square sin cos erf erfc sign floor ceil round trunc frac
reciprocal nan_to_num clone
contiguous detach to float half double bfloat16 type type_as cpu cuda requires_grad alias lift_fresh_copy
_to_copy local_response_norm channel_shuffle native_channel_shuffle pos positive identity
logit dequantize
""".split())

#: Functions of other libraries that act on each position alone, by qualified name (their library may not be
#: installed, so they are not looked up by identity).
_LIBRARY_POINTWISE = frozenset({"torchvision.ops.stochastic_depth.stochastic_depth"})

#: Ops that combine tensors position by position.
_ELEMENTWISE = frozenset("""
add sub rsub mul div true_divide floor_divide floordiv truediv pow maximum minimum fmax fmin where masked_fill lerp
addcmul addcdiv eq ne lt le gt ge logical_and logical_or logical_xor logical_not atan2 hypot copysign remainder fmod
mod and_ or_ xor bitwise_and bitwise_or bitwise_xor
""".split())

#: Ops whose result has no position, whatever their arguments (new tensors, shapes of others).
_CREATION = frozenset("""
zeros ones full empty arange linspace logspace rand randn randint tensor as_tensor scalar_tensor zeros_like
ones_like full_like empty_like rand_like randn_like randint_like new_zeros new_ones new_full new_empty new_tensor
eye fill zero
""".split())

#: Ops with no result symrf needs.
_IGNORED = frozenset("""
_assert _assert_async _assert_tensor_metadata sym_constrain_range sym_constrain_range_for_size
_assert_scalar _functional_assert_async print
""".split())

_REDUCTIONS = frozenset("mean sum amax amin max min prod std var logsumexp nansum nanmean median all any".split())
_ALONG_DIM = frozenset("softmax log_softmax softmin _softmax _log_softmax normalize cumsum cumprod".split())

_LINEAR_MODES = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "bicubic": "cubic"}

#: Parameter names of the ops read from fx calls (the ATen schemas give their own).
_PARAMS: dict[str, tuple[str, ...]] = {
    "conv": ("input", "weight", "bias", "stride", "padding", "dilation", "groups"),
    "conv_transpose": ("input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation"),
    "max_pool": ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
    "avg_pool": ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                 "divisor_override"),
    "adaptive_avg_pool": ("input", "output_size"),
    "adaptive_max_pool": ("input", "output_size", "return_indices"),
    "interpolate": ("input", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor",
                    "antialias"),
    "upsample_nearest": ("input", "size", "scale_factor"),
    "upsample_bilinear": ("input", "size", "scale_factor"),
    "pad": ("input", "pad", "mode", "value"),
    "pixel_shuffle": ("input", "upscale_factor"),
    "pixel_unshuffle": ("input", "downscale_factor"),
    "linear": ("input", "weight", "bias"),
    "layer_norm": ("input", "normalized_shape", "weight", "bias", "eps"),
    "group_norm": ("input", "num_groups", "weight", "bias", "eps"),
    "instance_norm": ("input", "running_mean", "running_var", "weight", "bias", "use_input_stats", "momentum",
                      "eps"),
    "batch_norm": ("input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps"),
    "glu": ("input", "dim"),
    "flatten": ("input", "start_dim", "end_dim"),
    "unflatten": ("input", "dim", "sizes"),
    "transpose": ("input", "dim0", "dim1"),
    "movedim": ("input", "source", "destination"),
    "squeeze": ("input", "dim"),
    "unsqueeze": ("input", "dim"),
    "chunk": ("input", "chunks", "dim"),
    "split": ("input", "split_size", "dim"),
    "tensor_split": ("input", "indices_or_sections", "dim"),
    "unbind": ("input", "dim"),
    "narrow": ("input", "dim", "start", "length"),
    "select": ("input", "dim", "index"),
    "cat": ("tensors", "dim"),
    "stack": ("tensors", "dim"),
    "size": ("input", "dim"),
    "reshape": ("input", "shape"),
    "view": ("input", "shape"),
    "permute": ("input", "dims"),
    "expand": ("input", "size"),
    "repeat": ("input", "repeats"),
    "expand_as": ("input", "other"),
    "view_as": ("input", "other"),
    "reshape_as": ("input", "other"),
    "normalize": ("input", "p", "dim", "eps"),
    "softmax": ("input", "dim"),
    "reduce": ("input", "dim", "keepdim"),
}
_VARARGS = frozenset({"view", "reshape", "permute", "expand", "repeat"})

#: Canonical names of ops: each maps to (handler family, parameter list key).
_FAMILY: dict[str, str] = {}
for _name in ("conv1d", "conv2d", "conv3d"):
    _FAMILY[_name] = "conv"
for _name in ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
    _FAMILY[_name] = "conv_transpose"
for _n in (1, 2, 3):
    _FAMILY[f"max_pool{_n}d"] = "max_pool"
    _FAMILY[f"max_pool{_n}d_with_indices"] = "max_pool"
    _FAMILY[f"avg_pool{_n}d"] = "avg_pool"
    _FAMILY[f"adaptive_avg_pool{_n}d"] = "adaptive_avg_pool"
    _FAMILY[f"_adaptive_avg_pool{_n}d"] = "adaptive_avg_pool"
    _FAMILY[f"adaptive_max_pool{_n}d"] = "adaptive_max_pool"
    _FAMILY[f"adaptive_max_pool{_n}d_with_indices"] = "adaptive_max_pool"
_FAMILY.update({
    "convolution": "convolution", "_convolution": "convolution", "interpolate": "interpolate",
    "upsample": "interpolate", "upsample_nearest": "upsample_nearest", "upsample_bilinear": "upsample_bilinear",
    "pad": "pad", "constant_pad_nd": "pad", "pixel_shuffle": "pixel_shuffle", "pixel_unshuffle": "pixel_unshuffle",
    "linear": "linear", "layer_norm": "layer_norm", "native_layer_norm": "layer_norm", "group_norm": "group_norm",
    "native_group_norm": "group_norm", "instance_norm": "instance_norm", "batch_norm": "batch_norm",
    "native_batch_norm": "batch_norm", "_native_batch_norm_legit_no_training": "batch_norm",
    "_native_batch_norm_legit": "batch_norm", "glu": "glu", "flatten": "flatten", "unflatten": "unflatten",
    "transpose": "transpose", "swapaxes": "transpose", "swapdims": "transpose", "movedim": "movedim",
    "moveaxis": "movedim", "squeeze": "squeeze", "unsqueeze": "unsqueeze", "chunk": "chunk", "split": "split",
    "split_with_sizes": "split", "tensor_split": "tensor_split", "unbind": "unbind", "narrow": "narrow",
    "select": "select", "cat": "cat", "concat": "cat", "concatenate": "cat", "stack": "stack", "size": "size",
    "reshape": "reshape", "view": "view", "_unsafe_view": "view", "permute": "permute", "expand": "expand",
    "repeat": "repeat", "expand_as": "expand_as", "view_as": "view_as", "reshape_as": "reshape_as",
    "getitem": "getitem", "getattr": "getattr", "dim": "dim", "ndimension": "dim", "numel": "numel",
    "slice": "slice", "t": "t",
})
for _n in (1, 2, 3):
    for _mode in ("nearest", "linear", "bilinear", "trilinear", "bicubic"):
        _FAMILY[f"upsample_{_mode}{_n}d"] = "upsample_aten"
        _FAMILY[f"_upsample_{_mode}{_n}d_aa"] = "upsample_aten"
    _FAMILY[f"_upsample_nearest_exact{_n}d"] = "upsample_aten"
    _FAMILY[f"reflection_pad{_n}d"] = "pad"
    _FAMILY[f"replication_pad{_n}d"] = "pad"
    _FAMILY[f"_pad_circular{_n}d"] = "pad"
for _name in _REDUCTIONS:
    _FAMILY[_name] = "reduce"
for _name in _ALONG_DIM:
    _FAMILY[_name] = "along_dim"
for _name in _UNARY:
    _FAMILY.setdefault(_name, "unary")
for _name in _ELEMENTWISE:
    _FAMILY.setdefault(_name, "elementwise")
for _name in _CREATION:
    _FAMILY[_name] = "creation"
for _name in _IGNORED:
    _FAMILY[_name] = "ignored"
_FAMILY["max"] = _FAMILY["min"] = "reduce"  # torch.max(x, y) is element-wise: the handler tells them apart
_FAMILY["batch_norm"] = "batch_norm"
_FAMILY["dropout"] = "unary"

_OPERATORS: dict[Any, str] = {
    operator.add: "add", operator.iadd: "add", operator.sub: "sub", operator.isub: "sub", operator.mul: "mul",
    operator.imul: "mul", operator.truediv: "div", operator.itruediv: "div", operator.floordiv: "floordiv",
    operator.ifloordiv: "floordiv", operator.pow: "pow", operator.neg: "neg", operator.pos: "pos",
    operator.mod: "mod", operator.getitem: "getitem", builtins.getattr: "getattr", operator.eq: "eq",
    operator.ne: "ne", operator.lt: "lt", operator.le: "le", operator.gt: "gt", operator.ge: "ge",
    operator.and_: "and_", operator.or_: "or_", operator.xor: "xor",
}
@lru_cache(maxsize=1)
def _functions() -> dict[Any, str]:
    """The canonical name of every torch function symrf knows (by identity: a user's function of the same name is
    not taken for it)."""
    table: dict[Any, str] = dict(_OPERATORS)
    extra = {"interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pad", "normalize"}
    for name in sorted(set(_FAMILY) | extra):  # sorted: a function known by two names always gets the same
        for owner in (F, torch, torch.special):
            found = getattr(owner, name, None)
            if found is not None and callable(found) and not isinstance(found, type):
                try:
                    table.setdefault(found, name)
                except TypeError:  # not hashable
                    pass
            found = getattr(owner, name + "_", None)  # in-place forms: F.relu_, torch.relu_
            if found is not None and callable(found) and not isinstance(found, type):
                try:
                    table.setdefault(found, name)
                except TypeError:
                    pass
    return table


def _canonical_method(name: str) -> str:
    if name.endswith("_") and not name.endswith("__") and name[:-1] in _FAMILY:
        return name[:-1]  # in-place: add_, relu_
    return name


# -- modules -------------------------------------------------------------------------------------------------------

_ACTIVATIONS: tuple[type, ...] = tuple(getattr(nn, name) for name in (
    "ReLU", "ReLU6", "GELU", "SiLU", "Sigmoid", "Hardswish", "Hardsigmoid", "Tanh", "LeakyReLU", "PReLU", "ELU",
    "SELU", "CELU", "Mish", "Softplus", "Softsign", "Hardtanh", "LogSigmoid", "Tanhshrink", "Softshrink",
    "Hardshrink", "Threshold", "RReLU", "Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
    "AlphaDropout", "FeatureAlphaDropout", "ChannelShuffle", "LocalResponseNorm", "CrossMapLRN2d",
) if hasattr(nn, name))

_BATCH_NORMS: tuple[type, ...] = (nn.modules.batchnorm._BatchNorm,)
_MODULE_DIMS: dict[type, int] = {}
for _n in (1, 2, 3):
    for _prefix in ("Conv", "ConvTranspose", "MaxPool", "AvgPool", "AdaptiveAvgPool", "AdaptiveMaxPool",
                    "ReflectionPad", "ReplicationPad", "ConstantPad", "ZeroPad", "CircularPad", "LazyConv",
                    "LazyConvTranspose"):
        _cls = getattr(nn, f"{_prefix}{_n}d", None)
        if _cls is not None:
            _MODULE_DIMS[_cls] = _n
for _cls in (nn.PixelShuffle, nn.PixelUnshuffle):
    _MODULE_DIMS[_cls] = 2

_PADDINGS: tuple[type, ...] = tuple(
    getattr(nn.modules.padding, name) for name in ("_ConstantPadNd", "_ReflectionPadNd", "_ReplicationPadNd",
                                                   "_CircularPadNd") if hasattr(nn.modules.padding, name))

_UNDERSTOOD_MODULES: tuple[type, ...] = (
    nn.modules.conv._ConvNd, nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd,
    nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd, nn.Upsample,
    *_PADDINGS, nn.PixelShuffle, nn.PixelUnshuffle, nn.Flatten, nn.Unflatten, nn.Linear, nn.LayerNorm, nn.GroupNorm,
    nn.modules.instancenorm._InstanceNorm, nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.Softmax2d, nn.GLU,
    *_BATCH_NORMS, *_ACTIVATIONS,
)


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _function_name(function: Any) -> str:
    module = getattr(function, "__module__", None) or "torch"
    return f"{module}.{getattr(function, '__name__', repr(function))}"


# -- declarations --------------------------------------------------------------------------------------------------


class _Declared:
    """The op types the user declared pointwise or global: classes, functions or names."""

    def __init__(self, pointwise: object, global_: object) -> None:
        self.kinds: list[tuple[object, str]] = []
        for items, kind in ((pointwise, "pointwise"), (global_, "global")):
            if isinstance(items, (str, type)) or callable(items):
                items = (items,)
            try:
                entries = list(items)  # type: ignore[call-overload]
            except TypeError:
                raise SymrfError(f"{kind}= takes a list of op types, not {quoted(items)}") from None
            for item in entries:
                if isinstance(item, str):
                    if not item.strip():
                        raise SymrfError(f"{kind}=: an op type's name is empty")
                    item = item.strip()
                elif not (isinstance(item, type) or callable(item)):
                    raise SymrfError(f"{kind}=: {quoted(item)} is neither a class, a function nor a name")
                self.kinds.append((item, kind))
        seen: dict[object, str] = {}
        for item, kind in self.kinds:
            if seen.get(_key(item), kind) != kind:
                raise SymrfError(f"{_shown(item)} is declared both pointwise and global")
            seen[_key(item)] = kind

    @property
    def module_types(self) -> tuple[type, ...]:
        return tuple(item for item, _ in self.kinds if isinstance(item, type))

    @property
    def functions(self) -> tuple[Callable[..., Any], ...]:
        return tuple(item for item, _ in self.kinds if callable(item) and not isinstance(item, type)
                     and hasattr(item, "__code__"))

    def of_module(self, module: nn.Module) -> str | None:
        cls = type(module)
        for item, kind in self.kinds:
            if isinstance(item, type) and isinstance(module, item):
                return kind
            if isinstance(item, str) and item in (cls.__name__, cls.__qualname__, _type_name(cls)):
                return kind
        return None

    def of_names(self, target: object, names: Iterable[str]) -> str | None:
        wanted = set(names)
        for item, kind in self.kinds:
            if isinstance(item, str):
                if item in wanted:
                    return kind
            elif not isinstance(item, type) and (_same_object(item, target)
                                                 or getattr(item, "__name__", None) in wanted):
                return kind  # a function, or one of its forms (the method of the same name, its ATen op)
        return None


def _same_object(a: object, b: object) -> bool:
    try:
        return a is b or a == b
    except Exception:  # an object whose comparison fails is not the one
        return False


def _key(item: object) -> object:
    try:
        hash(item)
        return item
    except TypeError:
        return id(item)


def _shown(item: object) -> str:
    if isinstance(item, str):
        return repr(item)
    if isinstance(item, type):
        return _type_name(item)
    return _function_name(item)


# -- the tracer ----------------------------------------------------------------------------------------------------


class _Tracer(torch.fx.Tracer):
    """fx's tracer with every module type symrf understands (and every declared one) kept as one call."""

    def __init__(self, declared: _Declared) -> None:
        super().__init__(autowrap_functions=declared.functions)
        self._declared = declared

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return (_is_leaf_type(m) or self._declared.of_module(m) is not None
                or super().is_leaf_module(m, module_qualified_name))


# -- one op, as the reader sees it ---------------------------------------------------------------------------------


@dataclass
class _Call:
    """An op to read: its canonical name, the node's name for messages and new layers, and its arguments."""

    op: str  # canonical name (conv2d, add, view)
    name: str  # the name a node made by it gets
    where: str  # where it is, for messages
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    names: tuple[str, ...]  # parameter names, in order
    module: nn.Module | None = None

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.kwargs:
            return self.kwargs[name]
        if name in self.names:
            index = self.names.index(name)
            if index < len(self.args):
                return self.args[index]
        return default

    @property
    def input(self) -> Any:
        return self.args[0] if self.args else self.kwargs.get("input", self.kwargs.get("self"))


# -- the reader ----------------------------------------------------------------------------------------------------


class _Reader:
    """Reads a traced graph (fx or torch.export) node by node into a :class:`GraphBuilder`."""

    def __init__(self, root: nn.Module, axis_count: int, sizes: tuple[int | None, ...] | None, strict: bool,
                 declared: _Declared) -> None:
        self.root = root
        self.axis_count = axis_count
        self.builder = GraphBuilder(axis_count, sizes)
        self.strict = strict
        self.declared = declared
        self.values: dict[torch.fx.Node, Any] = {}
        self.unknown: dict[str, str] = {}  # op type -> where it is first used
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self._tokens: dict[tuple[str, int, int | None], _Size] = {}
        self._modules: dict[str, nn.Module | None] = {}
        self._guessed: set[int] = set()  # ids of the results of unknown and declared ops (maybe tuples)
        self._training_norms: list[str] = []
        self._ceil_without_size: list[str] = []

    # -- values ----------------------------------------------------------------------------------------------------

    def input_value(self, channels: int | None = None, batch: int | None = None) -> _Val:
        tensor = self.builder.input
        dims = (_channel(_Size.token(batch)), _channel(_Size.token(channels))) + self._spatial(tensor)
        return _Val(tensor, dims)

    def _spatial(self, tensor: Tensor) -> tuple[Dim, ...]:
        dims = []
        for axis, size in enumerate(tensor.sizes):
            key = (tensor.node, axis, size)
            token = self._tokens.get(key)
            if token is None:
                token = self._tokens[key] = _Size.token(size)
            dims.append(((axis, token),))
        return tuple(dims)

    def _after(self, value: _Val, tensor: Tensor, channels: int | None = None,
               relation: Sequence[int | None] = ()) -> _Val:
        """The value a layer makes from ``value``: its leading dimensions (the channels maybe changed) and the
        new tensor's spatial axes, whose sizes are the input's (times a factor) where ``relation`` says so."""
        if value.dims is None or not self._laid_out(value):
            return _Val(tensor, None)
        count = self.axis_count
        lead = list(value.dims[:-count])
        if channels is not None and lead:
            lead[-1] = _channel(_Size.const(channels))
        spatial = list(self._spatial(tensor))
        for axis, factor in enumerate(relation):
            if factor is not None:
                old = value.dims[-count + axis][0]
                spatial[axis] = ((axis, old[1] * _Size.const(factor)),)
        return _Val(tensor, tuple(lead) + tuple(spatial))

    def _laid_out(self, value: _Val) -> bool:
        """Whether the last dimensions of ``value`` are its spatial axes in order, and no other holds positions."""
        dims = value.dims
        count = self.axis_count
        if dims is None or len(dims) < count + 1:
            return False
        return (all(_axis_of(dim) == axis for axis, dim in enumerate(dims[-count:]))
                and not any(_has_space(dim) for dim in dims[:-count]))

    def _require_layout(self, call: _Call, value: _Val, what: str = "") -> None:
        if value.is_global or self._laid_out(value):
            return
        if value.dims is not None and len(value.dims) >= self.axis_count + 1 and not any(
                _has_space(dim) for dim in value.dims):
            return  # positions known to be of size 1
        raise SymrfError(f"{call.where}: {what or call.op} is applied to a tensor whose last "
                         f"{self.axis_count} axes are not its spatial axes ({self._layout(value)}); symrf does not "
                         f"know what it does to the positions")

    def _layout(self, value: _Val) -> str:
        if value.dims is None:
            return "layout unknown"
        names = []
        for dim in value.dims:
            roles = [role for role, _ in dim if role != "c"] if _has_space(dim) else []
            if not roles:
                names.append("C")
            elif len(dim) == 1 and isinstance(dim[0][0], int):
                names.append("HWD"[dim[0][0]] if self.axis_count > 1 else "L")
            else:
                names.append("(" + "*".join("x" if r == "x" else "HWD"[r] if isinstance(r, int) and
                                            self.axis_count > 1 else "L" for r in roles) + ")")
        return "axes " + ", ".join(names)

    # -- results of ops ------------------------------------------------------------------------------------------

    def layer(self, call: _Call, value: _Val, kind: str, kernel: Sequence[int], stride: Sequence[int],
              padding: Sequence[tuple[int, int]], dilation: Sequence[int], channels: int | None = None) -> _Val:
        """A layer on ``value`` (a global tensor stays global: a 1x1 layer keeps its node, any other is global)."""
        relation: list[int | None] = []  # per axis: the output size is the input's times this (None: other)
        for k, s, (before, after), d in zip(kernel, stride, padding, dilation):
            extent = d * (k - 1) + 1
            if kind in ("convt", "upsample"):
                relation.append(s if extent - before - after == s else None)
            else:
                relation.append(1 if s == 1 and before + after == extent - 1 else None)
        if value.is_global and not (all(k == 1 for k in kernel) and all(s == 1 for s in stride)
                                    and all(p == (0, 0) for p in padding)):
            sizes = self._sizes_of(kind, value.tensor.sizes, kernel, stride, padding, dilation)
            tensor = replace(self.builder.global_(call.name, value.tensor), sizes=sizes)
            return self._after(value, tensor, channels, relation)
        try:
            tensor = self.builder.layer(call.name, kind, value.tensor, kernel, stride, padding, dilation)
        except SymrfError as exc:
            raise SymrfError(f"{call.where}: {exc}") from None
        return self._after(value, tensor, channels, relation)

    def _sizes_of(self, kind: str, sizes: Sequence[int | None], kernel: Sequence[int], stride: Sequence[int],
                  padding: Sequence[tuple[int, int]], dilation: Sequence[int]) -> tuple[int | None, ...]:
        found: list[int | None] = []
        for n, k, s, (before, after), d in zip(sizes, kernel, stride, padding, dilation):
            if n is None:
                found.append(None)
                continue
            extent = d * (k - 1) + 1
            if kind in ("convt", "upsample"):
                found.append(max((n - 1) * s + extent - before - after, 1))
            else:
                found.append(max((n + before + after - extent) // s + 1, 1))
        return tuple(found)

    def global_(self, call: _Call, value: _Val, dims: tuple[Dim, ...] | None,
                sizes: tuple[int | None, ...] | None = None) -> _Val:
        tensor = self.builder.global_(call.name, value.tensor)
        if sizes is not None:
            tensor = replace(tensor, sizes=sizes)
        return _Val(tensor, dims)

    def with_context(self, call: _Call, value: _Val) -> _Val:
        """``value`` at each position with statistics of the whole map (a group norm, a softmax over positions):
        the statistics are a global node, context of a merge named after the op."""
        if value.is_global:
            return value
        stats = self.builder.global_(f"{call.name}.stats", value.tensor)
        merged = self.builder.merge(call.name, [value.tensor, stats])
        return _Val(merged, value.dims)

    # -- running ---------------------------------------------------------------------------------------------------

    def pointwise(self, call: _Call) -> Any:
        tensors = [v for v in _flat(call.args, call.kwargs) if isinstance(v, _Val)]
        if not tensors:
            return _Const()
        return self.merge(call, tensors)

    def declared_global(self, call: _Call) -> Any:
        tensors = [v for v in _flat(call.args, call.kwargs) if isinstance(v, _Val)]
        if not tensors:
            return _Const()
        merged = self.merge(replace(call, name=f"{call.name}.inputs"), tensors) if len(tensors) > 1 else tensors[0]
        if merged.is_global:
            return merged
        # like self-attention: the layout is kept and each position reads the whole input, as global context
        return self.with_context(call, merged)

    def merge(self, call: _Call, tensors: Sequence[_Val]) -> _Val:
        local = [t for t in tensors if not t.is_global]
        if len(local) > 1:
            first = local[0]
            for other in local[1:]:
                self._check_lined_up(call, first, other)
        tensor = self.builder.merge(call.name, [t.tensor for t in tensors])
        source = next((t for t in local if t.dims is not None), local[0] if local else tensors[0])
        if tensor == source.tensor:
            return source
        return _Val(tensor, source.dims)  # the inputs have the same positions: their sizes keep their names

    def _check_lined_up(self, call: _Call, a: _Val, b: _Val) -> None:
        if a.dims is None or b.dims is None:
            return
        pa = [_axis_of(d) if _has_space(d) else None for d in a.dims]
        pb = [_axis_of(d) if _has_space(d) else None for d in b.dims]
        count = min(len(pa), len(pb))
        aligned_a, aligned_b = pa[len(pa) - count:], pb[len(pb) - count:]
        spatial_a = [p for p in pa if p is not None]
        spatial_b = [p for p in pb if p is not None]
        if aligned_a != aligned_b or len(spatial_a) != len(spatial_b):
            raise SymrfError(f"{call.where}: {call.op} combines tensors whose spatial axes do not line up "
                             f"({self._layout(a)}; {self._layout(b)})")
        for axis, (m, n) in enumerate(zip(a.tensor.sizes, b.tensor.sizes)):
            if m is not None and n is not None and m != n and m != 1 and n != 1:
                raise SymrfError(f"{call.where}: {call.op} combines tensors of different sizes along axis {axis} "
                                 f"({m} and {n})")


def _flat(args: Any, kwargs: dict[str, Any] | None = None) -> list[Any]:
    found: list[Any] = []

    def visit(value: Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, _Same):
            visit(value.value)
        else:
            found.append(value)

    visit(args)
    if kwargs:
        visit(kwargs)
    return found


# -- integer helpers -----------------------------------------------------------------------------------------------


def _number(value: object, call: _Call, what: str) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, _Size):
        if value.number is not None:
            return value.number
        raise SymrfError(f"{call.where}: {what} depends on the input size; give input_size")
    raise SymrfError(f"{call.where}: {what} must be an integer, not {quoted(value)}")


def _per_axis(value: object, count: int, call: _Call, what: str) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)):
        values = list(value)
        if len(values) == 1:
            values = values * count
        if len(values) != count:
            raise SymrfError(f"{call.where}: {what} has {len(values)} values for {count} spatial axes")
        return tuple(_number(v, call, what) for v in values)
    return (_number(value, call, what),) * count


def _pairs(values: Sequence[int]) -> tuple[tuple[int, int], ...]:
    return tuple((v, v) for v in values)


def _pool_size(n: int, kernel: int, stride: int, padding: int, dilation: int, ceil: bool) -> int:
    """PyTorch's pooling output size, in ceil mode too (the last window must start inside the input or the
    padding before it)."""
    extent = dilation * (kernel - 1) + 1
    if not ceil:
        return (n + 2 * padding - extent) // stride + 1
    out = -(-(n + 2 * padding - extent) // stride) + 1
    if (out - 1) * stride >= n + padding:
        out -= 1
    return out


def _end_padding(n: int, extent: int, stride: int, before: int, out: int) -> int | None:
    """The padding after the last pixel (at least 0, ``before`` if it works) that gives ``out`` outputs from
    ``n`` pixels by PyTorch's floor rule, or None when none does."""
    low = (out - 1) * stride + extent - n - before
    for candidate in (before, max(low, 0)):
        if candidate >= 0 and (n + before + candidate - extent) // stride + 1 == out:
            return candidate
    return None


# -- resampling (interpolate) --------------------------------------------------------------------------------------


def _reads(mode: str, scale: Fraction, y: int) -> list[int]:
    """The input pixels output ``y`` reads with a non-zero weight (away from the borders), by PyTorch's index
    formulas with ``align_corners=False``; ``scale`` is input pixels per output pixel."""
    if mode == "nearest":
        return [math.floor(y * scale)]
    if mode == "nearest-exact":
        return [math.floor((y + Fraction(1, 2)) * scale)]
    source = scale * (y + Fraction(1, 2)) - Fraction(1, 2)
    first = math.floor(source)
    if source == first:
        return [first]
    if mode == "linear":
        return [first, first + 1]
    return [first - 1, first, first + 1, first + 2]  # cubic


@lru_cache(maxsize=256)
def _resampling(mode: str, factor: int, up: bool) -> tuple[str, int, int, int, int, int] | None:
    """The layer whose windows are those of PyTorch's ``mode`` resampling by an integer factor (up or down):
    ``(kind, kernel, stride, padding before, padding after, dilation)``, with the padding after chosen so that
    the output size is ``n*factor`` (up) or ``floor(n/factor)`` (down); None when no layer has these windows or
    sizes (the padding after may then come out negative: the caller checks)."""
    if mode in ("linear", "cubic") and factor % 2 and factor > 1:
        return None  # odd factors: some outputs fall on an input pixel, where PyTorch's float rounding decides
    if up:
        scale = Fraction(1, factor)
        phases = [sorted(_reads(mode, scale, t)) for t in range(factor)]
        if any(sorted(_reads(mode, scale, t + factor)) != [x + 1 for x in phases[t]] for t in range(factor)):
            return None
        if any(p != list(range(p[0], p[-1] + 1)) for p in phases):
            return None
        for kernel in range(1, 6 * factor + 2):
            for before in range(0, 6 * factor + 1):
                if all([x for x in range(-(-(t + before - kernel + 1) // factor), (t + before) // factor + 1)]
                       == phases[t] for t in range(factor)):
                    after = kernel - factor - before
                    kind = "upsample" if (kernel, before) == (factor, 0) else "convt"
                    return kind, kernel, factor, before, after, 1
        return None
    window = sorted(_reads(mode, Fraction(factor), 0))
    if sorted(_reads(mode, Fraction(factor), 1)) != [x + factor for x in window]:
        return None
    steps = {b - a for a, b in zip(window, window[1:])}
    if len(steps) > 1 or (steps and 0 in steps):
        return None
    dilation = steps.pop() if steps else 1
    before = -window[0]
    if before < 0:
        return None  # the window starts after the output's first pixel: a crop, which no layer is
    extent = dilation * (len(window) - 1) + 1
    kind = "pool" if mode.startswith("nearest") else "conv"
    return kind, len(window), factor, before, extent - factor - before, dilation


# -- the ops -------------------------------------------------------------------------------------------------------


class _Ops(_Reader):
    """The handlers of the ops symrf understands."""

    # -- dispatch --------------------------------------------------------------------------------------------------

    def call(self, call: _Call, family: str | None) -> Any:
        if family == "creation":
            return _Const()
        if family == "ignored":
            return None
        flat = _flat(call.args, call.kwargs)
        if not any(isinstance(v, _Val) for v in flat) and family not in ("getitem", "getattr", "size", "dim",
                                                                          "numel"):
            values = call.args
            if call.op in _OPERATOR_FUNCTIONS and values and all(
                    isinstance(v, (_Size, int, float)) and not isinstance(v, bool) for v in values):
                return _size_arith(_OPERATOR_FUNCTIONS[call.op], values)
            if any(isinstance(v, _Const) for v in flat):
                return _const_result(call, family)
            return _OPAQUE
        handler = getattr(self, f"_op_{family}", None) if family else None
        if handler is None:
            raise _Unknown
        return handler(call)

    # -- pass-through and merges -----------------------------------------------------------------------------------

    def _op_unary(self, call: _Call) -> Any:
        value = call.input
        if isinstance(value, _Val):
            return value
        return self.pointwise(call)

    def _op_elementwise(self, call: _Call) -> Any:
        return self.pointwise(call)

    def _op_batch_norm(self, call: _Call) -> Any:
        if call.get("training") is True:
            self._training_norms.append(call.where)
        result = call.input
        if call.op in ("native_batch_norm", "_native_batch_norm_legit_no_training", "_native_batch_norm_legit"):
            return (result, _Const(), _Const())
        return result

    def _op_cat(self, call: _Call) -> Any:
        tensors = [v for v in _flat(call.get("tensors")) if isinstance(v, _Val)]
        if not tensors:
            return _Const()
        dim = call.get("dim", 0)
        first = next((t for t in tensors if not t.is_global and t.dims is not None), None)
        if first is not None and first.dims is not None:
            axis = self._dim_index(call, first, dim)
            if _has_space(first.dims[axis]):
                raise SymrfError(f"{call.where}: {call.op} joins tensors along a spatial axis; symrf does not know "
                                 "what that does to the positions")
        merged = self.merge(call, tensors)
        if merged.dims is not None and first is not None:
            axis = self._dim_index(call, merged, dim)
            dims = list(merged.dims)
            dims[axis] = _channel()
            merged = _Val(merged.tensor, tuple(dims))
        return merged

    def _op_stack(self, call: _Call) -> Any:
        tensors = [v for v in _flat(call.get("tensors")) if isinstance(v, _Val)]
        if not tensors:
            return _Const()
        merged = self.merge(call, tensors)
        if merged.dims is None:
            return merged
        dim = call.get("dim", 0)
        rank = len(merged.dims) + 1
        index = _index(dim, rank, call)
        dims = list(merged.dims)
        dims.insert(index, _channel())
        return _Val(merged.tensor, tuple(dims))

    # -- layers ----------------------------------------------------------------------------------------------------

    def _op_conv(self, call: _Call) -> Any:
        value, weight = call.input, call.get("weight")
        if not isinstance(value, _Val):
            return _Const()
        self._check_weight(call, weight)
        count = self.axis_count
        self._check_rank(call, weight.shape[2:], "the kernel")
        self._require_layout(call, value)
        kernel = tuple(_number(k, call, "the kernel") for k in weight.shape[2:])
        stride = _per_axis(call.get("stride", 1), count, call, "the stride")
        dilation = _per_axis(call.get("dilation", 1), count, call, "the dilation")
        padding = self._conv_padding(call, call.get("padding", 0), kernel, stride, dilation)
        channels = weight.shape[0].number
        return self.layer(call, value, "conv", kernel, stride, padding, dilation, channels)

    def _check_weight(self, call: _Call, weight: object) -> None:
        if isinstance(weight, _Val):
            raise SymrfError(f"{call.where}: the convolution's weights depend on the input; symrf does not know "
                             "what it does to the positions")
        if not isinstance(weight, _Const) or weight.shape is None or len(weight.shape) != self.axis_count + 2:
            raise SymrfError(f"{call.where}: symrf cannot read the shape of the convolution's weights")

    def _conv_padding(self, call: _Call, padding: object, kernel: Sequence[int], stride: Sequence[int],
                      dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:
        if isinstance(padding, str):
            if padding == "valid":
                return ((0, 0),) * self.axis_count
            if padding == "same":
                if any(s != 1 for s in stride):
                    raise SymrfError(f"{call.where}: padding 'same' needs stride 1 in PyTorch")
                totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
                return tuple((t // 2, t - t // 2) for t in totals)
            raise SymrfError(f"{call.where}: unknown padding {quoted(padding)}")
        return _pairs(_per_axis(padding, self.axis_count, call, "the padding"))

    def _check_rank(self, call: _Call, values: Sequence[object], what: str) -> None:
        if len(values) != self.axis_count:
            raise SymrfError(f"{call.where}: {what} has {len(values)} spatial axes but the model has "
                             f"{self.axis_count}")

    def _op_conv_transpose(self, call: _Call) -> Any:
        value, weight = call.input, call.get("weight")
        if not isinstance(value, _Val):
            return _Const()
        self._check_weight(call, weight)
        self._check_rank(call, weight.shape[2:], "the kernel")
        kernel = tuple(_number(k, call, "the kernel") for k in weight.shape[2:])
        groups = _number(call.get("groups", 1), call, "groups")
        channels = weight.shape[1].number
        return self._transposed(call, value, kernel, call.get("stride", 1), call.get("padding", 0),
                                call.get("output_padding", 0), call.get("dilation", 1),
                                None if channels is None else channels * groups)

    def _transposed(self, call: _Call, value: _Val, kernel: Sequence[int], stride: object, padding: object,
                    output_padding: object, dilation: object, channels: int | None) -> _Val:
        count = self.axis_count
        self._require_layout(call, value)
        strides = _per_axis(stride, count, call, "the stride")
        paddings = _per_axis(padding, count, call, "the padding")
        extra = _per_axis(output_padding, count, call, "the output padding")
        dilations = _per_axis(dilation, count, call, "the dilation")
        ends = [max(p - e, 0) for p, e in zip(paddings, extra)]
        result = self.layer(call, value, "convt", kernel, strides, tuple(zip(paddings, ends)), dilations, channels)
        beyond = [max(e - p, 0) for p, e in zip(paddings, extra)]
        if any(beyond):  # output pixels past the last one any input reaches: padding of a kernel-1 layer
            crop = replace(call, name=f"{call.name}.output_padding")
            result = self.layer(crop, result, "conv", (1,) * count, (1,) * count,
                                tuple((0, b) for b in beyond), (1,) * count)
        return result

    def _op_convolution(self, call: _Call) -> Any:
        if call.get("transposed"):
            return self._op_conv_transpose(call)
        return self._op_conv(call)

    def _op_max_pool(self, call: _Call) -> Any:
        return self._pool(call, call.get("dilation", 1), ceil=bool(call.get("ceil_mode", False)),
                          indices=bool(call.get("return_indices", False)) or call.op.endswith("_with_indices"))

    def _op_avg_pool(self, call: _Call) -> Any:
        return self._pool(call, 1, ceil=bool(call.get("ceil_mode", False)), indices=False)

    def _pool(self, call: _Call, dilation: object, ceil: bool, indices: bool) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        self._require_layout(call, value)
        count = self.axis_count
        kernel_arg = call.get("kernel_size")
        stride_arg = call.get("stride")
        if stride_arg is None or stride_arg == [] or stride_arg == ():
            stride_arg = kernel_arg
        padding_arg = call.get("padding", 0)
        if self._covers_whole(value, kernel_arg, stride_arg, padding_arg):
            result: Any = self.global_(call, value, self._collapsed(value))
            return (result, result) if indices else result
        kernel = _per_axis(kernel_arg, count, call, "the kernel")
        stride = _per_axis(stride_arg, count, call, "the stride")
        padding = _per_axis(padding_arg, count, call, "the padding")
        dilations = _per_axis(dilation, count, call, "the dilation")
        pairs = []
        for axis in range(count):
            end = padding[axis]
            n = value.tensor.sizes[axis]
            if ceil:
                if n is None:
                    self._ceil_without_size.append(call.name)
                else:
                    out = _pool_size(n, kernel[axis], stride[axis], padding[axis], dilations[axis], True)
                    extent = dilations[axis] * (kernel[axis] - 1) + 1
                    found = _end_padding(n, extent, stride[axis], padding[axis], out)
                    end = padding[axis] if found is None else found
            pairs.append((padding[axis], end))
        result = self.layer(call, value, "pool", kernel, stride, tuple(pairs), dilations)
        return (result, result) if indices else result

    def _covers_whole(self, value: _Val, kernel: object, stride: object, padding: object) -> bool:
        """Whether a pooling's kernel is the whole input, read from its sizes (``avg_pool2d(x, x.size()[2:])``)."""
        if value.dims is None or not self._laid_out(value) or padding not in (0, (0,) * self.axis_count,
                                                                              [0] * self.axis_count):
            return False
        if not isinstance(kernel, (list, tuple)) or len(kernel) != self.axis_count:
            return False
        sizes = [_dim_size(dim) for dim in value.dims[-self.axis_count:]]
        if not all(isinstance(k, _Size) and k.powers and k.same(n) for k, n in zip(kernel, sizes)):
            return False
        if stride is kernel:
            return True
        return (isinstance(stride, (list, tuple)) and len(stride) == len(kernel)
                and all(isinstance(s, _Size) and s.same(k) for s, k in zip(stride, kernel)))

    def _collapsed(self, value: _Val, keep: bool = True) -> tuple[Dim, ...] | None:
        """``value``'s dimensions after a global reduction over its spatial axes (kept with size 1)."""
        if value.dims is None:
            return None
        dims = []
        for dim in value.dims:
            if _has_space(dim):
                if keep:
                    dims.append(tuple((role, _Size.const(1)) for role, _ in dim))
            else:
                dims.append(dim)
        return tuple(dims)

    def _op_adaptive_avg_pool(self, call: _Call) -> Any:
        return self._adaptive(call, call.get("output_size"), False)

    def _op_adaptive_max_pool(self, call: _Call) -> Any:
        indices = bool(call.get("return_indices", False)) or call.op.endswith("_with_indices")
        return self._adaptive(call, call.get("output_size"), indices)

    def _adaptive(self, call: _Call, output_size: object, indices: bool) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        self._require_layout(call, value)
        count = self.axis_count
        if isinstance(output_size, (list, tuple)):
            if len(output_size) != count:
                raise SymrfError(f"{call.where}: the output size has {len(output_size)} values for {count} axes")
            outputs = list(output_size)
        else:
            outputs = [output_size] * count
        sizes = value.tensor.sizes
        targets: list[int | None] = []
        for axis, o in enumerate(outputs):
            if o is None:
                targets.append(sizes[axis])
                if sizes[axis] is None:
                    targets[-1] = -1  # the input's size, whatever it is
            else:
                targets.append(_number(o, call, "the output size"))
        result: Any
        if all(t == 1 for t in targets):
            result = self.global_(call, value, self._collapsed(value))
            return (result, result) if indices else result
        kinds, factors = [], []
        for axis, (n, o) in enumerate(zip(sizes, targets)):
            if o == -1:
                kinds.append("any")
                factors.append(1)
                continue
            if n is None:
                raise SymrfError(f"{call.where}: adaptive pooling to size {o} needs the input size; give input_size")
            assert o is not None
            if n % o == 0:
                kinds.append("pool")
                factors.append(n // o)
            elif o % n == 0:
                kinds.append("upsample")
                factors.append(o // n)
            else:
                raise SymrfError(f"{call.where}: adaptive pooling from {n} to {o} pixels (axis {axis}) has windows "
                                 "of different sizes; symrf models it only when one size divides the other")
        chosen = {k for k in kinds if k != "any"}
        if len(chosen) > 1:
            raise SymrfError(f"{call.where}: adaptive pooling that shrinks one axis and grows another is not "
                             "supported")
        kind = chosen.pop() if chosen else "pool"
        result = self.layer(call, value, kind, factors, factors, ((0, 0),) * count, (1,) * count)
        return (result, result) if indices else result

    # -- up-sampling -----------------------------------------------------------------------------------------------

    def _op_interpolate(self, call: _Call) -> Any:
        return self._resample(call, call.get("size"), call.get("scale_factor"), call.get("mode", "nearest"),
                              call.get("align_corners"), bool(call.get("antialias", False)))

    def _op_upsample_nearest(self, call: _Call) -> Any:
        return self._resample(call, call.get("size"), call.get("scale_factor"), "nearest", None, False)

    def _op_upsample_bilinear(self, call: _Call) -> Any:
        return self._resample(call, call.get("size"), call.get("scale_factor"), "bilinear", True, False)

    def _op_upsample_aten(self, call: _Call) -> Any:
        op = call.op
        mode = "nearest-exact" if "nearest_exact" in op else "nearest" if "nearest" in op else \
            "bicubic" if "bicubic" in op else "linear"
        scales = call.get("scale_factors")
        if scales is None and call.get("scales_h") is not None:
            scales = [call.get(name) for name in ("scales_d", "scales_h", "scales_w") if call.get(name) is not None]
        return self._resample(call, call.get("output_size"), scales, mode, call.get("align_corners"),
                              op.endswith("_aa"))

    def _resample(self, call: _Call, size: object, scale: object, mode: object, align_corners: object,
                  antialias: bool) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        self._require_layout(call, value)
        count = self.axis_count
        if not isinstance(mode, str):
            raise SymrfError(f"{call.where}: unknown interpolation mode {quoted(mode)}")
        mode = mode.lower()
        if value.is_global:  # a broadcast of the global value over positions: still global, no new node
            try:
                factors = self._factors(call, value, size, scale)
                sizes: tuple[int | None, ...] = tuple(None if n is None else (n * f if up else n // f)
                                                      for n, (up, f) in zip(value.tensor.sizes, factors))
            except SymrfError:
                sizes = (None,) * count
            return _Val(replace(value.tensor, sizes=sizes), None)
        directions = self._factors(call, value, size, scale)  # per axis: (up?, factor)
        if mode == "area":
            targets: list[int | None] = []
            for axis, (up, factor) in enumerate(directions):
                n = value.tensor.sizes[axis]
                if factor == 1:
                    targets.append(None)
                elif n is None:
                    raise SymrfError(f"{call.where}: area interpolation needs the input size; give input_size")
                else:
                    targets.append(n * factor if up else n // factor)
            return self._adaptive(call, targets, False)
        if mode not in ("nearest", "nearest-exact") and mode not in _LINEAR_MODES:
            raise SymrfError(f"{call.where}: interpolation mode {quoted(mode)} is not supported")
        if antialias and any(not up and f > 1 for up, f in directions):
            raise SymrfError(f"{call.where}: antialiased down-sampling is not supported")
        if align_corners and any(f != 1 for _, f in directions):
            raise SymrfError(f"{call.where}: {mode} interpolation with align_corners=True reads windows that are "
                             "not periodic; symrf supports align_corners=False")
        family = _LINEAR_MODES.get(mode, mode)
        layers = []
        for axis, (up, factor) in enumerate(directions):
            found = _resampling(family, factor, up)
            if found is None:
                raise SymrfError(f"{call.where}: {mode} {'up' if up else 'down'}-sampling by {factor} is not "
                                 "supported: no layer has its windows exactly (with a linear mode and an odd factor, "
                                 "PyTorch's floating-point rounding decides whether some outputs read one pixel or "
                                 "two; a down-sampling that skips the first pixels is a crop)")
            kind, kernel, stride, before, after, dilation = found
            if after < 0:
                n = value.tensor.sizes[axis]
                extent = dilation * (kernel - 1) + 1
                fitted = None if n is None or up else _end_padding(n, extent, stride, before, n // factor)
                if fitted is None:
                    raise SymrfError(f"{call.where}: {mode} down-sampling by {factor} gives floor(n/{factor}) "
                                     f"pixels, which symrf can express only for a known input size divisible by "
                                     f"{factor}; give input_size")
                after = fitted
            layers.append((kind, kernel, stride, (before, after), dilation))
        kinds = {layer[0] for layer in layers}
        if len(kinds) > 1:
            if kinds <= {"upsample", "convt"}:
                layers = [("convt",) + layer[1:] for layer in layers]
            else:
                raise SymrfError(f"{call.where}: interpolation that shrinks one axis and grows another is not "
                                 "supported")
        kind = layers[0][0]
        if kind in ("convt", "conv"):
            reads = max(len(_reads(family, Fraction(1, f) if up else Fraction(f), y))
                        for up, f in directions for y in range(max(f, 1)))
            self.notes.append(f"{call.name}: {mode} interpolation (align_corners=False) reads up to {reads} input "
                              f"pixels per output along each axis: the windows of {kind} with kernel "
                              f"{tuple(layer[1] for layer in layers)}, stride {tuple(layer[2] for layer in layers)} "
                              f"and padding {tuple(layer[3] for layer in layers)}")
        return self.layer(call, value, kind, [layer[1] for layer in layers], [layer[2] for layer in layers],
                          [layer[3] for layer in layers], [layer[4] for layer in layers])

    def _factors(self, call: _Call, value: _Val, size: object, scale: object) -> list[tuple[bool, int]]:
        count = self.axis_count
        found: list[tuple[bool, int]] = []
        if size is not None:
            sizes = list(size) if isinstance(size, (list, tuple)) else [size] * count
            if len(sizes) != count:
                raise SymrfError(f"{call.where}: size= has {len(sizes)} values for {count} spatial axes")
            if value.dims is None:
                raise SymrfError(f"{call.where}: interpolation of a tensor of unknown layout")
            for axis, target in enumerate(sizes):
                wanted = _as_size(target)
                if wanted is None:
                    raise SymrfError(f"{call.where}: size= must be integers, not {quoted(target)}")
                have = _dim_size(value.dims[-count + axis])
                ratio = wanted / have
                inverse = have / wanted
                if ratio.value is not None and ratio.value.denominator == 1 and ratio.value >= 1:
                    found.append((True, int(ratio.value)))
                elif inverse.value is not None and inverse.value.denominator == 1 and inverse.value >= 1:
                    found.append((False, int(inverse.value)))
                elif not ratio.powers and ratio.coef.denominator == 1:
                    found.append((True, int(ratio.coef)))
                elif not inverse.powers and inverse.coef.denominator == 1:
                    found.append((False, int(inverse.coef)))
                elif ratio.value is None:
                    raise SymrfError(f"{call.where}: interpolation to size= needs the input size; give input_size")
                else:
                    raise SymrfError(f"{call.where}: interpolation from {have.number} to {wanted.number} pixels is "
                                     "not by an integer factor; it is not supported")
            return found
        if scale is None:
            raise SymrfError(f"{call.where}: interpolation without size= or scale_factor=")
        scales = list(scale) if isinstance(scale, (list, tuple)) else [scale] * count
        if len(scales) != count:
            raise SymrfError(f"{call.where}: scale_factor has {len(scales)} values for {count} spatial axes")
        for given in scales:
            factor = given.number if isinstance(given, _Size) else given
            if not isinstance(factor, (int, float)) or isinstance(factor, bool) or factor <= 0:
                raise SymrfError(f"{call.where}: scale_factor must be a positive number, not {quoted(factor)}")
            if float(factor).is_integer():
                found.append((True, int(factor)))
                continue
            divisor = round(1 / factor)
            if divisor >= 1 and divisor & (divisor - 1) == 0 and float(Fraction(1, divisor)) == float(factor):
                found.append((False, divisor))  # 1/2, 1/4: exact in floating point, as PyTorch computes indices
                continue
            raise SymrfError(f"{call.where}: scale_factor {factor} is neither an integer nor 1/2, 1/4, 1/8...; "
                             "such interpolation is not supported")
        return found

    def _op_pixel_shuffle(self, call: _Call) -> Any:
        return self._shuffle(call, call.get("upscale_factor"), up=True)

    def _op_pixel_unshuffle(self, call: _Call) -> Any:
        return self._shuffle(call, call.get("downscale_factor"), up=False)

    def _shuffle(self, call: _Call, factor: object, up: bool) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        if self.axis_count != 2:
            raise SymrfError(f"{call.where}: {call.op} acts on the last two axes, but the model has "
                             f"{self.axis_count} spatial axes")
        self._require_layout(call, value)
        r = _number(factor, call, "the factor")
        count = self.axis_count
        if up:
            result = self.layer(call, value, "upsample", (r,) * count, (r,) * count, ((0, 0),) * count,
                                (1,) * count)
        else:
            result = self.layer(call, value, "pool", (r,) * count, (r,) * count, ((0, 0),) * count, (1,) * count)
        if result.dims is not None and len(result.dims) > count:
            dims = list(result.dims)
            dims[-count - 1] = _channel()
            result = _Val(result.tensor, tuple(dims))
        return result

    def _op_pad(self, call: _Call) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        pad = call.get("pad")
        if pad is None:
            pad = call.get("padding")
        values = [_number(p, call, "the padding") for p in (pad or ())]
        if len(values) % 2:
            raise SymrfError(f"{call.where}: the padding has an odd number of values")
        if value.dims is None:
            if value.is_global:
                return value
            raise SymrfError(f"{call.where}: padding a tensor of unknown layout")
        rank = len(value.dims)
        count = self.axis_count
        pairs = [(0, 0)] * count
        for i in range(len(values) // 2):
            before, after = values[2 * i], values[2 * i + 1]
            index = rank - 1 - i
            if index < 0:
                raise SymrfError(f"{call.where}: the padding has more axes than the tensor")
            dim = value.dims[index]
            axis = _axis_of(dim)
            if not _has_space(dim) or (before, after) == (0, 0):
                continue
            if axis is None:
                raise SymrfError(f"{call.where}: padding an axis that mixes positions")
            if before < 0 or after < 0:
                raise SymrfError(f"{call.where}: negative padding (cropping) is not supported")
            pairs[axis] = (before, after)
        if all(p == (0, 0) for p in pairs):
            return value
        self._require_layout(call, value, "padding")
        return self.layer(call, value, "conv", (1,) * count, (1,) * count, tuple(pairs), (1,) * count)

    # -- norms, linear, reductions -----------------------------------------------------------------------------------

    def _op_linear(self, call: _Call) -> Any:
        value = call.input
        weight = call.get("weight")
        if not isinstance(value, _Val):
            return _Const()
        out = weight.shape[0] if isinstance(weight, _Const) and weight.shape else None
        if value.dims is None:
            if value.is_global:
                return self.global_(call, value, None)
            raise SymrfError(f"{call.where}: a Linear layer on a tensor of unknown layout")
        last = value.dims[-1]
        dims = value.dims[:-1] + (_channel(out),)
        if value.is_global:
            return self.global_(call, value, dims, value.tensor.sizes)
        if not _has_space(last):
            return _Val(value.tensor, dims)
        if self._holds_all_positions(value, [last]):
            return self.global_(call, value, self._without_space(dims))
        raise SymrfError(f"{call.where}: a Linear layer over some of the spatial axes ({self._layout(value)}); symrf "
                         "does not know what it does to the positions")

    def _holds_all_positions(self, value: _Val, dims: Sequence[Dim]) -> bool:
        """Whether ``dims`` hold every spatial axis of ``value`` whose size is not known to be 1 (and no mixed
        positions are elsewhere)."""
        assert value.dims is not None
        inside = {role for dim in dims for role, size in dim if role != "c" and size.value != 1}
        outside = {role for dim in value.dims if not any(dim is d for d in dims)
                   for role, size in dim if role != "c" and size.value != 1}
        return bool(inside) and not outside and "x" not in inside

    def _without_space(self, dims: tuple[Dim, ...]) -> tuple[Dim, ...]:
        return tuple(_channel(_dim_size(dim)) if _has_space(dim) else dim for dim in dims)

    def _op_layer_norm(self, call: _Call) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        shape = call.get("normalized_shape")
        count = len(shape) if isinstance(shape, (list, tuple)) else 1
        result = self._over_dims(call, value, list(range(-count, 0)), "normalises")
        if call.op == "native_layer_norm":
            return (result, _Const(), _Const())
        return result

    def _op_group_norm(self, call: _Call) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        result = self.with_context(call, value) if self._has_positions(value) else value
        if call.op == "native_group_norm":
            return (result, _Const(), _Const())
        return result

    def _has_positions(self, value: _Val) -> bool:
        if value.dims is None:
            return not value.is_global
        return any(_has_space(dim) for dim in value.dims) and not value.is_global

    def _op_instance_norm(self, call: _Call) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        if call.get("use_input_stats", True) is False:
            return value
        return self.with_context(call, value) if self._has_positions(value) else value

    def _op_along_dim(self, call: _Call) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        dim = call.get("dim")
        if dim is None:
            if call.op == "normalize":
                dim = 1
            elif value.dims is not None:
                dim = 0 if len(value.dims) in (0, 1, 3) else 1  # PyTorch's implicit softmax axis
            else:
                raise SymrfError(f"{call.where}: {call.op} without dim= on a tensor of unknown layout")
        if call.op in ("cumsum", "cumprod"):
            if value.dims is not None and not _has_space(value.dims[self._dim_index(call, value, dim)]):
                return value
            raise SymrfError(f"{call.where}: {call.op} along a spatial axis reads a prefix of the positions; symrf "
                             "does not support it")
        return self._over_dims(call, value, [dim], "acts")

    def _over_dims(self, call: _Call, value: _Val, dims: Sequence[object], verb: str) -> _Val:
        """An op that keeps the shape and reads, at each position, all of ``dims``: pointwise when they hold no
        position, each position with global context when they hold all of them."""
        if value.is_global:
            return value
        if value.dims is None:
            raise SymrfError(f"{call.where}: {call.op} on a tensor of unknown layout")
        chosen = [value.dims[self._dim_index(call, value, d)] for d in dims]
        if not any(_has_space(dim) for dim in chosen):
            return value
        if self._holds_all_positions(value, chosen):
            return self.with_context(call, value)
        raise SymrfError(f"{call.where}: {call.op} {verb} over some of the spatial axes ({self._layout(value)}); "
                         "symrf does not know what it does to the positions")

    def _op_glu(self, call: _Call) -> Any:
        value = call.input
        if not isinstance(value, _Val) or value.dims is None:
            return self.pointwise(call)
        dim = self._dim_index(call, value, call.get("dim", -1))
        if _has_space(value.dims[dim]):
            raise SymrfError(f"{call.where}: glu splits a spatial axis; symrf does not support it")
        return value

    def _op_reduce(self, call: _Call) -> Any:
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        other = call.get("other")
        second = call.args[1] if len(call.args) > 1 else call.kwargs.get("dim")
        if call.op in ("max", "min") and isinstance(second, (_Val, _Const)) or isinstance(other, (_Val, _Const)):
            return self.pointwise(call)  # torch.max(x, y): element-wise
        dim = call.get("dim")
        keepdim = bool(call.get("keepdim", False))
        pair = call.op in ("max", "min", "median") and dim is not None
        if value.dims is None:
            if value.is_global:
                return (value, value) if pair else value
            raise SymrfError(f"{call.where}: {call.op} on a tensor of unknown layout")
        if dim is None or dim == [] or dim == ():
            indices = list(range(len(value.dims)))
        elif isinstance(dim, (list, tuple)):
            indices = [self._dim_index(call, value, d) for d in dim]
        else:
            indices = [self._dim_index(call, value, dim)]
        chosen = [value.dims[i] for i in indices]
        if keepdim:
            dims = tuple(tuple((role, _Size.const(1)) for role, _ in d) if i in indices else d
                         for i, d in enumerate(value.dims))
        else:
            dims = tuple(d for i, d in enumerate(value.dims) if i not in indices)
        if value.is_global or not any(_has_space(d) for d in chosen):
            result = _Val(value.tensor, dims)
        elif self._holds_all_positions(value, chosen):
            result = self.global_(call, value, dims)
        else:
            raise SymrfError(f"{call.where}: {call.op} over some of the spatial axes ({self._layout(value)}); symrf "
                             "does not know what it does to the positions")
        return (result, result) if pair else result

    # -- layout ----------------------------------------------------------------------------------------------------

    def _dim_index(self, call: _Call, value: _Val, dim: object) -> int:
        assert value.dims is not None
        return _index(dim, len(value.dims), call)

    def _layout_op(self, call: _Call, value: object) -> _Val | None:
        """``value`` when it is a tensor with a known layout; a global tensor of unknown layout passes as None."""
        if not isinstance(value, _Val):
            return None
        if value.dims is None:
            if value.is_global:
                return None
            raise SymrfError(f"{call.where}: {call.op} on a tensor of unknown layout")
        return value

    def _op_flatten(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        default = 1 if call.module is not None else 0
        rank = len(found.dims)
        if rank == 0:
            return found
        start = _index(call.get("start_dim", default), rank, call)
        end = _index(call.get("end_dim", -1), rank, call)
        if end < start:
            return found
        merged = _normal([c for dim in found.dims[start:end + 1] for c in dim])
        return _Val(found.tensor, found.dims[:start] + (merged,) + found.dims[end + 1:])

    def _op_unflatten(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        index = self._dim_index(call, found, call.get("dim"))
        sizes = call.get("sizes") or call.get("unflattened_size")
        shape: list[object] = [_dim_size(d) for d in found.dims[:index]] + list(sizes) + [
            _dim_size(d) for d in found.dims[index + 1:]]
        return self._reshaped(call, found, shape)

    def _op_view(self, call: _Call) -> Any:
        return self._op_reshape(call)

    def _op_reshape(self, call: _Call) -> Any:
        value = call.input
        shape = call.get("shape")
        if shape is None:
            shape = call.get("size")
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        if isinstance(shape, (int, _Size)):
            shape = [shape]
        return self._reshaped(call, found, list(shape))

    def _op_view_as(self, call: _Call) -> Any:
        value, other = call.input, call.get("other")
        found = self._layout_op(call, value)
        if found is None or not isinstance(other, _Val) or other.dims is None:
            if isinstance(value, _Val) and isinstance(other, _Val) and value.is_global:
                return value
            if isinstance(value, _Val) and not value.is_global:
                raise SymrfError(f"{call.where}: {call.op} to a tensor of unknown layout")
            return value if isinstance(value, _Val) else _Const()
        return self._reshaped(call, found, [_dim_size(d) for d in other.dims])

    _op_reshape_as = _op_view_as

    def _reshaped(self, call: _Call, value: _Val, shape: list[object]) -> _Val:
        assert value.dims is not None
        components = [c for dim in value.dims for c in dim]
        total = _product(size for _, size in components)
        targets: list[_Size | None] = []
        for entry in shape:
            if isinstance(entry, int) and not isinstance(entry, bool) and entry == -1:
                targets.append(None)
                continue
            size = _as_size(entry)
            if size is None:
                if value.is_global:
                    return _Val(value.tensor, None)
                raise SymrfError(f"{call.where}: {call.op} to a shape symrf cannot read ({quoted(entry)})")
            targets.append(size)
        if targets.count(None) > 1:
            raise SymrfError(f"{call.where}: {call.op} with more than one -1")
        if None in targets:
            known = _product(t for t in targets if t is not None)
            targets[targets.index(None)] = total / known
        dims = _match(components, [t for t in targets if t is not None])
        if dims is None and value.is_global:
            return _Val(value.tensor, None)  # a global value may take any shape: it reads the whole input anyway
        if dims is None:
            if value.is_global or not any(_has_space(d) for d in value.dims):
                return _Val(value.tensor, tuple(_channel(t) for t in targets))
            raise SymrfError(f"{call.where}: symrf cannot tell what {call.op} to this shape does to the positions "
                             f"({self._layout(value)})")
        return _Val(value.tensor, tuple(dims))

    def _op_permute(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        order = call.get("dims")
        if isinstance(order, int):
            order = [order]
        indices = [self._dim_index(call, found, d) for d in order]
        if sorted(indices) != list(range(len(found.dims))):
            raise SymrfError(f"{call.where}: permute with the axes {quoted(order)} of a {len(found.dims)}-axis tensor")
        return _Val(found.tensor, tuple(found.dims[i] for i in indices))

    def _op_transpose(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        a = self._dim_index(call, found, call.get("dim0"))
        b = self._dim_index(call, found, call.get("dim1"))
        dims = list(found.dims)
        dims[a], dims[b] = dims[b], dims[a]
        return _Val(found.tensor, tuple(dims))

    def _op_t(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        return _Val(found.tensor, tuple(reversed(found.dims)))

    def _op_movedim(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        source, destination = call.get("source"), call.get("destination")
        sources = list(source) if isinstance(source, (list, tuple)) else [source]
        destinations = list(destination) if isinstance(destination, (list, tuple)) else [destination]
        rank = len(found.dims)
        src = [_index(s, rank, call) for s in sources]
        dst = [_index(d, rank, call) for d in destinations]
        order: list[int | None] = [None] * rank
        for s, d in zip(src, dst):
            order[d] = s
        rest = iter(i for i in range(rank) if i not in src)
        final = [o if o is not None else next(rest) for o in order]
        return _Val(found.tensor, tuple(found.dims[i] for i in final))

    def _op_squeeze(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        dim = call.get("dim")
        if dim is None:
            indices = [i for i, d in enumerate(found.dims) if _dim_size(d).value == 1]
        else:
            chosen = dim if isinstance(dim, (list, tuple)) else [dim]
            indices = [i for i in (self._dim_index(call, found, d) for d in chosen)
                       if _dim_size(found.dims[i]).value == 1]
        dims = tuple(d for i, d in enumerate(found.dims) if i not in indices)
        return _Val(found.tensor, dims)

    def _op_unsqueeze(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        index = _index(call.get("dim"), len(found.dims) + 1, call)
        dims = list(found.dims)
        dims.insert(index, _channel(_Size.const(1)))
        return _Val(found.tensor, tuple(dims))

    def _op_expand(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        sizes = call.get("size")
        if isinstance(sizes, (int, _Size)):
            sizes = [sizes]
        sizes = list(sizes)
        extra = len(sizes) - len(found.dims)
        dims: list[Dim] = [_channel(_as_size(s)) for s in sizes[:extra]]
        for dim, size in zip(found.dims, sizes[extra:]):
            target = _as_size(size)
            if size == -1 or target is None or target.same(_dim_size(dim)):
                dims.append(dim)
            elif found.is_global:  # a global value broadcast over positions: still global
                axis = _axis_of(dim)
                dims.append(((axis, target),) if axis is not None else _channel(target))
            elif any(role != "c" for role, _ in dim):
                raise SymrfError(f"{call.where}: expand along a spatial axis copies one position to all; symrf "
                                 "does not support it")
            else:
                dims.append(_channel(target))
        return _Val(found.tensor, tuple(dims))

    def _op_expand_as(self, call: _Call) -> Any:
        value, other = call.input, call.get("other")
        if not isinstance(value, _Val):
            return _Const()
        if value.is_global and isinstance(other, _Val):
            return _Val(replace(value.tensor, sizes=other.tensor.sizes), other.dims)
        if isinstance(other, _Val) and value.dims is not None and other.dims is not None and len(value.dims) == len(
                other.dims):
            for a, b in zip(value.dims, other.dims):
                if _has_space(a) and not _dim_size(a).same(_dim_size(b)):
                    raise SymrfError(f"{call.where}: expand_as along a spatial axis copies one position to all; "
                                     "symrf does not support it")
            return value
        return value

    def _op_repeat(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        repeats = call.get("repeats")
        if isinstance(repeats, (int, _Size)):
            repeats = [repeats]
        repeats = list(repeats)
        extra = len(repeats) - len(found.dims)
        dims: list[Dim] = [_channel(_as_size(r)) for r in repeats[:extra]]
        for dim, times in zip(found.dims, repeats[extra:]):
            size = _as_size(times)
            if size is not None and size.is_one:
                dims.append(dim)
            elif _has_space(dim) and not found.is_global:
                raise SymrfError(f"{call.where}: repeat tiles a spatial axis; symrf does not support it")
            else:
                dims.append(_channel())
        return _Val(found.tensor, tuple(dims))

    def _split_along(self, call: _Call, count: int | None = None, drop: bool = False) -> Any:
        """The pieces of a tensor split along a channel axis (``count`` of them when known), each with the tensor's
        positions; ``drop`` removes the axis (``unbind``)."""
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return _Same(value if isinstance(value, _Val) else _Const(), count)
        assert found.dims is not None
        index = self._dim_index(call, found, call.get("dim", 0))
        if _has_space(found.dims[index]):
            raise SymrfError(f"{call.where}: {call.op} splits a spatial axis; symrf does not support it")
        dims = list(found.dims)
        if drop:
            del dims[index]
        else:
            dims[index] = _channel()
        return _Same(_Val(found.tensor, tuple(dims)), count)

    def _axis_length(self, call: _Call) -> int | None:
        value = call.input
        if isinstance(value, _Val) and value.dims is not None:
            return _dim_size(value.dims[self._dim_index(call, value, call.get("dim", 0))]).number
        return None

    def _op_chunk(self, call: _Call) -> Any:
        chunks = call.get("chunks")
        return self._split_along(call, chunks if isinstance(chunks, int) else None)

    def _op_split(self, call: _Call) -> Any:
        size = call.get("split_size", call.get("split_size_or_sections", call.get("split_sizes")))
        if isinstance(size, (list, tuple)):
            return self._split_along(call, len(size))
        length = self._axis_length(call)
        return self._split_along(call, -(-length // size) if isinstance(size, int) and length and size > 0 else None)

    def _op_tensor_split(self, call: _Call) -> Any:
        sections = call.get("indices_or_sections")
        count = len(sections) + 1 if isinstance(sections, (list, tuple)) else sections
        return self._split_along(call, count if isinstance(count, int) else None)

    def _op_unbind(self, call: _Call) -> Any:
        return self._split_along(call, self._axis_length(call), drop=True)

    def _op_narrow(self, call: _Call) -> Any:
        return self._split_along(call).value

    def _op_select(self, call: _Call) -> Any:
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        index = self._dim_index(call, found, call.get("dim"))
        if _has_space(found.dims[index]):
            raise SymrfError(f"{call.where}: selecting one position along a spatial axis is not supported")
        return _Val(found.tensor, found.dims[:index] + found.dims[index + 1:])

    def _op_slice(self, call: _Call) -> Any:
        """ATen's slice of one axis (``x[:, :, ::2]``)."""
        value = call.input
        found = self._layout_op(call, value)
        if found is None:
            return value if isinstance(value, _Val) else _Const()
        assert found.dims is not None
        index = self._dim_index(call, found, call.get("dim", 0))
        item = slice(call.get("start"), call.get("end"), call.get("step", 1))
        return self._sliced(call, found, [(index, item)])

    def _sliced(self, call: _Call, value: _Val, items: list[tuple[int, slice]]) -> _Val:
        """``value`` sliced along some axes: along a channel axis anything, along a spatial axis a stride from
        the first pixel to the last (a pooling with kernel 1)."""
        assert value.dims is not None
        count = self.axis_count
        strides = [1] * count
        dims = list(value.dims)
        for index, item in items:
            dim = value.dims[index]
            start, stop, step = item.start, item.stop, item.step
            step = 1 if step is None else _number(step, call, "the slice's step")
            if not _has_space(dim):
                dims[index] = _channel()
                continue
            axis = _axis_of(dim)
            size = _dim_size(dim)
            starts_at_zero = start is None or start == 0
            whole = stop is None or (isinstance(stop, int) and (stop >= 2**62 or (
                size.number is not None and stop >= size.number))) or (isinstance(stop, _Size) and stop.same(size))
            if axis is None or not starts_at_zero or not whole:
                raise SymrfError(f"{call.where}: slicing a spatial axis other than with a step from its first to its "
                                 "last pixel (a crop) is not supported")
            strides[axis] = step
        sliced = _Val(value.tensor, tuple(dims))
        if all(s == 1 for s in strides):
            return sliced
        self._require_layout(call, sliced, "slicing")
        return self.layer(call, sliced, "pool", (1,) * count, strides, ((0, 0),) * count, (1,) * count)

    # -- python-level ops ------------------------------------------------------------------------------------------

    def _op_getitem(self, call: _Call) -> Any:
        container, index = call.args[0], call.args[1]
        if isinstance(container, _Same):
            return container[index]
        if id(container) in self._guessed and isinstance(index, int):
            return container  # an unknown op's output, maybe a tuple (attention's output and weights)
        if isinstance(container, _Val):
            return self._indexed(call, container, index)
        if isinstance(container, _Const):
            return _Const()
        if isinstance(container, (tuple, list)):
            if isinstance(index, _Size):
                index = index.number
            try:
                return container[index]
            except (TypeError, IndexError):
                return _OPAQUE
        if isinstance(container, dict):
            return container.get(index, _OPAQUE)
        return _OPAQUE

    def _indexed(self, call: _Call, value: _Val, index: object) -> Any:
        call = replace(call, op="slice", name=call.name.rsplit(".", 1)[0] + ".slice" if "." in call.name
                       else "slice")
        if value.dims is None:
            if value.is_global:
                return value
            raise SymrfError(f"{call.where}: indexing a tensor of unknown layout")
        items = list(index) if isinstance(index, tuple) else [index]
        if any(isinstance(i, (_Val, _Const, list)) for i in items):
            raise SymrfError(f"{call.where}: indexing with tensors or lists is not supported")
        rank = len(value.dims)
        explicit = sum(1 for i in items if i is not None and i is not Ellipsis)
        dims: list[Dim] = []
        slices: list[tuple[int, slice]] = []
        position = 0
        for item in items:
            if item is Ellipsis:
                for _ in range(rank - explicit):
                    dims.append(value.dims[position])
                    position += 1
            elif item is None:
                dims.append(_channel(_Size.const(1)))
            elif isinstance(item, slice):
                if position >= rank:
                    raise SymrfError(f"{call.where}: too many indices")
                dims.append(value.dims[position])
                if item != slice(None):
                    slices.append((len(dims) - 1, item))
                position += 1
            else:
                if position >= rank:
                    raise SymrfError(f"{call.where}: too many indices")
                if _has_space(value.dims[position]):
                    raise SymrfError(f"{call.where}: selecting one position along a spatial axis is not supported")
                position += 1
        dims.extend(value.dims[position:])
        reshaped = _Val(value.tensor, tuple(dims))
        if not slices:
            return reshaped
        return self._sliced(call, reshaped, slices)

    def _op_getattr(self, call: _Call) -> Any:
        value, attribute = call.args[0], call.args[1]
        if isinstance(value, tuple) and attribute in ("values", "indices"):
            return value[0] if attribute == "values" else value[1]
        if isinstance(value, _Val):
            if attribute == "shape":
                return self._shape(call, value)
            if attribute == "ndim":
                return len(value.dims) if value.dims is not None else _OPAQUE
            if attribute in ("T", "mT", "H", "mH"):
                return self._op_t(call) if attribute in ("T", "H") else self._op_transpose(
                    replace(call, args=(value,), kwargs={"dim0": -2, "dim1": -1}, names=("input",)))
            if attribute in ("real", "data"):
                return value
            return _OPAQUE
        if isinstance(value, _Const):
            if attribute == "shape":
                return value.shape if value.shape is not None else _OPAQUE
            return _Const() if attribute in ("T", "mT", "data", "real") else _OPAQUE
        return _OPAQUE

    def _shape(self, call: _Call, value: _Val) -> Any:
        if value.dims is None:
            if value.is_global:
                return _OPAQUE
            raise SymrfError(f"{call.where}: the shape of a tensor of unknown layout")
        return tuple(_dim_size(d) for d in value.dims)

    def _op_size(self, call: _Call) -> Any:
        value = call.input
        if isinstance(value, _Const):
            shape = value.shape
            dim = call.get("dim")
            if shape is None:
                return _OPAQUE
            return shape if dim is None else shape[_number(dim, call, "dim")]
        if not isinstance(value, _Val):
            return _OPAQUE
        shape = self._shape(call, value)
        dim = call.get("dim")
        if dim is None or not isinstance(shape, tuple):
            return shape
        return shape[_index(dim, len(shape), call)]

    def _op_dim(self, call: _Call) -> Any:
        value = call.input
        if isinstance(value, _Val) and value.dims is not None:
            return len(value.dims)
        if isinstance(value, _Const) and value.shape is not None:
            return len(value.shape)
        return _OPAQUE

    def _op_numel(self, call: _Call) -> Any:
        value = call.input
        if isinstance(value, _Val) and value.dims is not None:
            return _product(_dim_size(d) for d in value.dims)
        return _OPAQUE


_OPERATOR_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "floordiv": operator.floordiv, "neg": operator.neg, "mod": operator.mod, "pow": operator.pow,
    "truediv": operator.truediv,
}


def _const_result(call: _Call, family: str | None) -> _Const:
    """The result of an op on tensors without positions (weights): its shape where it is plain (a transposed
    weight for ``conv_transpose2d``), else unknown."""
    first = call.input
    if not isinstance(first, _Const) or first.shape is None:
        return _Const()
    shape = first.shape
    try:
        if family == "unary" or (family == "elementwise" and sum(isinstance(v, _Const) for v in call.args) == 1):
            return first
        if family == "transpose":
            order = list(range(len(shape)))
            a, b = (_index(call.get(name), len(shape), call) for name in ("dim0", "dim1"))
            order[a], order[b] = order[b], order[a]
            return _Const(tuple(shape[i] for i in order))
        if family == "permute":
            dims = call.get("dims")
            return _Const(tuple(shape[_index(d, len(shape), call)] for d in dims))
        if family == "t":
            return _Const(tuple(reversed(shape)))
    except (SymrfError, TypeError):
        return _Const()
    return _Const()


def _index(dim: object, rank: int, call: _Call) -> int:
    number = _number(dim, call, "an axis")
    if not -rank <= number < rank:
        raise SymrfError(f"{call.where}: axis {number} of a {rank}-axis tensor")
    return number % rank


def _match(components: list[Component], targets: list[_Size]) -> list[Dim] | None:
    """The dimensions of a reshape of ``components`` (in memory order) to sizes ``targets``: groups of components
    and of target dimensions with equal products. A group of one spatial component and one dimension keeps the
    axis; a spatial component split between dimensions is mixed beyond recovery; None when the sizes cannot be
    matched."""
    source = list(components)
    dims: list[Dim] = []
    i = 0
    j = 0
    while j < len(targets):
        target = targets[j]
        if target.is_one:
            if i < len(source) and source[i][1].is_one:
                dims.append((source[i],))
                i += 1
            else:
                dims.append((("c", _Size.const(1)),))
            j += 1
            continue
        group: list[Component] = []
        wanted = [target]
        have = _Size.const(1)
        need = target
        while True:
            if group and have.same(need):
                break
            side = have.compare(need) if group else -1
            if side is None:
                return None
            if side < 0:
                if i >= len(source):
                    return None
                group.append(source[i])
                have = have * source[i][1]
                i += 1
            else:
                j += 1
                if j >= len(targets):
                    return None
                wanted.append(targets[j])
                need = need * targets[j]
        j += 1
        spatial = [c for c in group if c[0] != "c" and not c[1].is_one]
        if len(wanted) == 1:
            dims.append(_normal(group))
        elif not spatial:
            dims.extend((("c", size),) for size in wanted)
        else:
            dims.extend((("x", size),) for size in wanted)
    while i < len(source):
        if not source[i][1].is_one:
            return None
        i += 1
    return dims


# -- reading a traced graph ----------------------------------------------------------------------------------------


def _stack_paths(node: torch.fx.Node) -> list[tuple[str, str]]:
    """The module stack of a node: (key, path) from the outermost module in, without the root."""
    stack = node.meta.get("nn_module_stack") or {}
    return [(key, entry[0]) for key, entry in stack.items() if entry[0]]


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _constant(value: object) -> Any:
    """A Python value of the model (an attribute, a default) as the reader sees it."""
    if isinstance(value, torch.Tensor):
        return _Const(tuple(_Size.const(int(d)) for d in value.shape))
    if isinstance(value, (int, float, str, bool, type(None), slice)) or value is Ellipsis:
        return value
    if isinstance(value, tuple):
        return tuple(_constant(v) for v in value)
    if isinstance(value, list):
        return [_constant(v) for v in value]
    return _OPAQUE


def _names_of(family: str | None, op: str) -> tuple[str, ...]:
    """The parameter names of an fx call of ``op``."""
    if family == "reduce":
        return _PARAMS["reduce"]
    if family == "along_dim":
        return _PARAMS["normalize"] if op == "normalize" else _PARAMS["softmax"]
    return _PARAMS.get(family or "", ("input",))


class _Session(_Ops):
    """Reads one traced graph: modules, functions, methods, and (for torch.export) ATen ops."""

    def module_at(self, path: str) -> nn.Module | None:
        if path not in self._modules:
            try:
                self._modules[path] = self.root.get_submodule(path)
            except (AttributeError, TypeError):
                self._modules[path] = None
        return self._modules[path]

    def function_name(self, node: torch.fx.Node, op: str) -> str:
        stack = _stack_paths(node)
        return f"{stack[-1][1]}.{op}" if stack else op

    def set_aliases(self, node: torch.fx.Node, value: Any) -> None:
        if isinstance(value, _Val):
            for _, path in _stack_paths(node):
                self.builder.alias(path, value.tensor)

    def load(self, argument: Any) -> Any:
        return torch.fx.node.map_arg(argument, lambda n: self.values[n])

    def attribute(self, target: str) -> Any:
        found: Any = self.root
        for part in target.split("."):
            found = getattr(found, part, None)
        return _constant(found)

    def guarded(self, step: Callable[[], Any], inputs: Iterable[torch.fx.Node], where: str) -> Any:
        """``step()``, its failure one :class:`SymrfError` that names the op (``where``); once an op of unknown
        effect was met, an error is put down to it (its result was a guess): reading goes on with a tensor of
        unknown layout, to find every op of unknown effect."""
        try:
            try:
                return step()
            except (TypeError, ValueError, IndexError, KeyError, AttributeError, ZeroDivisionError) as exc:
                if isinstance(exc, SymrfError):
                    raise
                raise SymrfError(f"{where}: symrf could not read this op ({_reason(exc)})") from None
        except SymrfError:
            if not (self.unknown and self.strict):
                raise
            found = [v for n in inputs for v in _flat(self.values.get(n)) if isinstance(v, _Val)]
            if not found:
                return _Const()
            return self._guess(_Val(found[0].tensor, None))

    def _guess(self, value: Any) -> Any:
        if isinstance(value, _Val):
            self._guessed.add(id(value))
        return value

    # -- nodes -----------------------------------------------------------------------------------------------------

    def node(self, node: torch.fx.Node) -> Any:
        args = tuple(self.load(node.args))
        kwargs = dict(self.load(node.kwargs))
        if node.op == "call_module":
            path = str(node.target)
            module = self.module_at(path)
            if module is None:
                raise SymrfError(f"{path}: the module cannot be found")
            return self.run_module(module, path, args, kwargs)
        if node.op == "call_function":
            target = node.target
            if isinstance(target, torch._ops.OpOverload):
                return self.aten(node, target, args, kwargs)
            op = _functions().get(target) if _hashable(target) else None
            key = _function_name(target)
            if op is None and key in _LIBRARY_POINTWISE:
                op = "dropout"  # torchvision's stochastic depth: drops whole samples, each position alone
            label = getattr(target, "__name__", "op")
            declared = self.declared.of_names(target, [key, label, getattr(target, "__qualname__", label)])
            family = _FAMILY.get(op) if op else None
            name = self.function_name(node, op or label)
            call = _Call(op or label, name, name, args, kwargs, _names_of(family, op or ""))
            return self.dispatch(call, family, declared, key)
        if node.op == "call_method":
            method = str(node.target)
            op = _canonical_method(method)
            declared = self.declared.of_names(method, [method, f"Tensor.{method}", f"torch.Tensor.{method}"])
            family = _FAMILY.get(op)
            if op in _VARARGS and args:
                rest = args[1:]
                args = (args[0], rest[0] if len(rest) == 1 and isinstance(rest[0], (list, tuple)) else rest)
            name = self.function_name(node, op)
            call = _Call(op, name, name, args, kwargs, _names_of(family, op))
            result = self.dispatch(call, family, declared, f"Tensor.{method}")
            self._in_place(node, method, result)
            return result
        raise SymrfError(f"unknown fx node kind {node.op!r}")

    def aten(self, node: torch.fx.Node, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        schema = target._schema
        op = _canonical_method(schema.name.split("::")[-1])
        family = _FAMILY.get(op)
        names = tuple("input" if a.name == "self" else a.name for a in schema.arguments)
        name = self.function_name(node, "interpolate" if family == "upsample_aten" else op)
        meta = node.meta.get("val")
        shape = tuple(int(d) for d in meta.shape) if isinstance(meta, torch.Tensor) else None
        call = _Call(op, name, name, args, kwargs, names)
        key = f"aten.{op}"
        declared = self.declared.of_names(target, [key, op, str(target), schema.name])
        result = self.dispatch(call, family, declared, key)
        self._in_place(node, schema.name.split("::")[-1], result)
        returns = len(schema.returns)
        if returns > 1 and not isinstance(result, tuple):
            result = (result,) * returns
        if isinstance(result, _Val) and shape is not None and result.dims is not None and len(result.dims) == len(
                shape):  # channel sizes from the trace
            result = _Val(result.tensor, tuple(
                _channel(_Size.const(n)) if len(dim) == 1 and dim[0][0] == "c" else dim
                for dim, n in zip(result.dims, shape)))
        return result

    def _in_place(self, node: torch.fx.Node, name: str, result: Any) -> None:
        """An in-place op (``x.add_(y)``) changes its first argument: later reads of it see the result."""
        if (name.endswith("_") and not name.endswith("__") and isinstance(result, _Val) and node.args
                and isinstance(node.args[0], torch.fx.Node) and isinstance(self.values.get(node.args[0]), _Val)):
            self.values[node.args[0]] = result

    def dispatch(self, call: _Call, family: str | None, declared: str | None, key: str) -> Any:
        if declared == "pointwise":
            return self._guess(self.pointwise(call))
        if declared == "global":
            return self._guess(self.declared_global(call))
        try:
            return self.call(call, family)
        except _Unknown:
            return self.unknown_op(call, key)

    def run_module(self, module: nn.Module, path: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        call = _Call(type(module).__name__, path, path, args, kwargs, ("input",), module)
        declared = self.declared.of_module(module)
        if declared is not None:
            return self._guess(self.pointwise(call) if declared == "pointwise" else self.declared_global(call))
        if not any(isinstance(v, _Val) for v in _flat(args, kwargs)):
            return _Const()
        for cls, handler in _MODULE_HANDLERS:
            if isinstance(module, cls):
                return getattr(self, handler)(call, module)
        return self.unknown_op(call, _type_name(type(module)))

    def unknown_op(self, call: _Call, key: str) -> Any:
        """An op of unknown effect: recorded, and treated as pointwise so that reading goes on."""
        self.unknown.setdefault(key, call.where)
        return self._guess(self.pointwise(call))

    # -- the end ---------------------------------------------------------------------------------------------------

    def finish(self, output: Any) -> Tensor:
        self.raise_unknown()
        found = list(dict.fromkeys(v.tensor for v in _flat(output) if isinstance(v, _Val)))
        if not found:
            raise SymrfError("the model's output does not depend on its input's positions (no layer was found)")
        if len(found) > 1:
            others = ", ".join(dict.fromkeys(t.node for t in found[1:]))
            self.notes.append(f"the model returns {len(found)} tensors; the graph's output is the first "
                              f"({found[0].node}); the others are the nodes {others}")
        if self._training_norms:
            self.notes.append(f"{self._training_norms[0]}: batch norm in training mode reads statistics over all "
                              "positions; it is read as in eval mode (pointwise), as for inference")
        if self._ceil_without_size:
            self.notes.append(f"{', '.join(dict.fromkeys(self._ceil_without_size))}: ceil mode changes output "
                              "sizes, which the graph has right only when from_torch is given the input size")
        return found[0]

    def raise_unknown(self) -> None:
        if not self.unknown:
            return
        listed = "; ".join(f"{key} (at {where})" for key, where in self.unknown.items())
        if self.strict:
            count = len(self.unknown)
            kinds = f"{count} op types" if count > 1 else "an op type"
            raise SymrfError(
                f"symrf does not know what {kinds} of the model do{'es' if count == 1 else ''} to the spatial axes: "
                f"{listed}; declare each as pointwise=[...] (it reads one position) or global_=[...] (it reads the "
                "whole input), by class, function or name (on the command line --pointwise TYPE or --global TYPE), "
                "or pass strict=False (--allow-unknown) to treat them as pointwise")
        for key, where in self.unknown.items():
            self.warnings.append(f"{key} (at {where}): symrf does not know what it does to the spatial axes; "
                                 "treated as pointwise")
        self.unknown.clear()

    # -- module handlers -------------------------------------------------------------------------------------------

    def _check_module_dims(self, call: _Call, module: nn.Module) -> None:
        count = _module_axis_count(module)
        if count is not None and count != self.axis_count:
            raise SymrfError(f"{call.where}: {type(module).__name__} acts on {count} spatial axes but the model has "
                             f"{self.axis_count}")

    def _m_conv(self, call: _Call, m: Any) -> Any:
        self._check_module_dims(call, m)
        value = call.input
        if not isinstance(value, _Val):
            return _Const()
        kernel = tuple(m.kernel_size)
        channels = m.out_channels or None
        if m.transposed:
            return self._transposed(call, value, kernel, m.stride, m.padding, m.output_padding, m.dilation, channels)
        self._require_layout(call, value)
        padding = self._conv_padding(call, m.padding, kernel, tuple(m.stride), tuple(m.dilation))
        return self.layer(call, value, "conv", kernel, tuple(m.stride), padding, tuple(m.dilation), channels)

    def _m_max_pool(self, call: _Call, m: Any) -> Any:
        self._check_module_dims(call, m)
        call = replace(call, args=(call.input,), kwargs={
            "kernel_size": m.kernel_size, "stride": m.stride, "padding": m.padding})
        return self._pool(call, m.dilation, bool(m.ceil_mode), bool(m.return_indices))

    def _m_avg_pool(self, call: _Call, m: Any) -> Any:
        self._check_module_dims(call, m)
        call = replace(call, args=(call.input,), kwargs={
            "kernel_size": m.kernel_size, "stride": m.stride, "padding": m.padding})
        return self._pool(call, 1, bool(m.ceil_mode), False)

    def _m_adaptive(self, call: _Call, m: Any) -> Any:
        self._check_module_dims(call, m)
        return self._adaptive(call, m.output_size, bool(getattr(m, "return_indices", False)))

    def _m_upsample(self, call: _Call, m: Any) -> Any:
        return self._resample(call, m.size, m.scale_factor, m.mode, m.align_corners, False)

    def _m_pad(self, call: _Call, m: Any) -> Any:
        self._check_module_dims(call, m)
        return self._op_pad(replace(call, kwargs={"pad": tuple(m.padding)}))

    def _m_pixel_shuffle(self, call: _Call, m: Any) -> Any:
        return self._shuffle(call, m.upscale_factor, up=True)

    def _m_pixel_unshuffle(self, call: _Call, m: Any) -> Any:
        return self._shuffle(call, m.downscale_factor, up=False)

    def _m_flatten(self, call: _Call, m: Any) -> Any:
        return self._op_flatten(replace(call, kwargs={"start_dim": m.start_dim, "end_dim": m.end_dim}))

    def _m_unflatten(self, call: _Call, m: Any) -> Any:
        return self._op_unflatten(replace(call, kwargs={"dim": m.dim, "sizes": tuple(m.unflattened_size)}))

    def _m_linear(self, call: _Call, m: Any) -> Any:
        out = getattr(m, "out_features", None)
        shape = (_Size.const(out),) if isinstance(out, int) and out > 0 else (_Size.token(None),)
        return self._op_linear(replace(call, kwargs={"weight": _Const(shape)}))

    def _m_layer_norm(self, call: _Call, m: Any) -> Any:
        return self._op_layer_norm(replace(call, kwargs={"normalized_shape": tuple(m.normalized_shape)}))

    def _m_group_norm(self, call: _Call, m: Any) -> Any:
        return self._op_group_norm(call)

    def _m_instance_norm(self, call: _Call, m: Any) -> Any:
        uses_input = m.training or not m.track_running_stats
        return self._op_instance_norm(replace(call, kwargs={"use_input_stats": uses_input}))

    def _m_softmax(self, call: _Call, m: Any) -> Any:
        dim = -3 if isinstance(m, nn.Softmax2d) else m.dim
        return self._op_along_dim(replace(call, op="softmax", kwargs={"dim": dim}))

    def _m_glu(self, call: _Call, m: Any) -> Any:
        return self._op_glu(replace(call, kwargs={"dim": m.dim}))

    def _m_batch_norm(self, call: _Call, m: Any) -> Any:
        if m.training or not m.track_running_stats:
            self._training_norms.append(call.where)
        return call.input

    def _m_pass(self, call: _Call, m: Any) -> Any:
        return call.input if isinstance(call.input, _Val) else self.pointwise(call)


_MODULE_HANDLERS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (nn.modules.conv._ConvNd, "_m_conv"),
    (nn.modules.pooling._MaxPoolNd, "_m_max_pool"),
    (nn.modules.pooling._AvgPoolNd, "_m_avg_pool"),
    (nn.modules.pooling._AdaptiveAvgPoolNd, "_m_adaptive"),
    (nn.modules.pooling._AdaptiveMaxPoolNd, "_m_adaptive"),
    (nn.Upsample, "_m_upsample"),
    (_PADDINGS, "_m_pad"),
    (nn.PixelShuffle, "_m_pixel_shuffle"),
    (nn.PixelUnshuffle, "_m_pixel_unshuffle"),
    (nn.Flatten, "_m_flatten"),
    (nn.Unflatten, "_m_unflatten"),
    (nn.Linear, "_m_linear"),
    (nn.LayerNorm, "_m_layer_norm"),
    (nn.GroupNorm, "_m_group_norm"),
    (nn.modules.instancenorm._InstanceNorm, "_m_instance_norm"),
    ((nn.Softmax2d, nn.Softmax, nn.LogSoftmax, nn.Softmin), "_m_softmax"),
    (nn.GLU, "_m_glu"),
    (nn.modules.batchnorm._BatchNorm, "_m_batch_norm"),
    (_ACTIVATIONS, "_m_pass"),
)


# -- fx and torch.export ---------------------------------------------------------------------------------------------


class _FxSession(_Session):
    """Reads a graph traced by torch.fx."""

    def run(self, graph: torch.fx.Graph) -> Tensor:
        placeholders = [n for n in graph.nodes if n.op == "placeholder"]
        output: Any = None
        for node in graph.nodes:
            if node.op == "placeholder":
                if node is placeholders[0]:
                    value: Any = self.input_value()
                elif node.args:
                    value = _constant(node.args[0])
                else:
                    needed = ", ".join(str(p.target) for p in placeholders if not p.args)
                    raise SymrfError(f"the model takes several inputs ({needed}); symrf reads models with one input")
            elif node.op == "get_attr":
                value = self.attribute(str(node.target))
            elif node.op == "output":
                output = self.load(node.args[0])
                continue
            else:
                value = self.guarded(partial(self.node, node), node.all_input_nodes, _where(node))
            self.values[node] = value
            self.set_aliases(node, value)
        return self.finish(output)


class _ExportSession(_Session):
    """Reads a graph of ATen ops from torch.export; a call of a module symrf understands (or of a declared type) is
    read as that module, from the run of ops inside it."""

    def run(self, program: Any, channels: int, batch: int) -> Tensor:
        graph = program.graph
        kinds = {spec.arg.name: spec.kind.name for spec in program.graph_signature.input_specs
                 if hasattr(spec.arg, "name")}
        user = [n for n in graph.nodes if n.op == "placeholder" and kinds.get(n.name) == "USER_INPUT"]
        output: Any = None
        groups = self._groups(graph)
        for node in graph.nodes:
            if node in self.values:
                continue
            if node.op == "placeholder":
                self.values[node] = self.input_value(channels, batch) if user and node is user[0] else _meta(node)
                continue
            if node.op == "output":
                output = self.load(node.args[0])
                continue
            if node.op == "get_attr":
                self.values[node] = self.attribute(str(node.target))
                continue
            group = groups.get(node)
            if group is not None:
                members, path = group
                value = self.guarded(partial(self._run_group, members, path),
                                     [n for m in members for n in m.all_input_nodes], path)
                for member in members:
                    self.values[member] = value
                self.set_aliases(members[-1], value)
                continue
            value = self.guarded(partial(self.node, node), node.all_input_nodes, _where(node))
            self.values[node] = value
            self.set_aliases(node, value)
        return self.finish(output)

    def _groups(self, graph: torch.fx.Graph) -> dict[torch.fx.Node, tuple[list[torch.fx.Node], str]]:
        """The runs of ATen ops inside one call of a module read as a whole: node -> (the run, the module's path)."""
        groups: dict[torch.fx.Node, tuple[list[torch.fx.Node], str]] = {}
        current: tuple[str, list[torch.fx.Node], str] | None = None
        for node in graph.nodes:
            leaf = None
            if node.op == "call_function":
                for key, path in _stack_paths(node):
                    module = self.module_at(path)
                    if module is not None and (_is_leaf_type(module) or self.declared.of_module(module) is not None
                                               or _is_torch_leaf(module)):
                        leaf = (key, path)
                        break
            if leaf is None:
                current = None
                continue
            if current is not None and current[0] == leaf[0]:  # fx keys each call apart (conv, conv@1)
                current[1].append(node)
            else:
                current = (leaf[0], [node], leaf[1])
            groups[node] = (current[1], current[2])
        return groups

    def _run_group(self, members: list[torch.fx.Node], path: str) -> Any:
        inside = set(members)
        external: list[Any] = []
        for member in members:
            for argument in member.all_input_nodes:
                if argument not in inside:
                    value = self.values.get(argument)
                    if isinstance(value, _Val) and not any(value is v for v in external):
                        external.append(value)
        module = self.module_at(path)
        assert module is not None
        return self.run_module(module, path, tuple(external), {})


def _where(node: torch.fx.Node) -> str:
    """A node of a trace, for messages: a module's path, else the node's name in its container."""
    if node.op == "call_module":
        return str(node.target)
    stack = _stack_paths(node)
    return f"{stack[-1][1]}.{node.name}" if stack else node.name


def _meta(node: torch.fx.Node) -> Any:
    meta = node.meta.get("val")
    if isinstance(meta, torch.Tensor):
        return _Const(tuple(_Size.const(int(d)) for d in meta.shape))
    return _OPAQUE


def _is_leaf_type(module: nn.Module) -> bool:
    """Whether ``module`` is of a type symrf understands, with that type's own ``forward`` (a subclass that
    overrides it, such as torchvision's channels-first ``LayerNorm2d``, is traced into instead)."""
    if not isinstance(module, _UNDERSTOOD_MODULES):
        return False
    owner = next(kind for kind in type(module).__mro__ if "forward" in kind.__dict__)  # whose forward runs
    return owner.__module__.startswith("torch.")


def _is_torch_leaf(module: nn.Module) -> bool:
    """Whether fx keeps ``module`` one call by default (a module of torch.nn other than a container): under
    torch.export too, an unknown one (``nn.MultiheadAttention``) is reported as the module, not its ops."""
    return (type(module).__module__.startswith(("torch.nn.", "torch.ao.nn."))
            and not isinstance(module, (nn.Sequential, nn.ModuleList, nn.ModuleDict)))


# -- the entry points ------------------------------------------------------------------------------------------------


def _sizes(input_size: object) -> tuple[int, ...] | int | None:
    if input_size is None:
        return None
    if isinstance(input_size, bool):
        raise SymrfError(f"input_size must be an integer or a tuple of integers, not {quoted(input_size)}")
    if isinstance(input_size, int):
        if input_size < 1:
            raise SymrfError(f"input_size must be positive, not {input_size}")
        return input_size
    if isinstance(input_size, (tuple, list)) and input_size:
        sizes = []
        for size in input_size:
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise SymrfError(f"input_size must hold positive integers, not {quoted(input_size)}")
            sizes.append(size)
        return tuple(sizes)
    raise SymrfError(f"input_size must be an integer or a tuple of integers, not {quoted(input_size)}")


def _axis_count_of_graph(graph: torch.fx.Graph, root: nn.Module) -> int | None:
    for node in graph.nodes:
        if node.op == "call_module":
            try:
                module = root.get_submodule(str(node.target))
            except AttributeError:
                continue
            count = _module_axis_count(module)
            if count is not None:
                return count
        elif node.op == "call_function" and _hashable(node.target):
            count = _name_axis_count(_functions().get(node.target))
            if count is not None:
                return count
    return None


def _module_axis_count(module: nn.Module) -> int | None:
    if isinstance(module, nn.modules.conv._ConvNd):
        return len(module.kernel_size)
    for cls, count in _MODULE_DIMS.items():
        if type(module) is cls:
            return count
    return None


def _name_axis_count(name: str | None) -> int | None:
    if name and _FAMILY.get(name) in ("conv", "conv_transpose", "max_pool", "avg_pool", "adaptive_avg_pool",
                                      "adaptive_max_pool"):
        for count in (1, 2, 3):
            if f"{count}d" in name:
                return count
    return None


def _axis_count_of_modules(root: nn.Module) -> int | None:
    for module in root.modules():
        count = _module_axis_count(module)
        if count is not None:
            return count
    return None


def _input_channels(root: nn.Module) -> int:
    for module in root.modules():
        channels = getattr(module, "in_channels", None)
        if isinstance(module, nn.modules.conv._ConvNd) and isinstance(channels, int) and channels > 0:
            return channels
    return 3


class _Root(nn.Module):
    """A model that is one module symrf understands (``nn.Conv2d(...)``), held so that fx keeps it one call: the
    node is named after its class."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.inner_name = type(module).__name__
        self.add_module(self.inner_name, module)

    def forward(self, x: Any) -> Any:
        return getattr(self, self.inner_name)(x)


def _axis_count(given: tuple[int, ...] | int | None, found: int | None) -> int:
    if isinstance(given, tuple) and len(given) > 1:
        if found is not None and found != len(given):
            raise SymrfError(f"the input size has {len(given)} entries but the model has {found} spatial axes")
        return len(given)
    if found is None:
        raise SymrfError("symrf cannot tell how many spatial axes the model has (no convolution or pooling was "
                         "found); give input_size as a tuple with one size per spatial axis")
    return found


def _per_axis_sizes(given: tuple[int, ...] | int | None, count: int) -> tuple[int | None, ...] | None:
    if given is None:
        return None
    if isinstance(given, int):
        return (given,) * count
    if len(given) == 1:
        return given * count
    if len(given) != count:
        raise SymrfError(f"the input size has {len(given)} entries but the model has {count} spatial axes")
    return given


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return shorten(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, 160)


def import_torch(module: nn.Module, input_size: object = None, *, strict: bool = True, pointwise: object = (),
                 global_: object = (), symbolic: str | None = None) -> Imported:
    """Import a PyTorch model: its graph, with notes on how it was traced and read, and warnings (with
    ``strict=False``, the op types of unknown effect treated as pointwise). See :func:`from_torch`."""
    return symbolic_form(_imported(module, input_size, strict, pointwise, global_), symbolic)


def _imported(module: nn.Module, input_size: object, strict: bool, pointwise: object, global_: object) -> Imported:
    if not isinstance(module, nn.Module):
        raise SymrfError(f"from_torch takes a torch.nn.Module, not {type(module).__name__}")
    given = _sizes(input_size)
    declared = _Declared(pointwise, global_)
    tracer = _Tracer(declared)
    if _is_leaf_type(module) or declared.of_module(module) is not None:
        root: nn.Module = _Root(module)  # fx traces into the root: a model that is one module stays one call
    else:
        root = module
    try:
        graph = tracer.trace(root)
    except SymrfError:
        raise
    except Exception as exc:  # fx cannot trace it: torch.export with a fake input
        return _exported(module, given, strict, declared, _reason(exc))
    count = _axis_count(given, _axis_count_of_graph(graph, root))
    session = _FxSession(root, count, _per_axis_sizes(given, count), strict, declared)
    output = session.run(graph)
    notes = ["traced with torch.fx", *session.notes]
    return Imported(session.builder.build(output), tuple(notes), tuple(session.warnings))


@contextmanager
def _quiet_torch_logs() -> Iterator[None]:
    """Logging and standard error silenced while torch.export runs (it logs, and prints, the graph it could not
    trace): symrf reports failures in its own message."""
    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with redirect_stderr(io.StringIO()):
            yield
    finally:
        logging.disable(before)


def _exported(module: nn.Module, given: tuple[int, ...] | int | None, strict: bool, declared: _Declared,
              reason: str) -> Imported:
    if given is None:
        raise SymrfError(f"torch.fx could not trace the model ({reason}); give input_size so that symrf can trace "
                         "it with torch.export on a fake input")
    count = _axis_count(given, _axis_count_of_modules(module))
    sizes = _per_axis_sizes(given, count)
    assert sizes is not None
    channels = _input_channels(module)
    batch = 2
    shape = (batch, channels, *sizes)
    try:
        with warnings.catch_warnings(), _quiet_torch_logs():
            warnings.simplefilter("ignore")
            with FakeTensorMode(allow_non_fake_inputs=True):
                fake = torch.empty(shape)  # type: ignore[arg-type]  # every size is known here
                program = torch.export.export(module, (fake,))
    except Exception as exc:  # neither tracer could read the model
        raise SymrfError(f"torch.fx could not trace the model ({reason}), nor could torch.export "
                         f"({_reason(exc)})") from None
    session = _ExportSession(module, count, sizes, strict, declared)
    output = session.run(program, channels, batch)
    notes = [f"torch.fx could not trace the model ({reason}); used torch.export with a fake input of size "
             f"{shape}", *session.notes]
    return Imported(session.builder.build(output), tuple(notes), tuple(session.warnings))


def from_torch(module: nn.Module, input_size: object = None, *, strict: bool = True, pointwise: object = (),
               global_: object = (), symbolic: str | None = None) -> Graph:
    """The symrf :class:`~symrf.dag.Graph` of a PyTorch model, read from its trace (no data, no weights needed).

    ``input_size`` is None, one size for every spatial axis, or a tuple with one per axis (height first); with it,
    sizes are exact (it is needed for adaptive pooling to sizes above 1, interpolation to a ``size=``, and by the
    fallback to ``torch.export`` when fx cannot trace the model). ``pointwise`` and ``global_`` declare op types
    symrf does not know (classes, functions, or names such as ``"MyAttention"`` or ``"roll"``): a pointwise op
    reads each position alone, a global one the whole input. ``strict=False`` treats unknown ops as pointwise,
    with a warning per type. :func:`import_torch` gives the notes too.

    ``symbolic="counts"`` gives the model's family: each container whose last blocks are identical (the blocks
    after the first of each ResNet stage) repeats them ``n_<container> - j`` times, ``n_<container>`` being its
    number of blocks; ``symbolic="kernels"`` makes each distinct kernel size above 1 a symbol ``k_1, k_2, ...``
    (:mod:`symrf.families`).

    >>> import torch.nn as nn
    >>> model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    >>> analyze(from_torch(model), 32).rf
    (4, 4)
    """
    imported = import_torch(module, input_size, strict=strict, pointwise=pointwise, global_=global_,
                            symbolic=symbolic)
    for message in imported.warnings:
        warnings.warn(message, stacklevel=2)
    return imported.graph
