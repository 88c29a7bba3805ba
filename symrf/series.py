"""Sums of the form ``offset + sum_l c_l * J_{l-1}``, the shape shared by the RF, the effective padding and the centre.

For symbolic chains the per-layer values are kept in this structure instead of as expanded sympy sums: written
out flat, the value after layer ``i`` has O(i^2) factors, so all layers together would cost O(L^3). The structure
offers each prefix as a sympy expression (built on demand and cached), its flat size, and the pieces of its
nested (Horner) form ``G_0 + m_1 (G_1 + m_2 (G_2 + ...))`` for printers that must stay linear in size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import sympy

from .symbols import Value


class PrefixProducts:
    """``J_i = s_1 s_2 ... s_i`` for every prefix length ``i = 0..L`` (``J_0 = 1``), each built when first asked for.

    A symbolic product of ``i`` factors costs O(i log i) to build, so building every prefix one from the other costs
    O(L^2): the totals of a long symbolic chain need only the last one.

    >>> jumps = PrefixProducts((2, 1, 3))
    >>> [jumps[i] for i in range(4)], len(jumps)
    ([1, 2, 2, 6], 4)
    """

    __slots__ = ("strides", "_known")

    def __init__(self, strides: tuple[Value, ...]) -> None:
        self.strides = strides
        self._known: dict[int, Value] = {0: 1}

    def __len__(self) -> int:
        return len(self.strides) + 1

    def __getitem__(self, index: int) -> Value:
        found = self._known.get(index)
        if found is None:
            if not 0 <= index <= len(self.strides):
                raise IndexError(index)
            factors = self.strides[:index]
            if all(type(f) is int for f in factors):
                found = math.prod(cast(tuple[int, ...], factors))
            else:
                found = sympy.Mul(*factors)
                found = int(found) if found.is_Integer else found
            self._known[index] = found
        return found


@dataclass(frozen=True, slots=True)
class Group:
    """Consecutive layers that share one jump: they start after a stride ``multiplier`` (1 for the first group)."""

    first: int  # index of the group's first layer, 0-based
    multiplier: Value  # the stride between the previous group and this one
    partial_sums: tuple[Value, ...]  # offset (group 0 only) + c_first + ... + c_{first+j}


class StridedSum:
    """``offset + sum_{l<=i} c_l * J_{l-1}`` for every prefix length ``i`` of a chain.

    >>> s = StridedSum(1, (2, 1, 2), (1, 2, 1), (1, 1, 2))
    >>> [s.value(i) for i in range(4)]
    [1, 3, 4, 8]
    """

    __slots__ = ("offset", "coefficients", "groups", "jumps_before", "_group_of", "_cache", "printed")

    def __init__(self, offset: Value, coefficients: tuple[Value, ...], strides: tuple[Value, ...],
                 jumps_before: Sequence[Value] | PrefixProducts) -> None:
        self.offset = offset
        self.jumps_before = jumps_before  # J_{i-1} at index i - 1, read only for flat values
        self.coefficients = coefficients
        groups: list[Group] = []
        group_of: list[int] = []
        partial: list[Value] = []
        first, multiplier = 0, 1
        running: Value = offset
        for index, coefficient in enumerate(coefficients):
            if index > 0 and strides[index - 1] != 1:
                groups.append(Group(first, multiplier, tuple(partial)))
                first, multiplier, running, partial = index, strides[index - 1], 0, []
            running = running + coefficient
            partial.append(running)
            group_of.append(len(groups))
        if coefficients:
            groups.append(Group(first, multiplier, tuple(partial)))
        self.groups = tuple(groups)
        self._group_of = tuple(group_of)
        self._cache: dict[int, Value] = {}
        self.printed: dict = {}  # printers' memo of nested forms (see symrf.printing)

    def group_of(self, length: int) -> int:
        """The index of the group holding term ``length`` (1-based, as a prefix length)."""
        return self._group_of[length - 1]

    def group_sums(self, length: int) -> list[tuple[Value, Value, Value]]:
        """``(multiplier, jump, sum)`` of each group within the first ``length`` terms (the last may be partial)."""
        if length == 0:
            return []
        last = self._group_of[length - 1]
        result = []
        for group in self.groups[: last + 1]:
            end = min(length - group.first, len(group.partial_sums))
            result.append((group.multiplier, self.jumps_before[group.first], group.partial_sums[end - 1]))
        return result

    def value(self, length: int) -> Value:
        """The sum of the first ``length`` terms, as an int or a sympy expression (flat, simplified by sympy)."""
        if length == 0:
            return self.offset
        cached = self._cache.get(length)
        if cached is None:
            terms = [total * jump for _, jump, total in self.group_sums(length)]
            cached = sympy.Add(*terms)
            if cached.is_Integer:
                cached = int(cached)
            self._cache[length] = cached
        return cached

    def flat_size(self, length: int) -> int:
        """About how many factors the flat form of the first ``length`` terms has (to pick a printed form)."""
        if length == 0:
            return 1
        size = 0
        for index, group in enumerate(self.groups[: self._group_of[length - 1] + 1]):
            terms = min(length - group.first, len(group.partial_sums))
            size += terms + index * max(terms, 1)
        return size
