"""Symbolic import: ``from_torch(..., symbolic="counts")`` gives the closed form of a model's family, and
``symbolic="kernels"`` one symbol per kernel size. Checked against the numeric import of the same family at the
standard counts and at random counts (hypothesis), so the closed form is compared with models built for real.
"""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import symrf

from .torch_models import BasicBlock, Bottleneck


class Family(nn.Module):
    """A torchvision-style ResNet with ``counts`` blocks per stage (bottlenecks in the last two stages)."""

    def __init__(self, counts: tuple[int, int, int, int]) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(*[BasicBlock(4, 4) for _ in range(counts[0])])
        self.layer2 = nn.Sequential(BasicBlock(4, 8, 2), *[BasicBlock(8, 8) for _ in range(counts[1] - 1)])
        self.layer3 = nn.Sequential(Bottleneck(8, 4, 16, 2), *[Bottleneck(16, 4, 16) for _ in range(counts[2] - 1)])
        self.layer4 = nn.Sequential(Bottleneck(16, 4, 32, 2), *[Bottleneck(32, 4, 32) for _ in range(counts[3] - 1)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


STANDARD = (3, 4, 6, 3)
SYMBOLS = ("n_layer1", "n_layer2", "n_layer3", "n_layer4")


def family_rf():
    return symrf.analyze(symrf.from_torch(Family(STANDARD), symbolic="counts"))


FAMILY = None


def closed_form():
    global FAMILY
    if FAMILY is None:
        FAMILY = family_rf()
    return FAMILY


def test_counts_become_one_symbol_per_stage_and_give_back_the_model_at_the_standard_counts():
    family = closed_form()
    assert sorted(s.name for s in family.free_symbols) == sorted(SYMBOLS)
    numeric = symrf.analyze(symrf.from_torch(Family(STANDARD)))
    values = dict(zip(SYMBOLS, STANDARD))
    at = family.subs(**values)
    assert (at.rf, at.jump, at.effective_padding) == (numeric.rf, numeric.jump, numeric.effective_padding)


@settings(max_examples=12, deadline=None)
@given(st.tuples(st.integers(2, 5), st.integers(2, 5), st.integers(2, 6), st.integers(2, 4)))
def test_the_closed_form_equals_the_model_built_with_random_counts(counts):
    numeric = symrf.analyze(symrf.from_torch(Family(counts)))
    at = closed_form().subs(**dict(zip(SYMBOLS, counts)))
    assert (at.rf, at.jump, at.effective_padding) == (numeric.rf, numeric.jump, numeric.effective_padding)


def test_stage_aliases_name_the_repeated_blocks():
    family = closed_form()
    stage = family.layer("layer3")
    assert stage.kind == "repeat" and "n_layer3" in str(stage.rf)


def test_kernel_symbols_are_one_per_distinct_kernel_size_above_one():
    imported = symrf.import_torch(Family((2, 2, 2, 2)), symbolic="kernels")
    a = symrf.analyze(imported.graph)
    assert sorted(s.name for s in a.free_symbols) == ["k_1", "k_2"]  # 7 (the stem), then 3
    assert any("k_1 = 7" in note and "k_2 = 3" in note for note in imported.notes)
    numeric = symrf.analyze(symrf.from_torch(Family((2, 2, 2, 2))))
    assert a.subs(k_1=7, k_2=3).rf == numeric.rf


def test_derive_prints_the_family_with_its_stage_names():
    text = closed_form().latex()
    assert "n_{layer1}" in text.replace("\\mathrm", "") or "n_{\\mathrm{layer1}}" in text or "layer1" in text
