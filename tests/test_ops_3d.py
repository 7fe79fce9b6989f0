"""3-D (video, T×H×W) windows: output shapes, formulas and MACs equal PyTorch's own Conv3d and
Pool3d, and receptive fields equal the region a gradient measures."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnarch import analyze
from cnnarch.analysis.checks import ShapeChecks
from cnnarch.errors import ShapeError
from cnnarch.ops.aten import SHORTCUTS
from cnnarch.trace.tracer import trace_module

triples = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))


@st.composite
def layers_3d(draw) -> nn.Module:
    kind = draw(st.sampled_from(["conv", "tconv", "maxpool", "avgpool"]))
    k, s = draw(triples), draw(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)))
    if kind == "conv":
        groups = draw(st.sampled_from([1, 2]))
        return nn.Conv3d(
            2, 4, k, stride=s, padding=draw(st.integers(0, 2)), dilation=draw(triples), groups=groups
        )
    if kind == "tconv":
        op = draw(st.integers(0, min(s) - 1))
        return nn.ConvTranspose3d(2, 3, k, stride=s, padding=draw(st.integers(0, 1)), output_padding=op)
    p = draw(st.integers(0, min(k) // 2))
    ceil = draw(st.booleans())
    if kind == "maxpool":
        return nn.MaxPool3d(k, stride=s, padding=p, dilation=draw(st.integers(1, 2)), ceil_mode=ceil)
    return nn.AvgPool3d(k, stride=s, padding=p, ceil_mode=ceil)


@settings(max_examples=150, deadline=None)
@given(layer=layers_3d(), thw=st.tuples(st.integers(1, 12), st.integers(1, 20), st.integers(1, 20)))
def test_3d_shapes_formulas_and_macs_match_pytorch(layer, thw):
    x = torch.zeros(1, 2, *thw)
    try:
        expected = tuple(layer(x).shape[2:])
    except RuntimeError:
        expected = None  # PyTorch refuses: the output would be empty
    if expected is not None and min(expected) < 1:
        expected = None
    if expected is None:
        with pytest.raises(ShapeError, match="too small"):
            analyze(layer, (2, *thw))
        return
    row = analyze(layer, (2, *thw)).layers[0]
    assert tuple(row.output_shape[2:]) == expected
    assert [f.axis for f in row.formula] == ["D", "H", "W"]
    assert tuple(f.result for f in row.formula) == expected
    with FlopCounterMode(display=False) as counter:
        layer(x)
    assert row.macs == counter.get_total_flops() // 2


def test_3d_shortcuts_agree_with_meta_kernels():
    net = nn.Sequential(
        nn.Conv3d(3, 8, 3, padding=1),
        nn.BatchNorm3d(8),
        nn.ReLU(inplace=True),
        nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)),
        nn.AvgPool3d(2, ceil_mode=True),
        nn.Conv3d(8, 8, (3, 1, 1), groups=8),
    ).eval()
    with torch.device("meta"):
        x = torch.empty(2, 3, 8, 32, 32)
        fast = trace_module(net.to("meta"), [x], "c3d", check=ShapeChecks(), shortcuts=SHORTCUTS)
        slow = trace_module(net, [x], "c3d", check=ShapeChecks())
    assert [(t.shape, t.dtype, t.storage) for t in fast.tensors] == [
        (t.shape, t.dtype, t.storage) for t in slow.tensors
    ]
    used = {op.target for op in fast.ops} & set(SHORTCUTS)
    assert {"aten.max_pool3d_with_indices.default", "aten.avg_pool3d.default"} <= used


@st.composite
def stacks_3d(draw) -> nn.Module:
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)))
        s = draw(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)))
        if draw(st.booleans()):
            d = draw(st.integers(1, 2))
            layers.append(nn.Conv3d(2, 2, k, stride=s, padding=draw(st.integers(0, 2)), dilation=d))
        else:
            layers.append(nn.AvgPool3d(k, stride=s, padding=min(k) // 2))
    return nn.Sequential(*layers).double()


def exact(value: float) -> Fraction:
    return Fraction(value).limit_denominator(10_000)


def predicted(index: int, r, jump, start) -> tuple[Fraction, Fraction]:
    centre = exact(start) + index * exact(jump)
    return centre - (exact(r) - 1) / 2, centre + (exact(r) - 1) / 2


@settings(max_examples=60, deadline=None)
@given(net=stacks_3d(), size=st.tuples(st.integers(6, 12), st.integers(10, 24), st.integers(10, 24)))
def test_3d_receptive_field_equals_gradient_region(net, size):
    try:
        report = analyze(net, (2, *size))
    except ShapeError:
        assume(False)
    last = report.layers[-1]
    rf = list(zip(last.receptive_field, last.effective_stride, last.rf_start, strict=True))
    assert len(rf) == 3
    inside = [
        [k for k in range(n) if predicted(k, *a)[0] >= 0 and predicted(k, *a)[1] <= limit - 1]
        for a, n, limit in zip(rf, last.output_shape[2:], size, strict=True)
    ]
    assume(all(inside))
    index = [positions[len(positions) // 2] for positions in inside]
    for p in net.parameters():
        with torch.no_grad():
            p.uniform_(0.5, 1.0)
    x = torch.ones(1, 2, *size, dtype=torch.float64, requires_grad=True)
    net(x)[0, :, index[0], index[1], index[2]].sum().backward()
    nz = torch.nonzero(x.grad[0].sum(0))
    for axis in range(3):
        measured = (int(nz[:, axis].min()), int(nz[:, axis].max()))
        assert measured == predicted(index[axis], *rf[axis])
