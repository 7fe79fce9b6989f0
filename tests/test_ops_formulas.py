"""The records' formulas on plain numbers (what ``cnnarch calc`` uses without a trace) equal
PyTorch's own parameter counts, output shapes and FlopCounterMode, in 1-D, 2-D and 3-D."""

from __future__ import annotations

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnarch.ops import convolution, matmul
from cnnarch.ops.window import Window, adaptive_bounds, output_length

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
TCONV = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


@st.composite
def convolutions(draw):
    n = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 2, 4]))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(n))
    padding = draw(st.integers(0, 1))
    sizes = tuple(draw(st.integers(4, 9)) for _ in range(n))
    return n, draw(st.booleans()), groups, c_in, c_out, kernel, stride, padding, sizes, draw(st.booleans())


@settings(max_examples=80, deadline=None)
@given(case=convolutions(), batch=st.integers(1, 3))
def test_convolution_formulas_equal_pytorch(case, batch):
    n, transposed, groups, c_in, c_out, kernel, stride, padding, sizes, bias = case
    factory = TCONV[n] if transposed else CONV[n]
    with torch.device("meta"):
        layer = factory(c_in, c_out, kernel, stride=stride, padding=padding, groups=groups, bias=bias)
        x = torch.empty(batch, c_in, *sizes)
        w = Window("tconv" if transposed else "conv", kernel, stride, (padding,) * n, (1,) * n)
        out = tuple(output_length(w, size, i) for i, size in enumerate(sizes))
        assume(min(out) >= 1)
        with FlopCounterMode(display=False) as counter:
            y = layer(x)
    assert tuple(y.shape[2:]) == out
    assert convolution.parameters(kernel, c_in, c_out, groups, bias) == sum(
        p.numel() for p in layer.parameters()
    )
    positions = sizes if transposed else out
    macs = convolution.multiply_accumulates(positions, kernel, c_in, c_out, groups, batch)
    assert macs == counter.get_total_flops() // 2


@settings(max_examples=30, deadline=None)
@given(n_in=st.integers(1, 64), n_out=st.integers(1, 64), batch=st.integers(1, 4), bias=st.booleans())
def test_dense_formulas_equal_pytorch(n_in, n_out, batch, bias):
    with torch.device("meta"):
        layer = nn.Linear(n_in, n_out, bias=bias)
        with FlopCounterMode(display=False) as counter:
            layer(torch.empty(batch, n_in))
    assert matmul.dense_parameters(n_in, n_out, bias) == sum(p.numel() for p in layer.parameters())
    assert matmul.dense_macs(n_in, n_out, batch) == counter.get_total_flops() // 2


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), o=st.integers(1, 40))
def test_adaptive_windows_are_the_ones_pytorch_reads(n, o):
    x = torch.ones(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = nn.AdaptiveAvgPool1d(o)(x)
    for i in range(o):
        (grad,) = torch.autograd.grad(y[0, 0, i], x, retain_graph=True)
        read = torch.nonzero(grad[0, 0]).flatten()
        assert adaptive_bounds(n, o, i) == (int(read.min()), int(read.max()) + 1)
