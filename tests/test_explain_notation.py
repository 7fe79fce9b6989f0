"""Lecture notation only where it means something: a channel-first feature map is written
[?, H, W, C] beside PyTorch's NCHW; a reshaped grid (YOLO's 7×7×30 head) and a flat vector are
shown as they are. The shapes are PyTorch's own (a forward pass on a CPU tensor)."""

from __future__ import annotations

import torch
from torch import nn

from cnnarch.explain import explain_model


def _yolo_head() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.Flatten(),
        nn.Linear(4 * 8 * 8, 7 * 7 * 30),
        nn.Unflatten(1, (7, 7, 30)),
    )


def test_a_reshaped_grid_is_shown_as_it_is_and_worked():
    module = _yolo_head()
    out = list(module(torch.zeros(1, 3, 8, 8)).shape)
    e = explain_model(module, "3x8x8")
    grid = e.layers[-1].step("Output shape?")
    assert grid.value == out == [1, 7, 7, 30]
    assert grid.line == "1,470 = 7·7·30 → [?, 7, 7, 30]"
    assert not any("NCHW" in n for n in grid.notes)
    total = next(s for s in e.totals if s.question == "Output shape?")
    assert total.result == "[?, 7, 7, 30]"


def test_feature_maps_in_lecture_order_and_flat_vectors_unlabelled():
    e = explain_model(_yolo_head(), "3x8x8")
    conv, dense = e.layers[0].step("Output shape?"), e.layers[2].step("Output shape?")
    assert conv.line.endswith("→ [?, 8, 8, 4]") and "NCHW [1, 4, 8, 8]" in conv.notes
    assert dense.result == "[?, 1470]" and not any("NCHW" in n for n in dense.notes)
