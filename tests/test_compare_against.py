"""``compare --against B``: every ratio set against the model named (PyTorch's own parameter
counts give the expected ratios), and ``compare --freeze``: frozen layers lower the training step."""

from __future__ import annotations

import pytest

from cnnarch.api import resolve
from cnnarch.compare import compare
from cnnarch.errors import CnnarchError
from cnnarch.render.compare import legend_lines, relative_text
from tests.conftest import run


def _numel(name: str) -> int:
    return sum(p.numel() for p in resolve(name).module.parameters())


def test_ratios_are_against_the_named_model():
    result = compare(["alexnet", "squeezenet1_0", "lenet5"], against="squeezenet1_0", use_cache=False)
    params = result.row("params")
    expected = [_numel(n) / _numel("squeezenet1_0") for n in ("alexnet", "squeezenet1_0", "lenet5")]
    assert params.ratios == pytest.approx(expected)
    assert relative_text(params, 1) == "" and relative_text(params, 0).endswith("more")
    assert any("against squeezenet1_0" in line for line in legend_lines(result))


def test_against_an_uncompared_model_is_a_clear_error():
    with pytest.raises(CnnarchError, match="is not one of the compared models"):
        compare(["alexnet", "lenet5"], against="vgg16", use_cache=False)
    code, _, err = run("compare", "alexnet", "lenet5", "--against", "vgg16")
    assert code == 2 and "--against 'vgg16' is not one of the compared models" in err


def test_freeze_lowers_the_training_step():
    frozen = compare(["alexnet"], freeze="conv5", optimizer="sgd", use_cache=False)
    whole = compare(["alexnet"], optimizer="sgd", use_cache=False)
    key = "training_total_bytes"
    assert frozen.row(key).values[0] < whole.row(key).values[0]
