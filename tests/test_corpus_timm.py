"""A fixed, seeded sample of timm's models at their default inputs: parameters equal to the unique
``sum(numel)`` of the model timm builds, MACs equal to FlopCounterMode's on a meta-device forward
pass with math attention (nothing computed: affordable for the largest models in the sample), and
on a real CPU forward pass where that is cheap (under ``CPU_MACS``)."""

from __future__ import annotations

import random

import pytest
import torch

from cnnarch import analyze
from tests.corpus import build, flop_counter_macs, inputs_for, on_meta_or_cpu, unique_numel

timm = pytest.importorskip("timm")
pytestmark = pytest.mark.slow

SEED, COUNT = 14, 64
CPU_MACS = 600_000_000
"""A CPU forward pass costs about a second per GMAC on CI's two cores: the cheap ones run for real."""
SAMPLE = sorted(random.Random(SEED).sample(sorted(timm.list_models()), COUNT))


def _factory(name: str):
    return lambda: timm.create_model(name, pretrained=False)


@pytest.mark.parametrize("name", SAMPLE)
def test_timm_model_counts_equal_the_oracles(name):
    report = analyze(f"timm:{name}")
    model = on_meta_or_cpu(_factory(name))
    shape = tuple(report.input_shape[1:])
    assert report.totals.params == unique_numel(model), name
    device = next(model.parameters()).device.type
    if any("real CPU forward" in note for note in report.notes):
        device = "cpu"
    if device == "meta":
        assert report.totals.macs == flop_counter_macs(model, inputs_for([shape], "meta")), name
    if device == "cpu" or report.totals.macs <= CPU_MACS:
        torch.manual_seed(0)
        report = analyze(f"timm:{name}", "x".join(map(str, shape)))
        torch.manual_seed(0)
        real = build(_factory(name), "cpu")
        assert report.totals.macs == flop_counter_macs(real, inputs_for([shape], "cpu")), name
