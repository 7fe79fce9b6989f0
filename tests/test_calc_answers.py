"""Exam-grade calculator answers: short answers to short questions, one counting rule, the
orientation of a bottleneck stated, and no notation slips. Every number is checked against
PyTorch's own modules (``numel`` of real parameters, a forward pass on a CPU tensor)."""

from __future__ import annotations

from torch import nn

from cnnarch import calc
from cnnarch.render import explain as render
from tests.conftest import numel, run


def test_rf_and_stack_count_the_same_weights():
    """Both count weights only (the lectures' rule in comparisons), and say so."""
    three = nn.Sequential(*(nn.Conv2d(64, 64, 3, padding=1, bias=False) for _ in range(3)))
    rf = calc.rf("conv3 conv3 conv3")
    stack = calc.stack(7, [3, 3, 3])
    assert rf.verdict[1].question == "Weights?"
    assert rf.verdict[1].value == stack.verdict[0].value[1] == numel(three) == 110_592
    assert "weights only (no biases), as the lectures count them" in rf.notes
    assert "weights only (no biases), as the lectures count them" in stack.notes


def test_a_layer_list_with_biases_is_counted_as_written_and_says_so():
    answer = calc.rf("conv 8 k3 p1 > conv 8 k3 p1", channels=8)
    module = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1))
    assert answer.verdict[1].question == "Parameters?"
    assert answer.verdict[1].value == numel(module)
    assert any("biases included (16)" in note for note in answer.notes)


def test_short_questions_get_short_answers():
    text = render.to_text(calc.stack(11))
    assert len(text.splitlines()) < 20
    assert "Layer 1" not in text and "MACs?              H_out" not in text
    verbose = render.to_text(calc.stack(11, verbose=True))
    assert "Layer 1: conv1" in verbose and len(verbose.splitlines()) > 40
    rf = render.to_text(calc.rf("conv3 conv3 conv3"))
    assert "MACs" not in rf and "Receptive field?" in rf


def test_the_stack_of_identical_layers_is_worked_as_a_multiple():
    weights = calc.stack(7, [3, 3, 3], channels=256).verdict[0]
    assert "B: 3·(3·3·256·256) = 3·589,824 = 1,769,472 = 27C²" in weights.line


def test_bottleneck_says_which_side_is_the_input_and_works_the_other_reading():
    answer = calc.bottleneck(192, 64, 256)
    flipped = nn.Sequential(nn.Conv2d(256, 64, 1, bias=False), nn.Conv2d(64, 192, 3, bias=False))
    assert any("the input side is --in: 192 channels come in, 256 go out" in n for n in answer.notes)
    other = next(n for n in answer.notes if n.startswith("read the other way round"))
    assert f"= {numel(flipped):,}" in other and "126,976" in other


def test_one_channel_is_singular():
    answer = calc.conv("8", "3", groups=4, in_channels=4, filters=4).layers[0]
    assert "each filter sees 4/4 = 1 channel" in answer.step("Parameters?").notes[0]
    assert "1 channel in and out" in calc.stack(3, [3], channels=1).title


def test_cli_verbose_and_layout():
    code, out, err = run("calc", "stack", "7", "--verbose")
    assert code == 0, err
    assert "Layer 1: conv1" in out
    code, out, err = run("calc", "gap", "7x7x512", "--layout", "nchw")
    assert code == 2 and "--layout 'nchw' is not a layout" in err


def test_upsampling_is_worked_to_a_size_and_a_bound_says_so_in_words():
    import torch

    from cnnarch.explain import explain_model

    up = explain_model("conv 8 k3 p1 > upsample 2", "3x14x14").layers[1]
    size = nn.Upsample(scale_factor=2)(torch.zeros(1, 8, 14, 14)).shape[-1]
    assert up.step("Output shape?").line == f"H_out = H_in·scale = 14·2 = {size} → [?, 28, 28, 8]"
    rf = up.step("Receptive field?").result
    assert "(a bound, not exact" in rf and "~" not in rf
