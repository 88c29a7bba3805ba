"""The formulas of receptive-field arithmetic, one pure function per quantity.

Conventions (Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019):
input pixels are indexed 0, 1, 2, ...; output feature ``x`` of a layer with kernel ``k``, stride ``s``, padding
``p`` and dilation ``d`` reads its input at ``x*s - p + j*d`` for ``j = 0..k-1``. Every function accepts Python
integers (the fast numeric path) and sympy expressions alike.
"""

from __future__ import annotations

import sympy

from .layers import Value


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


def output_size(size: Value, kernel_eff: Value, stride: Value, padding: Value) -> Value:
    """``n_out = floor((n + 2p - k')/s) + 1`` (PyTorch's rule with symmetric padding ``p``).

    >>> output_size(224, 3, 2, 1)
    112
    """
    span = size + 2 * padding - kernel_eff
    if type(span) is int and type(stride) is int:
        return span // stride + 1
    if stride == 1:
        return span + 1
    return sympy.floor(span / stride) + 1
