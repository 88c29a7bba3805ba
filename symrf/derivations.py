"""Step-by-step LaTeX derivations of closed forms, graphs of paths and per-axis networks (chains: :mod:`symrf.latex`).

Closed forms show each repeated block's geometric series; graphs show each node's step, each merge as the maximum
and minimum over its inputs with the paths named and the alignment check written out; per-axis networks give one
derivation per axis. Like every printer, it reads analyses through their common questions and imports no engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sympy

from .latex import _align, latex_value, wrap_document
from .network import Network, Repeat
from .printing import tex, tex_factor
from .segments import _normal, is_one, summarize, tidy

__all__ = ["axes_derivation", "closed_form_derivation", "graph_derivation", "series_sum"]


def series_sum(series: str, linear: str, geometric: str, ratio: Any, ratio_name: str) -> str:
    """``series`` (a sum over the copies of a repeated block) with its value: ``linear`` where the ratio is 1,
    ``geometric`` where it is not, and both as cases when sympy cannot tell."""
    one = is_one(ratio)
    if one:
        return f"{series} = {linear} \\qquad \\text{{since }} {ratio_name} = 1"
    if one is False:
        return f"{series} = {geometric}"
    return (f"{series} = \\begin{{cases}} {linear} & \\text{{if }} {ratio_name} = 1 \\\\ {geometric} & "
            "\\text{otherwise} \\end{cases}")


def _repeats(network: Network) -> Iterator[Repeat]:
    """The repeated blocks of ``network``, inner blocks before the blocks that hold them."""
    for item in network.items:
        if isinstance(item, Repeat):
            yield from _repeats(item.body)
            yield item


def _repeat_lines(block: Repeat, label: str, jump: bool) -> list[str]:
    """Derivation rows for one repeated block: what the block does on its own, the sum over its copies written
    once (as cases when its jump may be 1), and its value."""
    body = summarize(block.body)
    span, ratio, count = tidy(body.span), tidy(body.jump), block.count
    n = latex_value(count)
    name_r, name_j = f"R_{{{label}}}", f"J_{{{label}}}"
    lines = [
        _heading(f"Block ${label}$ (repeated ${n}$ times) on its own: span ${name_r}$ (its receptive field minus "
                 f"1), jump ${name_j}$:"),
        f"{name_r} &= {latex_value(span)}, \\qquad {name_j} = {latex_value(ratio)}",
        _heading(f"Copy $i$ adds ${name_r}$ times the jump ${name_j}^{{\\,i-1}}$ of the copies before it, so "
                 f"${n}$ copies span"),
    ]
    total = f"R^{{({n})}} &= \\sum_{{i=1}}^{{{n}}} {name_r} \\, {name_j}^{{\\,i-1}}"
    linear, geometric = f"{n} \\, {name_r}", f"{name_r} \\, \\frac{{{name_j}^{{{n}}} - 1}}{{{name_j} - 1}}"
    total = series_sum(total, linear, geometric, ratio, name_j)
    result = tidy(body.repeated(count).span)
    lines += [total, f"&= {latex_value(result)}"]
    if jump:
        lines.append(f"J^{{({n})}} &= {name_j}^{{{n}}} = {latex_value(tidy(body.repeated(count).jump))}")
    return lines


def _heading(text: str) -> str:
    """A row of text in an ``align*`` environment: a ``\\text{...}`` row, which MathJax 3 renders too."""
    return f"&\\text{{{text}}}"


def closed_form_derivation(analysis: Any, *, jump: bool = False, center: bool = False, document: bool = False,
                           form: str = "auto") -> str:
    """The LaTeX derivation of a closed form: for each repeated block (inner blocks first) the block's span and jump
    on its own, the sum over its copies and its value; then the whole network, composing its segments.

    >>> print(closed_form_derivation(analyze("n * [conv(3)]")).split("\\n\\n")[0])  # the block
    \\begin{align*}
    &\\text{Block $B$ (repeated $n$ times) on its own: span $R_{B}$ (its receptive field minus 1), jump $J_{B}$:} \\\\
    R_{B} &= 2, \\qquad J_{B} = 1 \\\\
    &\\text{Copy $i$ adds $R_{B}$ times the jump $J_{B}^{\\,i-1}$ of the copies before it, so $n$ copies span} \\\\
    R^{(n)} &= \\sum_{i=1}^{n} R_{B} \\, J_{B}^{\\,i-1} = n \\, R_{B} \\qquad \\text{since } J_{B} = 1 \\\\
    &= 2 n
    \\end{align*}
    """
    blocks = list(_repeats(analysis.network))
    parts: list[list[str]] = []
    for index, block in enumerate(blocks, start=1):
        parts.append(_repeat_lines(block, "B" if len(blocks) == 1 else f"B_{{{index}}}", jump))
    whole = [_heading("The whole network: its segments (runs of layers, repeated blocks) composed in order,"),
             _heading("$R = R_{1} + J_{1} R_{2} + J_{1} J_{2} R_{3} + \\cdots$ for segments of span $R_{i}$ and jump "
                      "$J_{i}$, and $l = 1 + R$:"),
             f"l &= {latex_value(analysis.rf)}",
             f"J &= {latex_value(analysis.jump)}"]
    if center:
        padded = analysis.effective_padding != 0
        if padded:
            whole.append(_heading("Its effective padding $P$ and the centre $c$ of the field of output $0$:"))
            whole.append(f"P &= {latex_value(analysis.effective_padding)}")
        else:
            whole.append(_heading("No padding: $P = 0$. The centre $c$ of the field of output $0$:"))
        formula = "\\frac{l - 1}{2} - P" if padded else "\\frac{l - 1}{2}"
        whole.append(f"c &= {formula} = {latex_value(analysis.center)}")
    parts.append(whole)
    body = "\n\n".join(_align(lines) for lines in parts)
    return wrap_document(body) if document else body


# -- graphs of paths and per-axis networks -------------------------------------------------------------------------


def _label(name: str) -> str:
    """A row's name as a LaTeX subscript: ``\\text{layer3/conv1}`` with TeX's special characters escaped."""
    for char, escaped in (("\\", "\\textbackslash{}"), ("_", "\\_"), ("&", "\\&"), ("%", "\\%"), ("#", "\\#"),
                          ("$", "\\$"), ("{", "\\{"), ("}", "\\}"), ("^", "\\^{}"), ("~", "\\~{}")):
        name = name.replace(char, escaped)
    return f"\\text{{{name}}}"


def _show(value: object) -> str:
    """A value as derived: ``?`` when unknown, else simplified (:func:`~symrf.segments.tidy`) and in LaTeX."""
    if value is None:
        return "?"
    return tex(tidy(value) if isinstance(value, sympy.Expr) else value)


def _previous(rows: list[Any], index: int, name: str) -> Any:
    """The most recent row before ``index`` named ``name`` (None for the network's input)."""
    for row in reversed(rows[: index - 1]):
        if row.name == name:
            return row
    return None


def _input_values(row: Any) -> dict[str, Any]:
    if row is None:
        return {"rf": 1, "rf_min": 1, "jump": 1, "effective_padding": 0, "center": 0, "size": None, "name": "input"}
    return {"rf": row.rf, "rf_min": row.rf_min, "jump": row.jump, "effective_padding": row.effective_padding,
            "center": row.center, "size": row.size, "name": row.name, "phased": row.phases is not None}


def _node_lines(analysis: Any, rows: list[Any], row: Any, jump: bool, center: bool) -> list[str]:
    """The lines of one node of a graph."""
    me = _label(row.name)
    if row.kind == "merge":
        return _merge_lines(row, me, jump, center)
    source = _input_values(_previous(rows, row.index, row.inputs[0]) if row.inputs else None)
    you = _label(source["name"])
    lines: list[str] = []
    if row.kind == "repeat":
        lines += _repeat_node_lines(analysis, row, me, you, source, jump)
    elif row.kind == "global_pool" and source.get("phased"):
        lines.append(f"l_{{{me}}} &= {_show(row.rf)} && \\text{{the extent of all }} n = {_show(source['size'])}"
                     f" \\text{{ inputs, over their phases}}")
    elif row.kind == "global_pool":
        lines.append(f"l_{{{me}}} &= l_{{{you}}} + (n - 1) \\, J_{{{you}}} = {_show(row.rf)}"
                     f" && \\text{{global pooling over all }} n = {_show(source['size'])} \\text{{ inputs}}")
    elif row.phases is not None:
        rfs = ", ".join(_show(phase.rf) for phase in row.phases)
        lines.append(f"l_{{{me}}} &= \\max_{{\\text{{phase}}}} l^{{(t)}}_{{{me}}} = \\max({rfs}) = {_show(row.rf)}"
                     f" && \\text{{{len(row.phases)} output phases}}")
    else:
        layer = row.layer
        kernel = layer.effective_kernel
        lines.append(f"l_{{{me}}} &= l_{{{you}}} + ({tex(kernel)} - 1) \\, J_{{{you}}} = {_show(source['rf'])}"
                     f" + ({tex(kernel)} - 1) \\cdot {tex_factor(source['jump'])} = {_show(row.rf)}")
    if row.rf_min != row.rf and row.kind not in ("repeat",):
        lines.append(f"l^{{\\min}}_{{{me}}} &= {_show(row.rf_min)}")
    if jump and row.kind != "repeat":
        lines.append(f"J_{{{me}}} &= {_show(row.jump)}")
    if center:
        padding = row.padding[0] if isinstance(row.padding, tuple) else row.padding
        if row.kind in ("conv", "pool") and padding is not None and row.phases is None:
            lines.append(f"P_{{{me}}} &= P_{{{you}}} + {tex_factor(padding)} \\, J_{{{you}}} = "
                         f"{_show(row.effective_padding)}")
        else:
            lines.append(f"P_{{{me}}} &= {_show(row.effective_padding)}")
        lines.append(f"c_{{{me}}} &= \\frac{{l_{{{me}}} - 1}}{{2}} - P_{{{me}}} = {_show(row.center)}")
    return lines


def _merge_lines(row: Any, me: str, jump: bool, center: bool) -> list[str]:
    """A merge: the maximum and minimum over its inputs, the paths named, and the alignment check."""
    paths = row.paths
    names = [_label(path.source) for path in paths]
    lines = [f"&\\text{{{_text(row.name)}: merges {', '.join(_text(path.label) for path in paths)}}}"]
    if len(paths) == 1:
        lines.append(f"l_{{{me}}} &= l_{{{names[0]}}} = {_show(row.rf)}")
    else:
        arguments = ", ".join(f"l_{{{n}}}" for n in names)
        values = ", ".join(_show(path.rf) for path in paths)
        lines.append(f"l_{{{me}}} &= \\max({arguments}) = \\max({values}) = {_show(row.rf)}")
        minima = ", ".join(f"l^{{\\min}}_{{{n}}}" for n in names)
        low = ", ".join(_show(path.rf_min) for path in paths)
        lines.append(f"l^{{\\min}}_{{{me}}} &= \\min({minima}) = \\min({low}) = {_show(row.rf_min)}")
    for name, path in zip(names, paths):
        lines.append(f"c_{{{name}}} &= \\frac{{l_{{{name}}} - 1}}{{2}} - P_{{{name}}} = {_show(path.center)}")
    verdict = {True: "aligned: the centres agree", False: "misaligned: the centres differ",
               None: "alignment undecided"}[row.aligned]
    lines.append(f"&\\text{{{verdict}}}")
    if jump:
        lines.append(f"J_{{{me}}} &= {_show(row.jump)}")
    if center:
        lines.append(f"P_{{{me}}} &= {_show(row.effective_padding)}, \\qquad c_{{{me}}} = {_show(row.center)}")
    return lines


def _text(text: str) -> str:
    """Plain text made safe inside ``\\text{...}``."""
    return _label(text)[len("\\text{"):-1]


def _repeat_node_lines(analysis: Any, row: Any, me: str, you: str, source: dict[str, Any], jump: bool) -> list[str]:
    """A block repeated ``n`` times inside a graph: the block on its own, then the geometric series."""
    block = analysis.block(row.index)
    count = row.layer.count
    n = tex(count)
    span, ratio = tidy(_normal(block.rf - 1)), tidy(block.jump)
    lines = [f"&\\text{{{_text(row.name)}: the block repeated}}\\ {n}\\ \\text{{times; on its own}}\\ "
             f"l_{{B}} = {_show(block.rf)},\\ J_{{B}} = {_show(block.jump)}"]
    one = is_one(ratio)
    if one:
        series = f"{n} \\, (l_{{B}} - 1)"
    else:
        series = f"(l_{{B}} - 1) \\frac{{J_{{B}}^{{{n}}} - 1}}{{J_{{B}} - 1}}"
    lines.append(f"l_{{{me}}} &= l_{{{you}}} + {series} \\, J_{{{you}}} = {_show(row.rf)}")
    if span != 0 and row.rf_min != row.rf:
        lines.append(f"l^{{\\min}}_{{{me}}} &= {_show(row.rf_min)}")
    if jump:
        lines.append(f"J_{{{me}}} &= J_{{{you}}} \\, J_{{B}}^{{{n}}} = {_show(row.jump)}")
    return lines


def graph_derivation(analysis: Any, *, jump: bool = False, center: bool = False, document: bool = False,
                     form: str = "auto") -> str:
    """The derivation of a graph analysis, node by node in topological order (``form`` is accepted for symmetry
    with chains; graph values are written flat).

    >>> print(graph_derivation(analyze("residual([conv(3, p=1)])")))  # doctest: +ELLIPSIS
    \\begin{align*}
    &\\text{Node by node from the input (receptive field $l$, jump $J$ of each node), with ...
    l_{\\text{conv1}} &= l_{\\text{input}} + (3 - 1) \\, J_{\\text{input}} = 1 + (3 - 1) \\cdot 1 = 3 \\\\
    &\\text{merge1: merges path 1 (conv1), path 2 (identity)} \\\\
    l_{\\text{merge1}} &= \\max(l_{\\text{conv1}}, l_{\\text{input}}) = \\max(3, 1) = 3 \\\\
    l^{\\min}_{\\text{merge1}} &= \\min(l^{\\min}_{\\text{conv1}}, l^{\\min}_{\\text{input}}) = \\min(3, 1) = 1 \\\\
    c_{\\text{conv1}} &= \\frac{l_{\\text{conv1}} - 1}{2} - P_{\\text{conv1}} = 0 \\\\
    c_{\\text{input}} &= \\frac{l_{\\text{input}} - 1}{2} - P_{\\text{input}} = 0 \\\\
    &\\text{aligned: the centres agree}
    \\end{align*}
    """
    rows = list(analysis.rows)
    start = "$l_{\\text{input}} = 1$" + (", $J_{\\text{input}} = 1$" if jump or any(
        row.kind not in ("merge", "repeat") for row in rows) else "") + (", $P_{\\text{input}} = 0$" if center else "")
    named = "receptive field $l$, jump $J$" + (", effective padding $P$ and centre $c$" if center else "")
    lines = [_heading(f"Node by node from the input ({named} of each node), with {start}:")]
    if analysis.branched:
        lines.append(_heading("$l^{\\min}$ is the smallest receptive field over the paths that reach a node; at a "
                              "merge, the centres $c = \\frac{l - 1}{2} - P$ of its paths ($P$: effective padding) "
                              "are compared."))
    for row in rows:
        lines.extend(_node_lines(analysis, rows, row, jump, center))
    if len(rows) == 0:
        lines = ["l &= 1"]
    body = _align(lines)
    return wrap_document(body) if document else body


def axes_derivation(analysis: Any, *, document: bool = False, **options: Any) -> str:
    """One derivation per axis of a network with values per axis, each headed by the axis's name."""
    parts = []
    for index, name in enumerate(analysis.axis_names):
        parts.append(f"\\begin{{gather*}}\\text{{Along the {_text(name)} (axis {index}):}}\\end{{gather*}}")
        parts.append(analysis.axis(index).latex(**options))
    body = "\n".join(parts)
    return wrap_document(body) if document else body
