"""Tables of every analysis, and of the model zoo: JSON objects, plain text, Markdown, LaTeX, HTML and rich.

One printer for every engine: it reads an analysis through its common questions (:class:`symrf.analysis.Analysis`)
and never imports an engine. Values are exact: a JSON integer for an integer, a string that sympy reads back
otherwise, ``null`` for a value that is unknown (a "same" padding without an input size). When the network has
more than one axis, every quantity is a list with one entry per axis (height first). Symbolic chains too long to
write flat are written in nested (Horner) form straight from their sums (``form="nested"``), without building
flat values. rich is imported only when a terminal table is drawn.

>>> to_dict(analyze("residual([conv(3, p=1)])"))["rf_min"]
1
>>> to_dict(analyze("conv((3, 5), 2)"))["rf"]
[3, 5]
"""

from __future__ import annotations

import dataclasses
import html
import re
import sys
from typing import Any, cast

import sympy

from .latex import LINE_WIDTH, break_sum
from .printing import (
    CENTER_EDGE,
    MAX_PRINTED_TERMS,
    json_value,
    rows_fit,
    symbols_json,
    tex,
    tex_width,
    value_json,
    value_tex,
)
from .recurrence import QUANTITIES

__all__ = [
    "HEADINGS",
    "escape_tex",
    "html_table",
    "jupyter_latex",
    "latex_table",
    "layer_json",
    "markdown",
    "markdown_table",
    "plain_table",
    "rich_table",
    "show_table",
    "terminal_table",
    "text_rows",
    "to_dict",
    "wrap_cell",
    "zoo_cells",
    "zoo_json",
    "zoo_latex",
    "zoo_markdown",
    "zoo_note",
]

#: Column headings of the text tables; "rf min" is shown only for networks with merges.
HEADINGS = ("layer", "kind", "k", "s", "p", "d", "rf", "rf min", "jump", "eff. pad", "start", "center")
_HALF = sympy.Rational(1, 2)
_TOO_LONG = ("the per-layer values of this symbolic chain of {:,} layers are not printed: they would take more than "
             "{:,} terms (MAX_PRINTED_TERMS); the totals are exact, and symrf derive writes the sums")


# -- values ------------------------------------------------------------------------------------------------------


def _json(value: object) -> object:
    if value is None or isinstance(value, bool) or value == "same":
        return value
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return json_value(value)


def _cell(value: object) -> str:
    """A value in a text table: ``?`` when unknown, one value when every axis agrees, else ``h×w``."""
    if value is None:
        return "?"
    if isinstance(value, tuple):
        shown = [_cell(v) for v in value]
        return shown[0] if len(set(shown)) == 1 else "×".join(_grouped(c) for c in shown)
    if isinstance(value, sympy.Piecewise):
        return "; ".join(f"{json_value(expr)} {'otherwise' if cond is sympy.true else 'if ' + _condition(cond)}"
                         for expr, cond in value.args)
    return "same" if value == "same" else str(json_value(value))


def _grouped(cell: str) -> str:
    """A per-axis entry inside ``h×w``: in parentheses when it is more than one number or name."""
    return cell if cell.lstrip("-").replace("_", "").replace("/", "").isalnum() else f"({cell})"


def _condition(condition: Any) -> str:
    """``s = 1``, ``s = 1 and t = 1``: a Piecewise condition as a person writes it."""
    if isinstance(condition, sympy.Equality):
        return f"{condition.lhs} = {condition.rhs}"
    if isinstance(condition, sympy.And):
        return " and ".join(_condition(arg) for arg in condition.args)
    return str(condition)


def _tex_cell(value: object) -> str:
    if value is None:
        return "?"
    if isinstance(value, tuple):
        shown = [_tex_cell(v) for v in value]
        return shown[0] if len(set(shown)) == 1 else " \\times ".join(shown)
    return tex(value)


def _edge(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(_edge(v) for v in value)
    return value + _HALF


def _value(analysis: Any, quantity: str, index: int, form: str, edges: bool) -> object:
    """The exact value of ``quantity`` after row ``index`` (0: the input), the centre from pixel edges if asked."""
    value = analysis.value_at(quantity, index)
    return _edge(value) if edges and quantity == "center" else value


def _written(analysis: Any, quantity: str, index: int, form: str, edges: bool) -> object:
    """``quantity`` after row ``index`` as JSON: nested (Horner) text for long symbolic chains."""
    if form == "nested":
        quantity = "rf" if quantity in ("rf_min", "rf_local") else quantity  # a chain has one path, none global
        return value_json(analysis, CENTER_EDGE if edges and quantity == "center" else quantity, index, form)
    return _json(_value(analysis, quantity, index, form, edges))


def _written_tex(analysis: Any, quantity: str, index: int, form: str, edges: bool) -> str:
    if form == "nested" or (hasattr(analysis, "rf_sum") and not analysis.is_numeric):  # chains: in layer order
        quantity = "rf" if quantity in ("rf_min", "rf_local") else quantity
        return value_tex(analysis, CENTER_EDGE if edges and quantity == "center" else quantity, index, form)
    return _tex_cell(_value(analysis, quantity, index, form, edges))


def _quantities(analysis: Any) -> tuple[str, ...]:
    """The quantities of the text tables: ``rf_min`` only where paths merge (or a repeated block holds merges)."""
    local = ("rf_local",) if analysis.has_global else ()
    if analysis.branched:
        return ("rf", *local, "rf_min", *QUANTITIES[1:])
    return ("rf", *local, *QUANTITIES[1:])


# -- rows ----------------------------------------------------------------------------------------------------------


class _Entry:
    """What the printers need of one row besides its values (read without building symbolic values)."""

    __slots__ = ("name", "kind", "inputs", "values", "aligned", "paths", "phases")

    def __init__(self, name: str, kind: str, inputs: tuple[str, ...], values: dict[str, object],
                 aligned: bool | None = True, paths: tuple = (), phases: tuple | None = None) -> None:
        self.name, self.kind, self.inputs, self.values = name, kind, inputs, values
        self.aligned, self.paths, self.phases = aligned, paths, phases


def _layer_values(rows: tuple) -> dict[str, object]:
    """kernel, stride, padding and dilation of a row, per axis; a merge has none, a repetition its count."""

    def one(row: Any, field: str) -> object:
        layer = row.layer
        if layer is None:
            return None
        if row.kind == "repeat":
            return layer.count if field == "count" else None
        if field == "count":
            return None
        if field == "padding":
            resolved = row.padding
            if resolved is None or resolved[0] is None:
                return "same" if layer.padding == "same" else layer.padding
            before, after = resolved
            return before if before == after else (before, after)
        return getattr(layer, field)

    values = {}
    for field in ("kernel", "stride", "padding", "dilation", "count"):
        found = tuple(one(row, field) for row in rows)
        values[field] = found[0] if len(found) == 1 else found
    return values


def _entries(analysis: Any, form: str) -> list[_Entry]:
    if form == "nested":  # a long symbolic chain: its layers, without its rows' flat values
        names, layers = analysis.names, analysis.layers
        return [_Entry(name, layer.kind, (names[i - 1] if i else "input",),
                       _layer_values((_Light(layer),))) for i, (name, layer) in enumerate(zip(names, layers))]
    entries = []
    for row in analysis.rows:
        per_axis = row.axes or (row,)
        phases = per_axis[0].phases if len(per_axis) == 1 else None
        entries.append(_Entry(row.name, row.kind, row.inputs, _layer_values(per_axis), row.aligned,
                              tuple(zip(*(r.paths for r in per_axis))), phases))
    return entries


class _Light:
    """A chain layer seen as a row (for :func:`_layer_values`)."""

    __slots__ = ("layer", "kind", "padding")

    def __init__(self, layer: Any) -> None:
        self.layer, self.kind, self.padding = layer, layer.kind, (layer.padding, layer.padding)


def _json_padding(value: object) -> object:
    if isinstance(value, tuple) and len(value) == 2 and not isinstance(value[0], tuple) and value != (None, None):
        return [_json(value[0]), _json(value[1])]
    if isinstance(value, tuple):
        return [_json_padding(v) for v in value]
    return _json(value)


# -- JSON ----------------------------------------------------------------------------------------------------------


def to_dict(analysis: Any, form: str = "auto", edges: bool = False, paths: bool = False,
            copies: bool = False) -> dict[str, Any]:
    """An analysis as one JSON-ready object (what ``symrf rf --json`` prints).

    Top-level keys: the totals (``rf``, ``rf_min``, ``jump``, ``effective_padding``, ``start``, ``center``; and
    ``rf_local`` where some path is global, such as an excitation gate or a global pooling, else it equals ``rf``),
    ``aligned``, ``axes`` (several axes), ``input_size`` and ``size`` (with an input size), ``phases`` (after
    up-sampling), ``counts`` (symbolic repetition counts), ``warnings``, ``notes``, ``symbols`` (every symbol of
    the printed values with its assumptions, to read them back: :func:`~symrf.printing.symbols_json`) and
    ``layers``: one object per row (layers, merges, repeated blocks) with ``name``, ``kind``, ``inputs``, the
    layer's values and the same quantities. ``paths=True`` adds, for every merge, what arrives on each input;
    ``edges=True`` measures centres from pixel edges (centre + 1/2).

    >>> to_dict(analyze("conv(3), pool(2)"))["layers"][1]["rf"]
    4
    """
    form = analysis.form(form)
    total = len(analysis)
    local = ("rf_local",) if analysis.has_global else ()  # only where some path is global: else it is rf
    quantities = ("rf", *local, "rf_min", *QUANTITIES[1:])
    result: dict[str, Any] = {q: _written(analysis, q, total, form, edges) for q in quantities}
    result["aligned"] = analysis.aligned
    if analysis.axis_count > 1:
        result["axes"] = list(analysis.axis_names)
    if analysis.input_size is not None:
        result["input_size"] = _json(analysis.input_size)
        result["size"] = _json(analysis.size)
    if analysis.phases and analysis.axis_count == 1:
        result["phases"] = [_phase_json(p) for p in analysis.phases]
    if analysis.counts:
        result["counts"] = sorted(sym.name for sym in analysis.counts)
    result["warnings"] = list(analysis.warnings)
    result["notes"] = list(analysis.notes)
    sized = analysis.input_size is not None
    fits = rows_fit(len(analysis), len(quantities), form)
    if not fits:
        result["notes"].append(_TOO_LONG.format(len(analysis), MAX_PRINTED_TERMS))
    entries = _entries(analysis, form)
    result["symbols"] = symbols_json(_symbols(analysis, entries, form, sized, paths))
    layers = []
    for index, entry in enumerate(entries, start=1):
        item: dict[str, Any] = {"name": entry.name, "kind": entry.kind, "inputs": list(entry.inputs)}
        values = entry.values
        for field in ("kernel", "stride", "padding", "dilation", "count"):
            if field == "padding":
                if entry.kind not in ("merge", "repeat"):
                    item["padding"] = _json_padding(values["padding"])
            elif any(v is not None for v in (cast(tuple, values[field]) if isinstance(values[field], tuple) else
                                             (values[field],))):
                item[field] = _json(values[field])
        for quantity in quantities if fits else ():
            item[quantity] = _written(analysis, quantity, index, form, edges)
        if sized:
            item["size"] = _json(analysis.value_at("size", index))
        if entry.kind == "merge":
            item["aligned"] = entry.aligned
            if paths:
                item["paths"] = _paths_json(entry.paths)
        if entry.phases:
            item["phases"] = [_phase_json(p) for p in entry.phases]
        if copies and entry.kind == "repeat":
            item["copies"] = [{"name": row.name, "kind": row.kind,
                               **{q: _json(getattr(_edged(row, edges), q)) for q in quantities}}
                              for row in analysis.copies(index)]
        layers.append(item)
    result["layers"] = layers
    return result


def _symbols(analysis: Any, entries: list[_Entry], form: str, sized: bool, paths: bool) -> set[sympy.Symbol]:
    """The symbols of every value :func:`to_dict` prints: the network's and the input size's, and those an engine
    introduces (the input size ``n_pool1`` of a global pooling when no input size is given)."""
    found = set(analysis.free_symbols)
    if form == "nested":  # a long chain, written from its sums: its values hold only its layers' symbols
        return found
    printed = ("rf", "rf_min", "jump", "effective_padding", "start", "center")
    pending: list[Any] = [analysis.value_at(quantity, index) for index in range(1, len(analysis) + 1)
                          for quantity in (*printed, "size") if sized or quantity != "size"]
    pending.append(analysis.phases or ())
    for entry in entries:
        pending.append(entry.phases or ())
        if paths:
            pending.append(entry.paths)
    while pending:
        value = pending.pop()
        if isinstance(value, sympy.Basic):
            found |= value.free_symbols
        elif isinstance(value, (tuple, list)):
            pending.extend(value)
        elif value is not None and not isinstance(value, (int, str)):  # a phase, or what arrives on a path
            pending.extend(getattr(value, quantity, None) for quantity in printed)
    return found


def _phase_json(phase: Any) -> dict[str, Any]:
    return {"phase": phase.phase, "rf": _json(phase.rf), "rf_min": _json(phase.rf_min), "start": _json(phase.start),
            "center": _json(phase.center), "effective_padding": _json(phase.effective_padding)}


def _paths_json(arrivals: tuple) -> list[dict[str, Any]]:
    found = []
    for number, arriving in enumerate(arrivals, start=1):
        values = {field: _json(tuple(getattr(path, field) for path in arriving) if len(arriving) > 1
                               else getattr(arriving[0], field))
                  for field in ("rf", "rf_min", "jump", "effective_padding", "center")}
        found.append({"input": number, "label": arriving[0].label, "source": arriving[0].source, **values})
    return found


def layer_json(analysis: Any, key: int | str) -> dict[str, Any]:
    """One row's values, by index or name, as in :func:`to_dict`'s ``layers`` (with the paths of a merge)."""
    index = analysis.layer(key).index
    return to_dict(analysis, paths=True)["layers"][index - 1]


# -- text, Markdown, LaTeX, HTML -------------------------------------------------------------------------------


def _padding_cell(padding: object) -> str:
    if isinstance(padding, tuple) and len(padding) == 2 and not isinstance(padding[0], tuple):
        if any(isinstance(v, tuple) for v in padding):
            return _cell(padding)
        return f"{_cell(padding[0])}/{_cell(padding[1])}" if padding[0] != padding[1] else _cell(padding[0])
    if isinstance(padding, tuple):
        shown = [_padding_cell(p) for p in padding]
        return shown[0] if len(set(shown)) == 1 else "×".join(shown)
    return _cell(padding)


def _layer_cells(entry: _Entry) -> list[str]:
    values = entry.values
    if entry.kind == "merge":
        return ["", "", "", ""]
    if entry.kind == "repeat":
        return [f"×{_cell(values['count'])}", "", "", ""]
    return [_cell(values["kernel"]), _cell(values["stride"]), _padding_cell(values["padding"]),
            _cell(values["dilation"])]


def _tex_layer_cells(entry: _Entry) -> list[str]:
    """kernel, stride, padding and dilation in math mode (``$\\times n$`` for a repeated block)."""
    values = entry.values
    if entry.kind == "merge":
        return ["", "", "", ""]
    if entry.kind == "repeat":
        return [f"$\\times {_tex_cell(values['count'])}$", "", "", ""]
    padding = values["padding"]
    # a single value in math; "same", pairs (before/after) and per-axis paddings as the text table writes them
    shown = escape_tex(_padding_cell(padding)) if isinstance(padding, tuple) or padding == "same" else \
        f"${_tex_cell(padding)}$"
    return [f"${_tex_cell(values['kernel'])}$", f"${_tex_cell(values['stride'])}$", shown,
            f"${_tex_cell(values['dilation'])}$"]


def text_rows(analysis: Any, form: str = "auto", edges: bool = False,
              copies: bool = False) -> tuple[list[str], list[list[str]], list[str]]:
    """Headings, one row of text cells per row of the analysis, and a totals row; ``copies`` adds, after a block
    repeated an integer number of times, the rows of its first and last copy (``Analysis.copies``)."""
    form = analysis.form(form)
    quantities = _quantities(analysis)
    headings = ["layer", "kind", "k", "s", "p", "d", *(_HEADING[q] for q in quantities)]
    sized = analysis.input_size is not None
    headings += ["size"] if sized else []
    fits = rows_fit(len(analysis), len(quantities), form)
    rows = []
    for index, entry in enumerate(_entries(analysis, form), start=1):
        cells = [entry.name, entry.kind, *_layer_cells(entry)]
        cells += [_shown(analysis, q, index, form, edges) if fits else "…" for q in quantities]
        if sized:
            cells.append(_cell(analysis.value_at("size", index)))
        rows.append(cells)
        if copies and entry.kind == "repeat":
            for row in analysis.copies(index):
                shown = _edged(row, edges)
                rows.append([row.name, row.kind, *_layer_cells(_entry(row)), *(_cell(getattr(shown, q))
                                                                              for q in quantities)]
                            + (["?"] if sized else []))
    total = len(analysis)
    totals = ["network", "", "", "", "", ""]
    totals += [_shown(analysis, q, total, form, edges) for q in quantities]
    if sized:
        totals.append(_cell(analysis.size))
    return headings, rows, totals


_HEADING = {"rf": "rf", "rf_local": "rf local",
            "rf_min": "rf min", "jump": "jump", "effective_padding": "eff. pad", "start": "start",
            "center": "center"}


def _shown(analysis: Any, quantity: str, index: int, form: str, edges: bool) -> str:
    """A table cell: nested text for long symbolic chains, else the value (a piecewise one as "a if s = 1; ...")."""
    if form == "nested":
        return _text(_written(analysis, quantity, index, form, edges))
    return _cell(_value(analysis, quantity, index, form, edges))


def _text(written: object) -> str:
    """A JSON value as a table cell: lists (one entry per axis) as ``h×w``, ``null`` as ``?``."""
    if written is None:
        return "?"
    if isinstance(written, list):
        shown = [_text(v) for v in written]
        return shown[0] if len(set(shown)) == 1 else "×".join(_grouped(c) for c in shown)
    return str(written)


def _entry(row: Any) -> _Entry:
    return _Entry(row.name, row.kind, row.inputs, _layer_values((row,)))


def _edged(row: Any, edges: bool) -> Any:
    """A row with its centre measured from pixel edges, if asked."""
    return dataclasses.replace(row, center=_edge(row.center)) if edges else row


def markdown(analysis: Any, form: str = "auto", edges: bool = False, copies: bool = False) -> str:
    """A Markdown table of every row and the network's totals."""
    headings, rows, totals = text_rows(analysis, form, edges, copies)
    return markdown_table(headings, [*rows, totals])


def latex_table(analysis: Any, form: str = "auto", edges: bool = False) -> str:
    """A LaTeX ``tabular`` of every row and the network's totals (math cells in ``$...$``), as wide as the page of
    :func:`symrf.latex.wrap_document` allows: when the table of one row per layer would be wider, it is split in
    two, a table of the layers and a table with one row per quantity, whose long values break onto several lines
    at ``+`` and ``-`` (no package beyond LaTeX itself is needed)."""
    form = analysis.form(form)
    quantities = _quantities(analysis)
    sized = analysis.input_size is not None
    fits = rows_fit(len(analysis), len(quantities), form)
    entries = _entries(analysis, form)
    values = [[_written_tex(analysis, q, index, form, edges) if fits else None for q in quantities]
              + ([_tex_cell(analysis.value_at("size", index))] if sized else [])
              for index in range(1, len(entries) + 1)]
    total = len(analysis)
    totals: list[str | None] = [_written_tex(analysis, q, total, form, edges) for q in quantities]
    totals += [_tex_cell(analysis.size)] if sized else []
    names = [*(_TEX_HEADING[q] for q in quantities), *(["size"] if sized else [])]
    layers = [[f"\\texttt{{{escape_tex(entry.name)}}}", escape_tex(entry.kind), *_tex_layer_cells(entry)]
              for entry in entries]
    headings = ["layer", "kind", "$k$", "$s$", "$p$", "$d$"]
    wide = _table_width([headings + names, *(cells + [_math(v) for v in row] for cells, row in zip(layers, values)),
                         ["network", "", "", "", "", "", *(_math(v) for v in totals)]]) > TABLE_WIDTH
    if not wide:
        lines = ["\\begin{tabular}{ll" + "c" * (len(headings) + len(names) - 2) + "}",
                 " & ".join(headings + names) + " \\\\", "\\hline"]
        for cells, row in zip(layers, values):
            lines.append(" & ".join(cells + [_math(v) for v in row]) + " \\\\")
        lines.append("\\hline")
        lines.append(" & ".join(["network", "", "", "", "", "", *(_math(v) for v in totals)]) + " \\\\")
        lines.append("\\end{tabular}")
        return "\n".join(lines) + "\n"
    # too wide for the page: the layers in one table, then one row per quantity, long values on several lines
    lines = ["\\begin{tabular}{llcccc}", " & ".join(headings) + " \\\\", "\\hline"]
    lines += [" & ".join(cells) + " \\\\" for cells in layers]
    lines += ["\\end{tabular}", "", "\\medskip", ""]
    labels = [*(cells[0] for cells in layers), "network"]
    column = TABLE_WIDTH - 36.0 - max(_cell_width(label) for label in labels) - \
        max(_cell_width(name) for name in names)
    lines += ["\\begin{tabular}{lll}", "layer & & value \\\\", "\\hline"]
    for label, row in zip(labels, [*values, totals]):
        if all(v is None for v in row):
            lines.append(f"{label} & & \\dots \\\\")
            continue
        for number, (name, value) in enumerate(zip(names, row)):
            lines.append(f"{label if number == 0 else ''} & {name} & {_broken(value, column)} \\\\")
        lines.append("\\hline")
    lines.append("\\end{tabular}")
    return "\n".join(lines) + "\n"


#: How wide a table of :func:`latex_table` may be, in points: the text width of :func:`symrf.latex.wrap_document`'s
#: page, less the paragraph indent and a margin for the estimate.
TABLE_WIDTH = LINE_WIDTH


def _math(value: str | None) -> str:
    return "\\dots" if value is None else f"${value}$"


def _cell_width(cell: str) -> float:
    """About how wide a table cell is, in points (text, with ``$...$`` measured as math)."""
    return tex_width(f"\\text{{{cell}}}")


def _table_width(rows: list[list[str]]) -> float:
    """About how wide a ``tabular`` of these cells is: its widest cell in each column, the space between columns
    and the paragraph indent before it."""
    columns = [max(_cell_width(row[i]) for row in rows if i < len(row)) for i in range(max(map(len, rows)))]
    return sum(columns) + 12.0 * len(columns) + 15.0


def _broken(value: str | None, width: float) -> str:
    """A math cell on as many lines as it needs to be at most ``width`` points wide (a ``tabular`` inside the
    cell), broken at ``+`` and ``-``."""
    if value is None:
        return "\\dots"
    pieces = break_sum(value, width, width - 10.0)
    if len(pieces) == 1:
        return f"${value}$"
    lines = [f"${pieces[0]}$", *(f"$\\quad {piece}$" for piece in pieces[1:])]
    return "\\begin{tabular}[t]{@{}l@{}}" + " \\\\ ".join(lines) + "\\end{tabular}"


_TEX_HEADING = {"rf": "$r$", "rf_local": "$r_{\\mathrm{local}}$",
                "rf_min": "$r_{\\min}$", "jump": "$J$", "effective_padding": "$P$", "start": "start",
                "center": "centre"}


def html_table(analysis: Any) -> str:
    """An HTML table of every row and the totals (what Jupyter shows), with warnings and notes below it.

    >>> "<td>30</td>" in html_table(analyze("conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)"))
    True
    """
    headings, rows, totals = text_rows(analysis)
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headings) + "</tr></thead>",
           "<tbody>"]
    for cells in rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    out.append("<tr>" + "".join(f"<td><b>{html.escape(c)}</b></td>" for c in totals) + "</tr>")
    out += ["</tbody>", "</table>"]
    for kind, messages in (("warning", analysis.warnings), ("note", analysis.notes)):
        out += [f"<p>{kind}: {html.escape(message)}</p>" for message in messages]
    return "\n".join(out)


#: Display environments that stand on their own in a derivation (MathJax refuses two of them inside one ``$$``).
_DISPLAY_ENVIRONMENTS = frozenset(f"{name}{star}" for name in ("align", "alignat", "flalign", "gather", "multline",
                                                               "equation", "eqnarray") for star in ("", "*"))
_ENVIRONMENT = re.compile(r"\\(begin|end)\{([^{}]*)\}")


def jupyter_latex(derivation: str) -> str:
    r"""A derivation as Jupyter front ends typeset it: each display environment (``align*``, ``gather*``) bare, in
    a paragraph of its own, and any math between them in ``$$``. MathJax (JupyterLab, Notebook, nbconvert's HTML)
    finds bare environments in the text but refuses two of them inside one ``$$``; nbconvert's LaTeX takes them
    as they are.

    >>> print(jupyter_latex("\\begin{gather*}a\\end{gather*}\n\\begin{align*}b &= 1\\end{align*}"))
    \begin{gather*}a\end{gather*}
    <BLANKLINE>
    \begin{align*}b &= 1\end{align*}
    >>> jupyter_latex("l = 3")
    '$$l = 3$$'
    """
    parts: list[str] = []
    depth, start = 0, 0
    for match in _ENVIRONMENT.finditer(derivation):
        if match.group(2) not in _DISPLAY_ENVIRONMENTS:
            continue
        if match.group(1) == "begin":
            if depth == 0:
                parts.append(f"$${derivation[start:match.start()].strip()}$$")
                start = match.start()
            depth += 1
        elif depth == 0:  # an \end without its \begin: leave the text as it is
            return f"$${derivation.strip()}$$"
        else:
            depth -= 1
            if depth == 0:
                parts.append(derivation[start:match.end()].strip())
                start = match.end()
    if depth:
        return f"$${derivation.strip()}$$"
    parts.append(f"$${derivation[start:].strip()}$$")
    return "\n\n".join(part for part in parts if part != "$$$$")


def markdown_table(headings: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of text cells (``|`` in a cell is escaped)."""
    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join("---" for _ in headings) + "|"]
    for cells in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def terminal_table(headings: list[str], rows: list[list[str]], totals: list[str] | None = None,
                   title: str | None = None, left: tuple[str, ...] = ("layer", "kind")) -> Any:
    """A table of text cells for rich to draw, with a bold totals row, that never breaks a name or a number.

    Drawn at the console's width: a rich ``Table`` when it fits, its wide cells broken only after an operator
    (``*``, ``/``, ``×``) or before `` + ``, `` - ``, `` = `` and other words (:func:`wrap_cell`); one block per row
    (its quantities one per line) when the columns would have to be narrower than their longest unbreakable piece or
    a cell would take more than :data:`TALLEST_CELL` lines. rich is imported when it is drawn, not at package import.
    """
    return _TerminalTable(headings, rows, totals, title, left)


#: Most lines a wrapped cell may take in a terminal table; taller cells switch the table to one block per row.
TALLEST_CELL = 4

#: Values packed side by side on one line in the one-block-per-row layout: at most this long, without spaces.
_SHORT_CELL = 12


def _pieces(cell: str, inner: bool = True) -> list[tuple[str, str]]:
    """A cell cut where a line may break, as ``(separator, text)`` pairs: at a space that does not follow an
    operator (so ``+``, ``-`` and ``=`` start the next line), and with ``inner`` also after a single ``*``, a ``/``
    or a ``×``; the separator (a space, or nothing) is dropped where the line breaks. Names and numbers are never
    cut."""
    pieces: list[tuple[str, str]] = []
    start, separator = 0, ""
    last = len(cell) - 1
    for i, char in enumerate(cell):
        if char == " ":
            if 0 < i and cell[i - 1] not in " +-=":
                pieces.append((separator, cell[start:i]))
                start, separator = i + 1, " "
        elif inner and i < last and cell[i + 1] != " " and (char in "/×" or (
                char == "*" and cell[i + 1] != "*" and (i == 0 or cell[i - 1] != "*"))):
            pieces.append((separator, cell[start:i + 1]))
            start, separator = i + 1, ""
    pieces.append((separator, cell[start:]))
    return [(separator, text) for separator, text in pieces if text]


def wrap_cell(cell: str, width: int) -> list[str]:
    """The lines of a cell wrapped to ``width``: before `` + ``, `` - ``, `` = `` and at other spaces, and inside a
    term (after ``*``, ``/``, ``×``) only where the term is wider than ``width``; a name or number wider than
    ``width`` stays whole on its own line.

    >>> wrap_cell("d_1*(k_1 - 1) + d_2*s_1*(k_2 - 1) + 1", 24)
    ['d_1*(k_1 - 1)', '+ d_2*s_1*(k_2 - 1) + 1']
    >>> wrap_cell("s_1*s_2*s_3", 8)
    ['s_1*s_2*', 's_3']
    """
    pieces: list[tuple[str, str]] = []
    for separator, text in _pieces(cell, inner=False):
        if len(text) + (len(separator) if pieces else 0) <= width:
            pieces.append((separator, text))
        else:  # a term wider than a line: cut inside it too
            inside = _pieces(text)
            pieces += [(separator, inside[0][1]), *inside[1:]]
    lines: list[str] = []
    line = ""
    for separator, text in pieces:
        if not line:
            line = text
        elif len(line) + len(separator) + len(text) <= width:
            line += separator + text
        else:
            lines.append(line)
            line = text
    return [*lines, line]


def _longest_piece(cell: str) -> int:
    return max((len(text) for _, text in _pieces(cell)), default=0)


class _TerminalTable:
    """What :func:`terminal_table` returns: rich asks it to draw itself at the console's width."""

    def __init__(self, headings: list[str], rows: list[list[str]], totals: list[str] | None, title: str | None,
                 left: tuple[str, ...]) -> None:
        self.headings, self.rows, self.totals, self.title, self.left = headings, rows, totals, title, left

    def __rich_console__(self, console: Any, options: Any) -> Any:
        width = options.max_width
        table = self.table(width)
        if table is not None:
            yield table
        else:
            yield from self.blocks(width)

    @property
    def body(self) -> list[list[str]]:
        return [*self.rows, *([self.totals] if self.totals is not None else [])]

    def widths(self, width: int) -> list[int] | None:
        """Column widths that fit ``width`` (rich's default box: a border and a space either side of each
        column), or None when some column would be narrower than its longest unbreakable piece."""
        headings, body = self.headings, self.body
        room = width - 3 * len(headings) - 1
        natural = [max(len(h), *(len(cells[i]) for cells in body)) for i, h in enumerate(headings)]
        if sum(natural) <= room:
            return natural
        least = [max(max(map(len, h.split())), *(_longest_piece(cells[i]) for cells in body))
                 for i, h in enumerate(headings)]
        if sum(least) > room:
            return None
        widths = list(least)
        spare = room - sum(least)
        for i in sorted(range(len(widths)), key=lambda i: natural[i] - least[i]):  # narrow columns whole first
            if natural[i] - widths[i] <= spare:
                spare -= natural[i] - widths[i]
                widths[i] = natural[i]
        for _ in range(spare):  # the rest a character at a time, to the column that lacks most
            lacking = max(range(len(widths)), key=lambda i: natural[i] - widths[i])
            if natural[lacking] <= widths[lacking]:
                break
            widths[lacking] += 1
        return widths

    def table(self, width: int) -> Any:
        """The rich ``Table``, its cells wrapped at operators, or None when it does not fit ``width``."""
        from rich.table import Table
        from rich.text import Text

        widths = self.widths(width)
        if widths is None:
            return None
        wrapped = [[wrap_cell(cell, w) for cell, w in zip(cells, widths)] for cells in self.body]
        if max((len(lines) for cells in wrapped for lines in cells), default=1) > TALLEST_CELL:
            return None
        heads = [wrap_cell(h, w) for h, w in zip(self.headings, widths)]
        table = Table(show_header=True, header_style="bold", title=self.title)
        for i, (heading, w) in enumerate(zip(self.headings, widths)):
            broken = any(len(cells[i]) > 1 for cells in wrapped)
            table.add_column("\n".join(heads[i]), justify="left" if heading in self.left or broken else "right",
                             width=w, no_wrap=True)
        for number, cells in enumerate(wrapped):
            if self.totals is not None and number == len(self.rows):
                table.add_section()
            style = "bold" if self.totals is not None and number == len(self.rows) else ""
            table.add_row(*(Text("\n".join(lines)) for lines in cells), style=style)
        return table

    def blocks(self, width: int) -> list[Any]:
        """One block per row: its names in bold, its short values side by side, then one line per quantity with the
        value wrapped at operators under the value column."""
        from rich.text import Text

        headings, body = self.headings, self.body
        names = [i for i, h in enumerate(headings) if h in self.left]
        others = [i for i in range(len(headings)) if i not in names]
        packed: list[int] = []  # the leading columns of short values, side by side
        for i in others:
            if not all(len(cells[i]) <= _SHORT_CELL and " " not in cells[i] for cells in body):
                break
            packed.append(i)
        rest = [i for i in others if i not in packed]
        label = max((len(headings[i]) for i in rest), default=0)
        indent = 2 + label + 2
        out: list[Any] = [Text(self.title, style="bold")] if self.title else []
        for number, cells in enumerate(body):
            if self.totals is not None and number == len(self.rows):
                out.append(Text("─" * max(1, min(width, 40))))
            out.append(Text("  ".join(cells[i] for i in names if cells[i]), style="bold"))
            pairs = [f"{headings[i]} {cells[i]}" for i in packed if cells[i]]
            line = ""
            for pair in pairs:
                if line and len(line) + 3 + len(pair) > width - 2:
                    out.append(Text("  " + line))
                    line = ""
                line = f"{line}   {pair}" if line else pair
            if line:
                out.append(Text("  " + line))
            for i in rest:
                if not cells[i]:
                    continue
                lines = wrap_cell(cells[i], max(1, width - indent))
                out.append(Text(f"  {headings[i].ljust(label)}  {lines[0]}"))
                out += [Text(" " * indent + line) for line in lines[1:]]
        return out


def rich_table(analysis: Any, title: str | None = None) -> Any:
    """A rich ``Table`` of an analysis, for the terminal."""
    headings, rows, totals = text_rows(analysis)
    return terminal_table(headings, rows, totals, title=title)


#: Widest cell that sets the width of its column in plain-text tables.
WIDE_CELL = 120


def plain_table(headings: list[str], rows: list[list[str]], totals: list[str] | None = None,
                left: tuple[str, ...] = ("layer", "kind")) -> str:
    """Aligned plain-text columns, a rule under the headings and above the totals (for pipes and files).

    >>> print(plain_table(["layer", "rf"], [["conv1", "3"], ["pool1", "4"]], ["network", "4"]), end="")
    layer    rf
    -----------
    conv1     3
    pool1     4
    -----------
    network   4
    """
    body = [*rows, *([totals] if totals is not None else [])]
    # columns are as wide as their widest cell of at most WIDE_CELL characters: a longer cell (a long symbolic
    # total) sticks out instead of padding every row to its width
    widths = [max([len(headings[i]), *(len(cells[i]) for cells in body if len(cells[i]) <= WIDE_CELL)])
              for i in range(len(headings))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if h in left else c.rjust(w)
                         for c, w, h in zip(cells, widths, headings)).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [line(headings), rule, *(line(cells) for cells in rows)]
    if totals is not None:
        lines += [rule, line(totals)]
    return "\n".join(lines) + "\n"


def show_table(headings: list[str], rows: list[list[str]], totals: list[str] | None = None,
               title: str | None = None, left: tuple[str, ...] = ("layer", "kind")) -> None:
    """Print a table: drawn with rich on a terminal; plain aligned text elsewhere (pipes and files), which is
    quicker to start and to grep."""
    if sys.stdout.isatty():
        from rich.console import Console

        Console().print(terminal_table(headings, rows, totals, title=title, left=left))
        return
    if title:
        sys.stdout.write(f"{title}\n")
    sys.stdout.write(plain_table(headings, rows, totals, left))


def escape_tex(text: str) -> str:
    """Text made safe for LaTeX outside math mode."""
    return (text.replace("\\", "\\textbackslash{}").replace("_", "\\_").replace("&", "\\&").replace("%", "\\%")
            .replace("×", "$\\times$").replace("#", "\\#"))


# -- the zoo ---------------------------------------------------------------------------------------------------

ZOO_HEADINGS = ("model", "input", "final layer", "rf", "jump", "eff. pad", "aligned")
#: The mark of a row whose rf is rf_local, and what it means.
ZOO_LOCAL_MARK = "*"
ZOO_LOCAL_NOTE = ("* rf_local: the RF of the local paths; through their squeeze-and-excitation gates these models' "
                  "features read the whole input")


def zoo_json(rows: Any) -> list[dict[str, Any]]:
    """The zoo's table (:func:`symrf.zoo.table`) as a list of JSON objects."""
    return [{"model": row.name, "rf": _json(row.rf), "jump": _json(row.jump),
             "effective_padding": _json(row.effective_padding), "input_size": _json(row.input_size),
             "final_layer": row.final_layer, "aligned": row.aligned, "source": row.source,
             **({"rf_is": "rf_local"} if row.local else {})} for row in rows]


def zoo_note(rows: Any) -> str | None:
    """The note under the zoo's table when some row gives ``rf_local``."""
    return ZOO_LOCAL_NOTE if any(row.local for row in rows) else None


def zoo_cells(rows: Any) -> list[list[str]]:
    return [[row.name, _cell(row.input_size), row.final_layer or "",
             _cell(row.rf) + (ZOO_LOCAL_MARK if row.local else ""), _cell(row.jump),
             _cell(row.effective_padding), {True: "yes", False: "no"}.get(row.aligned, "?")] for row in rows]


def zoo_markdown(rows: Any) -> str:
    note = zoo_note(rows)
    return markdown_table(list(ZOO_HEADINGS), zoo_cells(rows)) + (f"\n{note}\n" if note else "")


def zoo_latex(rows: Any) -> str:
    lines = ["\\begin{tabular}{lllcccc}", " & ".join(escape_tex(h) for h in ZOO_HEADINGS) + " \\\\", "\\hline"]
    for row, cells in zip(rows, zoo_cells(rows)):
        shown = [f"\\texttt{{{escape_tex(cells[0])}}}", escape_tex(cells[1]), f"\\texttt{{{escape_tex(cells[2])}}}"]
        shown += [f"${_tex_cell(v)}$" for v in (row.rf, row.jump, row.effective_padding)] + [cells[6]]
        if row.local:
            shown[3] = f"${_tex_cell(row.rf)}^{{{ZOO_LOCAL_MARK}}}$"
        lines.append(" & ".join(shown) + " \\\\")
    lines.append("\\end{tabular}")
    note = zoo_note(rows)
    if note:
        lines.append("$^{*}$ " + escape_tex(note.removeprefix("* ")))
    return "\n".join(lines) + "\n"
