"""The formulas of receptive-field arithmetic, one pure function per quantity.

Conventions (Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019):
input pixels are indexed 0, 1, 2, ...; output feature ``x`` of a layer with kernel ``k``, stride ``s``, padding
``p`` and dilation ``d`` reads its input at ``x*s - p + j*d`` for ``j = 0..k-1``. Every function accepts Python
integers (the fast numeric path) and sympy expressions alike.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from .errors import EmptyOutputError, SymrfError, brief
from .symbols import Value

#: The quantities reported for every row and for the whole network, in table order.
QUANTITIES = ("rf", "jump", "effective_padding", "start", "center")


def effective_kernel(kernel: Value, dilation: Value) -> Value:
    """The extent of a dilated kernel, ``k' = d(k - 1) + 1``.

    >>> effective_kernel(3, 2)
    5
    """
    return kernel if dilation == 1 else dilation * (kernel - 1) + 1


def next_rf(rf: Value, kernel_eff: Value, jump_before: Value) -> Value:
    """``l_i = l_{i-1} + (k'_i - 1) * J_{i-1}``: each layer widens the field by its kernel, scaled by the jump.

    >>> next_rf(4, 3, 2)
    8
    """
    return rf + (kernel_eff - 1) * jump_before


def next_jump(jump_before: Value, stride: Value) -> Value:
    """``J_i = J_{i-1} * s_i``: the distance in input pixels between neighbouring features (effective stride).

    >>> next_jump(2, 2)
    4
    """
    return jump_before * stride


def next_effective_padding(padding_before: Value, padding: Value, jump_before: Value) -> Value:
    """``P_i = P_{i-1} + p_i * J_{i-1}``: how far the field of feature 0 reaches before input pixel 0.

    >>> next_effective_padding(1, 1, 2)
    3
    """
    return padding_before + padding * jump_before


def center(rf: Value, effective_padding: Value) -> Value:
    """``c = (l - 1)/2 - P``: the centre of feature 0's field in input pixels (feature ``x``'s is ``c + x*J``).

    Exact: a half-integer centre is a sympy ``Rational``.

    >>> center(30, 0)
    29/2
    """
    if type(rf) is int and type(effective_padding) is int:
        twice = rf - 1 - 2 * effective_padding
        return twice // 2 if twice % 2 == 0 else sympy.Rational(twice, 2)
    return (rf - 1) / sympy.Integer(2) - effective_padding


def output_size(size: Value, kernel_eff: Value, stride: Value, padding: Value,
                padding_end: Value | None = None) -> Value:
    """``n_out = floor((n + p + p_end - k')/s) + 1`` (PyTorch's rule; ``p_end = p`` for symmetric padding).

    Symbolic sizes keep one ``floor``: ``floor((floor(a/b) + m)/s) = floor((a + m b)/(b s))`` for integers ``a, m``
    and positive ``b, s``, so two layers ``conv(3, s=2)`` give ``floor(N/4 - 7/4) + 1``, not nested floors.

    >>> output_size(224, 3, 2, 1), output_size(8, 3, 2, 0, 1)
    (112, 4)
    >>> N = sympy.Symbol("N", integer=True, positive=True)
    >>> output_size(output_size(N, 3, 2, 0), 3, 2, 0)
    floor(N/4 - 7/4) + 1
    """
    span = size + padding + (padding if padding_end is None else padding_end) - kernel_eff
    if type(span) is int and type(stride) is int:
        return span // stride + 1
    if stride == 1:
        return span + 1
    floors = [term for term in sympy.Add.make_args(span) if isinstance(term, sympy.floor)]
    if len(floors) == 1:  # span = floor(a/b) + m: one floor of a longer quotient
        numerator, denominator = floors[0].args[0].as_numer_denom()
        rest = span - floors[0]
        return sympy.floor((numerator + rest * denominator) / (denominator * stride)) + 1
    return sympy.floor(span / stride) + 1


def check_output(where: str, size: Value, kernel_eff: Value, padding: Value, padding_end: Value | None = None) -> None:
    """Raise :class:`~symrf.errors.EmptyOutputError` when an input of ``size`` pixels, padded, is decidably shorter
    than the kernel's extent, so that the layer ``where`` would have an empty output."""
    end = padding if padding_end is None else padding_end
    span = size + padding + end - kernel_eff
    if (type(span) is int and span < 0) or (type(span) is not int and sympy.Lt(span, 0) is sympy.true):
        shown = brief(padding) if end == padding else f"{brief(padding)} and {brief(end)}"
        raise EmptyOutputError(f"{where} gets an input of size {brief(size)}, smaller than its kernel extent "
                               f"{brief(kernel_eff)} with padding {shown}: its output would be empty")


# -- padding modes and output sizes beyond PyTorch's symmetric padding --------------------------------------------


def _residue(size: Value, stride: Value) -> Value | None:
    """``size mod stride`` as an int when it is known (sympy decides ``Mod(32*m, 2) = 0``), else None."""
    if type(size) is int and type(stride) is int:
        return size % stride
    residue = sympy.Mod(size, stride)
    return int(residue) if residue.is_Integer else None


def same_padding(size: Value | None, kernel_eff: Value, stride: Value) -> tuple[Value, Value] | None:
    """TensorFlow's "same" padding ``(before, after)`` for an input of ``size`` pixels, or None when unknown.

    ``total = max(k' - s, 0)`` when ``s`` divides ``n``, else ``max(k' - (n mod s), 0)``; ``before =
    floor(total / 2)``. With a stride of 1 (or a kernel of 1) the padding does not depend on ``n`` at all.

    >>> same_padding(9, 3, 2), same_padding(8, 3, 2), same_padding(None, 3, 1), same_padding(None, 3, 2)
    ((1, 1), (0, 1), (1, 1), None)
    """
    if stride == 1 or kernel_eff == 1:
        total = kernel_eff - 1
    else:
        residue = None if size is None else _residue(size, stride)
        if residue is None:
            return None
        total = kernel_eff - (stride if residue == 0 else residue)
        if type(total) is int:
            total = max(total, 0)
        else:
            decided = sympy.Ge(total, 0)
            if decided is sympy.false:
                total = 0
            elif decided is not sympy.true:
                total = sympy.Max(total, 0)
    before = total // 2 if type(total) is int else sympy.floor(total / 2)
    return before, total - before


def same_output_size(size: Value, stride: Value) -> Value:
    """The output size with "same" padding, ``ceil(n / s)``, whatever the kernel.

    >>> same_output_size(9, 2), same_output_size(sympy.Symbol("n", positive=True, integer=True), 1)
    (5, n)
    """
    if stride == 1:
        return size
    if type(size) is int and type(stride) is int:
        return -(-size // stride)
    return sympy.ceiling(sympy.Integer(size) / stride if type(size) is int else size / stride)


def transposed_output_size(size: Value, kernel_eff: Value, stride: Value, before: Value, after: Value) -> Value:
    """``n_out = (n - 1) s - p_before - p_after + k'`` (PyTorch's ``ConvTranspose`` without output padding).

    >>> transposed_output_size(16, 4, 2, 1, 1)
    32
    """
    return (size - 1) * stride - before - after + kernel_eff


def transposed_inputs(output: int, kernel: int, stride: int, padding: int, dilation: int) -> list[int]:
    """The input pixels that output ``y`` of a transposed convolution reads, in increasing order (maybe none).

    Input ``x`` feeds outputs ``x*s - p + j*d`` (``j = 0..k-1``), so ``y`` reads every ``x = (y + p - j*d) / s``
    that is an integer. How many it reads depends on the phase ``(y + p) mod s``.

    >>> [transposed_inputs(y, 3, 2, 1, 1) for y in range(4)]
    [[0], [0, 1], [1], [1, 2]]
    >>> transposed_inputs(1, 1, 2, 0, 1), transposed_inputs(4, 2, 1, 0, 2)
    ([], [2, 4])
    """
    return sorted((output + padding - j * dilation) // stride for j in range(kernel)
                  if (output + padding - j * dilation) % stride == 0)


#: Most copies of a repeated block whose output size is followed copy by copy. A block that keeps the jump (all
#: strides 1) changes the size by a constant and is computed at once; a strided block reaches a fixed size within
#: about log2(n) copies, so this bound is never met by a real network.
MAX_SIZE_STEPS = 4_096

#: Most copies followed copy by copy when the input size is a symbol (each copy adds a floor to the formula).
MAX_SYMBOLIC_SIZE_STEPS = 64


def repeated_size(step: Callable[[Value], Value | None], size: Value, count: Value, where: str) -> Value | None:
    """The output size of ``count`` copies of a block whose one copy maps an input size to ``step(size)``; None when
    it has no closed form (a strided block repeated a symbolic number of times, or a block whose ``step`` is None), and
    :class:`~symrf.errors.EmptyOutputError` when a copy would have an empty output.

    A block whose size change ``step(m) - m`` is a constant ``c`` (a number, or symbols such as ``1 - q``) gives
    ``size + count * c`` at once; otherwise the
    copies are followed one by one until the size stops changing (strided blocks settle within about log2(n)
    copies), never unrolling the layers.

    >>> def conv3(n):
    ...     check_output("conv3", n, 3, 0)
    ...     return output_size(n, 3, 1, 0)
    >>> repeated_size(conv3, 224, 5, "block"), repeated_size(lambda n: (n - 1) // 2 + 1, 224, 10**100, "pool")
    (214, 1)
    >>> repeated_size(conv3, 224, 10**9, "block")
    Traceback (most recent call last):
    ...
    symrf.errors.EmptyOutputError: block: copy 112 gets an input of size 2, too small for one copy (at least 3)
    """
    probe = sympy.Symbol("size_probe", integer=True, positive=True)
    try:
        stepped = step(probe)
        change = None if stepped is None else sympy.expand(stepped - probe)
    except SymrfError:
        change = None
    if change is not None and change.is_Integer:
        change = int(change)
        if change >= 0 or type(size) is not int or type(count) is not int:
            return size + count * change
        first_empty = _first_too_small(step, size)
        copies = (size - first_empty) // -change + 1 if first_empty <= size else 0  # copies that still fit
        if count > copies:
            raise EmptyOutputError(f"{where}: copy {copies + 1} gets an input of size "
                                   f"{size + copies * change}, too small for one copy (at least {first_empty})")
        return size + count * change
    if change is not None and probe not in change.free_symbols:  # a symbolic constant change, such as 1 - q
        return size + count * change
    if type(count) is not int:
        return None
    current = size
    for copy in range(1, count + 1):
        limit = MAX_SIZE_STEPS if type(current) is int else MAX_SYMBOLIC_SIZE_STEPS
        try:
            following = step(current)
        except EmptyOutputError as exc:
            raise EmptyOutputError(f"{where}: copy {copy}: {exc}") from None
        if following is None:
            return None
        if following == current:
            return current
        if type(following) is not int and count > MAX_SYMBOLIC_SIZE_STEPS:
            return None  # a symbolic size that still changes never settles: the steps would end at the limit
        current = following
        if copy >= limit:
            return None
    return current


def _first_too_small(step: Callable[[Value], Value], size: int) -> int:
    """The smallest input size for which one copy of a block has an output (its step is monotone), by bisection."""
    low, high = 1, size
    if not _fits(step, high):
        raise EmptyOutputError(f"an input of size {brief(size)} is too small for one copy of the block")
    while low < high:
        middle = (low + high) // 2
        if _fits(step, middle):
            high = middle
        else:
            low = middle + 1
    return low


def _fits(step: Callable[[Value], Value], size: int) -> bool:
    try:
        step(size)
    except EmptyOutputError:
        return False
    return True
