"""YOLO's prediction grid, worked: a dense layer's S·S·(B·5 + C) outputs viewed as S x S x
(B·5 + C), one cell of the grid per row and column, B boxes of 5 numbers (x, y, w, h, confidence)
and C class probabilities in each cell.

S and B·5 + C are read from the traced view; B is the catalogue entry's ``boxes`` (a builder
argument), so C = (B·5 + C) − 5·B follows the model actually traced (``--num-classes`` included).
"""

from __future__ import annotations

from cnnarch.explain.model import Step
from cnnarch.explain.notation import count
from cnnarch.report import Layer


def boxes_per_cell(model: str) -> int | None:
    """B of a catalogue entry that predicts a grid of boxes (its builder's ``boxes``), else None."""
    # deferred: the catalogue (registry + entries) costs ~12 ms of `cnnarch calc`'s ~300 ms start,
    # and a calculator answer never views a vector as a grid (grid_step asks only then)
    from cnnarch.catalogue import get_spec, is_known

    if not is_known(model):
        return None
    boxes = get_spec(model).kwargs.get("boxes")
    return boxes if isinstance(boxes, int) and boxes > 0 else None


def grid_step(model: str, layer: Layer) -> Step | None:
    """``S·S·(B·5 + C) = 7·7·(2·5 + 20) = 1,470 → 7×7×30`` for a view of a flat vector to an
    S x S x D grid of a model with B boxes per cell; None for any other layer."""
    ins, out = layer.input_shapes, layer.output_shape
    if len(out) != 4 or len(ins) != 1 or len(ins[0]) != 2 or out[1] != out[2]:
        return None
    boxes = boxes_per_cell(model)
    if boxes is None:
        return None
    s, depth = out[1], out[3]
    classes = depth - 5 * boxes
    if classes < 1 or ins[0][1] != s * s * depth:
        return None
    lecture = f"[?, {s}, {s}, {depth}]"
    return Step(
        "Output shape?",
        lecture,
        "S·S·(B·5 + C)",
        f"{s}·{s}·({boxes}·5 + {classes})",
        out,
        [
            f"S = {s}: a {s}x{s} grid of cells; each cell predicts B = {boxes} boxes of 5 numbers "
            f"(x, y, w, h, confidence) and C = {classes} class probabilities: B·5 + C = {depth}",
            f"a reshape keeps every value: [?, {ins[0][1]}] → {lecture}, channels last as the "
            "paper writes it (a grid of predictions, not a feature map: not reordered)",
        ],
        working=f"S·S·(B·5 + C) = {s}·{s}·({boxes}·5 + {classes}) = {count(s * s * depth)} → {s}×{s}×{depth}",
    )
