"""The worked example: seven layers, the RF after each, and the step-by-step LaTeX derivation.

Run: python examples/worked_example.py
"""

from __future__ import annotations

import sympy

import symrf
from symrf import tables

SPEC = "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)"

#: l_0 .. l_7, the receptive field before any layer and after each one.
EXPECTED_RF = [1, 3, 4, 8, 10, 18, 26, 30]


def main() -> None:
    analysis = symrf.analyze(SPEC)

    print(f"spec: {SPEC}\n")
    print(tables.markdown(analysis))
    print("derivation (symrf derive):\n")
    print(analysis.latex(jump=True))

    rfs = [analysis.rf_at(i) for i in range(len(analysis) + 1)]
    print(f"\nl_0 .. l_7 = {rfs}")
    print(f"feature 0 sees input pixels {analysis.input_interval(0)}, centre {analysis.center}")

    assert rfs == EXPECTED_RF, rfs
    assert [row.jump for row in analysis] == [1, 2, 2, 4, 4, 4, 8]
    assert (analysis.rf, analysis.jump, analysis.effective_padding, analysis.start) == (30, 8, 0, 0)
    assert analysis.center == sympy.Rational(29, 2)
    assert analysis.input_interval(0) == (0, 29)
    assert r"l_{7} &= 26 + (2 - 1) \cdot 1 \cdot 2 \cdot 1 \cdot 2 \cdot 1 \cdot 1 = 30" in analysis.latex()


if __name__ == "__main__":
    main()
