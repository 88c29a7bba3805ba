"""Step-by-step LaTeX derivations of chains, the LaTeX document wrapper and values in LaTeX.

Chain lines are rendered from a per-layer template rather than by substituting into a general formula: a numeric
chain writes every number (``l_{i} = l_{i-1} + (k'_i - 1) * s_1 * ... * s_{i-1} = value``, the worked example's
format), a symbolic chain states each step (``l_{i} = l_{i-1} + (k_i - 1) J_{i-1} = value``), a long symbolic chain
uses sum and product notation. Every derivation is broken to fit the page of :func:`wrap_document`
(:func:`fit_rows`: at relations, then at ``+`` and ``-`` onto ``&\\quad + ...`` rows, widths estimated by
:func:`symrf.printing.tex_width`), and each block is headed by ``\\text{...}`` rows, which MathJax renders.
The derivations of closed forms, graphs of paths and per-axis networks are in :mod:`symrf.derivations`, loaded with
their engines, so that ``import symrf`` stays light.
The printers read analyses through their common questions (:class:`symrf.analysis.Analysis`) and never import an
engine; the engines call them from ``latex()``.
"""

from __future__ import annotations

import re
from typing import Any

import sympy

from .printing import product_tex, rows_fit, tex, tex_factor, tex_width, value_tex
from .symbols import Value

__all__ = ["DOCUMENT_FOOTER", "DOCUMENT_HEADER", "LINE_WIDTH", "break_sum", "derivation", "fit_rows", "latex_value",
           "wrap_document"]

DOCUMENT_HEADER = r"""\documentclass{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\allowdisplaybreaks
\begin{document}
"""
DOCUMENT_FOOTER = "\\end{document}\n"


def wrap_document(body: str) -> str:
    """``body`` in a standalone LaTeX document (article, amsmath) that compiles with pdflatex."""
    return DOCUMENT_HEADER + body + "\n" + DOCUMENT_FOOTER


def _align(lines: list[str], width: float | None = None) -> str:
    """An ``align*`` environment of ``lines`` (rows ``lhs &= rhs``, or ``&\\text{...}``), each broken to fit
    ``width`` (:data:`LINE_WIDTH`) by :func:`fit_rows`."""
    rows = fit_rows(lines, LINE_WIDTH if width is None else width)
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


# -- breaking lines ------------------------------------------------------------------------------------------------

#: How wide a row of a derivation may be, in points: the text width of :func:`wrap_document`'s page (500 pt: letter
#: paper, 2 cm margins; 453 pt on A4 with 2.5 cm) less a margin for the estimate of :func:`symrf.printing.tex_width`.
LINE_WIDTH = 430.0

#: Relations a row may break before (the new row starts with the relation, under the first one).
_RELATIONS = (" = ", " \\geq ", " \\leq ", " < ", " > ", " \\approx ", " \\neq ")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
#: What a continuation row starts with: the alignment point, then a quad.
CONTINUATION = "&\\quad "


def _cells(row: str) -> list[str]:
    """The cells of an ``align*`` row, split at its top-level ``&`` (not inside braces or environments)."""
    cells, depth, start, index = [], 0, 0, 0
    while index < len(row):
        char = row[index]
        if char == "\\":
            match = _COMMAND.match(row, index)
            name = match.group(1) if match else ""
            depth += {"begin": 1, "end": -1}.get(name, 0)
            index = match.end() if match else index + 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "&" and depth == 0:
            cells.append(row[start:index])
            start = index + 1
        index += 1
    cells.append(row[start:])
    return cells


def _break_points(text: str) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    """Where the math ``text`` may break: the index of each relation at its top level (outside braces,
    ``\\left...\\right``, environments and parentheses); ``(index, parentheses)`` of each binary ``+`` or ``-``
    outside braces, ``\\left...\\right`` and environments, with the depth of plain parentheses around it; and the
    index of each space between two factors of a product at the top level. All indices point at a space."""
    relations: list[int] = []
    operators: list[tuple[int, int]] = []
    factors: list[int] = []
    braces = lefts = environments = parens = 0
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            match = _COMMAND.match(text, index)
            if match is None:
                break
            name = match.group(1)
            index = match.end()
            if name in ("left", "right"):
                lefts += 1 if name == "left" else -1
                if index < length and text[index] != "\\":
                    index += 1  # the delimiter: \left( is not a parenthesis that may hold a break
            elif name in ("begin", "end"):
                environments += 1 if name == "begin" else -1
            continue
        if char == "{":
            braces += 1
        elif char == "}":
            braces -= 1
        elif char in "([":
            parens += 1
        elif char in ")]":
            parens -= 1
        elif char == " " and braces == lefts == environments == 0:
            if text.startswith((" + ", " - "), index):
                operators.append((index, parens))
            elif parens == 0 and text.startswith(_RELATIONS, index):
                relations.append(index)
            elif parens == 0 and 0 < index < length - 1 and text[index - 1] not in "+-=<>,&" and \
                    text[index + 1] not in "+-=<>,&\\" and not text.endswith(("\\cdot", "\\,", "\\quad"), 0, index):
                factors.append(index)
        index += 1
    return relations, operators, factors


def break_sum(text: str, first: float, rest: float) -> list[str]:
    """The math ``text`` broken at binary ``+`` and ``-`` into pieces: the first at most ``first`` points wide, the
    others (each starting with its sign) at most ``rest``. Breaks are chosen outside parentheses where possible, and
    never inside braces, ``\\left...\\right`` or environments; a product without sums breaks between its factors
    (the next piece starts with ``\\cdot``); a piece that cannot be broken stays whole.

    >>> break_sum("a + b + c + d", 30, 40)
    ['a + b', '+ c + d']
    """
    _, operators, factors = _break_points(text)
    joiner = ""
    if not operators:
        operators, joiner = [(index, 0) for index in factors], "\\cdot "
    if not operators or tex_width(text) <= first:
        return [text.strip()]
    # the width of each stretch between two break points, measured once: a line's width is the sum of its stretches
    bounds = [0, *(index for index, _ in operators), len(text)]
    widths = [tex_width(text[a:b]) for a, b in zip(bounds, bounds[1:])]
    if not joiner:  # a stretch starting with + or - measured alone lacks the space around the binary operator
        widths[1:] = [width + 4.44 for width in widths[1:]]
    pieces: list[str] = []
    start, budget = 0, first  # start: the index in bounds of the line's first stretch
    while True:
        width = 0.0
        fitting: list[tuple[int, float, int]] = []  # (end, width, depth) of each break that fits
        for end in range(start + 1, len(bounds)):
            width += widths[end - 1]
            if end == len(bounds) - 1:
                break
            if width <= budget or not fitting:  # a break after stretch end - 1 (the first one even if too wide)
                fitting.append((end, width, operators[end - 1][1]))
            if width > budget:
                break
        if width <= budget or not fitting:  # the rest fits, or cannot be broken
            pieces.append(joiner * bool(pieces) + text[bounds[start]:].strip())
            return _split_closing(pieces, rest)
        # the shallowest break that keeps the line at least half full, else the latest that fits
        full = [item for item in fitting if item[1] >= budget / 2]
        if full:
            shallowest = min(depth for _, _, depth in full)
            end = max(end for end, _, depth in full if depth == shallowest)
        else:
            end = fitting[-1][0]
        pieces.append(joiner * bool(pieces) + text[bounds[start]:bounds[end]].strip())
        start, budget = end, rest


def _split_closing(pieces: list[str], width: float) -> list[str]:
    """The last piece without the run of closing parentheses that ends a long nested form when that run is too
    wide for one line: the run then continues on lines of its own."""
    last = pieces[-1]
    run = len(last) - len(last.rstrip(")"))
    if run < 2 or tex_width(last) <= width:
        return pieces
    per_line = max(1, int(width // tex_width(")")))
    head = last[: len(last) - run]
    kept = min(run, max(0, int((width - tex_width(head)) // tex_width(")"))))
    pieces[-1] = head + ")" * kept
    run -= kept
    while run > 0:
        pieces.append(")" * min(run, per_line))
        run -= per_line
    return pieces


def _break_text(cell: str, budget: float) -> list[str]:
    """A cell holding ``\\text{...}`` only, broken at spaces into several such cells that fit ``budget``."""
    match = re.fullmatch(r"\s*\\text\{(.*)\}\s*", cell, re.S)
    if match is None:
        return [cell]
    words = re.findall(r"(?:\$[^$]*\$|[^\s$])+", match.group(1))
    pieces: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if line and tex_width(f"\\text{{{candidate}}}") > budget:
            pieces.append(line)
            line = word
        else:
            line = candidate
    pieces.append(line)
    return [f"\\text{{{piece}}}" for piece in pieces]


def fit_rows(rows: list[str], width: float = LINE_WIDTH) -> list[str]:
    """The rows of an ``align*`` environment, broken so that each is at most ``width`` points wide: a right-hand
    side before a relation (the new row starts ``&= ...``), then at binary ``+`` and ``-`` onto continuation rows
    (``&\\quad + ...``); a row of text at spaces; notes after ``&&`` move to a row of their own. Rows that fit are
    kept as they are.

    >>> fit_rows(["x &= a + b + c"], 45)
    ['x &= a + b', '&\\\\quad + c']
    """
    split = [_cells(row) for row in rows]
    left = max((tex_width(cells[0]) for cells in split if len(cells) > 1), default=0.0)
    notes = {index: "&".join(cells[2:]).strip("& ") for index, cells in enumerate(split) if len(cells) > 2}
    # notes after && stand in a column of their own, as wide as the widest note, 20 pt or more to the right
    beside = max((tex_width(note) for note in notes.values() if note), default=0.0)
    budget = width - left - (beside + 20.0 if beside else 0.0)
    if beside and budget < width / 2:  # too little room beside the notes: each note goes to a row of its own
        budget, beside = width - left, 0.0
    budget = max(budget, width / 3)
    fitted: list[str] = []
    for index, (row, cells) in enumerate(zip(rows, split)):
        note = notes.get(index, "")
        if len(cells) == 1 or (tex_width(cells[1]) <= budget and (beside or not note)):
            fitted.append(row)
            continue
        fitted.extend(_fit_right(cells[0], cells[1], budget) if tex_width(cells[1]) > budget else
                      [f"{cells[0]}&{cells[1]}"])
        if note and beside:
            fitted[-1] += f" && {note}"
        elif note:
            fitted.append(f"&\\qquad {note}")
    return fitted


def _fit_right(left: str, right: str, budget: float) -> list[str]:
    """Rows for one left cell and its too wide right cell."""
    if right.lstrip().startswith("\\text{"):
        pieces = _break_text(right, budget)
        return [f"{left}&{pieces[0]}", *(f"&{piece}" for piece in pieces[1:])]
    relations = _break_points(right)[0]
    # the right-hand side as its relations: "= a", "= b", ...; each on one row or more
    bounds = [0, *relations, len(right)]
    parts = [right[a:b].strip() for a, b in zip(bounds, bounds[1:]) if right[a:b].strip()]
    lines: list[str] = []
    for part in parts:
        if lines and tex_width(lines[-1] + " " + part) <= budget:
            lines[-1] += " " + part
        else:
            lines.append(part)
    rows: list[str] = []
    for line in lines:
        if tex_width(line) <= budget:
            rows.append(line)
            continue
        relation, space, rest = line.partition(" ")
        head = relation + space if relation in ("=", "\\geq", "\\leq", "<", ">", "\\approx", "\\neq") else ""
        body = line[len(head):]
        pieces = break_sum(body, budget - tex_width(head), budget - tex_width("\\quad"))
        rows.append(head + pieces[0])
        rows.extend(f"\\quad {piece}" for piece in pieces[1:])
    return [f"{left}&{rows[0]}", *(f"&{row}" for row in rows[1:])]


# -- chains ------------------------------------------------------------------------------------------------------

#: Most rows that the value of a symbolic chain's RF may take in a step-by-step derivation; a longer chain is derived
#: in sum and product notation (:func:`sum_blocks`), its totals written once in nested form.
MAX_VALUE_ROWS = 4

#: Most strides written factor by factor in a numeric chain's line (``(3 - 1) \cdot 1 \cdot 2``); beyond them, or
#: when the line would not fit, the lines write the jump ``J_{i-1}`` as one number.
MAX_FACTORS = 40


def _stride_factors(analysis: Any, index: int) -> str:
    r"""`` \cdot s_1 \cdot ... \cdot s_{i-1}``: the strides before layer ``index``, factor by factor."""
    strides = [layer.stride for layer in analysis.layers[: index - 1]]
    return "" if not strides else " \\cdot " + product_tex(strides)


def _widening(layer: Any) -> str:
    """``k' - 1`` of a layer as the factor of a step: ``(3 - 1)``, ``(k_{1} - 1)``, ``2 (3 - 1)`` or
    ``(k_{1} - 1) d_{1}`` for a dilated kernel (its widening ``d (k - 1)``)."""
    if layer.dilation == 1:
        return f"({tex(layer.kernel)} - 1)"
    if layer.is_numeric:
        return f"({tex(layer.effective_kernel)} - 1)"
    if type(layer.dilation) is int:
        return f"{layer.dilation} ({tex(layer.kernel)} - 1)"
    widening = sympy.Mul(layer.dilation, sympy.sympify(layer.kernel) - 1)
    return f"({tex(widening)})" if widening.is_Add else tex(widening)


def _dilated(analysis: Any) -> bool:
    return any(layer.dilation != 1 for layer in analysis.layers)


def _unpadded(analysis: Any) -> bool:
    return all(layer.padding == 0 for layer in analysis.layers)


def _heading(text: str) -> str:
    """A row of text heading a block: a ``\\text{...}`` row, which MathJax 3 renders too."""
    return f"&\\text{{{text}}}"


def _kernel_stride(analysis: Any, extent: str) -> str:
    """What the symbols of layer ``i`` are: ``kernel $k_{i}$, stride $s_{i}$`` (and its dilation)."""
    kernel = "kernel extent" if extent.startswith("k'") else "kernel"
    dilation = ", dilation $d_{i}$" if _dilated(analysis) and kernel == "kernel" else ""
    return f"{kernel} ${extent}$, stride $s_{{i}}${dilation}"


def _no_padding(analysis: Any) -> list[str]:
    return [_heading("No padding: $P_{i} = 0$ for every layer.")]


# numeric chains: every line writes its numbers (the seed's worked example is written this way, exactly)


def _numeric_compact(analysis: Any) -> bool:
    """Whether a numeric chain's lines write the jump as one number (the strides would not fit on a line)."""
    count = len(analysis)
    if count <= 1:
        return False
    if count > MAX_FACTORS:
        return True
    index = count
    widest = (f"l_{{{index}}} &= {tex(analysis.rf_at(index - 1))} + {_widening(analysis.layers[-1])}"
              f"{_stride_factors(analysis, index)} = {tex(analysis.rf_at(index))}")
    return tex_width(widest) > LINE_WIDTH


def _numeric_rf(analysis: Any, compact: bool) -> list[str]:
    lines = ["l_{0} &= 1"]
    for index, layer in enumerate(analysis.layers, start=1):
        factors = f" \\cdot {tex(analysis.jump_at(index - 1))}" if compact and index > 1 else \
            _stride_factors(analysis, index)
        line = (f"l_{{{index}}} &= {tex(analysis.rf_at(index - 1))} + {_widening(layer)}{factors}"
                f" = {tex(analysis.rf_at(index))}")
        if layer.dilation != 1:
            line += (f" && k'_{{{index}}} = {tex(layer.dilation)} \\cdot ({tex(layer.kernel)} - 1) + 1"
                     f" = {tex(layer.effective_kernel)}")
        lines.append(line)
    return lines


def _numeric_jump(analysis: Any) -> list[str]:
    lines = ["J_{0} &= 1"]
    for index, layer in enumerate(analysis.layers, start=1):
        lines.append(f"J_{{{index}}} &= {tex(analysis.jump_at(index - 1))} \\cdot {tex(layer.stride)}"
                     f" = {tex(analysis.jump_at(index))}")
    return lines


def _numeric_padding(analysis: Any, compact: bool) -> list[str]:
    lines = ["P_{0} &= 0"]
    for index, layer in enumerate(analysis.layers, start=1):
        factors = f" \\cdot {tex(analysis.jump_at(index - 1))}" if compact and index > 1 else \
            _stride_factors(analysis, index)
        lines.append(f"P_{{{index}}} &= {tex(analysis.effective_padding_at(index - 1))} + {tex(layer.padding)}"
                     f"{factors} = {tex(analysis.effective_padding_at(index))}")
    return lines


def _numeric_center(analysis: Any, padded: bool) -> list[str]:
    lines = []
    for index in range(1, len(analysis) + 1):
        padding = f" - {tex(analysis.effective_padding_at(index))}" if padded else ""
        lines.append(f"c_{{{index}}} &= \\frac{{{tex(analysis.rf_at(index))} - 1}}{{2}}{padding}"
                     f" = {tex(analysis.center_at(index))}")
    return lines


def _numeric_blocks(analysis: Any, jump: bool, center: bool) -> list[list[str]]:
    compact = _numeric_compact(analysis)
    extent = "k'_{i}" if _dilated(analysis) else "k_{i}"
    before = "J_{i-1}" if compact else "s_{1} \\cdots s_{i-1}"
    rf = _numeric_rf(analysis, compact)
    if compact:
        rf = [_heading(f"Receptive field $l_{{i}}$ after layer $i$ ({_kernel_stride(analysis, extent)}): "
                       f"$l_{{i}} = l_{{i-1}} + ({extent} - 1) \\, J_{{i-1}}$, with the jump "
                       "$J_{i-1}$ (the product of the strides before layer $i$):"), *rf]
    elif jump or center:  # several blocks: each has a heading (the RF alone is the worked example, unchanged)
        rf = [_heading(f"Receptive field $l_{{i}}$ after layer $i$ ({_kernel_stride(analysis, extent)}): "
                       f"$l_{{i}} = l_{{i-1}} + ({extent} - 1) \\cdot {before}$:"), *rf]
    blocks = [rf]
    if jump:
        blocks.append([_heading("Jump $J_{i} = J_{i-1} \\cdot s_{i}$:"), *_numeric_jump(analysis)])
    if center:
        padded = not _unpadded(analysis)
        if padded:
            blocks.append([_heading(f"Effective padding $P_{{i}} = P_{{i-1}} + p_{{i}} \\cdot {before}$, with the "
                                    "padding $p_{i}$ of layer $i$:"),
                           *_numeric_padding(analysis, compact)])
        else:
            blocks.append(_no_padding(analysis))
        formula = "\\frac{l_{i} - 1}{2} - P_{i}" if padded else "\\frac{l_{i} - 1}{2}"
        blocks.append([_heading(f"Centre $c_{{i}} = {formula}$ of the field of output $0$:"),
                       *_numeric_center(analysis, padded)])
    return blocks


# symbolic chains: each line states its step and the value


def _step_rf(analysis: Any, form: str) -> list[str]:
    extent = "k'_{i}" if _dilated(analysis) else "k_{i}"
    lines = [_heading(f"Receptive field $l_{{i}}$ after layer $i$ ({_kernel_stride(analysis, 'k_{i}')}):"),
             _heading(f"$l_{{i}} = l_{{i-1}} + ({extent} - 1) \\, J_{{i-1}}$ from $l_{{0}} = 1$, "
                      "with the jump $J_{i} = s_{1} s_{2} \\cdots s_{i}$"
                      + (" and the kernel extent $k'_{i} = d_{i} (k_{i} - 1) + 1$:" if _dilated(analysis) else ":"))]
    for index, layer in enumerate(analysis.layers, start=1):
        value = value_tex(analysis, "rf", index, form)
        widening = _widening(layer)
        if index == 1:
            step = f"1 + {widening}"
        elif layer.effective_kernel == 1:
            step = f"l_{{{index - 1}}}"
        elif analysis.jump_at(index - 1) == 1:
            step = f"l_{{{index - 1}}} + {widening}"
        else:
            step = f"l_{{{index - 1}}} + {widening} \\, J_{{{index - 1}}}"
        lines.append(f"l_{{{index}}} &= {step} = {value}" if step != value else f"l_{{{index}}} &= {value}")
    return lines


def _step_jump(analysis: Any, form: str) -> list[str]:
    lines = [_heading("Jump $J_{i} = J_{i-1} \\, s_{i}$ from $J_{0} = 1$:")]
    for index, layer in enumerate(analysis.layers, start=1):
        value = value_tex(analysis, "jump", index, form)
        if index == 1 or layer.stride == 1:
            step = f"J_{{{index - 1}}}" if index > 1 else tex(layer.stride)
        else:
            times = " \\cdot " if type(layer.stride) is int else " \\, "
            step = f"J_{{{index - 1}}}{times}{tex_factor(layer.stride)}"
        lines.append(f"J_{{{index}}} &= {step} = {value}" if step != value else f"J_{{{index}}} &= {value}")
    return lines


def _step_padding(analysis: Any, form: str) -> list[str]:
    lines = [_heading("Effective padding $P_{i} = P_{i-1} + p_{i} \\, J_{i-1}$ from $P_{0} = 0$, with the padding "
                      "$p_{i}$ of layer $i$:")]
    for index, layer in enumerate(analysis.layers, start=1):
        value = value_tex(analysis, "effective_padding", index, form)
        padding = tex_factor(layer.padding)
        if index == 1:
            step = padding
        elif layer.padding == 0:
            step = f"P_{{{index - 1}}}"
        elif analysis.jump_at(index - 1) == 1:
            step = f"P_{{{index - 1}}} + {padding}"
        else:
            step = f"P_{{{index - 1}}} + {padding} \\, J_{{{index - 1}}}"
        lines.append(f"P_{{{index}}} &= {step} = {value}" if step != value else f"P_{{{index}}} &= {value}")
    return lines


def _step_center(analysis: Any, form: str, padded: bool) -> list[str]:
    formula = "\\frac{l_{i} - 1}{2} - P_{i}" if padded else "\\frac{l_{i} - 1}{2}"
    lines = [_heading(f"Centre $c_{{i}} = {formula}$ of the field of output $0$:")]
    for index in range(1, len(analysis) + 1):
        lines.append(f"c_{{{index}}} &= {value_tex(analysis, 'center', index, form)}")
    return lines


def _step_blocks(analysis: Any, jump: bool, center: bool, form: str) -> list[list[str]]:
    blocks = [_step_rf(analysis, form)]
    if jump:
        blocks.append(_step_jump(analysis, form))
    if center:
        padded = not _unpadded(analysis)
        blocks.append(_step_padding(analysis, form) if padded else _no_padding(analysis))
        blocks.append(_step_center(analysis, form, padded))
    return blocks


def _fits_steps(analysis: Any, form: str) -> bool:
    """Whether a symbolic chain's RF value takes at most :data:`MAX_VALUE_ROWS` rows (else: sum notation)."""
    return tex_width(value_tex(analysis, "rf", len(analysis), form)) <= MAX_VALUE_ROWS * LINE_WIDTH


#: Most rows that a total of a long symbolic chain may take written out (nested) under its sum; a longer total is
#: left as the sum, instead of hundreds of terms.
MAX_TOTAL_ROWS = 10


def _written_out(analysis: Any, quantity: str, count: int) -> list[str]:
    """``&= total`` in nested form, when it takes at most :data:`MAX_TOTAL_ROWS` rows."""
    if count * (8 if quantity == "jump" else 20) > MAX_TOTAL_ROWS * LINE_WIDTH:  # surely too long: not written
        return []
    value = value_tex(analysis, quantity, count, "nested")
    return [f"&= {value}"] if tex_width(value) <= MAX_TOTAL_ROWS * LINE_WIDTH else []


def sum_blocks(analysis: Any, jump: bool = False, center: bool = False) -> list[list[str]]:
    """A long symbolic chain in sum and product notation, each total written out once in nested form (linear in
    size) when it is not too long: the step-by-step lines would print about L^2/2 terms
    (:data:`symrf.printing.MAX_PRINTED_TERMS`) or fill pages."""
    count = len(analysis)
    extent = "k'_{i}" if _dilated(analysis) else "k_{i}"
    described = "kernel extent $" + extent + (" = d_{i} (k_{i} - 1) + 1$" if _dilated(analysis) else "$")
    blocks = [[_heading(f"Receptive field of the {count} layers (layer $i$: {described}, stride $s_{{i}}$):"),
               f"l_{{{count}}} &= 1 + \\sum_{{i=1}}^{{{count}}} ({extent} - 1) \\prod_{{j<i}} s_{{j}}",
               *_written_out(analysis, "rf", count)]]
    if jump:
        blocks.append([_heading("Jump:"), f"J_{{{count}}} &= \\prod_{{i=1}}^{{{count}}} s_{{i}}",
                       *_written_out(analysis, "jump", count)])
    if center:
        padded = not _unpadded(analysis)
        if padded:
            blocks.append([_heading("Effective padding (layer $i$: padding $p_{i}$):"),
                           f"P_{{{count}}} &= \\sum_{{i=1}}^{{{count}}} p_{{i}} \\prod_{{j<i}} s_{{j}}",
                           *_written_out(analysis, "effective_padding", count)])
        else:
            blocks.append(_no_padding(analysis))
        formula = f"\\frac{{l_{{{count}}} - 1}}{{2}}" + (f" - P_{{{count}}}" if padded else "")
        blocks.append([_heading("Centre of the field of output $0$:"), f"c_{{{count}}} &= {formula}",
                       *_written_out(analysis, "center", count)])
    return blocks


def derivation(analysis: Any, *, jump: bool = False, center: bool = False, document: bool = False,
               form: str = "auto") -> str:
    """The LaTeX derivation of the RF (and optionally of the jump, the effective padding and the centre), one
    ``align*`` environment per quantity, each headed by a row of text when there are several. A numeric chain writes
    every number (``l_{i} = l_{i-1} + (k'_i - 1) \\cdot s_1 \\cdots s_{i-1}``); a symbolic chain states each step
    (``l_{i} = l_{i-1} + (k_{i} - 1) J_{i-1}``) with its value; a long symbolic chain is written in sum and product
    notation with its totals in nested form. Lines are broken to fit the page (:func:`fit_rows`).

    >>> print(derivation(analyze("conv(3), pool(2)")))
    \\begin{align*}
    l_{0} &= 1 \\\\
    l_{1} &= 1 + (3 - 1) = 3 \\\\
    l_{2} &= 3 + (2 - 1) \\cdot 1 = 4
    \\end{align*}
    """
    requested = form
    form = analysis.form(form)
    if analysis.is_numeric:
        blocks = _numeric_blocks(analysis, jump, center)
    elif (not rows_fit(len(analysis), 3 + 2 * jump + 5 * center, form)
          or (requested == "auto" and (form == "nested" or not _fits_steps(analysis, form)))):
        blocks = sum_blocks(analysis, jump, center)
    else:
        blocks = _step_blocks(analysis, jump, center, form)
    body = "\n\n".join(_align(block) for block in blocks)
    return wrap_document(body) if document else body


def latex_value(value: Value) -> str:
    """A value in LaTeX as written in papers (see :func:`symrf.printing.tex`): quotients as ``\\frac``, a
    ``Piecewise`` as a ``cases`` environment.

    >>> print(latex_value(closed_form("n * [conv(3, s)]").rf))
    \\begin{cases} 1 + 2 n & \\text{if } s = 1 \\\\ 1 + \\frac{2 (s^{n} - 1)}{s - 1} & \\text{otherwise} \\end{cases}
    """
    return tex(value)
