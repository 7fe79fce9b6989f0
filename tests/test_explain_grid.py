"""YOLO v1's head worked as S·S·(B·5 + C) = 7·7·(2·5 + 20) = 1,470 → 7×7×30: S and B·5 + C from
the traced view, B from the catalogue entry; each checked against the PyTorch module itself (its
forward pass on meta, its dense layer's width, the builder's own S and B)."""

from __future__ import annotations

import pytest
import torch

from cnnarch.catalogue import build, get_spec
from cnnarch.explain import explain_model
from tests.conftest import on_meta, run


@pytest.mark.parametrize("classes", [20, 80])
def test_yolo_v1_view_is_worked_as_the_detection_grid(classes):
    module = on_meta(build, get_spec("yolo-v1"), num_classes=classes)
    with torch.no_grad():
        out = list(module(torch.empty(1, 3, 448, 448, device="meta")).shape)
    s, boxes = module.grid, get_spec("yolo-v1").kwargs["boxes"]
    depth = boxes * 5 + classes
    assert out == [1, s, s, depth] and module.fc2.out_features == s * s * depth
    answer = explain_model("yolo-v1", layers="view", num_classes=classes).layers[0]
    step = answer.step("Output shape?")
    assert step.value == out
    assert step.line == (
        f"S·S·(B·5 + C) = {s}·{s}·({boxes}·5 + {classes}) = {s * s * depth:,} → {s}×{s}×{depth}"
    )
    assert f"C = {classes} class probabilities" in step.notes[0] and f"B = {boxes} boxes" in step.notes[0]


def test_the_papers_numbers_on_the_command_line():
    code, out, err = run("explain", "yolo-v1", "--layers", "view")
    assert code == 0, err
    assert "S·S·(B·5 + C) = 7·7·(2·5 + 20) = 1,470 → 7×7×30" in out


def test_other_reshapes_keep_the_plain_working():
    """A view of another model (no boxes per cell in the catalogue) is only a reshape."""
    answer = explain_model("alexnet", layers="flatten").layers[0]
    assert "S·S" not in answer.step("Output shape?").line


def test_the_dense_layer_before_the_grid_says_what_its_width_is():
    module = on_meta(build, get_spec("yolo-v1"))
    fc2 = explain_model("yolo-v1", layers="fc2").layers[0].step("Output shape?")
    width = module.fc2.out_features
    assert fc2.value == [1, width]
    assert (
        f"{width:,} = S·S·(B·5 + C) = 7·7·(2·5 + 20): the next layer (view) makes it the 7×7×30 grid"
        in fc2.notes
    )
