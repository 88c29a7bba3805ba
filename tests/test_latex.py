"""LaTeX derivations: the exact text of the worked example, symbolic lines, and documents that compile."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from symrf import analyze
from symrf.latex import LINE_WIDTH, derivation, fit_rows
from symrf.printing import tex_width

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


def test_symbolic_derivation_states_each_step_with_its_value():
    lines = derivation(analyze("conv(k_1, s_1), conv(k_2, s_2)")).splitlines()
    # every symbol is introduced before it is used: the layer's values, the recurrence, the jump
    assert lines[1] == r"&\text{Receptive field $l_{i}$ after layer $i$ (kernel $k_{i}$, stride $s_{i}$):} \\"
    assert lines[2] == (r"&\text{$l_{i} = l_{i-1} + (k_{i} - 1) \, J_{i-1}$ from $l_{0} = 1$, with the jump "
                        r"$J_{i} = s_{1} s_{2} \cdots s_{i}$:} \\")
    assert lines[3] == r"l_{1} &= 1 + (k_{1} - 1) = k_{1} \\"
    assert lines[4] == r"l_{2} &= l_{1} + (k_{2} - 1) \, J_{1} = k_{1} + (k_{2} - 1) s_{1}"


def test_dilated_layer_shows_its_effective_kernel():
    text = derivation(analyze("conv(3), conv(3, d=2)"))
    assert r"l_{2} &= 3 + (5 - 1) \cdot 1 = 7 && k'_{2} = 2 \cdot (3 - 1) + 1 = 5" in text


def test_jump_and_center_derivations():
    text = derivation(analyze(WORKED_EXAMPLE), jump=True, center=True)
    heading = (r"&\text{Receptive field $l_{i}$ after layer $i$ (kernel $k_{i}$, stride $s_{i}$): "
               r"$l_{i} = l_{i-1} + (k_{i} - 1) \cdot s_{1} \cdots s_{i-1}$:} \\")
    assert text.startswith(EXPECTED.replace("\\begin{align*}\n", "\\begin{align*}\n" + heading + "\n"))
    assert r"J_{7} &= 4 \cdot 2 = 8" in text
    # no padding anywhere: stated once, not derived layer by layer, and not subtracted from the centre
    assert r"&\text{No padding: $P_{i} = 0$ for every layer.}" in text and "P_{1}" not in text
    assert r"c_{7} &= \frac{30 - 1}{2} = \frac{29}{2}" in text
    padded = derivation(analyze("conv(3, 2, p=1), conv(3, p=1)"), center=True)
    assert r"P_{2} &= 1 + 1 \cdot 2 = 3" in padded
    assert r"c_{2} &= \frac{7 - 1}{2} - 3 = 0" in padded


def test_every_block_has_a_heading_and_no_intertext():
    for spec in (WORKED_EXAMPLE, "conv(k_1, s_1, p=p_1), conv(k_2, s_2, p=p_2)"):
        text = derivation(analyze(spec), jump=True, center=True)
        blocks = text.split("\n\n")
        assert len(blocks) == 4 and all(block.splitlines()[1].startswith("&\\text{") for block in blocks)
        assert "intertext" not in text


def test_symbolic_padding_states_each_step():
    text = derivation(analyze("conv(k_1, s_1, p=p_1), conv(k_2, s_2), conv(k_3, s_3, p=p_3)"), center=True)
    assert r"P_{1} &= p_{1} \\" in text
    assert r"P_{2} &= P_{1} = p_{1} \\" in text  # no padding at layer 2: nothing added
    assert r"P_{3} &= P_{2} + p_{3} \, J_{2} = p_{1} + p_{3} s_{1} s_{2}" in text


def test_long_symbolic_chain_derives_in_sum_notation_that_fits():
    spec = ", ".join(f"conv(k_{i}, s_{i})" for i in range(1, 301))
    text = derivation(analyze(spec))
    assert r"l_{300} &= 1 + \sum_{i=1}^{300} (k_{i} - 1) \prod_{j<i} s_{j}" in text
    assert text.count("\n") < 100  # the total once, in nested form, broken onto lines: not 300 lines of sums
    assert all(tex_width(row) <= LINE_WIDTH for row in text.splitlines())


def test_long_rows_break_at_plus_onto_continuation_rows():
    rows = fit_rows(["l_{5} &= " + " + ".join(f"(k_{{{i}}} - 1) s_{{1}} s_{{2}} s_{{3}}" for i in range(12))])
    assert len(rows) > 1 and all(row.startswith("&\\quad + ") for row in rows[1:])
    assert all(tex_width(row) <= LINE_WIDTH for row in rows)
    assert " ".join(row.removeprefix("&\\quad ") for row in rows).replace("l_{5} &= ", "") == \
        " + ".join(f"(k_{{{i}}} - 1) s_{{1}} s_{{2}} s_{{3}}" for i in range(12))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("spec", [WORKED_EXAMPLE, "conv(k_1, s_1, p=p_1, d=d_1), pool(k_2, s_2), conv(3, d=2)"])
def test_document_compiles_with_pdflatex(tmp_path, spec):
    source = tmp_path / "rf.tex"
    source.write_text(derivation(analyze(spec), jump=True, center=True, document=True))
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "rf.pdf").exists()
