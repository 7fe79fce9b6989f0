"""Receptive fields equal the region a gradient measures: with positive weights and pooling as
averaging, the input pixels with a nonzero d(output pixel)/d(input) are exactly its field."""

from __future__ import annotations

from fractions import Fraction

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from cnnarch import analyze
from cnnarch.errors import ShapeError


@st.composite
def window_layer(draw, channels: int) -> nn.Module:
    k = draw(st.integers(1, 5))
    s = draw(st.integers(1, 3))
    if draw(st.booleans()):
        d = draw(st.integers(1, 3))
        return nn.Conv2d(channels, channels, k, stride=s, padding=draw(st.integers(0, 3)), dilation=d)
    return nn.AvgPool2d(k, stride=s, padding=draw(st.integers(0, k // 2)))


class Branches(nn.Module):
    """Two paths from one input, merged by add or concat (Inception- and ResNet-like)."""

    def __init__(self, a: nn.Module, b: nn.Module, merge: str) -> None:
        super().__init__()
        self.a, self.b, self.merge = a, b, merge

    def forward(self, x):
        ya, yb = self.a(x), self.b(x)
        return ya + yb if self.merge == "add" else torch.cat([ya, yb], 1)


@st.composite
def branch_block(draw, channels: int) -> nn.Module:
    stride = draw(st.integers(1, 2))
    paths = []
    for _ in range(2):
        k = draw(st.sampled_from([1, 3, 5]))
        d = draw(st.integers(1, 2))
        paths.append(nn.Conv2d(channels, channels, k, stride=stride, padding=d * (k - 1) // 2, dilation=d))
    merge = draw(st.sampled_from(["add", "cat"]))
    block = Branches(paths[0], paths[1], merge)
    if merge == "cat":
        return nn.Sequential(block, nn.Conv2d(2 * channels, channels, 1))
    return block


@st.composite
def networks(draw) -> nn.Module:
    layers = [draw(st.one_of(window_layer(2), branch_block(2))) for _ in range(draw(st.integers(1, 4)))]
    return nn.Sequential(*layers).double()


@st.composite
def upsampling_layer(draw, channels: int) -> nn.Module:
    s = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["tconv", "nearest", "bilinear"]))
    if kind == "tconv":
        k = draw(st.integers(1, 4))
        return nn.ConvTranspose2d(channels, channels, k, stride=s, padding=draw(st.integers(0, (k - 1) // 2)))
    return nn.Upsample(scale_factor=s, mode=kind, **({"align_corners": False} if kind == "bilinear" else {}))


@st.composite
def decoder_networks(draw) -> nn.Module:
    """Downsampling and upsampling mixed, as in U-Net, FCN and SegNet decoders."""
    layers = []
    for _ in range(draw(st.integers(2, 5))):
        layers.append(draw(st.one_of(window_layer(2), upsampling_layer(2))))
    assume(any(isinstance(m, nn.ConvTranspose2d | nn.Upsample) for m in layers))
    return nn.Sequential(*layers).double()


Region = tuple[tuple[int, int], tuple[int, int]]


def measured_region(net: nn.Module, size: int, i: int, j: int) -> Region | None:
    """(first, last) input row and column that output pixel (i, j) depends on."""
    for p in net.parameters():
        with torch.no_grad():
            p.uniform_(0.5, 1.0)
    x = torch.ones(1, 2, size, size, dtype=torch.float64, requires_grad=True)
    net(x)[0, :, i, j].sum().backward()
    nz = torch.nonzero(x.grad[0].sum(0))
    if len(nz) == 0:  # a strided transposed 1x1 convolution leaves pixels that read no input
        return None
    return (int(nz[:, 0].min()), int(nz[:, 0].max())), (int(nz[:, 1].min()), int(nz[:, 1].max()))


def exact(value: float) -> Fraction:
    """Reports give fractions as floats (1/3 as 0.333…); fields have small denominators."""
    return Fraction(value).limit_denominator(10_000)


def predicted_region(index: int, r, jump, start) -> tuple[Fraction, Fraction]:
    centre = exact(start) + index * exact(jump)
    return centre - (exact(r) - 1) / 2, centre + (exact(r) - 1) / 2


@settings(max_examples=150, deadline=None)
@given(net=networks(), size=st.integers(16, 64))
def test_receptive_field_equals_gradient_region(net, size):
    try:
        report = analyze(net, (2, size, size))
    except ShapeError:
        assume(False)  # the input is too small for this network
    last = report.layers[-1]
    rf = list(zip(last.receptive_field, last.effective_stride, last.rf_start, strict=True))
    # Choose an output pixel whose field lies inside the image: there the gradient shows the
    # field's true ends (near a border, padding and gaps between strided taps cut it short).
    inside = []
    for axis_rf, n in zip(rf, last.output_shape[2:], strict=True):
        fits = [
            k
            for k in range(n)
            if predicted_region(k, *axis_rf)[0] >= 0 and predicted_region(k, *axis_rf)[1] <= size - 1
        ]
        inside.append(fits)
    assume(all(inside))
    i, j = inside[0][len(inside[0]) // 2], inside[1][len(inside[1]) // 2]
    measured = measured_region(net, size, i, j)
    for index, region, axis_rf in zip((i, j), measured, rf, strict=True):
        assert region == predicted_region(index, *axis_rf)


@settings(max_examples=120, deadline=None)
@given(net=decoder_networks(), size=st.integers(16, 48))
def test_upsampling_gives_a_bound_that_holds(net, size):
    """After upsampling the field depends on the output position: cnnarch marks it as a bound,
    and the region of every interior output pixel lies inside it."""
    try:
        report = analyze(net, (2, size, size))
    except ShapeError:
        assume(False)
    last = report.layers[-1]
    assume(max(last.output_shape[2:]) <= 96)
    rf = list(zip(last.receptive_field, last.effective_stride, last.rf_start, strict=True))
    n = last.output_shape[2]
    inside = [
        k
        for k in range(n)
        if predicted_region(k, *rf[0])[0] >= 0 and predicted_region(k, *rf[0])[1] <= size - 1
    ]
    assume(inside)
    for i in inside[:: max(1, len(inside) // 4)]:
        measured = measured_region(net, size, i, min(i, last.output_shape[3] - 1))
        if measured is None:
            continue
        rows = measured[0]
        low, high = predicted_region(i, *rf[0])
        if last.rf_approximate:
            assert low <= rows[0] and rows[1] <= high
        else:  # stride-1 transposed convolutions are exact
            assert rows == (low, high)


def test_global_pooling_sees_the_whole_input():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    report = analyze(net, (3, 16, 16))
    pooled = report.layers[1]
    assert pooled.rf_whole_input and pooled.receptive_field == [16, 16]
    assert report.layers[-1].rf_whole_input


def test_merge_takes_the_largest_path():
    net = Branches(nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, 7, padding=3), "add")
    assert analyze(net, (1, 32, 32)).layers[-1].receptive_field == [7, 7]
