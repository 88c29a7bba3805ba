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
import sys
from typing import Any, cast

import sympy

from .printing import CENTER_EDGE, MAX_PRINTED_TERMS, json_value, rows_fit, symbols_json, tex, value_json, value_tex
from .recurrence import QUANTITIES

__all__ = [
    "HEADINGS",
    "escape_tex",
    "html_table",
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
    "zoo_cells",
    "zoo_json",
    "zoo_latex",
    "zoo_markdown",
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
        quantity = "rf" if quantity == "rf_min" else quantity  # a chain has one path
        return value_json(analysis, CENTER_EDGE if edges and quantity == "center" else quantity, index, form)
    return _json(_value(analysis, quantity, index, form, edges))


def _written_tex(analysis: Any, quantity: str, index: int, form: str, edges: bool) -> str:
    if form == "nested":
        quantity = "rf" if quantity == "rf_min" else quantity
        return value_tex(analysis, CENTER_EDGE if edges and quantity == "center" else quantity, index, form)
    return _tex_cell(_value(analysis, quantity, index, form, edges))


def _quantities(analysis: Any) -> tuple[str, ...]:
    """The quantities of the text tables: ``rf_min`` only where paths merge (or a repeated block holds merges)."""
    if analysis.branched:
        return ("rf", "rf_min", *QUANTITIES[1:])
    return QUANTITIES


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

    Top-level keys: the totals (``rf``, ``rf_min``, ``jump``, ``effective_padding``, ``start``, ``center``),
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
    quantities = ("rf", "rf_min", *QUANTITIES[1:])
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


_HEADING = {"rf": "rf", "rf_min": "rf min", "jump": "jump", "effective_padding": "eff. pad", "start": "start",
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
    """A LaTeX ``tabular`` of every row and the network's totals (math cells in ``$...$``)."""
    form = analysis.form(form)
    quantities = _quantities(analysis)
    sized = analysis.input_size is not None
    headings = ["layer", "kind", "$k$", "$s$", "$p$", "$d$", *(_TEX_HEADING[q] for q in quantities)]
    headings += ["size"] if sized else []
    fits = rows_fit(len(analysis), len(quantities), form)
    lines = ["\\begin{tabular}{ll" + "c" * (len(headings) - 2) + "}", " & ".join(headings) + " \\\\", "\\hline"]
    for index, entry in enumerate(_entries(analysis, form), start=1):
        cells = [f"\\texttt{{{escape_tex(entry.name)}}}", escape_tex(entry.kind)]
        cells += _tex_layer_cells(entry)
        cells += [f"${_written_tex(analysis, q, index, form, edges)}$" if fits else "\\dots" for q in quantities]
        cells += [f"${_tex_cell(analysis.value_at('size', index))}$"] if sized else []
        lines.append(" & ".join(cells) + " \\\\")
    lines.append("\\hline")
    total = len(analysis)
    cells = ["network", "", "", "", "", ""]
    cells += [f"${_written_tex(analysis, q, total, form, edges)}$" for q in quantities]
    cells += [f"${_tex_cell(analysis.size)}$"] if sized else []
    lines.append(" & ".join(cells) + " \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines) + "\n"


_TEX_HEADING = {"rf": "$r$", "rf_min": "$r_{\\min}$", "jump": "$J$", "effective_padding": "$P$", "start": "start",
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


def markdown_table(headings: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of text cells (``|`` in a cell is escaped)."""
    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join("---" for _ in headings) + "|"]
    for cells in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def terminal_table(headings: list[str], rows: list[list[str]], totals: list[str] | None = None,
                   title: str | None = None, left: tuple[str, ...] = ("layer", "kind")) -> Any:
    """A rich ``Table`` of text cells, with a bold totals row (rich is imported here, not at package import)."""
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", title=title)
    for heading in headings:
        table.add_column(heading, justify="left" if heading in left else "right", overflow="fold")
    for cells in rows:
        table.add_row(*cells)
    if totals is not None:
        table.add_section()
        table.add_row(*totals, style="bold")
    return table


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
    widths = [max(len(headings[i]), *(len(cells[i]) for cells in body if len(cells[i]) <= WIDE_CELL))
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


def zoo_json(rows: Any) -> list[dict[str, Any]]:
    """The zoo's table (:func:`symrf.zoo.table`) as a list of JSON objects."""
    return [{"model": row.name, "rf": _json(row.rf), "jump": _json(row.jump),
             "effective_padding": _json(row.effective_padding), "input_size": _json(row.input_size),
             "final_layer": row.final_layer, "aligned": row.aligned, "source": row.source} for row in rows]


def zoo_cells(rows: Any) -> list[list[str]]:
    return [[row.name, _cell(row.input_size), row.final_layer or "", _cell(row.rf), _cell(row.jump),
             _cell(row.effective_padding), {True: "yes", False: "no"}.get(row.aligned, "?")] for row in rows]


def zoo_markdown(rows: Any) -> str:
    return markdown_table(list(ZOO_HEADINGS), zoo_cells(rows))


def zoo_latex(rows: Any) -> str:
    lines = ["\\begin{tabular}{lllcccc}", " & ".join(escape_tex(h) for h in ZOO_HEADINGS) + " \\\\", "\\hline"]
    for row, cells in zip(rows, zoo_cells(rows)):
        shown = [f"\\texttt{{{escape_tex(cells[0])}}}", escape_tex(cells[1]), f"\\texttt{{{escape_tex(cells[2])}}}"]
        shown += [f"${_tex_cell(v)}$" for v in (row.rf, row.jump, row.effective_padding)] + [cells[6]]
        lines.append(" & ".join(shown) + " \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines) + "\n"
