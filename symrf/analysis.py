"""The one result type of symrf: :class:`Analysis`, which every engine returns, and :class:`Row`, one per layer or node.

Every analysis answers the same questions, whatever engine made it (a chain, a closed form, a graph of paths, a
network with values per axis):

- the network's totals ``rf``, ``rf_min``, ``jump``, ``effective_padding``, ``start``, ``center`` and ``size``
  (for a network with several axes each is a tuple, height first);
- ``aligned``, ``warnings``, ``notes``, ``free_symbols``, ``counts``, ``axis_count``, ``axis_names``,
  ``is_numeric``, ``phases`` and ``merges``;
- ``rows`` (one :class:`Row` per layer, merge or repeated block), ``row(index)``, ``layer(key)``, ``axis(key)``,
  ``input_interval(feature)``;
- ``subs(...)``, ``latex(...)``, ``to_dict(...)`` (what ``symrf rf --json`` prints), ``_repr_latex_`` (the
  derivation) and ``_repr_html_`` (a table with the derivation folded under it, for Jupyter).

Values that have no meaning for a network are documented defaults, never missing attributes: a chain has
``rf_min == rf`` (one path), ``aligned is True``, no warnings, no phases and no merges.

>>> a = analyze("conv(3), pool(2, 2), conv(3)")
>>> isinstance(a, Analysis), a.rf, a.rf_min, a.aligned, a.layer("pool1").rf
(True, 8, 8, True, 4)
"""

from __future__ import annotations

import html
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from . import tables
from .axes import axis_names
from .errors import SymrfError, printable, quoted
from .layers import as_value
from .symbols import Value

__all__ = ["JUPYTER_CHARACTERS", "JUPYTER_ROWS", "Analysis", "Row", "analysis_symbols", "hidden_rows_note",
           "substitution"]

#: Largest network (in rows) whose derivation Jupyter gets (``_repr_latex_``, and folded under ``_repr_html_``'s
#: table): IPython computes every format of what it displays, so a larger one is not derived at all.
JUPYTER_ROWS = 300

#: Longest derivation folded under the table of ``_repr_html_``, in characters: about what MathJax typesets in a few
#: seconds (a chain of 40 symbolic layers with padding and dilation).
JUPYTER_CHARACTERS = 100_000


@dataclass(frozen=True, slots=True)
class Row:
    """What output feature 0 of one layer, merge or repeated block sees, in input pixels (0-based).

    ``rf`` and ``rf_min`` are the largest and smallest receptive fields over the paths into the node (equal in a
    chain); ``effective_padding``, ``start`` and ``center`` are those of the largest path, ``None`` where a "same"
    padding is unknown. ``padding`` is the ``(before, after)`` padding the layer applies, once resolved. A merge
    has ``layer=None`` and lists what arrives on each input in ``paths``; a block repeated a symbolic number of
    times has ``kind="repeat"`` and its :class:`~symrf.network.Repeat` as ``layer``. After up-sampling,
    ``phases`` holds each output phase's values. In a network with several axes every quantity is a tuple (height
    first) and ``axes`` holds the row of each axis.
    """

    index: int  # 1-based position (topological order in a graph)
    name: str
    kind: str  # a layer kind, "merge" or "repeat"
    layer: Any  # a Layer, an AxesLayer, a Repeat, or None for a merge
    inputs: tuple[str, ...]
    rf: Any
    rf_min: Any
    jump: Any
    effective_padding: Any
    start: Any
    center: Any
    size: Any
    padding: Any = None  # (before, after) as resolved, or None
    aligned: bool | None = True
    paths: tuple[Any, ...] = ()  # for a merge, a PathValues per input
    phases: tuple[Any, ...] | None = None  # after up-sampling, a PhaseResult per output phase
    axes: tuple[Row, ...] = ()  # with several axes, the row along each axis
    #: The largest RF over the paths that avoid global operations (a global pooling, global context such as an
    #: excitation gate): ``rf`` where no path is global, None where every path is (after a global pooling).
    rf_local: Any = "rf"

    def __post_init__(self) -> None:
        if isinstance(self.rf_local, str):  # the default: no global path, so the local RF is the RF
            object.__setattr__(self, "rf_local", self.rf)


class Analysis(ABC):
    """The receptive-field quantities of a network, per row and for its output (see the module's notes).

    Engines subclass it: :class:`~symrf.chain.ChainAnalysis`, :class:`~symrf.closed_forms.ClosedFormAnalysis`,
    :class:`~symrf.graph.GraphAnalysis` and :class:`~symrf.per_axis.AxesAnalysis`. :func:`symrf.analyze` picks
    the engine from the network's structure.
    """

    network: Any
    input_size: Any = None

    def __init_subclass__(cls, **options: Any) -> None:
        """An engine's construction and printers refuse values too long to write with a :class:`SymrfError`
        (:func:`printable`): a message or a printed value that would need one."""
        super().__init_subclass__(**options)
        for name in ("__init__", "latex", "to_dict", "__repr__"):
            if name in cls.__dict__:
                setattr(cls, name, printable(cls.__dict__[name]))

    # -- totals ----------------------------------------------------------------------------------------------

    @property
    @abstractmethod
    def rf(self) -> Any:
        """The receptive field size of the network's output, in input pixels (the largest over paths)."""

    @property
    def rf_min(self) -> Any:
        """The smallest receptive field over the paths to the output; equal to ``rf`` for a chain."""
        return self.rf

    @property
    def rf_local(self) -> Any:
        """The largest RF over the paths to the output that avoid global operations (global pooling, global
        context): ``rf`` where nothing is global, None where every path is global."""
        row = self.output_row
        return self.rf if row is None else row.rf_local

    @property
    def has_global(self) -> bool:
        """Whether some path is global (a global pooling or global context), so ``rf_local`` may differ from ``rf``."""
        return False

    @property
    def output_row(self) -> Row | None:
        """The row of the output (None for an empty network)."""
        return self._row(len(self)) if len(self) else None

    @property
    @abstractmethod
    def jump(self) -> Any:
        """The effective stride: input pixels between neighbouring output features."""

    @property
    @abstractmethod
    def effective_padding(self) -> Any:
        """``P``: how far output feature 0's field reaches before input pixel 0 (None when unknown)."""

    @property
    def start(self) -> Any:
        """The first input pixel that output feature 0 sees, ``-P`` (negative when it reaches into the padding)."""
        padding = self.effective_padding
        return None if padding is None else -padding

    @property
    @abstractmethod
    def center(self) -> Any:
        """The centre of output feature 0's field, ``(rf - 1)/2 - P``; feature ``x``'s is ``center + x * jump``."""

    @property
    def size(self) -> Any:
        """The output size for the given input size (``None`` without one)."""
        return self.value_at("size", len(self)) if self.input_size is not None else None

    @property
    def aligned(self) -> bool | None:
        """Whether every path to the output is centred alike (None when it cannot be decided); True for a chain."""
        return True

    @property
    def warnings(self) -> tuple[str, ...]:
        """Misalignments found (with ``strict=True`` they are errors instead)."""
        return ()

    @property
    def notes(self) -> tuple[str, ...]:
        """What could not be decided or computed, and what is not listed (rows inside a symbolic repeat)."""
        return ()

    @property
    def phases(self) -> tuple[Any, ...] | None:
        """After up-sampling, the values of each output phase (None for a network without up-sampling)."""
        return None

    @property
    def merges(self) -> tuple[Row, ...]:
        """The rows of the merges, each with what arrives on its inputs (``paths``); empty for a chain."""
        return tuple(row for row in self.rows if row.kind == "merge")

    @property
    def branched(self) -> bool:
        """Whether paths branch and merge anywhere (so ``rf_min`` may differ from ``rf``); False for a chain."""
        return bool(self.merges)

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        """The symbols of the network and of its input size: what :meth:`subs` can give values to."""
        return analysis_symbols(self.network, self.input_size)

    @property
    def counts(self) -> frozenset[sympy.Symbol]:
        """The symbols in repetition counts (empty when no block is repeated a symbolic number of times)."""
        return frozenset(getattr(self.network, "count_symbols", frozenset()))

    @property
    def is_numeric(self) -> bool:
        """Whether every value is an integer."""
        size = self.input_size
        sizes = size if isinstance(size, tuple) else (size,)
        return not self.network.free_symbols and all(s is None or type(s) is int for s in sizes)

    axis_count: int = 1

    @property
    def axis_names(self) -> tuple[str, ...]:
        """Display names of the axes: ``("x",)`` for one axis, ``("height", "width")`` for two."""
        return axis_names(self.axis_count)

    def axis(self, key: int | str) -> Analysis:
        """The 1-D analysis along one axis, by index (0 is the height of a 2-D network) or name; a 1-D analysis
        is its own axis 0."""
        if key in (0, "x"):
            return self
        raise SymrfError(f"there is no axis {quoted(key)}; this network has one axis (0, or 'x')")

    # -- rows ------------------------------------------------------------------------------------------------

    @property
    @abstractmethod
    def rows(self) -> tuple[Row, ...]:
        """One :class:`Row` per layer, merge or repeated block, in order."""

    @property
    def names(self) -> tuple[str, ...]:
        """Each row's name."""
        return tuple(row.name for row in self.rows)

    def row(self, index: int) -> Row:
        """The row at ``index`` (1-based)."""
        count = len(self)
        if isinstance(index, bool) or not isinstance(index, int):
            raise SymrfError(f"a row is given by its 1-based index, not {quoted(index)}")
        if not 1 <= index <= count:
            raise SymrfError(f"there is no row {quoted(index)}; the network has {count}")
        return self._row(index)

    def _row(self, index: int) -> Row:
        return self.rows[index - 1]

    def copies(self, key: int | str) -> tuple[Row, ...]:
        """The rows of the first and the last copy of a block repeated an integer number of times (the row of
        ``key``); empty for other rows (and for a network without repeated blocks)."""
        self.layer(key)
        return ()

    def _aliases(self) -> Mapping[str, int]:
        """Other names that denote a row (a graph node's name for its last layer)."""
        return {}

    def layer(self, key: int | str) -> Row:
        """The row of a layer, merge or block given by 1-based index or by name."""
        if not isinstance(key, str):
            return self.row(key)
        names = self.names
        found = [i for i, name in enumerate(names, start=1) if name == key]
        if len(found) == 1:
            return self.row(found[0])
        if found:
            listed = ", ".join(map(str, found))
            raise SymrfError(f"several rows are named {quoted(key)} (rows {listed}); ask for one by its index")
        alias = self._aliases().get(key)
        if alias:
            return self.row(alias)
        listed = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
        raise SymrfError(f"there is no layer named {quoted(key)}; layers: {listed or 'none'}")

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return (self._row(i) for i in range(1, len(self) + 1))

    def value_at(self, quantity: str, length: int) -> Any:
        """``quantity`` after the first ``length`` rows (``length = 0`` is the input: rf 1, jump 1, padding 0)."""
        if length == 0:
            return {"size": self.input_size, "rf": 1, "rf_min": 1, "rf_local": 1, "jump": 1}.get(quantity, 0)
        return getattr(self._row(length), quantity)

    def rf_at(self, length: int) -> Any:
        return self.value_at("rf", length)

    def jump_at(self, length: int) -> Any:
        return self.value_at("jump", length)

    def effective_padding_at(self, length: int) -> Any:
        return self.value_at("effective_padding", length)

    def start_at(self, length: int) -> Any:
        return self.value_at("start", length)

    def center_at(self, length: int) -> Any:
        return self.value_at("center", length)

    def size_at(self, length: int) -> Any:
        return self.value_at("size", length)

    def input_interval(self, feature: int = 0) -> Any:
        """The first and last input pixels that output feature ``feature`` sees (along the largest path), or None
        when the effective padding is unknown."""
        start = self.start
        if start is None:
            return None
        first = start + feature * self.jump
        return first, first + self.rf - 1

    # -- forms, substitution and printing --------------------------------------------------------------------

    def form(self, requested: str = "auto") -> str:
        """How printers write symbolic values: "flat" sums of products, or "nested" (Horner) where an engine
        offers it for large values (chains); "auto" lets the engine choose."""
        if requested not in ("auto", "flat", "nested"):
            raise SymrfError(f"unknown form {quoted(requested)}; use auto, flat or nested")
        return "flat"

    @abstractmethod
    def subs(self, values: Mapping[Any, object] | None = None, **named: object) -> Analysis:
        """The analysis of the network with symbols given values, e.g. ``a.subs(k=3, s=2)``."""

    @abstractmethod
    def latex(self, **options: Any) -> str:
        """The step-by-step LaTeX derivation (``document=True`` for a standalone document)."""

    @printable
    def to_dict(self, form: str = "auto", edges: bool = False, paths: bool = False,
                copies: bool = False) -> dict[str, Any]:
        """The analysis as one JSON-ready object (what ``symrf rf --json`` prints): totals, ``aligned``,
        ``warnings``, ``notes`` and ``layers``. Integers stay integers; other values are text sympy reads back."""
        return tables.to_dict(self, form, edges, paths, copies)

    def _repr_latex_(self) -> str | None:
        """The derivation for Jupyter, its environments bare (:func:`~symrf.tables.jupyter_latex`): what MathJax
        typesets and nbconvert's LaTeX compiles. None (IPython then leaves the format out) for a network of more
        than :data:`JUPYTER_ROWS` rows, whose derivation is too long to show (``latex()`` still writes it), and
        when it cannot be written (``_repr_html_`` says why)."""
        if len(self) > JUPYTER_ROWS:
            return None
        try:
            return tables.jupyter_latex(self.latex())
        except SymrfError:
            return None

    @printable
    def _repr_html_(self) -> str:
        """What Jupyter shows: the table of rows, warnings and notes, and under them the derivation, folded in a
        ``<details>`` element for Jupyter's MathJax to typeset. A network of more than :data:`JUPYTER_ROWS` rows, or
        a derivation longer than :data:`JUPYTER_CHARACTERS`, gets a line saying so instead (``latex()`` writes it)."""
        table = tables.html_table(self)
        rows = len(self)
        if rows > JUPYTER_ROWS:
            return table + f"\n<p>derivation: not shown for a network of {rows:,} rows (more than {JUPYTER_ROWS:,}); " \
                           "<code>latex()</code> writes it</p>"
        try:
            derivation = tables.jupyter_latex(self.latex())
        except SymrfError as error:
            return table + f"\n<p>derivation: not written ({html.escape(str(error))})</p>"
        if len(derivation) > JUPYTER_CHARACTERS:
            return table + f"\n<p>derivation: not shown, {len(derivation):,} characters are too many to typeset " \
                           "here; <code>latex()</code> writes it</p>"
        return table + "\n<details><summary>derivation</summary>\n" + html.escape(derivation, quote=False) + \
            "\n</details>"

    @printable
    def __repr__(self) -> str:
        shown = ", ".join(f"{q}={getattr(self, q)}" for q in ("rf", "jump", "effective_padding"))
        return f"{type(self).__name__}({shown})"


def analysis_symbols(network: Any, input_size: Any) -> frozenset[sympy.Symbol]:
    """The symbols of a network and of its input size (one value or one per axis)."""
    found = set(network.free_symbols)
    for size in input_size if isinstance(input_size, tuple) else (input_size,):
        if isinstance(size, sympy.Expr):
            found |= size.free_symbols
    return frozenset(found)


def given_values(values: object, named: Mapping[str, object]) -> dict[Any, object]:
    """The values given to ``subs``: a mapping (by symbol or name) and keywords, the keywords winning."""
    if values is None:
        return dict(named)
    if not isinstance(values, Mapping):
        raise TypeError(f"subs() takes a mapping of symbols to values, as in subs({{'k': 3}}) or subs(k=3), not "
                        f"{type(values).__name__}")
    return {**values, **named}


def substitution(symbols: frozenset[sympy.Symbol], values: Mapping[Any, object]) -> dict[sympy.Symbol, Value]:
    """A replacement map from values given by symbol or by name; a name the network does not have is an error."""
    by_name = {sym.name: sym for sym in symbols}
    mapping: dict[sympy.Symbol, Value] = {}
    for key, value in values.items():
        name = key.name if isinstance(key, sympy.Symbol) else str(key)
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            raise SymrfError(f"there is no symbol {quoted(name)} in this network (its symbols: {known})")
        mapping[by_name[name]] = as_value(value, "value", f"{name}: ")
    return mapping


def hidden_rows_note(name: str, block: Any) -> str:
    """What a row of a block repeated a symbolic number of times says about the layers inside it."""
    return (f"{name}: the layers inside {quoted(block, 80)} have no rows while the count is a symbol; give it a value "
            f"(subs) to list them")
