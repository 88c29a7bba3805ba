"""Terminal tables never break a name or a number: wide symbolic cells wrap only at operators, or the table becomes
one block per row; piped output stays plain aligned text."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

import symrf
import symrf.zoo
from symrf import tables

CHAIN5 = ", ".join(f"conv(k_{i}, s_{i}, p=p_{i}, d=d_{i})" for i in range(1, 6))
NETWORKS = {
    "chain5_padded": CHAIN5,
    "chain3": "conv(k_1, s_1), conv(k_2, s_2), conv(k_3, s_3)",
    "closed_form": "conv(5, s=3, d=2), n * [m * [pool(1, s=2, p=2), pool(2, s=2, p=2)]], conv(5, s=2, d=2)",
    "per_axis_closed_form": "n * [conv(k, s)], conv((3, 5), s=2)",
    "residual": "conv(7, 2, p=3), 2 * [residual([conv(3, p=1), conv(3, p=1)])]",
    "seed": "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)",
}
WIDTHS = (40, 60, 80, 100, 120, 160)
NAME = re.compile(r"[A-Za-z]\w*")


def drawn(renderable: object, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def allowed_words(headings: list[str], cells: list[list[str]], title: str | None = None) -> set[str]:
    """Every whole name the table may show: the cells' names and numbers, the headings' and the title's words."""
    words = {word for text in [*headings, *(c for row in cells for c in row), title or ""]
             for word in NAME.findall(text)}
    return words


def broken_names(text: str, allowed: set[str]) -> list[str]:
    return sorted({word for word in NAME.findall(text) if word not in allowed})


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(NETWORKS))
def test_no_name_is_split_across_lines(name, width):
    analysis = symrf.analyze(NETWORKS[name])
    headings, rows, totals = tables.text_rows(analysis)
    text = drawn(tables.rich_table(analysis, title=name), width)
    allowed = allowed_words(headings, [*rows, totals], name)
    assert not broken_names(text, allowed), f"names broken across lines at width {width}:\n{text}"
    numbers = {n for cells in [*rows, totals] for cell in cells for n in re.findall(r"(?<![\w.])\d+", cell)}
    for number in re.findall(r"(?<![\w.])\d+", text):
        assert number in numbers, f"a number is cut at width {width} ({number}):\n{text}"
    assert max(map(len, text.splitlines())) <= width


def test_five_symbolic_layers_on_80_columns():
    """The issue's case: rich used to print s_1*s_2*s_3 as s_1*s_ / 2*s_3."""
    analysis = symrf.analyze(CHAIN5)
    text = drawn(tables.rich_table(analysis), 80)
    symbols = {sym.name for sym in analysis.free_symbols}
    assert symbols == {f"{letter}_{i}" for letter in "kspd" for i in range(1, 6)}
    headings, rows, totals = tables.text_rows(analysis)
    words = set(symbols) | {w for h in headings for w in NAME.findall(h)} | set(analysis.names) | {"conv", "network"}
    assert not broken_names(text, words), text
    assert "s_1*s_2*s_3*s_4*s_5" in text  # the jump, whole on one line


def test_a_table_that_fits_is_drawn_as_a_table():
    analysis = symrf.analyze(NETWORKS["seed"])
    text = drawn(tables.rich_table(analysis), 80)
    assert text.splitlines()[0].startswith("┏") and "│ network │" in text
    headings = tables.text_rows(analysis)[0]
    assert all(heading in text for heading in headings)


def test_wide_cells_wrap_at_operators_inside_the_table():
    text = drawn(tables.rich_table(symrf.analyze(NETWORKS["chain3"])), 120)
    assert text.splitlines()[0].startswith("┏")
    assert "s_1*s_2*s_3" in text


def test_zoo_table_keeps_model_names_whole():
    rows = symrf.zoo.table()
    cells = tables.zoo_cells(rows)
    for width in (60, 80, 120):
        text = drawn(tables.terminal_table(list(tables.ZOO_HEADINGS), cells, left=("model", "final layer")), width)
        assert not broken_names(text, allowed_words(list(tables.ZOO_HEADINGS), cells)), text
        assert all(cells_of_row[0] in text for cells_of_row in cells)


def test_wrap_cell_breaks_only_between_names():
    cell = "d_1*(k_1 - 1) + d_2*s_1*(k_2 - 1) + d_3*s_1*s_2*(k_3 - 1) + 1"
    names = set(NAME.findall(cell))
    for width in range(1, len(cell) + 2):
        lines = tables.wrap_cell(cell, width)
        assert "".join(lines).replace(" ", "") == cell.replace(" ", ""), (width, lines)  # nothing lost or moved
        for line in lines:
            assert set(NAME.findall(line)) <= names, (width, lines)
            assert not line.endswith((" +", " -", "+", "-")), (width, lines)  # + and - start a line
        if width >= len("d_3*s_1*s_2*(k_3"):
            assert all(len(line) <= width for line in lines), (width, lines)
    assert tables.wrap_cell(cell, 1000) == [cell]
    assert tables.wrap_cell("s_1*s_2*s_3", 9) == ["s_1*s_2*", "s_3"]
    assert tables.wrap_cell("2*s**n + 1", 4) == ["2*", "s**n", "+ 1"]


def test_piped_output_stays_plain_aligned_text(capsys):
    analysis = symrf.analyze(CHAIN5)
    headings, rows, totals = tables.text_rows(analysis)
    tables.show_table(headings, rows, totals, title="chain")
    out = capsys.readouterr().out
    assert out == "chain\n" + tables.plain_table(headings, rows, totals)
