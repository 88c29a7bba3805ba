"""What Jupyter gets from an analysis: ``_repr_html_`` is the table with the derivation folded under it (kept cheap for
large networks), ``_repr_latex_`` the derivation with its environments bare. tests/test_mathjax.py typesets both."""

from __future__ import annotations

import html

import symrf
import symrf.analysis
from symrf.tables import jupyter_latex

SEED = "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)"


def test_the_table_comes_first_and_the_derivation_is_folded_under_it():
    a = symrf.analyze(SEED)
    page = a._repr_html_()
    table, _, rest = page.partition("</table>")
    assert table.startswith("<table>") and "<td>30</td>" in table
    assert rest.strip().startswith("<details><summary>derivation</summary>") and rest.rstrip().endswith("</details>")
    folded = rest.split("<summary>derivation</summary>", 1)[1].rsplit("</details>", 1)[0]
    assert html.unescape(folded).strip() == a._repr_latex_().strip() == a.latex().strip()
    assert "&amp;" in folded and "&=" not in folded  # escaped for HTML; the browser gives MathJax the text back


def test_several_environments_stand_bare():
    """MathJax refuses two environments inside one $$: each stands on its own, as in a LaTeX document."""
    a = symrf.analyze("conv((3, 5), s=2), conv((1, 7), p=(0, 3))")
    maths = a._repr_latex_()
    assert "$$" not in maths and maths.count("\\begin{align*}") == 2


def test_jupyter_latex_keeps_math_outside_environments_in_display_math():
    assert jupyter_latex("l = 3") == "$$l = 3$$"
    assert jupyter_latex("\\begin{align*}a &= 1\\end{align*}") == "\\begin{align*}a &= 1\\end{align*}"
    mixed = jupyter_latex("l = 3 \\begin{gather*}x\\end{gather*} \\begin{cases} a \\end{cases}")
    assert mixed == "$$l = 3$$\n\n\\begin{gather*}x\\end{gather*}\n\n$$\\begin{cases} a \\end{cases}$$"
    assert jupyter_latex("\\end{align*} x") == "$$\\end{align*} x$$"  # unbalanced: left as it was


def test_large_networks_are_not_derived_for_jupyter():
    rows = symrf.analysis.JUPYTER_ROWS + 1
    a = symrf.analyze(", ".join(["conv(3)"] * rows))
    assert a._repr_latex_() is None  # IPython leaves the format out
    page = a._repr_html_()
    assert "<details>" not in page and f"not shown for a network of {rows:,} rows" in page


def test_long_derivations_are_not_folded_under_the_table(monkeypatch):
    monkeypatch.setattr(symrf.analysis, "JUPYTER_CHARACTERS", 100)
    page = symrf.analyze(SEED)._repr_html_()
    assert "<details>" not in page and "characters are too many to typeset here" in page
