"""Every formula of the docs typesets in MathJax, and no page is left with formulas written as code.

The site renders the Markdown of ``docs/`` with ``pymdownx.arithmatex`` in generic mode: ``$...$`` in prose is inline
math and a block that is only ``$$...$$`` is display math; code (fenced blocks, indented blocks, backtick spans) is
never math. :func:`formulas` finds the math of a page the way arithmatex does (its delimiter rules restated here, and
compared with arithmatex itself when ``pymdown-extensions`` is installed), and:

- each formula is typeset by ``mathjax-full`` 3 under node (tests/mathjax/render.js, as in tests/test_mathjax.py),
  which reports every error node and undefined macro, and must find exactly one formula and no text left over;
- each macro and environment is one that MathJax 2.7 (the site's MathJax, from ``jupyter-server-mathjax``) also
  defines: :data:`BOTH_MATHJAX`, checked against MathJax 2.7's own files when they are installed;
- no prose has a stray ``$`` (arithmatex would take text up to the next one as math), and no inline formula in a
  table holds ``|`` (the table would split the cell);
- no page keeps a formula in backticks or an indented block that looks like TeX or like a hand-written formula
  (``_{``, ``^``, ``\\frac``, ``sum_``, ``prod_``, ``sqrt(``): a small heuristic so the conversion cannot silently
  regress.
Needs node and ``npm install --prefix tests/mathjax --no-audit --no-fund`` (``.ci/run`` does it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.test_mathjax import mathjax_missing, typeset

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(path.name for path in DOCS.glob("*.md"))

#: arithmatex's delimiters (pymdownx/arithmatex.py: the smart inline dollar, and the dollar block that must be the
#: whole Markdown block)
INLINE = re.compile(r"(?:(?<!\\)((?:\\{2})+)(?=\$)|(?<!\\)(\$)(?!\s)((?:\\.|[^\\$\x02\x03])+?)(?<!\s)(?:\$))")
BLOCK = re.compile(r"(?s)^[$]{2}((?:\\.|[^\\])+?)[$]{2}[ ]*$")
#: Python-Markdown's backtick spans
CODE_SPAN = re.compile(r"(?<!\\)(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
#: what makes code look like a formula that should have been math
FORMULA_LIKE = re.compile(r"_\{|\^|\\frac|\bsum_|\bprod_|\bsqrt\(")
#: Control sequences and environments defined by both MathJax 2.7 (its TeX input, with the AMSmath and AMSsymbols
#: extensions that its TeX-AMS configurations load) and MathJax 3; the docs' formulas use no others.
BOTH_MATHJAX = frozenset({
    "frac", "tfrac", "dfrac", "sum", "prod", "sqrt", "log", "max", "min", "bmod", "lfloor", "rfloor", "lceil", "rceil",
    "left", "right", "bigl", "bigr", "text", "mathrm", "ldots", "cdots", "cdot", "quad", "qquad", "mapsto",
    "Rightarrow", "le", "ge", "ne", "approx", "pm", "sigma", "lvert", "rvert", "mid", "infty", "times", "begin", "end",
})
ENVIRONMENTS = frozenset({"aligned", "align*", "cases", "array", "matrix", "pmatrix"})
MACRO = re.compile(r"\\([A-Za-z]+)")
ENVIRONMENT = re.compile(r"\\begin\{([^}]*)\}")


@dataclass(frozen=True)
class Formula:
    page: str
    line: int
    tex: str
    display: bool

    def source(self) -> str:
        """The formula as the site hands it to MathJax (arithmatex's generic wrapping)."""
        return f"\\[{self.tex}\\]" if self.display else f"\\({self.tex}\\)"


@dataclass(frozen=True)
class Prose:
    """A Markdown block of prose (not code), with its code spans blanked out."""
    page: str
    line: int
    text: str
    table: bool


def blank(match: re.Match[str]) -> str:
    """The match replaced by spaces, line breaks kept."""
    return re.sub(r"[^\n]", " ", match.group(0))


def blocks(page: str, text: str) -> tuple[list[Prose], list[tuple[int, str]]]:
    """The prose blocks of a page, and its code (fenced and indented blocks, backtick spans) with line numbers."""
    code: list[tuple[int, str]] = []
    prose_lines: list[tuple[int, str]] = []
    fence: str | None = None
    previous_prose = ""  # the last prose line before the blank lines that may open an indented code block
    blank_before = True
    in_indented = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if fence is not None:
            if stripped == fence:
                fence = None
            else:
                code.append((number, line))
            prose_lines.append((number, ""))
            continue
        opening = re.match(r"(`{3,}|~{3,})", stripped)
        if opening:
            fence = opening.group(1)
            prose_lines.append((number, ""))
            continue
        indented = line.startswith("    ") and stripped != ""
        in_list = bool(re.match(r"\s*([-*+]|\d+\.)\s", previous_prose)) or previous_prose.startswith("  ")
        if indented and (in_indented or (blank_before and not in_list)):
            in_indented = True
            code.append((number, line))
            prose_lines.append((number, ""))
            continue
        if stripped:
            in_indented = False
            previous_prose = line
        blank_before = not stripped
        prose_lines.append((number, line))
    prose: list[Prose] = []
    current: list[tuple[int, str]] = []
    for number, line in [*prose_lines, (0, "")]:
        if line.strip():
            current.append((number, line))
            continue
        if current:
            joined = "\n".join(text for _, text in current)
            for span in CODE_SPAN.finditer(joined):
                code.append((current[0][0] + joined.count("\n", 0, span.start()), span.group(2)))
            table = all(text.lstrip().startswith("|") for _, text in current)
            prose.append(Prose(page, current[0][0], CODE_SPAN.sub(blank, joined), table))
            current = []
    return prose, code


def formulas_and_strays(page: str, text: str) -> tuple[list[Formula], list[str]]:
    """The math of a page, and the problems with its dollar signs (a stray ``$``, a ``|`` in a table's formula)."""
    found: list[Formula] = []
    problems: list[str] = []
    for block in blocks(page, text)[0]:
        indent = min(len(line) - len(line.lstrip()) for line in block.text.splitlines() if line.strip())
        body = "\n".join(line[indent:] for line in block.text.splitlines())
        whole = BLOCK.match(body.strip())
        if whole:
            found.append(Formula(page, block.line, whole.group(1), True))
            continue
        rest = body
        for match in INLINE.finditer(body):
            if match.group(2):
                line = block.line + body.count("\n", 0, match.start())
                found.append(Formula(page, line, match.group(3), False))
                if block.table and "|" in match.group(3):
                    problems.append(f"{page}, line {line}: the table formula ${match.group(3)}$ holds '|', which "
                                    f"splits the cell: write \\vert or \\mid")
            rest = rest[:match.start()] + " " * (match.end() - match.start()) + rest[match.end():]
        for stray in re.finditer(r"(?<!\\)\$", rest):
            line = block.line + rest.count("\n", 0, stray.start())
            where = body[max(0, stray.start() - 30):stray.start() + 30].replace("\n", " ")
            problems.append(f"{page}, line {line}: a '$' that opens no formula (arithmatex reads up to the next one "
                            f"as math; write \\$ or put it in code): ...{where}...")
    return found, problems


@cache
def page_formulas(page: str) -> tuple[list[Formula], list[str]]:
    return formulas_and_strays(page, (DOCS / page).read_text(encoding="utf-8"))


@cache
def all_formulas() -> list[Formula]:
    return [formula for page in PAGES for formula in page_formulas(page)[0]]


@pytest.fixture(scope="module")
def reports() -> dict[Formula, dict[str, Any]]:
    missing = mathjax_missing()
    if missing:
        pytest.fail(missing, pytrace=False)
    formulas = all_formulas()
    return dict(zip(formulas, typeset([formula.source() for formula in formulas])))


@pytest.mark.parametrize("page", PAGES)
def test_every_formula_typesets_in_mathjax(page, reports):
    problems = []
    for formula in page_formulas(page)[0]:
        report = reports[formula]
        messages = list(dict.fromkeys(report["errors"]))
        if report["leftover"]:
            messages.append(f"text MathJax did not typeset: {report['leftover'][:200]!r}")
        if report["math"] != 1:
            messages.append(f"MathJax found {report['math']} formulas in it, not 1")
        if messages:
            problems.append(f"line {formula.line}: {formula.source()[:300]}\n    " + "\n    ".join(messages))
    assert not problems, f"{page}: formulas that do not render:\n" + "\n".join(problems)


def test_theory_and_formula_pages_have_math():
    """The pages of formulas have math (so an extraction that finds nothing cannot pass the test above)."""
    counts = {page: len(page_formulas(page)[0]) for page in PAGES}
    assert counts["theory.md"] >= 40, counts
    assert sum(formula.display for formula in page_formulas("theory.md")[0]) >= 10
    for page in ("closed_forms.md", "erf.md", "graphs.md", "design.md", "families.md"):
        assert counts[page] > 0, f"{page} has no math: {counts}"


@pytest.mark.parametrize("page", PAGES)
def test_no_stray_dollar(page):
    problems = page_formulas(page)[1]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_formulas_are_math_not_code(page):
    _, code = blocks(page, (DOCS / page).read_text(encoding="utf-8"))
    fenced_or_program = formula_code_allowed(page)
    left = [f"line {line}: {snippet.strip()}" for line, snippet in code
            if FORMULA_LIKE.search(snippet) and (line, snippet) not in fenced_or_program]
    assert not left, (f"{page} writes formulas as code; write them as math ($...$ inline, $$...$$ display):\n"
                      + "\n".join(left))


def formula_code_allowed(page: str) -> set[tuple[int, str]]:
    """Code that may look like a formula: the lines of fenced blocks (program output, TeX that ``symrf derive``
    prints, specs), which are code by choice."""
    allowed: set[tuple[int, str]] = set()
    fence: str | None = None
    for number, line in enumerate((DOCS / page).read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if fence is not None:
            if stripped == fence:
                fence = None
            else:
                allowed.add((number, line))
            continue
        opening = re.match(r"(`{3,}|~{3,})", stripped)
        if opening:
            fence = opening.group(1)
    return allowed


RENDERED = re.compile(r"```[a-z]*\n(?:\$ [^\n]*\n)?(?P<code>\\begin\{align\*\}.*?\\end\{align\*\})\n```\n\n"
                      r"Rendered:\n\n\$\$(?P<math>.*?)\$\$", re.DOTALL)


@pytest.mark.parametrize("page", ["index.md", "theory.md"])
def test_rendered_derivations_match_the_output_beside_them(page):
    """A derivation shown as code (``symrf derive``'s output, which tests/test_docs.py compares) and "Rendered:"
    below it as math: the math is the very same TeX."""
    pairs = list(RENDERED.finditer((DOCS / page).read_text(encoding="utf-8")))
    assert pairs, f"{page} shows no rendered derivation"
    for pair in pairs:
        assert pair.group("math") == pair.group("code")


def test_macros_exist_in_both_mathjax_versions():
    used: dict[str, list[str]] = {}
    for formula in all_formulas():
        for name in MACRO.findall(formula.tex):
            if name not in BOTH_MATHJAX:
                used.setdefault(f"\\{name}", []).append(f"{formula.page}:{formula.line}")
        for name in ENVIRONMENT.findall(formula.tex):
            if name not in ENVIRONMENTS:
                used.setdefault(f"environment {name}", []).append(f"{formula.page}:{formula.line}")
    assert not used, ("macros not known to be in both MathJax 2.7 (the site) and MathJax 3 (this test's typesetter); "
                      f"use another, or check it in both and add it to BOTH_MATHJAX: {used}")


def test_both_mathjax_list_against_mathjax_2():
    """Each name of BOTH_MATHJAX and ENVIRONMENTS is defined in MathJax 2.7's TeX input or AMS extensions."""
    mathjax2 = pytest.importorskip("jupyter_server_mathjax", reason="MathJax 2.7 (jupyter-server-mathjax) is in the "
                                                                     "docs extra")
    static = Path(mathjax2.__file__).parent / "static"
    sources = "".join((static / name).read_text(encoding="utf-8") for name in
                      ("jax/input/TeX/jax.js", "extensions/TeX/AMSmath.js", "extensions/TeX/AMSsymbols.js"))
    version = re.search(r'MathJax\.version\s*=\s*"([0-9.]+)"', (static / "MathJax.js").read_text(encoding="utf-8"))
    assert version and version.group(1).startswith("2.7"), version
    missing = [name for name in sorted(BOTH_MATHJAX | ENVIRONMENTS)
               if not re.search(r"""[{,\s]["']?(?:\\\\)?""" + re.escape(name) + r"""["']?\s*:""", sources)]
    assert not missing, f"not defined in MathJax 2.7: {missing}"
    assert not re.search(r"""[{,\s]["']?intertext["']?\s*:""", sources)  # the check can fail


def test_extraction_agrees_with_arithmatex():
    """The formulas found here are those arithmatex (generic mode, as the site configures it) finds."""
    markdown = pytest.importorskip("markdown", reason="Python-Markdown comes with the docs extra")
    pytest.importorskip("pymdownx.arithmatex", reason="pymdown-extensions comes with the docs extra")
    for page in PAGES:
        html = markdown.markdown((DOCS / page).read_text(encoding="utf-8"),
                                 extensions=["tables", "pymdownx.superfences", "pymdownx.arithmatex", "attr_list",
                                             "admonition", "md_in_html"],
                                 extension_configs={"pymdownx.arithmatex": {"generic": True}})
        wrapped = r'<(?:span|div) class="arithmatex">\\[(\[](.*?)\\[)\]]</(?:span|div)>'
        theirs = [unescape(tex) for tex in re.findall(wrapped, html, flags=re.DOTALL)]
        ours = [formula.tex for formula in page_formulas(page)[0]]
        assert sorted(ours) == sorted(theirs), f"{page}: arithmatex finds {len(theirs)} formulas, this test {len(ours)}"


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_the_extraction_sees_math_strays_and_code():
    text = ("Inline $a_i$ and $x$, cost \\$5, not $ a$.\n\n$$l = \\frac{1}{2}$$\n\n"
            "| $k_i$ | $a|b$ |\n|---|---|\n\n`l_{i}` in code, $y$ and `$z$`\n\n```latex\n$$w$$\n```\n\n"
            "Then:\n\n    J^2 indented\n\n- a list\n\n    continued $m$\n")
    found, problems = formulas_and_strays("x.md", text)
    assert [(f.tex, f.display, f.line) for f in found] == [
        ("a_i", False, 1), ("x", False, 1), ("l = \\frac{1}{2}", True, 3), ("k_i", False, 5), ("a|b", False, 5),
        ("y", False, 8), ("m", False, 20)]
    assert len(problems) == 3 and "x.md, line 1: a" in problems[0] + problems[1] and "line 5: the table" in problems[2]
    code = [snippet.strip() for _, snippet in blocks("x.md", text)[1]]
    assert code == ["$$w$$", "J^2 indented", "l_{i}", "$z$"]
