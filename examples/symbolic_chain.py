"""A chain conv(k_1, s_1), conv(k_2, s_2), ...: the closed form of its RF, then checked against numbers.

Run: python examples/symbolic_chain.py
"""

from __future__ import annotations

import random

import sympy

import symrf

LAYERS = 4


def main() -> None:
    spec = ", ".join(f"conv(k_{i}, s_{i})" for i in range(1, LAYERS + 1))
    analysis = symrf.analyze(spec)

    print(f"spec:   {spec}")
    print(f"rf     = {analysis.rf}")
    print(f"jump   = {analysis.jump}")
    print(f"center = {analysis.center}\n")

    # The closed form written by hand: r = 1 + sum_i (k_i - 1) * s_1 * ... * s_{i-1}.
    k = [symrf.symbol(f"k_{i}") for i in range(1, LAYERS + 1)]
    s = [symrf.symbol(f"s_{i}") for i in range(1, LAYERS + 1)]
    closed = 1 + sum((k[i] - 1) * sympy.Mul(*s[:i]) for i in range(LAYERS))
    assert sympy.expand(analysis.rf - closed) == 0

    rng = random.Random(2019)
    print(f"{'k_i/s_i for i = 1..4':<24}{'substituted':>20}{'numeric':>20}")
    for _ in range(5):
        values = {f"k_{i}": rng.randint(1, 7) for i in range(1, LAYERS + 1)}
        values |= {f"s_{i}": rng.randint(1, 3) for i in range(1, LAYERS + 1)}
        substituted = analysis.subs(values)
        numeric = symrf.analyze(
            [symrf.conv(values[f"k_{i}"], values[f"s_{i}"]) for i in range(1, LAYERS + 1)]
        )
        shown = " ".join(f"{values[f'k_{i}']}/{values[f's_{i}']}" for i in range(1, LAYERS + 1))
        print(f"{shown:<24}{f'rf={substituted.rf} jump={substituted.jump}':>20}"
              f"{f'rf={numeric.rf} jump={numeric.jump}':>20}")
        for quantity in ("rf", "jump", "effective_padding", "start", "center"):
            assert getattr(substituted, quantity) == getattr(numeric, quantity), quantity
        # Substituting into the expression directly gives the same number.
        mapping = {symrf.symbol(name): value for name, value in values.items()}
        assert analysis.rf.xreplace(mapping) == numeric.rf


if __name__ == "__main__":
    main()
