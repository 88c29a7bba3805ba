"""Step-by-step LaTeX derivations of chains, the LaTeX document wrapper and values in LaTeX.

Chain lines are rendered from a per-layer template (``l_{i} = l_{i-1} + (k'_i - 1) * s_1 * ... * s_{i-1} = value``)
rather than by substituting into a general formula, so the factors appear exactly as the recurrence uses them.
The derivations of closed forms, graphs of paths and per-axis networks are in :mod:`symrf.derivations`, loaded with
their engines, so that ``import symrf`` stays light.
The printers read analyses through their common questions (:class:`symrf.analysis.Analysis`) and never import an
engine; the engines call them from ``latex()``.
"""

from __future__ import annotations

from typing import Any

import sympy

from .printing import product_tex, rows_fit, tex, value_tex
from .symbols import Value

__all__ = ["DOCUMENT_FOOTER", "DOCUMENT_HEADER", "derivation", "latex_value", "wrap_document"]

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


def _align(lines: list[str]) -> str:
    """An ``align*`` environment; ``\\intertext`` lines are not ended with ``\\\\``."""
    out = []
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        ends = last or line.startswith("\\intertext")
        out.append(line if ends else line + " \\\\")
    return "\\begin{align*}\n" + "\n".join(out) + "\n\\end{align*}"


def _jump_factors(analysis: Any, index: int) -> str:
    strides = [layer.stride for layer in analysis.layers[: index - 1]]
    return "" if not strides else " \\cdot " + product_tex(strides)


def _shifted(value_tex: str) -> str:
    """``(x - 1)`` for a kernel extent ``x``, with parentheses only where the extent needs them inside."""
    return f"({value_tex} - 1)"


def _widening(kernel) -> str:
    """``d (k - 1)``, the widening of a symbolic dilated kernel, in parentheses only when it is a sum."""
    widening = sympy.sympify(kernel - 1)
    return f"({tex(widening)})" if widening.is_Add else tex(widening)


def rf_lines(analysis: Any, form: str = "auto") -> list[str]:
    """The derivation of ``l_0 .. l_L``: ``l_{i} &= l_{i-1} + (k'_i - 1) \\cdot s_1 \\cdots s_{i-1} = l_i``."""
    form = analysis.form(form)
    lines = ["l_{0} &= 1"]
    for index, layer in enumerate(analysis.layers, start=1):
        previous = value_tex(analysis, "rf", index - 1, form)
        kernel = layer.effective_kernel
        # a symbolic dilated kernel shows its widening d (k - 1) directly, not as ((d (k - 1) + 1) - 1)
        widening = _widening(kernel) if layer.dilation != 1 and not layer.is_numeric else _shifted(tex(kernel))
        line = (
            f"l_{{{index}}} &= {previous} + {widening}{_jump_factors(analysis, index)}"
            f" = {value_tex(analysis, 'rf', index, form)}"
        )
        if layer.dilation != 1:
            extent = f"{tex(layer.dilation)} \\cdot ({tex(layer.kernel)} - 1) + 1"
            if layer.is_numeric:
                extent += f" = {kernel}"
            line += f" && k'_{{{index}}} = {extent}"
        lines.append(line)
    return lines


def jump_lines(analysis: Any, form: str = "auto") -> list[str]:
    """The derivation of the jumps: ``J_{i} &= J_{i-1} \\cdot s_i = J_i``."""
    form = analysis.form(form)
    lines = ["J_{0} &= 1"]
    for index, layer in enumerate(analysis.layers, start=1):
        previous = value_tex(analysis, "jump", index - 1, form)
        current = value_tex(analysis, "jump", index, form)
        lines.append(f"J_{{{index}}} &= {previous} \\cdot {product_tex([layer.stride])} = {current}")
    return lines


def center_lines(analysis: Any, form: str = "auto") -> list[str]:
    """The effective padding ``P_i = P_{i-1} + p_i J_{i-1}`` and the centre ``c_i = (l_i - 1)/2 - P_i``."""
    form = analysis.form(form)
    lines = ["P_{0} &= 0"]
    for index, layer in enumerate(analysis.layers, start=1):
        previous = value_tex(analysis, "effective_padding", index - 1, form)
        padding = tex(layer.padding)
        padding = f"({padding})" if not (padding.isdigit() or padding.isidentifier()) and " " in padding else padding
        lines.append(
            f"P_{{{index}}} &= {previous} + {padding}{_jump_factors(analysis, index)}"
            f" = {value_tex(analysis, 'effective_padding', index, form)}"
        )
    for index in range(1, len(analysis.layers) + 1):
        rf = value_tex(analysis, "rf", index, form)
        padding = value_tex(analysis, "effective_padding", index, form)
        padding = padding if " " not in padding else f"({padding})"
        lines.append(
            f"c_{{{index}}} &= \\frac{{{rf} - 1}}{{2}} - {padding} = {value_tex(analysis, 'center', index, form)}"
        )
    return lines


def derivation(analysis: Any, *, jump: bool = False, center: bool = False, document: bool = False,
               form: str = "auto") -> str:
    """The LaTeX derivation of the RF (and optionally of the jump and the centre).

    >>> print(derivation(analyze("conv(3), pool(2)")))
    \\begin{align*}
    l_{0} &= 1 \\\\
    l_{1} &= 1 + (3 - 1) = 3 \\\\
    l_{2} &= 3 + (2 - 1) \\cdot 1 = 4
    \\end{align*}
    """
    form = analysis.form(form)
    # each line writes the previous value, the factors and the new one: about 3 prefixes for the RF, 2 for the
    # jump, 5 for the effective padding and the centre
    if not rows_fit(len(analysis), 3 + 2 * jump + 5 * center, form):
        body = _align(sum_lines(analysis, jump, center))
        return wrap_document(body) if document else body
    parts = [_align(rf_lines(analysis, form))]
    if jump:
        parts.append(_align(jump_lines(analysis, form)))
    if center:
        parts.append(_align(center_lines(analysis, form)))
    body = "\n\n".join(parts)
    return wrap_document(body) if document else body


def sum_lines(analysis: Any, jump: bool = False, center: bool = False) -> list[str]:
    """A long symbolic chain in sum and product notation, each total once in nested form (linear in size): the
    step-by-step lines would print about L^2/2 terms (:data:`symrf.printing.MAX_PRINTED_TERMS`)."""
    count = len(analysis)
    lines = [f"l_{{{count}}} &= 1 + \\sum_{{i=1}}^{{{count}}} (k'_i - 1) \\prod_{{j<i}} s_j"
             f" \\qquad \\text{{(layer $i$: kernel extent $k'_i$, stride $s_i$)}}",
             f"&= {value_tex(analysis, 'rf', count, 'nested')}"]
    if jump:
        product = value_tex(analysis, "jump", count, "nested")
        lines.append(f"J_{{{count}}} &= \\prod_{{i=1}}^{{{count}}} s_i = {product}")
    if center:
        lines.append(f"P_{{{count}}} &= \\sum_{{i=1}}^{{{count}}} p_i \\prod_{{j<i}} s_j = "
                     f"{value_tex(analysis, 'effective_padding', count, 'nested')}")
        lines.append(f"c_{{{count}}} &= \\frac{{l_{{{count}}} - 1}}{{2}} - P_{{{count}}} = "
                     f"{value_tex(analysis, 'center', count, 'nested')}")
    return lines


def latex_value(value: Value) -> str:
    """A value in LaTeX as written in papers (see :func:`symrf.printing.tex`): quotients as ``\\frac``, a
    ``Piecewise`` as a ``cases`` environment.

    >>> print(latex_value(closed_form("n * [conv(3, s)]").rf))
    \\begin{cases} 1 + 2 n & \\text{if } s = 1 \\\\ 1 + \\frac{2 (s^{n} - 1)}{s - 1} & \\text{otherwise} \\end{cases}
    """
    return tex(value)
