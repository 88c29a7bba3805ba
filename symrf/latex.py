"""Step-by-step LaTeX derivations of a chain's receptive field, jump and centre.

Each line is rendered from a per-layer template (``l_{i} = l_{i-1} + (k'_i - 1) * s_1 * ... * s_{i-1} = value``)
rather than by substituting into a general formula, so the factors appear exactly as the recurrence uses them.
"""

from __future__ import annotations

import sympy

from .chain import ChainAnalysis
from .printing import product_tex, tex, value_tex

DOCUMENT_HEADER = r"""\documentclass{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\allowdisplaybreaks
\begin{document}
"""
DOCUMENT_FOOTER = "\\end{document}\n"


def _align(lines: list[str]) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def _jump_factors(analysis: ChainAnalysis, index: int) -> str:
    strides = [layer.stride for layer in analysis.layers[: index - 1]]
    return "" if not strides else " \\cdot " + product_tex(strides)


def _shifted(value_tex: str) -> str:
    """``(x - 1)`` for a kernel extent ``x``, with parentheses only where the extent needs them inside."""
    return f"({value_tex} - 1)"


def _widening(kernel) -> str:
    """``d (k - 1)``, the widening of a symbolic dilated kernel, in parentheses only when it is a sum."""
    widening = sympy.sympify(kernel - 1)
    return f"({tex(widening)})" if widening.is_Add else tex(widening)


def rf_lines(analysis: ChainAnalysis, form: str = "auto") -> list[str]:
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


def jump_lines(analysis: ChainAnalysis, form: str = "auto") -> list[str]:
    """The derivation of the jumps: ``J_{i} &= J_{i-1} \\cdot s_i = J_i``."""
    form = analysis.form(form)
    lines = ["J_{0} &= 1"]
    for index, layer in enumerate(analysis.layers, start=1):
        previous = value_tex(analysis, "jump", index - 1, form)
        current = value_tex(analysis, "jump", index, form)
        lines.append(f"J_{{{index}}} &= {previous} \\cdot {product_tex([layer.stride])} = {current}")
    return lines


def center_lines(analysis: ChainAnalysis, form: str = "auto") -> list[str]:
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


def derivation(analysis: ChainAnalysis, *, jump: bool = False, center: bool = False, document: bool = False,
               form: str = "auto") -> str:
    """The LaTeX derivation of the RF (and optionally of the jump and the centre).

    >>> print(derivation(analyze("conv(3), pool(2)")))
    \\begin{align*}
    l_{0} &= 1 \\\\
    l_{1} &= 1 + (3 - 1) = 3 \\\\
    l_{2} &= 3 + (2 - 1) \\cdot 1 = 4
    \\end{align*}
    """
    parts = [_align(rf_lines(analysis, form))]
    if jump:
        parts.append(_align(jump_lines(analysis, form)))
    if center:
        parts.append(_align(center_lines(analysis, form)))
    body = "\n\n".join(parts)
    if document:
        return DOCUMENT_HEADER + body + "\n" + DOCUMENT_FOOTER
    return body
