"""A brute-force oracle: what input pixels does output feature 0 of a chain depend on?

It knows no formula: it walks the interval of input pixels back through each layer, using only the definition
that output feature x of a layer reads input x*s - p + j*d for j = 0..k-1.
"""

from __future__ import annotations

from fractions import Fraction


def walk_back(layers: list[tuple[int, int, int, int]], feature: int = 0) -> dict[str, object]:
    """RF size, start, jump and centre of ``feature`` for layers given as (k, s, p, d) tuples."""
    first, last = feature, feature
    for k, s, p, d in reversed(layers):
        first, last = first * s - p, last * s - p + d * (k - 1)
    jump = 1
    for _, s, _, _ in layers:
        jump *= s
    return {"rf": last - first + 1, "start": first, "jump": jump, "center": Fraction(first + last, 2)}


def dependency_set(layers: list[tuple[int, int, int, int]], feature: int = 0) -> set[int]:
    """Every input pixel that ``feature`` depends on, by expanding index sets (no interval assumption)."""
    needed = {feature}
    for k, s, p, d in reversed(layers):
        needed = {x * s - p + j * d for x in needed for j in range(k)}
    return needed
