"""LaTeX derivations: the exact text of the worked example, symbolic lines, and documents that compile."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from symrf import analyze
from symrf.latex import derivation

WORKED_EXAMPLE = "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)"
EXPECTED = r"""
\begin{align*}
l_{0} &= 1 \\
l_{1} &= 1 + (3 - 1) = 3 \\
l_{2} &= 3 + (2 - 1) \cdot 1 = 4 \\
l_{3} &= 4 + (3 - 1) \cdot 1 \cdot 2 = 8 \\
l_{4} &= 8 + (2 - 1) \cdot 1 \cdot 2 \cdot 1 = 10 \\
l_{5} &= 10 + (3 - 1) \cdot 1 \cdot 2 \cdot 1 \cdot 2 = 18 \\
l_{6} &= 18 + (3 - 1) \cdot 1 \cdot 2 \cdot 1 \cdot 2 \cdot 1 = 26 \\
l_{7} &= 26 + (2 - 1) \cdot 1 \cdot 2 \cdot 1 \cdot 2 \cdot 1 \cdot 1 = 30
\end{align*}
""".strip()


def test_worked_example_derivation_is_exact():
    assert derivation(analyze(WORKED_EXAMPLE)) == EXPECTED


def test_symbolic_derivation_ends_with_the_simplified_value():
    lines = derivation(analyze("conv(k_1, s_1), conv(k_2, s_2)")).splitlines()
    assert lines[2] == r"l_{1} &= 1 + (k_{1} - 1) = k_{1} \\"
    assert lines[3] == r"l_{2} &= k_{1} + (k_{2} - 1) \cdot s_{1} = k_{1} + (k_{2} - 1) s_{1}"


def test_dilated_layer_shows_its_effective_kernel():
    text = derivation(analyze("conv(3), conv(3, d=2)"))
    assert r"l_{2} &= 3 + (5 - 1) \cdot 1 = 7 && k'_{2} = 2 \cdot (3 - 1) + 1 = 5" in text


def test_jump_and_center_derivations():
    text = derivation(analyze(WORKED_EXAMPLE), jump=True, center=True)
    assert r"J_{7} &= 4 \cdot 2 = 8" in text
    assert r"c_{7} &= \frac{30 - 1}{2} - 0 = \frac{29}{2}" in text
    padded = derivation(analyze("conv(3, 2, 1), conv(3, p=1)"), center=True)
    assert r"P_{2} &= 1 + 1 \cdot 2 = 3" in padded


def test_long_symbolic_chain_derives_in_nested_form():
    spec = ", ".join(f"conv(k_{i}, s_{i})" for i in range(1, 301))
    text = derivation(analyze(spec))
    assert text.count("\n") == 302
    assert "l_{300} &=" in text


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("spec", [WORKED_EXAMPLE, "conv(k_1, s_1, p_1, d_1), pool(k_2, s_2), conv(3, d=2)"])
def test_document_compiles_with_pdflatex(tmp_path, spec):
    source = tmp_path / "rf.tex"
    source.write_text(derivation(analyze(spec), jump=True, center=True, document=True))
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "rf.pdf").exists()
