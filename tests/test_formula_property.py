"""The worked output-size formula equals the size PyTorch produces on a real CPU tensor."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnnarch import analyze
from cnnarch.errors import ShapeError

sizes = st.tuples(st.integers(1, 40), st.integers(1, 40))


@st.composite
def layers(draw) -> nn.Module:
    kind = draw(st.sampled_from(["conv", "maxpool", "avgpool", "tconv"]))
    k = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    s = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    if kind == "conv":
        d = draw(st.integers(1, 3))
        p = draw(st.integers(0, 4))
        groups = draw(st.sampled_from([1, 2]))
        return nn.Conv2d(2, 4, k, stride=s, padding=p, dilation=d, groups=groups)
    if kind == "tconv":
        d = draw(st.integers(1, 2))
        p = draw(st.integers(0, 3))
        op = draw(st.integers(0, max(min(s) - 1, 0)))
        return nn.ConvTranspose2d(2, 3, k, stride=s, padding=p, output_padding=op, dilation=d)
    p = draw(st.integers(0, min(k) // 2))  # PyTorch requires pad <= kernel / 2
    ceil = draw(st.booleans())
    if kind == "maxpool":
        return nn.MaxPool2d(k, stride=s, padding=p, dilation=draw(st.integers(1, 2)), ceil_mode=ceil)
    return nn.AvgPool2d(k, stride=s, padding=p, ceil_mode=ceil)


@settings(max_examples=400, deadline=None)
@given(layer=layers(), hw=sizes)
def test_formula_matches_pytorch(layer, hw):
    x = torch.zeros(1, 2, *hw)
    try:
        expected = tuple(layer(x).shape[2:])
    except RuntimeError:
        expected = None  # PyTorch refuses: the output would be empty
    if expected is not None and min(expected) < 1:
        expected = None
    if expected is None:
        with pytest.raises(ShapeError, match="too small"):
            analyze(layer, (2, *hw))
        return
    row = analyze(layer, (2, *hw)).layers[0]
    assert tuple(row.output_shape[2:]) == expected
    assert tuple(f.result for f in row.formula) == expected
    for f in row.formula:
        inexact = f.exact != int(f.exact)
        assert (f.rounding is not None) == inexact
        assert (" → " in f.text) == inexact


def test_ceil_mode_drops_a_window_that_starts_in_the_padding():
    # (5 + 2·1 − 2)/2 + 1 = 3.5 → ceil 4, but the 4th window would start at 6 ≥ 5 + 1.
    layer = nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True)
    row = analyze(layer, (1, 5, 5)).layers[0]
    assert row.output_shape == list(layer(torch.zeros(1, 1, 5, 5)).shape)
    assert row.formula[0].note is not None


def test_dilated_formula_is_written_in_full():
    row = analyze(nn.Conv2d(1, 1, 3, dilation=2, padding=2), (1, 10, 10)).layers[0]
    assert row.formula[0].general == "(H + 2P − D·(F − 1) − 1)/S + 1"
    assert row.formula_text == "(10 + 2·2 − 2·(3 − 1) − 1)/1 + 1 = 10"


def test_transposed_formula():
    row = analyze(nn.ConvTranspose2d(4, 2, 2, stride=2), (4, 28, 28)).layers[0]
    assert row.formula_text == "(28 − 1)·2 − 2·0 + 1·(2 − 1) + 0 + 1 = 56"


def test_same_padding_is_noted():
    row = analyze(nn.Conv2d(3, 8, 5, padding="same"), (3, 17, 17)).layers[0]
    assert row.output_shape == [1, 8, 17, 17]
    assert any("same" in note for note in row.notes)


def test_rectangular_sizes_get_one_formula_per_axis():
    row = analyze(nn.Conv2d(1, 1, (3, 5), stride=(1, 2)), (1, 20, 31)).layers[0]
    assert [f.axis for f in row.formula] == ["H", "W"]
    assert row.formula_text == "H: (20 − 3 + 2·0)/1 + 1 = 18; W: (31 − 5 + 2·0)/2 + 1 = 14"
