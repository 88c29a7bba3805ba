"""How many blocks does a network need to see 224 pixels? Closed forms and exact solving.

Run: python examples/depth_for_target.py
"""

import symrf
from symrf.latex import latex_value

# The RF of n repetitions of a conv(k, s) block, as a closed form (a geometric series in s).
block = symrf.analyze("n * [conv(k, s)]")
print("RF of n * [conv(k, s)]:", block.rf)
print("in LaTeX:", latex_value(block.rf))

# The least number of "conv(3), pool(2, 2)" blocks whose RF reaches 224, checked with exact integers.
answer = symrf.solve(symrf.parse("conv(3), pool(2, 2)"), 224)
print(f"{answer.symbol} = {answer.value}: RF {answer.rf} (one block fewer: {answer.rf_before})")
assert (answer.value, answer.rf, answer.rf_before) == (7, 382, 190)

# The same question answered symbolically, then evaluated exactly.
formula = symrf.solve(symrf.parse("n * [conv(k, s)]"), 224)
print("least n for conv(k, s) blocks to reach 224:", formula.value)
for k, s in [(3, 1), (3, 2), (7, 2)]:
    exact = symrf.solve(symrf.parse(f"n * [conv({k}, {s})]"), 224)
    expanded = symrf.analyze(f"{exact.value} * [conv({k}, {s})]")
    assert expanded.rf >= 224 > symrf.analyze(f"{exact.value - 1} * [conv({k}, {s})]").rf
    print(f"  k={k}, s={s}: n = {exact.value} (RF {expanded.rf})")
