"""Every worked number equals the summary's number for the same layer, and every working shown
evaluates to the result printed beside it. Branch headings follow the models' own modules."""

from __future__ import annotations

import ast
import operator
import re
from fractions import Fraction

import pytest

from cnnarch import analyze
from cnnarch.explain import Heading, explain_model
from cnnarch.explain.notation import lecture_shape

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv}  # fmt: skip


def evaluate(text: str) -> Fraction:
    """An arithmetic expression as the worked answers write it (·, −, ⌊a/b⌋, 34,944), exactly."""
    text = text.replace("·", "*").replace("−", "-").replace(",", "")
    text = re.sub(r"⌊([^⌋]+)/(\d+)⌋", r"((\1)//\2)", text)

    def walk(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return Fraction(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = walk(node.left), walk(node.right)
            return Fraction(_OPS[type(node.op)](left, right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(f"not arithmetic: {ast.dump(node)}")

    return walk(ast.parse(text, mode="eval"))


def _number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module", params=["alexnet", "googlenet", "resnet50"])
def pair(request):
    name = request.param
    return name, analyze(name), explain_model(name)


def test_every_worked_number_is_the_summarys(pair):
    _, summary, explanation = pair
    answers = explanation.layers
    assert [a.name for a in answers] == [x.name for x in summary.layers]
    for answer, layer in zip(answers, summary.layers, strict=True):
        where = f"{layer.name} (#{layer.index + 1})"
        assert answer.output_shape == layer.output_shape, where
        shape = answer.step("Output shape?")
        assert shape.value == layer.output_shape and lecture_shape(layer.output_shape) in shape.line, where
        params = answer.step("Parameters?")
        assert params.value == layer.params, where
        macs = answer.step("MACs?")
        assert macs.value == layer.macs, where
        if layer.receptive_field is not None:
            assert answer.step("Receptive field?").value == layer.receptive_field, where


def test_every_working_evaluates_to_its_result(pair):
    _, summary, explanation = pair
    checked = {"shape": 0, "params": 0, "macs": 0, "rf": 0}
    for answer, layer in zip(explanation.layers, summary.layers, strict=True):
        for f in layer.formula:  # output sizes: the exact value, then PyTorch's rounding
            assert evaluate(f.substituted) == Fraction(f.exact).limit_denominator(10**6)
        if layer.formula:
            checked["shape"] += 1
        for question, key in (("Parameters?", "params"), ("MACs?", "macs")):
            step = answer.step(question)
            if step.substituted:
                assert evaluate(step.substituted) == step.value == _number(step.result), layer.name
                checked[key] += 1
        rf = answer.step("Receptive field?") if layer.receptive_field else None
        if rf is not None and rf.substituted and rf.substituted.startswith("r = "):
            for axis_text, size in zip(_axes(rf.substituted), _expand(layer.receptive_field), strict=True):
                r_part = axis_text.split(";")[0].removeprefix("r = ")
                assert evaluate(r_part) == size, layer.name
            checked["rf"] += 1
    assert all(checked.values()), checked  # every kind of working was exercised


def _axes(text: str) -> list[str]:
    parts = re.split(r"(?:^|; )[HW]: ", text)
    return [p for p in parts if p] if text.startswith("H: ") else [text]


def _expand(values: list) -> list:
    return values if len(set(values)) > 1 else values[:1]


def test_totals_are_the_summarys(pair):
    _, summary, explanation = pair
    totals = {s.question: s for s in explanation.totals}
    assert totals["Total parameters?"].value == summary.totals.params
    assert totals["Total MACs?"].value == summary.totals.macs
    assert totals["Output shape?"].value == summary.output_shape


def test_lecture_example_conv1_of_alexnet():
    conv1 = explain_model("alexnet", layers="1").layer("conv1")
    assert conv1.title == "Conv 96 [11x11] stride 4"
    assert (
        conv1.step("Output shape?").line
        == "(W − F + 2P)/S + 1 = (227 − 11 + 2·0)/4 + 1 = 55 → [?, 55, 55, 96]"
    )
    assert conv1.step("Parameters?").line == "F·F·C_in·K + K = 11·11·3·96 + 96 = 34,944"
    assert conv1.step("Receptive field?").line == (
        "r = r_in + (F − 1)·j_in = 1 + (11 − 1)·1 = 11; j = j_in·S = 1·4 = 4"
    )
    pool1 = explain_model("alexnet", layers="pool1").layer("pool1")
    assert "(55 − 3 + 2·0)/2 + 1 = 27 → [?, 27, 27, 96]" in pool1.step("Output shape?").line


def test_inception_is_explained_branch_by_branch():
    explanation = explain_model("googlenet", layers="inception3a")
    parts = explanation.parts
    block = [p for p in parts if isinstance(p, Heading) and p.level == 1]
    assert len(block) == 1
    assert block[0].text.startswith("inception3a: 4 branches from pool2 [?, 28, 28, 192], concatenated")
    # each branch heading is followed by exactly the layers of that branch module
    current = None
    for part in parts:
        if isinstance(part, Heading) and part.level == 2:
            current = int(re.match(r"Branch (\d) of 4", part.text).group(1))
        elif not isinstance(part, Heading) and part.name != "inception3a.cat":
            assert part.name.startswith(f"inception3a.branch{current}."), part.name
    cat = explanation.layer("inception3a.cat").step("Output shape?")
    assert cat.substituted == "64 + 128 + 32 + 32"
    assert cat.result == "256 → [?, 28, 28, 256]"


def test_residual_blocks_name_body_shortcut_and_add():
    explanation = explain_model("resnet50", layers="layer1.0,layer1.1")
    headings = [p.text for p in explanation.parts if isinstance(p, Heading)]
    assert headings[0].startswith("layer1.0: 2 branches from maxpool [?, 56, 56, 64], added in layer1.0.add")
    assert headings[1].startswith("Branch 1 of 2 (8 layers")  # conv1 bn1 relu conv2 bn2 relu conv3 bn3
    assert headings[2].startswith("Branch 2 of 2 (2 layers")  # downsample.0, downsample.1
    assert "branch 2 is the identity" in headings[3]
    add = next(a for a in explanation.layers if a.name == "layer1.1.add")
    assert "add needs equal shapes" in " ".join(add.step("Output shape?").notes)
    assert any("(the identity shortcut)" in n for n in add.notes)


def test_layer_selection():
    names = [a.name for a in explain_model("alexnet", layers="1-3,fc6,pool*").layers]
    assert names == ["conv1", "relu1", "norm1", "pool1", "pool2", "pool5", "fc6"]
