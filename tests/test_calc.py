"""The calculator: the lecture examples exactly as printed, and every answer equal to the
summary of the same one-layer network and to PyTorch's own output on a real CPU tensor."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
import torch
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from torch import nn

from cnnarch import analyze, calc
from cnnarch.errors import CnnarchError
from tests.conftest import numel


def test_lecture_conv1_and_pool1():
    conv1 = calc.conv("227", "11", "4", "0", in_channels=3, filters=96).layers[0]
    assert (
        conv1.step("Output shape?").line
        == "(W − F + 2P)/S + 1 = (227 − 11 + 2·0)/4 + 1 = 55 → [?, 55, 55, 96]"
    )
    assert conv1.step("Parameters?").line == "F·F·C_in·K + K = 11·11·3·96 + 96 = 34,944"
    pool1 = calc.pool("55", "3", "2", channels=96).layers[0]
    assert (
        pool1.step("Output shape?").line == "(W − F + 2P)/S + 1 = (55 − 3 + 2·0)/2 + 1 = 27 → [?, 27, 27, 96]"
    )
    assert pool1.step("Parameters?").value == 0


def test_inexact_divisions_show_the_quotient_and_pytorchs_rounding():
    conv = calc.conv("224", "11", "4", "0", in_channels=3, filters=96).layers[0].step("Output shape?")
    assert "(224 − 11 + 2·0)/4 + 1 = 54.25 → floor 54 → [?, 54, 54, 96]" in conv.line
    assert any("PyTorch takes the floor" in n for n in conv.notes)
    pool = calc.pool("56", "3", "2", ceil=True).layers[0].step("Output shape?")
    assert "= 27.5 → ceil 28" in pool.line


def test_fc_and_gap():
    fc = calc.fc(9216, 4096).layers[0]
    assert fc.step("Parameters?").line == "N_in·N_out + N_out = 9216·4096 + 4096 = 37,752,832"
    assert fc.step("MACs?").value == 9216 * 4096
    gap = calc.gap("512x7x7").layers[0]
    assert gap.step("Output shape?").line.endswith("[?, 7, 7, 512] → [?, 1, 1, 512]")
    assert gap.step("Parameters?").value == 0


def test_gap_reads_the_shape_as_input_does_and_says_so():
    """512x7x7 is C x H x W, as --input reads it; the lectures' 7x7x512 needs --layout hwc."""
    expected = list(nn.AdaptiveAvgPool2d(1)(torch.zeros(1, 512, 7, 7)).shape)
    for answer in (calc.gap("512x7x7"), calc.gap("7x7x512", layout="hwc")):
        assert answer.layers[0].output_shape == expected == [1, 512, 1, 1]
    assert "512x7x7 read as CxHxW: C = 512, H = 7, W = 7" in calc.gap("512x7x7").notes[0]
    assert "7x7x512 read as HxWxC: C = 512" in calc.gap("7x7x512", layout="hwc").notes[0]


def test_bottleneck_442368_weights_directly():
    comparison = calc.bottleneck(192, 64, 256, 3)
    weights = comparison.verdict[0]
    assert weights.value == [3 * 3 * 192 * 256, 1 * 1 * 192 * 64 + 3 * 3 * 64 * 256] == [442_368, 159_744]
    assert "A: 3·3·192·256 = 442,368" in weights.line
    assert "B: 1·1·192·64 + 3·3·64·256 = 12,288 + 147,456 = 159,744" in weights.line


def test_one_7x7_against_three_3x3_is_49_vs_27_c_squared():
    comparison = calc.stack(7, [3, 3, 3], channels=256)
    weights, rf, relus = comparison.verdict[:3]
    assert weights.formula == "49C² vs 27C²"
    assert weights.value == [49 * 256**2, 27 * 256**2]
    assert rf.value == [[7, 7], [7, 7]]
    assert relus.value == [1, 3]


def test_factorized_7x7_is_49_vs_14_per_channel_pair():
    comparison = calc.factorize(7)
    assert comparison.verdict[0].formula == "49C² vs 14C²"
    assert "per input-output channel pair: 7·7 = 49 vs 1·7 + 7·1 = 14" in comparison.notes[0]
    assert comparison.verdict[1].value == [[7, 7], [7, 7]]


def test_receptive_field_of_a_stack():
    answer = calc.rf("conv3 conv3 conv3")
    step = answer.verdict[0]
    assert step.value == [7, 7]
    assert "1 + (3 − 1)·1 + (3 − 1)·1 + (3 − 1)·1 = 7; j = Π S_i = 1·1·1 = 1" in step.line
    strided = calc.rf("conv7s2 pool3s2 conv3").verdict[0]
    assert "1 + (7 − 1)·1 + (3 − 1)·2 + (3 − 1)·4 = 19" in strided.line
    assert "j = Π S_i = 2·2·1 = 4" in strided.line
    dilated = calc.rf("conv 8 k3 p1 > conv 8 k3 p2 d2 > conv 8 k3 p4 d4", channels=8).verdict[0]
    assert dilated.value == [15, 15]  # 1 + 2 + 4 + 8


def test_bad_calculator_input_is_a_clear_error():
    with pytest.raises(CnnarchError, match="is not a size"):
        calc.conv("0", "3")
    with pytest.raises(CnnarchError, match=r"output H = \(5 − 11 \+ 2·0\)/4 \+ 1 = -0.5 → floor -1 < 1"):
        calc.conv("5", "11", "4")
    with pytest.raises(CnnarchError, match="is not CxHxW"):
        calc.gap("7x7")


# -- properties: calc = summary of the same nn.Module = PyTorch on a real tensor ----------------
def _check(explanation, module: nn.Module, shape: tuple[int, ...]):
    layer = explanation.layers[0]
    x = torch.zeros(1, *shape)
    try:
        expected = list(module(x).shape)
    except RuntimeError:
        expected = None
    summary = analyze(module, shape)
    assert layer.output_shape == summary.layers[0].output_shape == expected
    assert layer.step("Parameters?").value == summary.totals.params == numel(module)
    assert layer.step("MACs?").value == summary.totals.macs
    assert layer.step("Receptive field?").value == summary.layers[0].receptive_field


sides = st.integers(1, 24)
kernels = st.integers(1, 6)
strides = st.integers(1, 3)


def _text(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


@settings(max_examples=60, deadline=None)
@given(
    hw=st.tuples(sides, sides), k=st.tuples(kernels, kernels), s=st.tuples(strides, strides),
    p=st.integers(0, 3), d=st.integers(1, 2), g=st.sampled_from([1, 2]), bias=st.booleans(),
)  # fmt: skip
def test_calc_conv_is_pytorchs(hw, k, s, p, d, g, bias):
    module = nn.Conv2d(2, 4, k, s, p, d, g, bias)
    try:
        explanation = calc.conv(_text(hw), _text(k), _text(s), str(p), str(d), g, 2, 4, bias)
    except CnnarchError:
        with pytest.raises(RuntimeError):
            module(torch.zeros(1, 2, *hw))
        return
    _check(explanation, module, (2, *hw))


@settings(max_examples=60, deadline=None)
@given(
    hw=st.tuples(sides, sides), k=st.tuples(kernels, kernels), s=st.tuples(strides, strides),
    data=st.data(), ceil=st.booleans(), average=st.booleans(),
)  # fmt: skip
def test_calc_pool_is_pytorchs(hw, k, s, data, ceil, average):
    p = data.draw(st.integers(0, min(k) // 2))  # PyTorch allows padding up to half the kernel
    module = nn.AvgPool2d(k, s, p, ceil) if average else nn.MaxPool2d(k, s, p, ceil_mode=ceil)
    try:
        explanation = calc.pool(_text(hw), _text(k), _text(s), str(p), channels=3, average=average, ceil=ceil)
    except CnnarchError:
        with pytest.raises(RuntimeError):
            out = module(torch.zeros(1, 3, *hw))
            assert min(out.shape) > 0
        return
    _check(explanation, module, (3, *hw))


CEIL_STEP = re.compile(
    r"= (?P<exact>[\d.…]+) → ceil (?P<ceil>\d+)(?: → (?P<dropped>\d+) \(last window dropped\))?$"
)


@settings(max_examples=80, deadline=None)
@example(size=5, k=2, s=2, data=None)  # 3.5 → ceil 4 → 3: the 4th window starts at 6 = W + P
@given(size=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), data=st.data())
def test_ceil_mode_shows_the_ceiling_then_pytorchs_drop(size, k, s, data):
    """With ceil_mode, the worked step is the true ceiling of (W − F + 2P)/S + 1, and where
    PyTorch drops a last window that would start in the right padding, the drop is a step of
    its own with its reason: the final size is MaxPool2d(ceil_mode=True)'s, in calc and in the
    formula summary and explain print."""
    p = 1 if data is None else data.draw(st.integers(0, k // 2))
    try:
        expected = nn.MaxPool2d(k, s, p, ceil_mode=True)(torch.zeros(1, 1, size, size)).shape[-1]
    except RuntimeError:
        expected = 0
    assume(expected > 0)
    exact = Fraction(size - k + 2 * p, s) + 1
    layer = calc.pool(str(size), str(k), str(s), str(p), ceil=True).layers[0]
    step = layer.step("Output shape?")
    assert step.line.endswith(f" → [?, {expected}, {expected}, 1]")
    texts = [step.line.removesuffix(f" → [?, {expected}, {expected}, 1]")]
    texts.append(analyze(nn.MaxPool2d(k, s, p, ceil_mode=True), (1, size, size)).layers[0].formula_text)
    for text in texts:
        if exact.denominator == 1:
            assert text.endswith(f" = {expected}") and int(exact) == expected
            continue
        found = CEIL_STEP.search(text)
        assert found, text
        assert int(found["ceil"]) == math.ceil(exact)
        if math.ceil(exact) == expected:
            assert found["dropped"] is None
        else:
            assert int(found["dropped"]) == expected == math.ceil(exact) - 1
    if expected != math.ceil(exact):
        start = (math.ceil(exact) - 1) * s
        assert any(f"would start at ({math.ceil(exact)} − 1)·{s} = {start}" in n for n in step.notes)


@settings(max_examples=40, deadline=None)
@given(
    hw=st.tuples(sides, sides), k=st.tuples(kernels, kernels), s=st.tuples(strides, strides), data=st.data()
)
def test_calc_tconv_is_pytorchs(hw, k, s, data):
    p = data.draw(st.integers(0, 2))
    op = data.draw(st.integers(0, min(s) - 1))
    module = nn.ConvTranspose2d(2, 3, k, s, p, op)
    try:
        explanation = calc.tconv(_text(hw), _text(k), _text(s), p, op, in_channels=2, filters=3)
    except CnnarchError:
        # a collapsed output: PyTorch raises, or (transposed convolution on CPU) returns an empty
        # tensor, which cnnarch reports as the collapse it is
        try:
            out = module(torch.zeros(1, 2, *hw))
        except RuntimeError:
            return
        assert min(out.shape) == 0
        return
    _check(explanation, module, (2, *hw))
