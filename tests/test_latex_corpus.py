"""Every derivation fits the page: a corpus of what ``symrf derive``, ``symrf solve --latex`` and ``symrf rf --latex``
print, compiled by pdflatex in the document of ``symrf.latex.wrap_document``, gives no error and no Overfull \\hbox.

The corpus (issue "Paper-grade output"): the seed example with ``--jump --center``; symbolic chains of 5, 10 and 40
layers with and without padding and dilation; VGG-16 (the zoo's graph file and its spec); ``n * [conv(k, s)]``;
nested repeats; numeric and symbolic solves; residual networks; networks with values per axis; ``symrf rf --latex``
tables of 5 and 10 symbolic layers; and a few more (long numeric chains, a 300-layer symbolic chain, inception
blocks, a zoo model with long node names, closed forms with several blocks). All items are compiled in one pdflatex
run, each announced in the log so that a warning names its item.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symrf.cli import app
from symrf.latex import DOCUMENT_FOOTER, DOCUMENT_HEADER, wrap_document

ZOO = Path(__file__).resolve().parent.parent / "symrf" / "zoo"


def chain(length: int, padded: bool) -> str:
    """``conv(k_1, s_1), ...``, with ``p=p_i, d=d_i`` when ``padded``."""
    return ", ".join(f"conv(k_{i}, s_{i}, p=p_{i}, d=d_{i})" if padded else f"conv(k_{i}, s_{i})"
                     for i in range(1, length + 1))


VGG16 = ", ".join(["conv(3, p=1)"] * 2 + ["pool(2, 2)"] + ["conv(3, p=1)"] * 2 + ["pool(2, 2)"]
                  + (["conv(3, p=1)"] * 3 + ["pool(2, 2)"]) * 3)
NESTED = "conv(5, s=3, d=2), n * [m * [pool(1, s=2, p=2), pool(2, s=2, p=2)]], conv(5, s=2, d=2)"
CLOSED = "conv(7, s=2, p=3), m * [n * [conv(k, s, p=p), conv(3, p=1)], pool(2, 2)], o * [conv(3, s=t, p=1)]"
BOTH = ("--jump", "--center")

#: id -> the arguments of one symrf command
CORPUS: dict[str, list[str]] = {
    "seed": ["derive", *BOTH],
    "seed_alone": ["derive"],
    **{f"chain{n}{'_padded' if padded else ''}": ["derive", chain(n, padded), *BOTH]
       for n in (5, 10, 40) for padded in (False, True)},
    "chain10_nested": ["derive", chain(10, True), "--form", "nested", *BOTH],
    "chain300": ["derive", chain(300, True), *BOTH],
    "numeric_long": ["derive", ", ".join(["conv(3, s=2, p=1)", "pool(2, 1)"] * 30), *BOTH],
    "vgg16_zoo": ["derive", str(ZOO / "vgg16.toml"), *BOTH],
    "vgg16_spec": ["derive", VGG16, *BOTH],
    "repeat": ["derive", "n * [conv(k, s)]", *BOTH],
    "nested_repeat": ["derive", NESTED, *BOTH],
    "nested_symbolic": ["derive", "conv(3), m * [n * [conv(k, s)], pool(2)]", *BOTH],
    "residual": ["derive", "conv(7, 2, p=3), pool(3, 2, p=1), 2 * [residual([conv(3, p=1), conv(3, p=1)])]", *BOTH],
    "residual_symbolic": ["derive", "n * [residual([conv(k, p=1), conv(k, p=1)])]", *BOTH],
    "per_axis": ["derive", "conv((3, 5), s=2), conv((1, 7), p=(0, 3)), conv((k, 3), s=(s, 1))", *BOTH],
    "solve_numeric": ["solve", "conv(3), pool(2, 2)", "--target", "224", "--latex"],
    "solve_numeric_kernel": ["solve", "conv(k), pool(2), conv(k)", "--target", "100", "--for", "k", "--latex"],
    "solve_symbolic": ["solve", "n * [conv(k, s)]", "--target", "T", "--latex"],
    "solve_symbolic_224": ["solve", "conv(3, p=1), n * [conv(k, s)], conv(3)", "--target", "224", "--latex"],
    "solve_symbolic_kernel": ["solve", "conv(k), pool(2), conv(k)", "--target", "T", "--for", "k", "--latex"],
    "solve_residual": ["solve", "conv(7, 2, p=3), n * [residual([conv(3, p=1), conv(3, p=1)])]", "--target", "224",
                       "--latex"],
    "solve_zoo_family": ["solve", "--zoo", "resnet50", "--for", "n_layer3", "--target", "1000", "--latex"],
    "family_resnet50": ["zoo", "resnet50", "--symbolic", "--latex"],
    "family_mobilenet_v2": ["zoo", "mobilenet_v2", "--symbolic", "--latex"],
    "family_resnet50_derive": ["derive", "--zoo", "resnet50", "--symbolic", *BOTH],
    "numeric_dilated": ["derive", ", ".join(["conv(3, s=2, d=2)"] * 12), *BOTH],  # notes after && beside
    "inception": ["derive", "parallel([conv(1)], [conv(1), conv(3, p=1)], [conv(1), conv(5, p=2)], "
                  "[pool(3, 1, p=1), conv(1)])", *BOTH],
    "inception_v3_zoo": ["derive", str(ZOO / "inception_v3.toml"), *BOTH],  # names such as Mixed_7c, per axis
    "graph_symbolic": ["derive", "conv(k, s), residual([conv(k, p=p), conv(k, p=p)]), "
                       "n * [residual([conv(3, p=1), conv(k, s, p=p)])]", *BOTH],
    "closed_form_large": ["derive", CLOSED, *BOTH],
    "table5": ["rf", chain(5, True), "--latex"],
    "table5_unpadded": ["rf", chain(5, False), "--latex"],
    "table10": ["rf", chain(10, True), "--latex"],
    "table_vgg16": ["rf", VGG16, "--latex"],
    "table_closed_form": ["rf", CLOSED, "--latex"],
    "table_residual": ["rf", "conv(7, 2, p=3), 2 * [residual([conv(3, p=1), conv(3, p=1)])]", "--latex"],
    "erf_numeric": ["erf", "conv(3), pool(2, 2), conv(3)", "--latex"],
    "erf_repeat": ["erf", "n * [conv(3, 2)]", "--latex"],
    "erf_symbolic": ["erf", "conv(k_1, s_1, d=d_1), n * [conv(k, s, p=p)]", "--latex"],
    "erf_residual": ["erf", "conv(7, 2, p=3), pool(3, 2, p=1), 2 * [residual([conv(3, p=1), conv(3, p=1)])]",
                     "--latex"],
    "erf_per_axis": ["erf", "conv((3, 5)), pool(2, 2)", "--latex"],
    "erf_vgg16": ["erf", VGG16, "--latex"],
}


@cache
def outputs() -> dict[str, str]:
    """id -> the command's output (standard output only)."""
    found = {}
    for name, args in CORPUS.items():
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{name}: symrf {' '.join(args[:1])} failed:\n{result.output}"
        found[name] = result.stdout
    return found


def body(text: str) -> str:
    """What goes between \\begin{document} and \\end{document}: a fragment as it is, a document's body."""
    if text.lstrip().startswith("\\documentclass"):
        assert text.startswith(DOCUMENT_HEADER) and text.rstrip().endswith(DOCUMENT_FOOTER.strip())
        return text[len(DOCUMENT_HEADER):].rstrip()[: -len(DOCUMENT_FOOTER.strip())]
    return text


@pytest.fixture(scope="module")
def pdflatex() -> str:
    found = shutil.which("pdflatex")
    if found is None:
        pytest.fail("pdflatex is not installed: these tests compile symrf's LaTeX and check that it fits the page. "
                    "Install it (e.g. apt-get install texlive-latex-base texlive-latex-recommended)")
    return found


@pytest.fixture(scope="module")
def compiled(pdflatex: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, list[str]], str]:
    """One pdflatex run over the whole corpus: its return code, the warnings and errors of each item, the log."""
    parts = []
    for name, text in outputs().items():
        parts.append(f"\\clearpage\n\\typeout{{CORPUS ITEM {name}}}\n{body(text)}\n\\par")
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "corpus.tex").write_text(wrap_document("\n".join(parts)), encoding="utf-8")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "corpus.tex"],
                            cwd=folder, capture_output=True, text=True, timeout=300)
    log = (folder / "corpus.log").read_text(encoding="utf-8", errors="replace")
    found: dict[str, list[str]] = {name: [] for name in CORPUS}
    current = "(before the corpus)"
    for line in log.splitlines():
        if line.startswith("CORPUS ITEM "):
            current = line.removeprefix("CORPUS ITEM ").strip()
        elif line.startswith("!") or "Overfull \\hbox" in line:
            found.setdefault(current, []).append(line)
    return result.returncode, found, log


def test_the_corpus_compiles(compiled):
    code, found, log = compiled
    errors = [line for lines in found.values() for line in lines if line.startswith("!")]
    assert code == 0 and not errors, f"pdflatex failed ({code}): {errors}\n" + "\n".join(log.splitlines()[-30:])


@pytest.mark.parametrize("name", list(CORPUS))
def test_fits_the_page(name, compiled):
    _, found, _ = compiled
    overfull = [line for line in found[name] if "Overfull" in line]
    assert not overfull, f"{name} is wider than the page: {overfull}\n--- symrf {' '.join(CORPUS[name][:2])}\n" \
        + outputs()[name][:3000]


@pytest.mark.parametrize("name", list(CORPUS))
def test_uses_only_what_mathjax_knows(name):
    text = outputs()[name]
    assert "\\intertext" not in text and "\\resizebox" not in text


def test_the_documents_are_wrap_documents_wrapper():
    """Every --document the corpus uses is exactly symrf.latex.wrap_document's: the compiled page is the user's."""
    for name, args in CORPUS.items():
        documents = args[0] not in ("rf", "zoo")  # tables, and zoo's family form, have no --document
        result = CliRunner().invoke(app, [*args, "--document"] if documents else args)
        assert result.exit_code == 0, result.output
        if documents:
            assert result.stdout.startswith(DOCUMENT_HEADER), name
            assert body(result.stdout).strip() == outputs()[name].strip(), name


def test_long_lines_are_broken_at_plus():
    text = outputs()["chain10_padded"]
    assert re.search(r"^&\\quad \+ ", text, flags=re.MULTILINE)
    assert "\\sum_{i=1}^{40}" in outputs()["chain40_padded"]  # a long chain in sum and product notation
