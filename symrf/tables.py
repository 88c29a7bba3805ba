"""Tables of a chain analysis: JSON objects, plain text, Markdown and LaTeX, and a rich table for terminals.

Values are exact: a JSON integer for an integer, otherwise a string that ``sympy.sympify`` reads back.
rich is imported only when a terminal table is drawn.
"""

from __future__ import annotations

import sys
from typing import Any

from .chain import QUANTITIES, ChainAnalysis
from .printing import CENTER_EDGE, json_value, tex, value_json, value_tex

#: Column headings, in order, for the per-layer text tables (JSON keys are the long names).
COLUMNS = ("layer", "kind", "k", "s", "p", "d", "rf", "jump", "eff. pad", "start", "center")


def _quantities(edges: bool) -> list[tuple[str, str]]:
    """(key, quantity) pairs; with ``edges`` the centre is measured from pixel edges (centre + 1/2)."""
    return [(q, CENTER_EDGE if edges and q == "center" else q) for q in QUANTITIES]


def to_json(analysis: ChainAnalysis, form: str = "auto", edges: bool = False) -> dict[str, Any]:
    """The analysis as one JSON-ready object: the totals, then ``layers`` with one object per layer.

    With ``edges`` the centres follow the "start = 0.5" convention (measured from pixel edges: centre + 1/2).

    >>> to_json(analyze("conv(3), pool(2)"))["rf"]
    4
    """
    form = analysis.form(form)
    total = len(analysis.layers)
    result: dict[str, Any] = {key: value_json(analysis, q, total, form) for key, q in _quantities(edges)}
    if analysis.input_size is not None:
        result["input_size"] = json_value(analysis.input_size)
        result["size"] = json_value(analysis.size)
    layers = []
    for index, (layer, name) in enumerate(zip(analysis.layers, analysis.names), start=1):
        row: dict[str, Any] = {
            "name": name,
            "kind": layer.kind,
            "kernel": json_value(layer.kernel),
            "stride": json_value(layer.stride),
            "padding": json_value(layer.padding),
            "dilation": json_value(layer.dilation),
        }
        row.update({key: value_json(analysis, q, index, form) for key, q in _quantities(edges)})
        if analysis.sizes is not None:
            row["size"] = json_value(analysis.sizes[index - 1])
        layers.append(row)
    result["layers"] = layers
    return result


def text_rows(analysis: ChainAnalysis, form: str = "auto", edges: bool = False
              ) -> tuple[list[str], list[list[str]], list[str]]:
    """Headings, one row of text cells per layer, and a totals row."""
    form = analysis.form(form)
    headings = list(COLUMNS) + (["size"] if analysis.sizes is not None else [])
    rows = []
    for index, (layer, name) in enumerate(zip(analysis.layers, analysis.names), start=1):
        cells = [name, layer.kind, *(str(json_value(v)) for v in (layer.kernel, layer.stride, layer.padding,
                                                                    layer.dilation))]
        cells += [str(value_json(analysis, q, index, form)) for _, q in _quantities(edges)]
        if analysis.sizes is not None:
            cells.append(str(json_value(analysis.sizes[index - 1])))
        rows.append(cells)
    total = len(analysis.layers)
    totals = ["network", "", "", "", "", ""]
    totals += [str(value_json(analysis, q, total, form)) for _, q in _quantities(edges)]
    if analysis.sizes is not None:
        totals.append(str(json_value(analysis.size)))
    return headings, rows, totals


def markdown_table(headings: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of text cells (``|`` in a cell is escaped)."""
    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join("---" for _ in headings) + "|"]
    for cells in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def terminal_table(headings: list[str], rows: list[list[str]], totals: list[str] | None = None,
                   title: str | None = None, left: tuple[str, ...] = ("layer", "kind")):
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
    widths = [max(len(headings[i]), *(len(cells[i]) for cells in body)) for i in range(len(headings))]

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


def markdown(analysis: ChainAnalysis, form: str = "auto", edges: bool = False) -> str:
    """A Markdown table of every layer and the network's totals."""
    headings, rows, totals = text_rows(analysis, form, edges)
    return markdown_table(headings, [*rows, totals])


def latex_table(analysis: ChainAnalysis, form: str = "auto", edges: bool = False) -> str:
    """A LaTeX ``tabular`` of every layer and the network's totals (math cells in ``$...$``)."""
    form = analysis.form(form)
    sized = analysis.sizes is not None
    headings = ["layer", "kind", "$k$", "$s$", "$p$", "$d$", "$r$", "$J$", "$P$", "start", "centre"]
    headings += ["size"] if sized else []
    lines = ["\\begin{tabular}{ll" + "c" * (len(headings) - 2) + "}", " & ".join(headings) + " \\\\", "\\hline"]
    total = len(analysis.layers)
    for index, (layer, name) in enumerate(zip(analysis.layers, analysis.names), start=1):
        cells = [f"\\texttt{{{escape_tex(name)}}}", layer.kind]
        cells += [f"${tex(v)}$" for v in (layer.kernel, layer.stride, layer.padding, layer.dilation)]
        cells += [f"${value_tex(analysis, q, index, form)}$" for _, q in _quantities(edges)]
        cells += [f"${tex(analysis.sizes[index - 1])}$"] if sized else []
        lines.append(" & ".join(cells) + " \\\\")
    lines.append("\\hline")
    cells = ["network", "", "", "", "", ""]
    cells += [f"${value_tex(analysis, q, total, form)}$" for _, q in _quantities(edges)]
    cells += [f"${tex(analysis.size)}$"] if sized else []
    lines.append(" & ".join(cells) + " \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines) + "\n"


def escape_tex(text: str) -> str:
    """Text made safe for LaTeX outside math mode."""
    return (text.replace("\\", "\\textbackslash{}").replace("_", "\\_").replace("&", "\\&").replace("%", "\\%")
            .replace("×", "$\\times$").replace("#", "\\#"))


def rich_table(analysis: ChainAnalysis, form: str = "auto", edges: bool = False):
    """A rich ``Table`` for the terminal."""
    return terminal_table(*text_rows(analysis, form, edges))
