"""Pictures of receptive fields: how they grow, where they fall on the input, and their effective part.

This module needs matplotlib, the optional extra ``symrf[plot]`` (``pip install 'symrf[plot]'``); ``import symrf``
does not load it. :func:`plot` returns a :class:`matplotlib.figure.Figure` (a :class:`Picture`, which Jupyter shows
inline whether pyplot was imported or not), laid out once with matplotlib's constrained layout, and :func:`save`
writes it as PNG, SVG or PDF, the same bytes every time. Every coordinate is in input pixels, numbered 0, 1, 2, ...
along each axis (height first), pixel ``i`` covering ``[i - 1/2, i + 1/2]``; colours come from perceptually uniform
maps (magma, viridis) and every curve and box also has its own line style, so the pictures read in greyscale.

Three kinds of picture:

- ``growth``: the RF, the jump and the effective receptive field's width (95 % of its weight) after each layer,
  for a numeric network; for a symbolic one, the RF against one symbol of a sweep (``"n=1..12,k=3,5,7"``: ``n``, a
  repetition count when there is one, on the horizontal axis, one curve per value of the others).
- ``grid``: one layer at a fixed input size: the input (or an image), the fields and centres of its first, middle
  and last output features, the padding they reach into, and the smallest field where several paths differ.
- ``erf``: the effective receptive field of the layer's centre feature: the exact response to uniform weights
  (:func:`symrf.erf`) or a measured map, as a heat map with the theoretical RF box and the contours that hold
  68 % and 95 % of its weight (intervals for a 1-D network).

The command line (wired in :mod:`symrf.cli`), with the help texts it shows::

    symrf plot SPEC --kind growth|grid|erf -o OUT [--input-size N] [--layer L] [--image photo.png]
                    [--sweep "n=1..12,k=3,5,7"]

    Pictures of receptive fields (needs matplotlib: pip install 'symrf[plot]').

    SPEC             A spec such as "conv(3), pool(2, 2), conv(3)", a file holding one, or a graph file.
    --kind           growth: RF, jump and ERF width per layer (or RF against a symbol, with --sweep);
                     grid: the fields of the first, middle and last features of a layer on the input;
                     erf: the effective receptive field of a layer's centre feature, with the RF box and the
                     68 % / 95 % contours.  [default: growth]
    --layer          The layer drawn (grid, erf) or the last one shown (growth), by name or 1-based index;
                     the network's output by default.
    --input-size, -n The input size, one value or one per axis (32 or 32x48); grid and erf choose one that
                     shows a few output features when it is not given (or take the image's).
    --image          A PNG drawn under the grid; its size is the input size unless --input-size is given.
    --sweep          For a symbolic network (growth): values of its symbols, e.g. "n=1..12,k=3,5,7".
    --output, -o     The file to write: .png, .svg or .pdf (the same bytes every time).

    Example: symrf plot "conv(3), pool(2, 2), conv(3)" --kind grid --input-size 16 -o grid.png

>>> figure = plot("conv(3), pool(2, 2), conv(3)", "grid", input_size=12)
>>> figure.axes[0].get_title()
'fields of conv2 (RF 8, jump 2) at input size 12'
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from pathlib import Path
from typing import Any

import sympy

from .analysis import Analysis, Row
from .dispatch import analyze
from .errors import EmptyOutputError, SymrfError, quoted, shorten

#: The message when matplotlib is missing.
MISSING = "matplotlib is not installed: pip install 'symrf[plot]'"

try:
    import contourpy
    import matplotlib
    import matplotlib.image
    import numpy as np
    from matplotlib import patheffects
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.ticker import FuncFormatter, MaxNLocator
except ModuleNotFoundError as exc:
    if (exc.name or "").partition(".")[0] in ("matplotlib", "numpy", "contourpy"):
        raise SymrfError(MISSING) from None
    raise

__all__ = ["KINDS", "MISSING", "Picture", "plot", "save"]

#: The kinds of picture :func:`plot` draws.
KINDS = ("growth", "grid", "erf")

#: The formats :func:`save` writes, by suffix, with the metadata that would otherwise vary (dates, versions).
FORMATS = {
    ".png": {"Software": None},
    ".svg": {"Date": None, "Creator": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}

#: The colour map of heat maps (perceptually uniform, monotonic in lightness, so readable in greyscale).
HEAT_MAP = "magma"

#: Colours of the quantities of a growth plot and of the first, middle and last features of a grid: dark, middle
#: and light greys in greyscale, told apart by line style and marker too.
COLOURS = ("#2d1160", "#21908d", "#c0a000", "#b2182b")
STYLES: tuple[Any, ...] = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

#: Figure sizes, in inches.
SIZE = (7.0, 4.6)
GRID_SIZE = (7.0, 5.6)

#: Most curves a sweep draws, and most layers a growth plot samples for the ERF width.
MAX_CURVES = 12
MAX_ERF_ROWS = 40

#: Largest input (pixels per axis) whose pixels are outlined one by one.
MAX_OUTLINED = 64

#: Largest input size :func:`plot` chooses by itself for a grid or an ERF.
MAX_CHOSEN_SIZE = 1 << 20

#: Most layouts run before a figure is returned (:func:`_settled`).
SETTLING = 8

#: Widest smoothing of an ERF map whose contours its stride pattern breaks up (:func:`_contour_map`).
MAX_SMOOTHING = 8

#: The masses of the ERF contours.
MASSES = (0.68, 0.95)

_STROKE: list[patheffects.AbstractPathEffect] = [patheffects.withStroke(linewidth=3.2, foreground="white")]
_DARK_STROKE: list[patheffects.AbstractPathEffect] = [patheffects.withStroke(linewidth=2.8, foreground="black")]


# -- the entry points ----------------------------------------------------------------------------------------------


def plot(network: Any, kind: str = "growth", *, input_size: object = None, layer: int | str | None = None,
         image: object = None, sweep: object = None, erf: object = None) -> Figure:
    """A picture of a network's receptive fields, as a matplotlib Figure (Jupyter shows it inline).

    ``network`` is anything :func:`symrf.analyze` takes (a spec, a Network, a graph, a graph file read by
    :func:`symrf.load_graph`) or an :class:`~symrf.analysis.Analysis`. ``kind`` is ``"growth"`` (RF, jump and ERF
    width per layer; for a symbolic network the RF over ``sweep``, a mapping such as ``{"n": range(1, 13), "k": [3,
    5]}`` or its text ``"n=1..12,k=3,5"``), ``"grid"`` (a layer's fields on the input; ``image`` is a PNG path or an
    array drawn under them) or ``"erf"`` (the effective receptive field of the layer's centre feature; ``erf`` may
    be a measured map: an object with ``map`` and ``first``, such as :class:`symrf.MeasuredERF`, or a tuple
    ``(first_row, first_col, array)``). ``layer`` is a name or a 1-based row index (the output by default).

    >>> plot("conv(3), pool(2, 2), conv(3)").axes[0].get_ylabel()
    'input pixels'
    """
    if kind not in KINDS:
        raise SymrfError(f"unknown kind of plot {quoted(kind)}; use growth, grid or erf")
    if sweep is not None and kind != "growth":
        raise SymrfError(f"a sweep is for growth plots of symbolic networks, not for {kind}")
    if image is not None and kind != "grid":
        raise SymrfError(f"an image is drawn under grid plots, not under {kind}")
    if erf is not None and kind != "erf":
        raise SymrfError(f"a measured ERF is drawn by erf plots, not by {kind}")
    title = _title_of(network)
    if kind == "growth":
        figure = _growth(network, input_size, layer, sweep, title)
    elif kind == "grid":
        figure = _grid(network, input_size, layer, image, title)
    else:
        figure = _erf(network, input_size, layer, erf, title)
    return _settled(figure)


def save(figure: Figure, path: str | os.PathLike[str], *, dpi: float | None = None) -> None:
    """Write ``figure`` to ``path`` as PNG, SVG or PDF (by its suffix), without dates or versions in the file, so
    the same figure gives the same bytes every time."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise SymrfError(f"cannot write {quoted(str(path))}: use a file name ending in .png, .svg or .pdf")
    with matplotlib.rc_context({"svg.hashsalt": "symrf", "svg.fonttype": "path", "pdf.fonttype": 42}):
        try:
            figure.savefig(target, format=suffix[1:], metadata=dict(FORMATS[suffix]), dpi=dpi or "figure")
        except OSError as error:
            raise SymrfError(f"cannot write {quoted(str(path))}: {error.strerror or error}") from None


def _settled(figure: Figure) -> Figure:
    """The figure laid out once and for all: its constrained layout runs (without rendering) until nothing moves,
    then is kept. A constrained layout depends a little on the previous one and on the renderer's text metrics (SVG
    measures text at 72 dpi, PNG at the figure's dpi), so a live layout would move the axes by a fraction of a
    pixel from one save to the next; kept, every save of the figure gives the same bytes.
    ``figure.set_layout_engine("constrained")`` makes it live again (after resizing the figure, say)."""
    previous = None
    for _ in range(SETTLING):
        figure.draw_without_rendering()
        positions = [tuple(ax.get_position().bounds) for ax in figure.axes]
        if positions == previous:
            break
        previous = positions
    figure.set_layout_engine("none")
    return figure


# -- networks, rows and numbers ------------------------------------------------------------------------------------


def _title_of(network: Any) -> str:
    """A short name of the network for titles."""
    if isinstance(network, Analysis):
        network = network.network
    if isinstance(network, str):
        text = network
    elif hasattr(network, "path") and hasattr(network, "name"):  # a graph file
        text = network.name or Path(network.path or "graph").name
    elif type(network).__name__ == "Graph":
        text = "graph"
    else:
        text = repr(network)
    return shorten(text, 70)


def _source(network: Any) -> Any:
    return network.network if isinstance(network, Analysis) else network


def _analysis(network: Any, input_size: object) -> Analysis:
    if isinstance(network, Analysis) and (input_size is None or input_size == network.input_size):
        return network
    return analyze(_source(network), input_size)


def _row(analysis: Analysis, layer: int | str | None) -> Row:
    if len(analysis) == 0:
        raise SymrfError("the network has no layers to draw")
    if layer is None:
        return analysis.rows[-1]
    try:
        return analysis.layer(layer)
    except SymrfError:
        if isinstance(layer, str) and layer.strip().isdigit():
            return analysis.layer(int(layer))
        raise


def _axis_rows(row: Row) -> tuple[Row, ...]:
    return row.axes if row.axes else (row,)


def _number(value: object, what: str) -> Fraction:
    """An exact number, or an error saying that ``what`` is symbolic or unknown."""
    if isinstance(value, bool):
        raise SymrfError(f"{what} is {value}, not a number")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    if value is None:
        raise SymrfError(f"{what} is unknown")
    raise SymrfError(f"{what} is {shorten(str(value), 40)}, not a number; give the symbols values (subs, --sweep)")


def _float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        raise SymrfError(f"a value of about {len(str(abs(value.numerator) // value.denominator)):,} digits is too "
                         "large to draw") from None


def _shown(value: Fraction | int) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _per_axis(values: Sequence[object]) -> str:
    """``18`` or ``18×24``: a value per axis, as tables write it."""
    shown = [_shown(v) if isinstance(v, (int, Fraction)) else str(v) for v in values]
    return shown[0] if len(set(shown)) == 1 else "×".join(shown)


def _text(text: str) -> str:
    """Text for matplotlib, with no mathtext: a ``$`` is a dollar."""
    return text.replace("$", r"\$")


def _log_helps(values: Iterable[float]) -> bool:
    """Whether values spread over more than a factor of 32 (then a log scale shows them better)."""
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) / min(positive) > 32


def _log_scale(ax: Axes) -> None:
    ax.set_yscale("log", base=2)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))


class Picture(Figure):
    """The matplotlib Figure that :func:`plot` returns: a plain Figure that Jupyter also shows inline when pyplot
    was never imported (IPython then knows no printer for figures, and would show ``<Figure ...>``)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", metadata=dict(FORMATS[".png"]))
        return buffer.getvalue()


def _figure(size: tuple[float, float] = SIZE) -> Figure:
    return Picture(figsize=size, layout="constrained")


# -- growth ---------------------------------------------------------------------------------------------------------


def _growth(network: Any, input_size: object, layer: int | str | None, sweep: object, title: str) -> Figure:
    analysis = _analysis(network, input_size)
    symbolic = not _numeric_rows(analysis)
    if sweep is None:
        if symbolic and not analysis.free_symbols:
            raise SymrfError("the RF of this network depends on the input size (a global pooling); give one")
        if symbolic:
            raise SymrfError("the growth of a symbolic network is drawn over values of its symbols: give a sweep "
                             "such as --sweep \"n=1..12,k=3,5,7\"")
        return _growth_rows(analysis, layer, title)
    if not symbolic:
        raise SymrfError("this network has no symbols to sweep; draw its growth without --sweep")
    swept: Any = analysis if layer is None else _LayerView(analysis, _row(analysis, layer))
    return _growth_sweep(swept, _grid_of(sweep), title)


def _numeric_rows(analysis: Analysis) -> bool:
    def numeric(value: object) -> bool:
        values = value if isinstance(value, tuple) else (value,)
        return all(isinstance(v, (int, Fraction, sympy.Rational)) and not isinstance(v, bool) for v in values)

    return all(numeric(row.rf) and numeric(row.jump) for row in analysis.rows)


def _growth_rows(analysis: Analysis, layer: int | str | None, title: str) -> Figure:
    last = _row(analysis, layer).index if layer is not None else len(analysis)
    rows = analysis.rows[:last]
    count = analysis.axis_count
    names = ["input", *(row.name for row in rows)]
    xs = list(range(len(names)))

    def series(quantity: str) -> list[list[float]]:
        """One list per axis, of the quantity at the input and after each row."""
        result = []
        for axis in range(count):
            values = [1.0]
            for row in rows:
                value = getattr(_axis_rows(row)[axis] if count > 1 else row, quantity)
                values.append(_float(_number(value, f"the {quantity} of {row.name}")))
            result.append(values)
        return result

    quantities: list[tuple[str, list[list[float]]]] = [("RF", series("rf"))]
    if any(row.rf_min != row.rf for row in rows):
        quantities.append(("smallest RF (shortest path)", series("rf_min")))
    quantities.append(("jump", series("jump")))
    widths, note = _erf_widths(analysis, rows)
    if widths is not None:
        quantities.append(("ERF width (95 % of the weight)", widths))

    figure = _figure((min(max(SIZE[0], 0.28 * len(names) + 3), 14.0), SIZE[1]))
    ax = figure.add_subplot()
    axis_names = analysis.axis_names
    for q, (label, per_axis) in enumerate(quantities):
        same = all(values == per_axis[0] for values in per_axis)
        shown_axes = [0] if same else list(range(count))
        for axis in shown_axes:
            values = per_axis[axis]
            xs_here = [x for x, v in zip(xs, values) if not math.isnan(v)]
            ys_here = [v for v in values if not math.isnan(v)]
            suffix = "" if same or count == 1 else f" ({axis_names[axis]})"
            ax.plot(xs_here, ys_here, color=COLOURS[q % len(COLOURS)], linestyle=STYLES[axis % len(STYLES)],
                    marker=MARKERS[q % len(MARKERS)], markersize=4.5, linewidth=1.8, label=label + suffix,
                    gid=f"growth-{label.split()[0].lower()}-{axis}")
    everything = [v for _, per_axis in quantities for values in per_axis for v in values if not math.isnan(v)]
    if _log_helps(everything):
        _log_scale(ax)
    ax.set_xticks(xs, [_text(shorten(name, 24)) for name in names])
    step = max(1, math.ceil(len(names) / 30))
    for i, tick in enumerate(ax.get_xticklabels()):
        tick.set_visible(i % step == 0 or i == len(names) - 1)
    if len(names) > 6 or max(map(len, names)) > 8:
        ax.tick_params(axis="x", labelrotation=45)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
            tick.set_rotation_mode("anchor")
    ax.set_xlabel("layer (after it; 0 is the input)")
    ax.set_ylabel("input pixels")
    ax.set_title(_text(f"receptive field growth of {title}"), fontsize="medium")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    if note:
        figure.text(0.99, 0.005, _text(note), ha="right", va="bottom", fontsize="x-small", color="#555555")
    return figure


def _erf_widths(analysis: Analysis, rows: Sequence[Row]) -> tuple[list[list[float]] | None, str | None]:
    """The width of the narrowest interval that holds 95 % of the ERF's weight (:func:`symrf.erf`), per axis, at the
    input and after each row (``nan`` where it is not computed: rows are sampled in long networks), or None and
    why not."""
    from .dispatch import erf as effective

    count = analysis.axis_count
    picked = _sampled(len(rows), MAX_ERF_ROWS)
    result = [[1.0] + [math.nan] * len(rows) for _ in range(count)]
    source = _source(analysis)
    for index in picked:
        try:
            found = effective(source, analysis.input_size, layer=rows[index - 1].index)
        except SymrfError as error:
            return None, f"ERF width not drawn: {shorten(str(error), 90)}"
        intervals = found.interval95 if count > 1 else (found.interval95,)
        for axis, interval in enumerate(intervals):
            if interval is None:
                reason = found.notes[-1] if found.notes else "the response is not computed"  # the axis' own note
                return None, f"ERF width not drawn: {shorten(reason, 90)}"
            first, last = interval
            result[axis][index] = _float(_number(last, "an ERF interval") - _number(first, "an ERF interval") + 1)
    note = None if len(picked) == len(rows) else f"ERF width at {len(picked)} of {len(rows)} layers"
    return result, note


def _sampled(count: int, most: int) -> list[int]:
    """At most ``most`` of the indices ``1..count``, evenly spread, the last one included."""
    if count <= most:
        return list(range(1, count + 1))
    return sorted({round(1 + i * (count - 1) / (most - 1)) for i in range(most)})


class _LayerView:
    """The totals of one row of an analysis, for a sweep up to that layer."""

    def __init__(self, analysis: Analysis, row: Row) -> None:
        self.rf = row.rf
        self.axis_count = analysis.axis_count
        self.axis_names = analysis.axis_names
        self.counts = analysis.counts
        self.free_symbols = analysis.free_symbols
        self.row = row


def _grid_of(sweep: object) -> dict[str, list[int]]:
    if isinstance(sweep, str):
        from .closed_forms import parse_grid

        return parse_grid(sweep)
    if not isinstance(sweep, Mapping):
        raise SymrfError(f"a sweep maps symbols to values, as in {{'n': range(1, 13)}} or \"n=1..12\", not "
                         f"{quoted(sweep)}")
    grid: dict[str, list[int]] = {}
    for key, values in sweep.items():
        name = key.name if isinstance(key, sympy.Symbol) else str(key)
        if isinstance(values, (int, sympy.Integer)) and not isinstance(values, bool):
            values = [values]
        if not isinstance(values, Iterable) or isinstance(values, (str, bytes)):
            raise SymrfError(f"the sweep's values of {name} are a list or range of integers, not {quoted(values)}")
        grid[name] = [int(v) for v in values]
    return grid


def _growth_sweep(analysis: Any, grid: dict[str, list[int]], title: str) -> Figure:
    from .closed_forms import sweep as evaluate

    if not grid or not all(grid.values()):
        raise SymrfError("the sweep gives no values; write it as n=1..12,k=3,5,7")
    counts = {symbol.name for symbol in analysis.counts}
    along = next((name for name in grid if name in counts), next(iter(grid)))
    others = [name for name in grid if name != along]
    combinations = list(product(*(grid[name] for name in others)))
    count = analysis.axis_count
    rfs = analysis.rf if count > 1 else (analysis.rf,)
    same = len(set(map(str, rfs))) == 1
    drawn_axes = [0] if same else list(range(count))
    if len(combinations) * len(drawn_axes) > MAX_CURVES:
        raise SymrfError(f"the sweep gives {len(combinations) * len(drawn_axes)} curves; at most {MAX_CURVES}: give "
                         f"fewer values to {', '.join(others) or along}")
    xs = sorted(set(grid[along]))
    values: dict[tuple[int, tuple[int, ...], int], Fraction] = {}
    known = {symbol.name for symbol in analysis.free_symbols}
    for rf in rfs:
        known |= {symbol.name for symbol in sympy.sympify(rf).free_symbols}
    for name in grid:
        if name not in known:
            raise SymrfError(f"there is no symbol {quoted(name)} to sweep (the symbols: {', '.join(sorted(known))})")
    for axis in drawn_axes:
        expression = sympy.sympify(rfs[axis])
        names = {symbol.name for symbol in expression.free_symbols}
        missing = sorted(names - set(grid))
        if missing:
            raise SymrfError(f"the sweep needs values for {', '.join(missing)}")
        used = [name for name in grid if name in names]
        if used:
            table = evaluate(expression, {name: sorted(set(grid[name])) for name in used})
            found = {tuple(int(point[name]) for name in used): _number(point["rf"], "the RF") for point in table}
        else:
            found = {(): _number(expression, "the RF")}
        for x in xs:
            for combination in combinations:
                point = dict(zip(others, combination)) | {along: x}
                values[(axis, combination, x)] = found[tuple(point[name] for name in used)]

    figure = _figure()
    ax = figure.add_subplot()
    colours = matplotlib.colormaps["viridis"]
    curves = len(combinations)
    for axis in drawn_axes:
        for c, combination in enumerate(combinations):
            label = ", ".join(f"{name}={value}" for name, value in zip(others, combination))
            if not same:
                label = f"{label}, {analysis.axis_names[axis]}" if label else analysis.axis_names[axis]
            ys = [_float(values[(axis, combination, x)]) for x in xs]
            ax.plot(xs, ys, color=colours(0.85 * c / max(curves - 1, 1)), linestyle=STYLES[axis % len(STYLES)],
                    marker=MARKERS[c % len(MARKERS)], markersize=4.5, linewidth=1.8, label=label or "RF",
                    gid=f"sweep-{axis}-{c}")
    if _log_helps(_float(v) for v in values.values()):
        _log_scale(ax)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    kind = "repetitions" if along in counts else "value"
    ax.set_xlabel(f"{along} ({kind})")
    ax.set_ylabel("RF (input pixels)")
    where = f" at {analysis.row.name}" if isinstance(analysis, _LayerView) else ""
    ax.set_title(_text(f"RF of {title}{where} against {along}"), fontsize="medium")
    ax.grid(True, which="major", alpha=0.3)
    if curves > 1 or not same:
        ax.legend(loc="upper left", fontsize="small")
    return figure


# -- fields of features ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """The field of one output feature along one axis, in input pixels."""

    feature: int
    first: Fraction  # the first input pixel
    rf: Fraction
    center: Fraction
    rf_min: Fraction | None  # the smallest path's field, centred alike; None when it is not drawn

    @property
    def low(self) -> float:
        return float(self.first) - 0.5

    @property
    def last(self) -> Fraction:
        return self.first + self.rf - 1


def _field(row: Row, feature: int, smallest: bool) -> _Field | None:
    """Feature ``feature``'s field along the axis of the 1-D ``row`` (None when no input pixel reaches it)."""
    jump = _number(row.jump, f"the jump of {row.name}")
    if row.phases:
        phase = row.phases[feature % len(row.phases)]
        rf = _number(phase.rf, f"the RF of {row.name}")
        if rf == 0:
            return None
        padding = _number(phase.effective_padding, f"the start of the field of {row.name}")
        first = feature * jump - padding
        rf_min = _number(phase.rf_min, f"the smallest RF of {row.name}")
    else:
        rf = _number(row.rf, f"the RF of {row.name}")
        first = _number(row.start, f"the start of the field of {row.name} (see the notes of its analysis)")
        first += feature * jump
        rf_min = _number(row.rf_min, f"the smallest RF of {row.name}")
    center = first + (rf - 1) / 2
    shown = rf_min if smallest and rf_min != rf else None
    return _Field(feature, first, rf, center, shown)


def _features(size: object, name: str) -> list[int]:
    """The first, middle and last output features of a layer of ``size`` features."""
    count = int(_number(size, f"the output size of {name}"))
    if count <= 0:
        raise SymrfError(f"{name} has an empty output at this input size")
    return sorted({0, (count - 1) // 2, count - 1})


def _chosen_size(network: Any, layer: int | str | None) -> Analysis:
    """The analysis at an input size that shows a few output features of the layer (about 5) and gives every layer
    an output: at least the layer's RF plus 4 jumps and the network's RF, grown by a quarter while a layer's output
    would be empty. Where the RF depends on the input size (a global pooling), the search starts at 32 pixels."""
    plain = analyze(network)
    row = _row(plain, layer)
    last = plain.rows[-1]
    sizes = []
    for axis, axis_row in enumerate(_axis_rows(row)):
        rfs = [p.rf for p in axis_row.phases] if axis_row.phases else [axis_row.rf]
        total = _axis_rows(last)[axis].rf
        if all(isinstance(v, (int, sympy.Rational)) for v in [*rfs, axis_row.jump]):
            rf = max(_number(v, f"the RF of {row.name}") for v in rfs)
            need = math.ceil(rf + 4 * _number(axis_row.jump, f"the jump of {row.name}"))
        else:
            need = 32
        if isinstance(total, (int, sympy.Rational)):
            need = max(need, math.ceil(_number(total, "the RF of the network")))
        sizes.append(max(need, 4))
    while True:
        if max(sizes) > MAX_CHOSEN_SIZE:
            raise SymrfError(f"no input of at most {MAX_CHOSEN_SIZE:,} pixels shows {row.name}; give an input size")
        try:
            return analyze(network, tuple(sizes) if len(sizes) > 1 else sizes[0])
        except EmptyOutputError:
            sizes = [size + max(size // 4, 1) for size in sizes]


def _input_sizes(analysis: Analysis) -> tuple[int, ...]:
    size = analysis.input_size
    sizes = size if isinstance(size, tuple) else (size,)
    return tuple(int(_number(s, "the input size")) for s in sizes)


# -- grid ------------------------------------------------------------------------------------------------------------


def _grid(network: Any, input_size: object, layer: int | str | None, image: object, title: str) -> Figure:
    picture = _image(image) if image is not None else None
    if picture is not None and input_size is None:
        input_size = tuple(picture.shape[:2])
    if input_size is None and not (isinstance(network, Analysis) and network.input_size is not None):
        if _analysis(network, None).free_symbols:
            raise SymrfError(_SYMBOLIC_GRID)
        analysis = _chosen_size(_source(network), layer)
    else:
        analysis = _analysis(network, input_size)
    if not _numeric_rows(analysis) or not analysis.is_numeric:
        raise SymrfError(_SYMBOLIC_GRID)
    if picture is not None and analysis.axis_count != 2:
        analysis = analyze(_source(network), (*_input_sizes(analysis),) * 2 if analysis.axis_count == 1
                           else input_size)
    if analysis.axis_count > 2:
        raise SymrfError(f"a grid shows one or two axes; this network has {analysis.axis_count}")
    row = _row(analysis, layer)
    smallest = row.aligned is True  # the smallest field is centred like the largest: drawn around the same centre
    sizes = _input_sizes(analysis)
    if analysis.axis_count == 1:
        return _grid_1d(analysis, row, sizes[0], smallest, title)
    return _grid_2d(analysis, row, sizes, smallest, picture, title)


_SYMBOLIC_GRID = "a grid of a symbolic network cannot be drawn; give its symbols values first (subs)"


def _image(image: object) -> np.ndarray:
    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if not path.is_file():
            raise SymrfError(f"image not found: {shorten(str(image), 200)}")
        try:
            picture = matplotlib.image.imread(path)
        except (OSError, ValueError, SyntaxError) as error:
            raise SymrfError(f"cannot read the image {shorten(str(image), 200)}: {shorten(str(error), 120)}") \
                from None
    else:
        picture = np.asarray(image)
    if picture.ndim not in (2, 3) or picture.shape[0] == 0 or picture.shape[1] == 0:
        raise SymrfError(f"an image is a 2-D picture (height, width[, channels]), not an array of shape "
                         f"{picture.shape}")
    return picture


def _heading(row: Row, sizes: Sequence[int]) -> str:
    axis_rows = _axis_rows(row)
    rf = _per_axis([_number(axis_row.rf, f"the RF of {row.name}") for axis_row in axis_rows])
    jump = _per_axis([_number(axis_row.jump, f"the jump of {row.name}") for axis_row in axis_rows])
    return f"fields of {row.name} (RF {rf}, jump {jump}) at input size {_per_axis(sizes)}"


def _grid_1d(analysis: Analysis, row: Row, size: int, smallest: bool, title: str) -> Figure:
    features = _features(row.size, row.name)
    fields = [_field(row, feature, smallest) for feature in features]
    figure = _figure((SIZE[0], 3.2 + 0.45 * len(features)))
    ax = figure.add_subplot()
    drawn = [f for f in fields if f is not None]
    low = min([-0.5, *(f.low for f in drawn)]) - 1
    high = max([size - 0.5, *(f.low + float(f.rf) for f in drawn)]) + 1
    _padding_1d(ax, low, high, size, -0.5, len(features) + 0.6)
    ax.add_patch(Rectangle((-0.5, -0.35), size, 0.7, facecolor="#e8e8e8", edgecolor="#555555", linewidth=1,
                           gid="input", zorder=1))
    if size <= MAX_OUTLINED * 2:
        ax.vlines([i + 0.5 for i in range(size - 1)], -0.35, 0.35, color="#9a9a9a", linewidth=0.6, zorder=2)
    handles: list[Any] = []
    labels = ("first", "middle", "last")
    for level, (feature, found) in enumerate(zip(features, fields), start=1):
        colour, style = COLOURS[(level - 1) % 3], STYLES[(level - 1) % 3]
        name = labels[level - 1] if len(features) == 3 else ("first", "last")[min(level - 1, 1)]
        if found is None:
            ax.text(0, level, f"feature {feature}: no input pixel", va="center", fontsize="small")
            continue
        box = Rectangle((found.low, level - 0.3), float(found.rf), 0.6, facecolor=colour, alpha=0.25,
                        edgecolor=colour, linewidth=2, linestyle=style, gid=f"rf-box-{name}", zorder=3)
        ax.add_patch(box)
        ax.add_patch(Rectangle((found.low, level - 0.3), float(found.rf), 0.6, fill=False, edgecolor=colour,
                               linewidth=2, linestyle=style, zorder=4))
        if found.rf_min is not None:
            inner = float(found.center - (found.rf_min - 1) / 2) - 0.5
            ax.add_patch(Rectangle((inner, level - 0.15), float(found.rf_min), 0.3, fill=False, edgecolor="black",
                                   linewidth=1.2, linestyle=":", gid=f"rf-min-box-{name}", zorder=5))
        ax.plot([float(found.center)] * 2, [0.35, level - 0.3], color=colour, linewidth=1, linestyle=":", zorder=3)
        ax.plot(float(found.center), level, marker="|", markersize=14, markeredgewidth=2.5, color="black",
                zorder=6, gid=f"center-{name}")
        ax.plot(float(found.center), 0, marker="v", markersize=7, color=colour, markeredgecolor="black", zorder=6)
        handles.append(Patch(facecolor=colour, alpha=0.5, edgecolor=colour, linestyle=style, linewidth=2,
                             label=f"feature {feature}: pixels {_shown(found.first)} to {_shown(found.last)}"))
    handles.append(Line2D([], [], marker="|", markersize=12, markeredgewidth=2.5, color="black", linestyle="none",
                          label="centre"))
    if any(f is not None and f.rf_min is not None for f in fields):
        shortest = next(f for f in fields if f is not None and f.rf_min is not None)
        handles.append(Patch(fill=False, edgecolor="black", linestyle=":",
                             label=f"smallest field (shortest path, RF {_shown(shortest.rf_min or 0)})"))
    handles.append(Patch(facecolor="#d0d0d0", hatch="///", edgecolor="#8a8a8a", label="padding"))
    ax.set_xlim(low, high)
    ax.set_ylim(-0.6, len(features) + 0.6)
    ax.set_yticks(range(len(features) + 1), ["input", *(f"feature {f}" for f in features)])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("input pixel")
    ax.set_ylabel(_text(f"output feature of {row.name}"))
    ax.set_title(_text(_heading(row, (size,))), fontsize="medium")
    figure.suptitle(_text(title), fontsize="small", color="#444444")
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    return figure


def _padding_1d(ax: Axes, low: float, high: float, size: int, bottom: float, top: float) -> None:
    for start, stop in ((low, -0.5), (size - 0.5, high)):
        if stop > start:
            ax.add_patch(Rectangle((start, bottom), stop - start, top - bottom, facecolor="#d0d0d0", hatch="///",
                                   edgecolor="#8a8a8a", linewidth=0, gid="padding", zorder=0))


def _grid_2d(analysis: Analysis, row: Row, sizes: Sequence[int], smallest: bool, picture: np.ndarray | None,
             title: str) -> Figure:
    height_row, width_row = _axis_rows(row)[:2]
    size = row.size if isinstance(row.size, tuple) else (row.size, row.size)
    along_height = _features(size[0], row.name)
    along_width = _features(size[1], row.name)
    chosen = [(along_height[0], along_width[0]), (along_height[len(along_height) // 2],
                                                   along_width[len(along_width) // 2]),
              (along_height[-1], along_width[-1])]
    chosen = list(dict.fromkeys(chosen))
    names = ("first", "middle", "last") if len(chosen) == 3 else ("first", "last") if len(chosen) == 2 else ("first",)
    boxes = [(_field(height_row, h, smallest), _field(width_row, w, smallest)) for h, w in chosen]
    drawn = [(fh, fw) for fh, fw in boxes if fh is not None and fw is not None]
    height, width = sizes
    top = min([-0.5, *(fh.low for fh, _ in drawn)]) - 1
    bottom = max([height - 0.5, *(fh.low + float(fh.rf) for fh, _ in drawn)]) + 1
    left = min([-0.5, *(fw.low for _, fw in drawn)]) - 1
    right = max([width - 0.5, *(fw.low + float(fw.rf) for _, fw in drawn)]) + 1
    aspect = (bottom - top) / (right - left)
    figure = _figure((GRID_SIZE[0], min(max(3.4 + 4.4 * aspect, 4.2), 9.0)))
    ax = figure.add_subplot()
    ax.add_patch(Rectangle((left, top), right - left, bottom - top, facecolor="#d0d0d0", hatch="///",
                           edgecolor="#8a8a8a", linewidth=0, gid="padding", zorder=0))
    if picture is not None:
        ax.imshow(picture, extent=(-0.5, width - 0.5, height - 0.5, -0.5), cmap="gray" if picture.ndim == 2
                  else None, interpolation="nearest" if max(picture.shape[:2]) <= 256 else "antialiased",
                  zorder=1, gid="image")
    else:
        ax.add_patch(Rectangle((-0.5, -0.5), width, height, facecolor="#f4f4f4", edgecolor="none", zorder=1))
        if max(height, width) <= MAX_OUTLINED:
            ax.vlines([i + 0.5 for i in range(width - 1)], -0.5, height - 0.5, color="#c4c4c4", linewidth=0.5,
                      zorder=2)
            ax.hlines([i + 0.5 for i in range(height - 1)], -0.5, width - 0.5, color="#c4c4c4", linewidth=0.5,
                      zorder=2)
    ax.add_patch(Rectangle((-0.5, -0.5), width, height, fill=False, edgecolor="#333333", linewidth=1.2, zorder=2,
                           gid="input"))
    handles: list[Any] = []
    for index, ((h, w), (fh, fw)) in enumerate(zip(chosen, boxes)):
        name = names[index]
        colour, style = COLOURS[index % 3], STYLES[index % 3]
        if fh is None or fw is None:
            continue
        box = Rectangle((fw.low, fh.low), float(fw.rf), float(fh.rf), fill=False, edgecolor=colour, linewidth=2.2,
                        linestyle=style, gid=f"rf-box-{name}", zorder=4, path_effects=_STROKE)
        ax.add_patch(box)
        if fh.rf_min is not None or fw.rf_min is not None:
            inner_h = fh.rf_min if fh.rf_min is not None else fh.rf
            inner_w = fw.rf_min if fw.rf_min is not None else fw.rf
            ax.add_patch(Rectangle((float(fw.center - (inner_w - 1) / 2) - 0.5, float(fh.center - (inner_h - 1) / 2)
                                    - 0.5), float(inner_w), float(inner_h), fill=False, edgecolor=colour,
                                   linewidth=1.2, linestyle=":", gid=f"rf-min-box-{name}", zorder=4,
                                   path_effects=_STROKE))
        ax.plot(float(fw.center), float(fh.center), marker="P", markersize=9, color=colour, markeredgecolor="white",
                linestyle="none", zorder=5, gid=f"center-{name}")
        handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=2.2, marker="P", markersize=8,
                              markeredgecolor="white",
                              label=f"feature ({h}, {w}): rows {_shown(fh.first)} to {_shown(fh.last)}, "
                                    f"columns {_shown(fw.first)} to {_shown(fw.last)}"))
    if any(fh is not None and fw is not None and (fh.rf_min is not None or fw.rf_min is not None)
           for fh, fw in boxes):
        minimum = _per_axis([height_row.rf_min, width_row.rf_min])
        handles.append(Line2D([], [], color="#333333", linestyle=":", linewidth=1.2,
                              label=f"smallest field (shortest path, RF {minimum})"))
    handles.append(Patch(facecolor="#d0d0d0", hatch="///", edgecolor="#8a8a8a", label="padding"))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("input column (width, pixels)")
    ax.set_ylabel("input row (height, pixels)")
    ax.set_title(_text(_heading(row, sizes)), fontsize="medium")
    figure.suptitle(_text(title), fontsize="small", color="#444444")
    figure.legend(handles=handles, loc="outside lower center", ncols=1, fontsize="small", frameon=False)
    return figure


# -- erf -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Map:
    """What an ERF plot draws: non-negative weights over input pixels, the theoretical RF of the same feature."""

    values: np.ndarray  # 1-D or 2-D, summing to 1
    first: tuple[int, ...]  # the input pixel of values[0] (per axis)
    feature: tuple[int, ...] | None  # the output feature, per axis (None when not known)
    box: tuple[tuple[Fraction, Fraction], ...] | None  # per axis, the first and last pixel of its theoretical RF
    layer: str
    measured: bool


def _erf(network: Any, input_size: object, layer: int | str | None, measured: object, title: str) -> Figure:
    found = _measured_map(network, input_size, layer, measured) if measured is not None else \
        _exact_map(network, input_size, layer)
    if found.values.ndim == 1:
        return _erf_1d(found, title)
    return _erf_2d(found, title)


def _exact_map(network: Any, input_size: object, layer: int | str | None) -> _Map:
    """The exact response of the layer's centre feature to uniform weights (:func:`symrf.erf`)."""
    from .dispatch import erf as effective

    if input_size is None and not (isinstance(network, Analysis) and network.input_size is not None):
        if _analysis(network, None).free_symbols:
            raise SymrfError(_SYMBOLIC_ERF)
        analysis = _chosen_size(_source(network), layer)
    else:
        analysis = _analysis(network, input_size)
    if not _numeric_rows(analysis):
        raise SymrfError(_SYMBOLIC_ERF)
    count = analysis.axis_count
    if count > 2:
        raise SymrfError(f"an ERF plot shows one or two axes; this network has {count}")
    row = _row(analysis, layer)
    result = effective(_source(analysis), analysis.input_size, layer=row.index)
    if count == 1:
        response = result.response
        if isinstance(response, (tuple, list)) and len(response) == 1 and isinstance(response[0], tuple):
            response = response[0]
        if response is None:
            raise SymrfError(_SYMBOLIC_ERF)
        start, weights = response
        firsts = [int(_number(start, "the ERF's first pixel"))]
        values = np.array([float(w) for w in weights], dtype=np.float64)
    else:
        first_row, first_col, rows = result.map()
        firsts = [int(_number(first_row, "the ERF's first row")), int(_number(first_col, "the ERF's first column"))]
        values = np.array([[float(w) for w in line] for line in rows], dtype=np.float64)
    # the response is feature 0's; the centre feature's is the same, shifted by its index times the jump
    axis_rows = _axis_rows(row)
    sizes = row.size if isinstance(row.size, tuple) else (row.size,)
    features, boxes = [], []
    for axis in range(count):
        jump = _number(axis_rows[axis].jump, f"the jump of {row.name}")
        feature = (int(_number(sizes[axis], f"the output size of {row.name}")) - 1) // 2
        phases = axis_rows[axis].phases
        if phases:  # the response is that of phase 0: the nearest feature of that phase
            feature -= feature % len(phases)
        if (feature * jump).denominator != 1:
            feature = 0
        firsts[axis] += int(feature * jump)
        field = _field(axis_rows[axis], feature, False)
        features.append(feature)
        boxes.append((field.first, field.last) if field is not None else None)
    box = tuple(boxes) if all(b is not None for b in boxes) else None
    return _Map(_normalised(values), tuple(firsts), tuple(features), box, row.name, False)  # type: ignore[arg-type]


_SYMBOLIC_ERF = "the ERF of a symbolic network cannot be drawn; give its symbols values first (subs)"


def _normalised(values: np.ndarray) -> np.ndarray:
    values = np.abs(np.asarray(values, dtype=np.float64))
    total = float(values.sum())
    if not total > 0 or not math.isfinite(total):
        raise SymrfError("the ERF map has no weight to draw (its sum is not positive)")
    return values / total


def _measured_map(network: Any, input_size: object, layer: int | str | None, measured: object) -> _Map:
    """A measured map (an object with ``map`` and ``first``, or ``(first_row, first_col, array)``) with the
    theoretical RF of the feature it measures (its ``unit``, else the one whose centre is nearest the map's)."""
    if isinstance(measured, tuple) and len(measured) == 3:
        first_row, first_col, array = measured
        values = np.asarray(array, dtype=np.float64)
        first: tuple[int, ...] = (int(first_row), int(first_col))
        if values.ndim != 2:
            raise SymrfError(f"a measured ERF given as (first_row, first_col, map) has a 2-D map, not shape "
                             f"{values.shape}")
    elif hasattr(measured, "map") and hasattr(measured, "first"):
        values = np.asarray(measured.map, dtype=np.float64)
        first = tuple(int(v) for v in measured.first)
        if values.ndim not in (1, 2) or len(first) != values.ndim:
            raise SymrfError(f"a measured ERF is a 1-D or 2-D map with a first pixel per axis, not shape "
                             f"{values.shape} with first {first}")
    else:
        raise SymrfError("a measured ERF is an object with map and first (symrf.measured_erf gives one) or a tuple "
                         "(first_row, first_col, map)")
    if not np.all(np.isfinite(values)):
        raise SymrfError("the measured ERF map holds values that are not finite")
    values = _normalised(values)
    count = values.ndim
    box = getattr(measured, "theoretical_box", None)
    unit = getattr(measured, "unit", None)
    name = getattr(measured, "layer", None)
    if box is not None and unit is not None:
        boxes = tuple((Fraction(a), Fraction(b)) for a, b in box)
        label = str(name) if name else str(layer) if layer is not None else "output"
        return _Map(values, first, tuple(int(u) for u in unit), boxes, label, True)
    if input_size is None and not any(first) and not (isinstance(network, Analysis) and network.input_size):
        input_size = values.shape if count > 1 else values.shape[0]
    analysis = _analysis(network, input_size)
    if not _numeric_rows(analysis):
        raise SymrfError(_SYMBOLIC_ERF)
    row = _row(analysis, layer)
    axis_rows = _axis_rows(row)
    if len(axis_rows) == 1 and count > 1:
        axis_rows = axis_rows * count
    if len(axis_rows) != count:
        raise SymrfError(f"the measured map has {count} axes but the network has {len(axis_rows)}")
    sizes = row.size if isinstance(row.size, tuple) else (row.size,) * count
    features, boxes_found = [], []
    for axis in range(count):
        others = tuple(a for a in range(count) if a != axis)
        marginal = values.sum(axis=others) if others else values
        centroid = first[axis] + float(np.dot(np.arange(len(marginal)), marginal))
        if unit is not None:
            feature = int(unit[axis])
        else:
            zero = _field(axis_rows[axis], 0, False)
            jump = float(_number(axis_rows[axis].jump, f"the jump of {row.name}"))
            feature = max(0, round((centroid - float(zero.center if zero else 0)) / jump))
            if sizes[axis] is not None:
                feature = min(feature, int(_number(sizes[axis], f"the output size of {row.name}")) - 1)
        field = _field(axis_rows[axis], feature, False)
        if field is None:
            raise SymrfError(f"feature {feature} of {row.name} reads no input pixel")
        features.append(feature)
        boxes_found.append((field.first, field.last))
    return _Map(values, first, tuple(features), tuple(boxes_found), row.name, True)


def _levels(values: np.ndarray) -> dict[float, float]:
    """For each mass of :data:`MASSES`, the level whose superlevel set is the smallest region holding it (the
    highest-density region): halfway between the smallest weight inside and the largest one outside."""
    ordered = np.sort(values.ravel())[::-1]
    sums = np.cumsum(ordered)
    total = sums[-1]
    levels = {}
    for mass in MASSES:
        index = int(np.searchsorted(sums, mass * total * (1 - 1e-12)))
        inside = ordered[min(index, len(ordered) - 1)]
        outside = ordered[ordered < inside]
        levels[mass] = float(inside + (outside[0] if outside.size else 0.0)) / 2
    return levels


def _contour_map(values: np.ndarray) -> tuple[np.ndarray, dict[float, float], int]:
    """The map to draw contours on, its levels (:func:`_levels`) and the width ``w`` of its smoothing: the exact map
    (``w = 1``, padded with zeros so that every contour closes) when each contour is one line; else, for the first
    ``w`` up to :data:`MAX_SMOOTHING` that makes it so, the map averaged over a centred triangle of ``2w - 1``
    pixels per axis (two boxes of ``w``, which erase patterns of period ``w``, such as a stride's)."""
    for width in range(1, MAX_SMOOTHING + 1):
        kernel = np.convolve(np.ones(width), np.ones(width)) / width**2
        smoothed = np.pad(values, width)
        for axis in range(2):
            smoothed = np.apply_along_axis(np.convolve, axis, smoothed, kernel, mode="same")
        levels = _levels(smoothed)
        generator = contourpy.contour_generator(z=smoothed)
        if all(len(generator.lines(level)) <= 1 for level in set(levels.values())):
            break
    return smoothed, levels, width


def _narrowest(weights: np.ndarray, mass: float) -> tuple[int, int]:
    """The first and last index of the narrowest run holding at least ``mass`` of the weights (the first such)."""
    sums = np.concatenate(([0.0], np.cumsum(weights)))
    goal = mass * sums[-1] * (1 - 1e-12)
    best = (0, len(weights) - 1)
    for first in range(len(weights)):
        last = int(np.searchsorted(sums, sums[first] + goal)) - 1
        if last >= len(weights):
            break
        if last - first < best[1] - best[0]:
            best = (first, last)
    return best


def _erf_heading(found: _Map) -> str:
    what = "measured" if found.measured else "uniform weights"
    features = found.feature
    feature = "" if features is None else f", feature {features[0] if len(features) == 1 else tuple(features)}"
    return f"effective receptive field of {found.layer}{feature} ({what})"


def _erf_2d(found: _Map, title: str) -> Figure:
    values = np.pad(found.values, 1)  # zeros around, so that every contour closes
    top, left = found.first[0] - 1, found.first[1] - 1
    height, width = values.shape
    rows, columns = np.arange(top, top + height), np.arange(left, left + width)
    low_row, high_row, low_col, high_col = top - 0.5, top + height - 0.5, left - 0.5, left + width - 0.5
    if found.box is not None:
        (box_top, box_bottom), (box_left, box_right) = found.box
        low_row, high_row = min(low_row, float(box_top) - 1.5), max(high_row, float(box_bottom) + 1.5)
        low_col, high_col = min(low_col, float(box_left) - 1.5), max(high_col, float(box_right) + 1.5)
    aspect = (high_row - low_row) / (high_col - low_col)
    figure = _figure((GRID_SIZE[0], min(max(1.6 + 5.0 * aspect, 4.2), 9.0)))
    ax = figure.add_subplot()
    ax.set_facecolor(matplotlib.colormaps[HEAT_MAP](0.0))
    image = ax.imshow(values, cmap=HEAT_MAP, extent=(left - 0.5, left + width - 0.5, top + height - 0.5, top - 0.5),
                      interpolation="nearest", vmin=0, gid="erf-map")
    figure.colorbar(image, ax=ax, label="share of the weight", shrink=0.85)
    smoothed, levels, width = _contour_map(found.values)
    distinct = sorted(set(levels.values()))
    styles = ["--" if len(distinct) > 1 and level == levels[MASSES[-1]] else "-" for level in distinct]
    spread = (smoothed.shape[0] - found.values.shape[0]) // 2
    contours = ax.contour(np.arange(smoothed.shape[1]) + found.first[1] - spread,
                          np.arange(smoothed.shape[0]) + found.first[0] - spread, smoothed, levels=distinct,
                          colors="white", linestyles=styles, linewidths=1.6)
    contours.set_gid("erf-contours")
    contours.set_path_effects(_DARK_STROKE)
    handles: list[Any] = []
    if len(distinct) == 1:
        handles.append(Line2D([], [], color="white", linewidth=1.6, path_effects=_DARK_STROKE,
                              label="68 % and 95 % of the weight (the same region)"))
    else:
        handles.append(Line2D([], [], color="white", linewidth=1.6, path_effects=_DARK_STROKE,
                              label="68 % of the weight"))
        handles.append(Line2D([], [], color="white", linewidth=1.6, linestyle="--", path_effects=_DARK_STROKE,
                              label="95 % of the weight"))
    if found.box is not None:
        (box_top, box_bottom), (box_left, box_right) = found.box
        ax.add_patch(Rectangle((float(box_left) - 0.5, float(box_top) - 0.5), float(box_right - box_left + 1),
                               float(box_bottom - box_top + 1), fill=False, edgecolor="#4dd0e1", linewidth=2,
                               linestyle=":", gid="rf-box", path_effects=_DARK_STROKE, zorder=4))
        rf = _per_axis([box_bottom - box_top + 1, box_right - box_left + 1])
        handles.append(Line2D([], [], color="#4dd0e1", linewidth=2, linestyle=":", path_effects=_DARK_STROKE,
                              label=f"theoretical RF ({rf}): rows {_shown(box_top)} to {_shown(box_bottom)}, "
                                    f"columns {_shown(box_left)} to {_shown(box_right)}"))
    mean_row = float(np.dot(rows, values.sum(axis=1)))
    mean_col = float(np.dot(columns, values.sum(axis=0)))
    ax.plot(mean_col, mean_row, marker="+", markersize=12, markeredgewidth=2, color="#4dd0e1", linestyle="none",
            path_effects=_DARK_STROKE, gid="erf-mean", zorder=5)
    handles.append(Line2D([], [], marker="+", markersize=10, markeredgewidth=2, color="#4dd0e1", linestyle="none",
                          path_effects=_DARK_STROKE, label=f"mean ({mean_row:.4g}, {mean_col:.4g})"))
    if width > 1:
        side = 2 * width - 1
        handles.append(Line2D([], [], linestyle="none", label=f"contours of the map averaged over {side}×{side} "
                                                              "pixels (its stride pattern breaks them up)"))
    ax.set_xlim(low_col, high_col)
    ax.set_ylim(high_row, low_row)
    ax.set_aspect("equal")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("input column (width, pixels)")
    ax.set_ylabel("input row (height, pixels)")
    ax.set_title(_text(_erf_heading(found)), fontsize="medium")
    figure.suptitle(_text(title), fontsize="small", color="#444444")
    figure.legend(handles=handles, loc="outside lower center", ncols=1, fontsize="small", frameon=False)
    return figure


def _erf_1d(found: _Map, title: str) -> Figure:
    weights = found.values
    start = found.first[0]
    pixels = np.arange(start, start + len(weights))
    figure = _figure((SIZE[0], 4.4))
    ax = figure.add_subplot()
    colour = matplotlib.colormaps[HEAT_MAP](0.55)
    ax.bar(pixels, weights, width=1.0, color=colour, edgecolor=matplotlib.colormaps[HEAT_MAP](0.25),
           linewidth=0.5 if len(weights) <= 2 * MAX_OUTLINED else 0, gid="erf-weights", label="weight of each pixel")
    peak = float(weights.max())
    handles: list[Any] = [Patch(facecolor=colour, label="weight of each pixel")]
    if found.box is not None:
        (first, last), = found.box
        ax.add_patch(Rectangle((float(first) - 0.5, 0), float(last - first + 1), peak * 1.45, fill=False,
                               edgecolor="black", linewidth=1.6, linestyle=":", gid="rf-box", zorder=4))
        handles.append(Line2D([], [], color="black", linestyle=":", linewidth=1.6,
                              label=f"theoretical RF ({_shown(last - first + 1)}): pixels {_shown(first)} to "
                                    f"{_shown(last)}"))
    for index, mass in enumerate(MASSES):
        low, high = _narrowest(weights, mass)
        height = peak * (1.12 + 0.14 * index)
        ax.plot([start + low - 0.5, start + high + 0.5], [height, height], color=COLOURS[index],
                linestyle=STYLES[index], linewidth=2.2, marker="|", markersize=10, markeredgewidth=2,
                gid=f"erf-{round(mass * 100)}", zorder=5)
        handles.append(Line2D([], [], color=COLOURS[index], linestyle=STYLES[index], linewidth=2.2, marker="|",
                              markersize=10, markeredgewidth=2,
                              label=f"{round(mass * 100)} % of the weight: pixels {start + low} to {start + high}"))
    mean = float(np.dot(pixels, weights))
    ax.axvline(mean, color="black", linewidth=1, linestyle="--", gid="erf-mean")
    handles.append(Line2D([], [], color="black", linewidth=1, linestyle="--", label=f"mean {mean:.4g}"))
    low_x, high_x = start - 1.5, start + len(weights) + 0.5
    if found.box is not None:
        (first, last), = found.box
        low_x, high_x = min(low_x, float(first) - 1.5), max(high_x, float(last) + 1.5)
    ax.set_xlim(low_x, high_x)
    ax.set_ylim(0, peak * 1.55)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("input pixel")
    ax.set_ylabel("share of the weight")
    ax.set_title(_text(_erf_heading(found)), fontsize="medium")
    figure.suptitle(_text(title), fontsize="small", color="#444444")
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    return figure
