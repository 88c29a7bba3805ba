"""What does each stage of a ResNet see? Residual graphs, alignment and the model zoo.

Run: python examples/resnet_zoo.py
"""

import symrf
from symrf import zoo

# A residual stack written in the spec language: the RF grows by 4 per block, and the paths stay aligned.
stack = symrf.analyze("n * [residual([conv(3, p=1), conv(3, p=1)])]")
print("RF of n basic residual blocks:", stack.rf)

# The published networks are data; each reproduces the table of Araujo, Norris & Sim (Distill, 2019).
for name in ("resnet_v1_50", "resnet50", "vgg_16", "inception_v3"):
    analysis = zoo.analysis(name)
    print(f"{name:>14}: RF {analysis.rf}, jump {analysis.jump}, effective padding {analysis.effective_padding}")

resnet50 = zoo.analysis("resnet50")
assert (resnet50.rf, resnet50.jump, resnet50.effective_padding) == (427, 32, 213)
slim = zoo.analysis("resnet_v1_50")
assert (slim.rf, slim.jump, slim.effective_padding) == (483, 32, 239)
