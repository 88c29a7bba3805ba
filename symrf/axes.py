"""Several axes: how values are given per axis, and the names of the axes (the layers are in :mod:`symrf.layers`,
the analyses in :mod:`symrf.per_axis`); reported per axis (height first, like PyTorch).

Receptive fields are separable: along each axis a network is a 1-D network of its own, and nothing couples the
axes. So a network with per-axis values is analysed as one 1-D network per axis (:meth:`Network.along
<symrf.network.Network.along>`), and only the reports are put back together. A plain 1-D chain never meets this
module: its layers hold single values and it is analysed directly.

How values are given per axis (the rule that tells per-axis tuples and asymmetric paddings apart):

- a tuple (or list) gives one entry per axis, height first: ``conv((3, 5), s=2)``, ``conv((1, 7), p=(0, 3))``;
  a single value is used on every axis;
- an entry of a padding may itself be a ``(before, after)`` pair: ``p=((0, 1), 1)`` pads the height by 0 before
  and 1 after, the width by 1 on both sides; ``p=[(0, 1)]`` is the asymmetric padding of a 1-D layer;
- a flat pair ``p=(0, 1)`` on a layer whose other values are all single is ambiguous (two axes, or before and
  after?) and refused with a message that shows both spellings.

>>> conv((3, 5), s=2).kernel
(3, 5)
>>> conv((1, 7), p=(0, 3)).along(1)
conv(7, p=3)
"""

from __future__ import annotations

from .errors import SymrfError


def common_axis_count(counts: set[int]) -> int:
    """The number of axes of layers giving values for ``counts`` axes (single values, count 1, fit any).

    >>> common_axis_count({1, 2})
    2
    """
    counts = set(counts) - {1}
    if len(counts) > 1:
        shown = ", ".join(map(str, sorted(counts)))
        raise SymrfError(f"the layers give values for different numbers of axes: {shown}")
    return counts.pop() if counts else 1

#: Names of the axes of a network with 2 or 3 axes, in order (PyTorch's layout: depth, height, width).
AXIS_NAMES = {2: ("height", "width"), 3: ("depth", "height", "width")}


def axis_names(count: int) -> tuple[str, ...]:
    """Display names of ``count`` axes: ``("height", "width")`` for two, ``axis 1, axis 2, ...`` beyond three.

    >>> axis_names(2), axis_names(1)
    (('height', 'width'), ('x',))
    """
    if count == 1:
        return ("x",)
    return AXIS_NAMES.get(count, tuple(f"axis {i + 1}" for i in range(count)))
