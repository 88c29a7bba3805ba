"""VGG-16 in the spec language: RF, jump and effective padding at pool5, and output sizes for a 224 input.

Run: python examples/vgg_style.py
"""

from __future__ import annotations

import symrf

# 3x3 convolutions with padding 1 ("same" for stride 1) and 2x2 max pools with stride 2.
VGG16 = """
2 * [conv(3, p=1)], pool(2, name='pool1')
2 * [conv(3, p=1)], pool(2, name='pool2')
3 * [conv(3, p=1)], pool(2, name='pool3')
3 * [conv(3, p=1)], pool(2, name='pool4')
3 * [conv(3, p=1)], pool(2, name='pool5')
"""


def main() -> None:
    analysis = symrf.analyze(VGG16, input_size=224)

    print(f"{'layer':<8}{'rf':>6}{'jump':>6}{'eff. pad':>10}{'size':>6}")
    for row in analysis:
        print(f"{row.name:<8}{row.rf:>6}{row.jump:>6}{row.effective_padding:>10}{row.size:>6}")
    print(f"\npool5: rf {analysis.rf}, jump {analysis.jump}, effective padding {analysis.effective_padding}")
    first, last = analysis.input_interval(3)
    print(f"output feature 3 sees input pixels {first}..{last}, centre {analysis.center + 3 * analysis.jump}")

    pool5 = analysis.layer("pool5")
    assert (pool5.rf, pool5.jump, pool5.effective_padding) == (212, 32, 90)
    assert analysis.row(len(analysis) - 1).rf == 196  # conv5_3
    assert [analysis.layer(f"pool{i}").size for i in range(1, 6)] == [112, 56, 28, 14, 7]
    assert (first, last) == (3 * 32 - 90, 3 * 32 - 90 + 211)


if __name__ == "__main__":
    main()
