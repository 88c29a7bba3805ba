"""Networks with values per axis: one 1-D analysis per axis, reported together (each quantity a tuple, height first).

Receptive fields are separable: along each axis a network is a 1-D network of its own (:meth:`Network.along
<symrf.network.Network.along>`), analysed by whichever engine its structure needs (a chain, a closed form, a
graph); only the reports are put back together. The dispatcher (:func:`symrf.analyze`) builds the per-axis
analyses and hands itself over for :meth:`AxesAnalysis.subs`, so this module never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import sympy

from .analysis import Analysis, Row, analysis_symbols, given_values, substitution
from .derivations import axes_derivation
from .errors import SymrfError
from .layers import AxesLayer, Layer

__all__ = ["AxesAnalysis"]


def _all_aligned(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


class AxesAnalysis(Analysis):
    """The analyses of a network with several axes, one 1-D analysis per axis; quantities are tuples (height first).

    >>> a = analyze("conv((3, 5), 2), conv((3, 1), 2)")
    >>> a.rf, a.axis(1).rf, a.axis_names
    ((7, 5), 5, ('height', 'width'))
    """

    def __init__(self, network: Any, analyses: tuple[Analysis, ...],
                 reanalyze: Callable[[Any, Any], Analysis]) -> None:
        self.network = network
        self.analyses = analyses
        self.axis_count = len(analyses)
        self._reanalyze = reanalyze
        sizes = tuple(a.input_size for a in analyses)
        self.input_size = None if all(size is None for size in sizes) else sizes

    def axis(self, key: int | str) -> Analysis:
        """The 1-D analysis of one axis, by index (0 is the height of a 2-D network) or name ("width")."""
        names = self.axis_names
        if isinstance(key, str):
            if key not in names:
                raise SymrfError(f"there is no axis {key!r}; axes: {', '.join(names)}")
            return self.analyses[names.index(key)]
        if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key < self.axis_count:
            raise SymrfError(f"there is no axis {key!r}; axes are 0 to {self.axis_count - 1} ({', '.join(names)})")
        return self.analyses[key]

    def _each(self, field: str) -> tuple:
        return tuple(getattr(a, field) for a in self.analyses)

    @property
    def rf(self) -> tuple:
        return self._each("rf")

    @property
    def rf_min(self) -> tuple:
        return self._each("rf_min")

    def _aliases(self) -> Mapping[str, int]:
        return self.analyses[0]._aliases()  # the same graph along every axis: the same names

    @property
    def has_global(self) -> bool:
        return any(a.has_global for a in self.analyses)

    @property
    def rf_local(self) -> tuple | None:
        values = self._each("rf_local")
        return None if any(value is None for value in values) else values

    @property
    def jump(self) -> tuple:
        return self._each("jump")

    @property
    def effective_padding(self) -> tuple:
        return self._each("effective_padding")

    @property
    def start(self) -> tuple:
        return self._each("start")

    @property
    def center(self) -> tuple:
        return self._each("center")

    @property
    def size(self) -> tuple | None:
        return None if self.input_size is None else self._each("size")

    @property
    def aligned(self) -> bool | None:
        return _all_aligned(list(self._each("aligned")))

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(f"{axis}: {w}" for axis, a in zip(self.axis_names, self.analyses) for w in a.warnings)

    @property
    def notes(self) -> tuple[str, ...]:
        """Each axis's notes, prefixed with the axis; a note every axis has alike is given once, unprefixed."""
        shared = set.intersection(*(set(a.notes) for a in self.analyses))
        found = [n for n in self.analyses[0].notes if n in shared]
        found += [f"{axis}: {n}" for axis, a in zip(self.axis_names, self.analyses) for n in a.notes
                  if n not in shared]
        return tuple(found)

    @property
    def branched(self) -> bool:
        return any(a.branched for a in self.analyses)

    @property
    def phases(self) -> tuple | None:
        found = self._each("phases")
        return None if all(p is None for p in found) else found

    @cached_property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        return analysis_symbols(self.network, self.input_size)

    @property
    def counts(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for a in self.analyses:
            found |= a.counts
        return frozenset(found)

    @property
    def is_numeric(self) -> bool:
        return all(a.is_numeric for a in self.analyses)

    @property
    def names(self) -> tuple[str, ...]:
        return self.analyses[0].names

    def __len__(self) -> int:
        return len(self.analyses[0])

    def _row(self, index: int) -> Row:
        return self._combine(tuple(a.row(index) for a in self.analyses))

    def copies(self, key: int | str) -> tuple[Row, ...]:
        """The rows of the first and the last copy of a block repeated an integer number of times, each combining
        the axes' rows (see :meth:`symrf.analysis.Analysis.copies`)."""
        index = self.layer(key).index
        return tuple(self._combine(rows) for rows in zip(*(a.copies(index) for a in self.analyses)))

    def _combine(self, rows: tuple[Row, ...]) -> Row:
        """One row with a tuple per quantity, from the rows of the same layer along each axis."""
        first = rows[0]
        index = first.index

        def each(field: str) -> tuple:
            return tuple(getattr(r, field) for r in rows)

        return Row(
            index, first.name, first.kind, self._layer_of(rows),
            first.inputs, each("rf"), each("rf_min"), each("jump"), each("effective_padding"), each("start"),
            each("center"), each("size") if self.input_size is not None else None, each("padding"),
            _all_aligned(list(each("aligned"))), first.paths, None, rows,
            None if any(r.rf_local is None for r in rows) else each("rf_local"),
        )

    @staticmethod
    def _layer_of(rows: tuple[Row, ...]) -> Any:
        """The layer of a row across the axes: an :class:`~symrf.layers.AxesLayer` when its values differ between
        axes, the 1-D layer when they agree, the repeated block or None (a merge) as on the first axis."""
        layers = tuple(row.layer for row in rows)
        if all(type(layer) is Layer for layer in layers) and len(set(layers)) > 1:
            return AxesLayer(layers, layers[0].name)
        return layers[0]

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        return tuple(self._row(i) for i in range(1, len(self) + 1))

    def value_at(self, quantity: str, length: int) -> Any:
        return tuple(a.value_at(quantity, length) for a in self.analyses)

    def input_interval(self, feature: int | tuple[int, ...] = 0) -> tuple:
        """The first and last input pixels of ``feature`` (one index, or one per axis) along each axis."""
        features = feature if isinstance(feature, tuple) else (feature,) * self.axis_count
        if len(features) != self.axis_count:
            raise SymrfError(f"give one feature index per axis ({self.axis_count}), not {len(features)}")
        return tuple(a.input_interval(f) for a, f in zip(self.analyses, features))

    def subs(self, values: Mapping[Any, object] | None = None, **named: object) -> Analysis:
        """The analysis with symbols given values, along every axis."""
        mapping = substitution(self.free_symbols, given_values(values, named))
        sizes = None
        if self.input_size is not None:
            sizes = tuple(s.xreplace(mapping) if isinstance(s, sympy.Expr) else s for s in self.input_size)
        return self._reanalyze(self.network.xreplace(mapping), sizes)

    def latex(self, **options: Any) -> str:
        """One derivation per axis, each headed by the axis's name."""
        return axes_derivation(self, **options)

    def __repr__(self) -> str:
        return f"AxesAnalysis(rf={self.rf}, jump={self.jump}, effective_padding={self.effective_padding})"
