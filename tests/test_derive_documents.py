"""``symrf derive --document`` writes LaTeX that pdflatex compiles, for every kind of network: residual and
inception blocks, values per axis, transposed convolutions, 'same' padding and closed forms."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symrf.cli import app

runner = CliRunner()

#: id -> the arguments of ``symrf derive`` (each also gets --document)
DOCUMENTS = {
    "residual": ["conv(7, 2, p=3), pool(3, 2, p=1), 2 * [residual([conv(3, p=1), conv(3, p=1)])]",
                 "--jump", "--center"],
    "inception": ["parallel([conv(1)], [conv(1), conv(3, p=1)], [conv(1), conv(5, p=2)], [pool(3, 1, p=1), conv(1)])",
                  "--jump", "--center"],
    "per_axis": ["conv((3, 5), s=2), conv((1, 7), p=(0, 3))", "--jump", "--center"],
    "convt": ["conv(3, s=2, p=1), convt(4, 2, p=1)", "--jump", "--center"],
    "same": ["conv(3, s=2, p='same'), conv(3, p='same')", "--jump", "--center"],
    "same_with_input_size": ["conv(3, s=2, p='same'), conv(3, p='same')", "--input-size", "16", "--jump",
                             "--center"],
    "closed_form": ["conv(3), n * [conv(3), pool(2)]", "--jump", "--center"],
    "closed_form_rf_only": ["conv(3), n * [conv(3), pool(2)]"],
    "residual_stack": ["n * [residual([conv(3, p=1), conv(3, p=1)])]", "--jump", "--center"],
}


@pytest.fixture(scope="module")
def pdflatex() -> str:
    found = shutil.which("pdflatex")
    if found is None:
        pytest.fail("pdflatex is not installed: these tests check that derived documents compile, and CI installs "
                    "it (e.g. apt-get install texlive-latex-base texlive-latex-recommended)")
    return found


def derive(*args: str) -> str:
    result = runner.invoke(app, ["derive", *args])
    assert result.exit_code == 0, f"symrf derive {' '.join(args)} failed:\n{result.output}"
    return result.stdout


def compile_document(pdflatex: str, text: str, folder: Path) -> None:
    source = folder / "derivation.tex"
    source.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", source.name],
        cwd=folder, capture_output=True, text=True, timeout=60,
    )
    log = (folder / "derivation.log").read_text(encoding="utf-8", errors="replace") if (
        folder / "derivation.log").exists() else result.stdout
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert result.returncode == 0, (f"pdflatex failed ({result.returncode}): {errors}\n--- tail of the log ---\n"
                                    + "\n".join(log.splitlines()[-30:]) + "\n--- the document ---\n" + text)
    assert (folder / "derivation.pdf").stat().st_size > 0


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_derived_documents_compile(name, pdflatex, tmp_path):
    text = derive(*DOCUMENTS[name], "--document")
    assert text.lstrip().startswith("\\documentclass") and "\\end{document}" in text
    compile_document(pdflatex, text, tmp_path)


def test_a_symbolic_residual_stack_derives_rf_4n_plus_1():
    text = derive("n * [residual([conv(3, p=1), conv(3, p=1)])]")
    assert "1 + 4 n" in text
    assert "\\documentclass" not in text  # a fragment unless --document is given


def test_same_padding_with_an_input_size_derives_the_resolved_padding():
    without = derive("conv(3, s=2, p='same'), conv(3, p='same')", "--center")
    with_size = derive("conv(3, s=2, p='same'), conv(3, p='same')", "--input-size", "16", "--center")
    assert "?" in without  # the padding is unknown without an input size
    assert "?" not in with_size and without != with_size
