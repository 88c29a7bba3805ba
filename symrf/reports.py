"""Reports of graph analyses (several paths, several axes) and of the model zoo: JSON, text, Markdown, LaTeX, rich.

Values are exact: a JSON integer for an integer, a string sympy reads back otherwise, ``null`` for a value that
is unknown (a "same" padding without an input size). When the network has more than one axis, every quantity is
a list with one entry per axis (height first); with one axis it is a single value. rich is imported only when a
terminal table is drawn.

>>> graph_json(analyze("residual([conv(3, p=1)])"))["rf_min"]
1
>>> graph_json(analyze("conv((3, 5), 2)"))["rf"]
[3, 5]
"""

from __future__ import annotations

from typing import Any

from .printing import json_value, tex
from .tables import escape_tex, markdown_table, terminal_table

#: Quantities of every row and of the totals, in table order.
QUANTITIES = ("rf", "rf_min", "jump", "effective_padding", "start", "center")
#: Column headings of the text tables.
HEADINGS = ("layer", "kind", "k", "s", "p", "d", "rf", "rf min", "jump", "eff. pad", "start", "center")


def _json(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if isinstance(value, bool):
        return value
    return json_value(value)


def _cell(value: object) -> str:
    """A value in a text table: ``?`` when unknown, one value when every axis agrees, else ``h×w``."""
    if value is None:
        return "?"
    if isinstance(value, tuple):
        shown = [_cell(v) for v in value]
        return shown[0] if len(set(shown)) == 1 else "×".join(shown)
    return str(json_value(value))


def _per_axis_rows(analysis) -> list[tuple[Any, tuple]]:
    """Each row with its per-axis rows (one for a 1-D analysis)."""
    if getattr(analysis, "axis_count", 1) > 1:
        return [(row, row.axes) for row in analysis]
    return [(row, (row,)) for row in analysis]


def _layer_values(axes: tuple) -> dict[str, object]:
    """kernel, stride, padding and dilation of a row, per axis; a merge has none, a repetition its count."""
    def one(row, field):
        layer = row.layer
        if layer is None:
            return None
        if field == "count":
            return getattr(layer, "count", None)
        if getattr(row, "kind", None) == "repeat":
            return None
        if field == "padding":
            resolved = getattr(row, "padding", None)
            if resolved is None:
                return layer.padding if layer.padding != "same" else "same"
            before, after = resolved
            return before if before == after else (before, after)
        return getattr(layer, field)

    values = {}
    for field in ("kernel", "stride", "padding", "dilation", "count"):
        found = tuple(one(row, field) for row in axes)
        values[field] = found[0] if len(found) == 1 else found
    return values


def _json_padding(value: object) -> object:
    if isinstance(value, tuple) and len(value) == 2 and not isinstance(value[0], tuple) and value != (None, None):
        return [_json(value[0]), _json(value[1])]
    if isinstance(value, tuple):
        return [_json_padding(v) for v in value]
    return value if value == "same" else _json(value)


def graph_json(analysis, paths: bool = False) -> dict[str, Any]:
    """A graph analysis (:class:`~symrf.graph.GraphAnalysis` or :class:`~symrf.axes.AxesAnalysis`) as JSON.

    Top-level keys: the totals, ``aligned``, ``warnings``, ``notes`` and ``layers`` (one object per row, merges
    included, with ``inputs``); ``paths=True`` adds, for every merge, what arrives on each input.
    """
    result: dict[str, Any] = {q: _json(getattr(analysis, q, getattr(analysis, "rf", None) if q == "rf_min" else 0))
                              for q in QUANTITIES}
    result["aligned"] = analysis.aligned
    if getattr(analysis, "axis_count", 1) > 1:
        result["axes"] = list(analysis.axis_names)
    if analysis.input_size is not None:
        result["input_size"] = _json(analysis.input_size)
        result["size"] = _json(analysis.size)
    if getattr(analysis, "phases", None):
        result["phases"] = [_phase_json(p) for p in analysis.phases]
    result["warnings"] = list(analysis.warnings)
    result["notes"] = list(analysis.notes)
    layers = []
    for row, axes in _per_axis_rows(analysis):
        first = axes[0]
        entry: dict[str, Any] = {"name": row.name, "kind": row.kind, "inputs": list(getattr(first, "inputs", ()))}
        values = _layer_values(axes)
        for field in ("kernel", "stride", "padding", "dilation", "count"):  # the order of symrf.tables.to_json
            if field == "padding":
                if row.kind not in ("merge", "repeat"):
                    entry["padding"] = _json_padding(values["padding"])
            elif any(v is not None for v in (values[field] if isinstance(values[field], tuple) else (values[field],))):
                entry[field] = _json(values[field])
        for quantity in QUANTITIES:
            entry[quantity] = _json(getattr(row, quantity))
        if analysis.input_size is not None:
            entry["size"] = _json(row.size)
        if row.kind == "merge":
            entry["aligned"] = row.aligned
            if paths:
                entry["paths"] = _paths_json(axes)
        if getattr(first, "phases", None) and len(axes) == 1:
            entry["phases"] = [_phase_json(p) for p in first.phases]
        layers.append(entry)
    result["layers"] = layers
    return result


def _phase_json(phase) -> dict[str, Any]:
    return {"phase": phase.phase, "rf": _json(phase.rf), "rf_min": _json(phase.rf_min), "start": _json(phase.start),
            "center": _json(phase.center), "effective_padding": _json(phase.effective_padding)}


def _paths_json(axes: tuple) -> list[dict[str, Any]]:
    found = []
    for number, arriving in enumerate(zip(*(row.paths for row in axes)), start=1):
        values = {field: _json(tuple(getattr(path, field) for path in arriving) if len(arriving) > 1
                               else getattr(arriving[0], field))
                  for field in ("rf", "rf_min", "jump", "effective_padding", "center")}
        found.append({"input": number, "label": arriving[0].label, "source": arriving[0].source, **values})
    return found


def text_rows(analysis) -> tuple[list[str], list[list[str]], list[str]]:
    """Headings, one row of text cells per layer or merge, and a totals row."""
    sized = analysis.input_size is not None
    headings = list(HEADINGS) + (["size"] if sized else [])
    rows = []
    for row, axes in _per_axis_rows(analysis):
        values = _layer_values(axes)
        if row.kind == "merge":
            layer_cells = ["", "", "", ""]
        elif row.kind == "repeat":
            layer_cells = [f"×{_cell(values['count'])}", "", "", ""]
        else:
            padding = values["padding"]
            layer_cells = [_cell(values["kernel"]), _cell(values["stride"]), _padding_cell(padding),
                           _cell(values["dilation"])]
        cells = [row.name, row.kind, *layer_cells, *(_cell(getattr(row, q)) for q in QUANTITIES)]
        if sized:
            cells.append(_cell(row.size))
        rows.append(cells)
    totals = ["network", "", "", "", "", "", *(_cell(getattr(analysis, q)) for q in QUANTITIES)]
    if sized:
        totals.append(_cell(analysis.size))
    return headings, rows, totals


def _padding_cell(padding: object) -> str:
    if isinstance(padding, tuple) and len(padding) == 2 and not isinstance(padding[0], tuple):
        if any(isinstance(v, tuple) for v in padding):
            return _cell(padding)
        return f"{_cell(padding[0])}/{_cell(padding[1])}" if padding[0] != padding[1] else _cell(padding[0])
    if isinstance(padding, tuple):
        return "×".join(_padding_cell(p) for p in padding) if len(set(map(str, padding))) > 1 else _padding_cell(
            padding[0])
    return "same" if padding == "same" else _cell(padding)


def markdown(analysis) -> str:
    """A Markdown table of every layer and merge and the network's totals."""
    headings, rows, totals = text_rows(analysis)
    return markdown_table(headings, [*rows, totals])


def _tex_cell(value: object) -> str:
    if value is None:
        return "?"
    if isinstance(value, tuple):
        shown = [_tex_cell(v) for v in value]
        return shown[0] if len(set(shown)) == 1 else " \\times ".join(shown)
    return tex(value)


def latex_table(analysis) -> str:
    """A LaTeX ``tabular`` of every layer and merge and the network's totals."""
    headings, rows, totals = text_rows(analysis)
    quantities = [[getattr(row, q) for q in QUANTITIES] for row, _ in _per_axis_rows(analysis)]
    lines = ["\\begin{tabular}{ll" + "c" * (len(headings) - 2) + "}",
             " & ".join(escape_tex(h) for h in headings) + " \\\\", "\\hline"]
    for cells, values in zip(rows, quantities):
        shown = [f"\\texttt{{{escape_tex(cells[0])}}}", escape_tex(cells[1]), *(escape_tex(c) for c in cells[2:6])]
        shown += [f"${_tex_cell(v)}$" for v in values] + [escape_tex(c) for c in cells[12:]]
        lines.append(" & ".join(shown) + " \\\\")
    lines.append("\\hline")
    total_values = [f"${_tex_cell(getattr(analysis, q))}$" for q in QUANTITIES]
    lines.append(" & ".join(["network", "", "", "", "", "", *total_values, *(escape_tex(c) for c in totals[12:])])
                 + " \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines) + "\n"


def rich_table(analysis, title: str | None = None):
    """A rich ``Table`` for the terminal."""
    headings, rows, totals = text_rows(analysis)
    return terminal_table(headings, rows, totals, title=title)


def layer_json(analysis, name: str) -> dict[str, Any]:
    """One layer's (or merge's) values, by name, as in :func:`graph_json`'s ``layers``."""
    index = analysis.layer(name).index
    return graph_json(analysis, paths=True)["layers"][index - 1]


# -- the zoo -----------------------------------------------------------------------------------------------------

ZOO_HEADINGS = ("model", "input", "final layer", "rf", "jump", "eff. pad", "aligned")


def zoo_json(rows) -> list[dict[str, Any]]:
    """The zoo's table (:func:`symrf.zoo.table`) as a list of JSON objects."""
    return [{"model": row.name, "rf": _json(row.rf), "jump": _json(row.jump),
             "effective_padding": _json(row.effective_padding), "input_size": _json(row.input_size),
             "final_layer": row.final_layer, "aligned": row.aligned, "source": row.source} for row in rows]


def zoo_cells(rows) -> list[list[str]]:
    return [[row.name, _cell(row.input_size), row.final_layer or "", _cell(row.rf), _cell(row.jump),
             _cell(row.effective_padding), {True: "yes", False: "no"}.get(row.aligned, "?")] for row in rows]


def zoo_markdown(rows) -> str:
    return markdown_table(list(ZOO_HEADINGS), zoo_cells(rows))


def zoo_latex(rows) -> str:
    lines = ["\\begin{tabular}{lllcccc}", " & ".join(escape_tex(h) for h in ZOO_HEADINGS) + " \\\\", "\\hline"]
    for row, cells in zip(rows, zoo_cells(rows)):
        shown = [f"\\texttt{{{escape_tex(cells[0])}}}", escape_tex(cells[1]), f"\\texttt{{{escape_tex(cells[2])}}}"]
        shown += [f"${_tex_cell(v)}$" for v in (row.rf, row.jump, row.effective_padding)] + [cells[6]]
        lines.append(" & ".join(shown) + " \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines) + "\n"


def zoo_rich(rows):
    return terminal_table(list(ZOO_HEADINGS), zoo_cells(rows), left=("model", "final layer"))
