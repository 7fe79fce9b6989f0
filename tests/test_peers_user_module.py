"""The peer tools run on a copy: `flops` leaves the user's module as it was (issue 14)."""

from __future__ import annotations

import torch
from torch import nn

from cnnarch.peers.compare import compare


def test_flops_on_a_module_object_leaves_it_unchanged() -> None:
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 4)
    )
    model.train()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    names_before = [name for name, _ in model.named_buffers()]

    totals = compare(model, (3, 8, 8), tools=["fvcore", "thop"], use_cache=False)

    assert {row.tool: row.status for row in totals.tools}.keys() >= {"fvcore", "thop"}
    assert all(module.training for module in model.modules())
    assert [name for name, _ in model.named_buffers()] == names_before
    assert all(not module._forward_hooks and not module._forward_pre_hooks for module in model.modules())
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name
