"""``cnnarch quiz``: every answer in the key equals an independent computation with PyTorch on
CPU tensors (a forward pass for sizes and memory, ``numel`` for parameters, FlopCounterMode for
MACs, a gradient for receptive fields), for any seed and topic; the same seed gives the same
sheet; Markdown is well-formed; the interactive mode accepts the usual ways of writing a number."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnarch.quiz import TOPICS, is_right, make_quiz, parse_answer
from cnnarch.render import quiz as render
from tests.conftest import run

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "int8": torch.int8}


def _module(layer: dict, rf: bool = False) -> nn.Module:
    kind = layer["type"]
    if kind == "conv":
        conv = nn.Conv2d(layer["in_channels"], layer["out_channels"], layer["kernel_size"], layer["stride"],
                         layer["padding"], layer["dilation"], layer["groups"], layer["bias"])  # fmt: skip
        if rf:
            nn.init.ones_(conv.weight)
        return conv
    if kind == "maxpool":  # the receptive field through the same window, with a gradient everywhere
        pool = nn.AvgPool2d if rf else nn.MaxPool2d
        return pool(layer["kernel_size"], layer["stride"], layer["padding"])
    return nn.Linear(layer["in_features"], layer["out_features"], layer["bias"])


def torch_answer(network: dict) -> int:
    """What PyTorch says the question's network gives, without cnnarch."""
    ask = network["ask"]
    if ask == "rf":
        model = nn.Sequential(*(_module(x, rf=True) for x in network["layers"]))
        x = torch.ones(1, 1, 512, 512, requires_grad=True)
        out = model(x)
        out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
        rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1)).flatten()
        return int(rows.max() - rows.min() + 1)
    model = nn.Sequential(*(_module(x) for x in network["layers"]))
    if ask == "params":
        return sum(p.numel() for p in model.parameters())
    batch = network.get("batch", 1)
    x = torch.zeros(1, *network["input"])  # one sample; a batch of B holds B times its values
    if ask == "macs":
        with FlopCounterMode(display=False) as counter:
            model(x)
        return counter.get_total_flops() // 2
    with torch.no_grad():
        out = model(x)
    if ask == "size":
        assert out.shape[2] == out.shape[3]
        return out.shape[2]
    assert ask == "activation_bytes"
    return batch * out.numel() * torch.empty(0, dtype=DTYPES[network["dtype"]]).element_size()


FAST_TOPICS = [t for t in TOPICS if t != "models"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), topic=st.sampled_from(FAST_TOPICS))
def test_every_answer_is_pytorchs(seed, topic):
    for q in make_quiz([topic], 3, seed).questions:
        assert q.answer == torch_answer(q.network), q.text
        assert q.working and str(f"{q.answer:,}") in " ".join(q.working) + f" {q.answer}"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_model_questions_are_the_catalogued_layer_and_pytorchs(seed):
    from cnnarch.api import resolve

    for q in make_quiz(["models"], 2, seed).questions:
        assert q.answer == torch_answer(q.network), q.text
        real = dict(resolve(q.network["model"]).factory().named_modules())[q.network["layer"]]
        asked = q.network["layers"][0]
        assert (real.in_channels, real.out_channels, real.groups) == (
            asked["in_channels"], asked["out_channels"], asked["groups"],
        )  # fmt: skip
        assert real.kernel_size[0] == asked["kernel_size"] and real.padding[0] == asked["padding"]


def test_questions_are_valid_and_varied():
    quiz = make_quiz(None, 60, 11)
    assert {q.topic for q in quiz.questions} == set(FAST_TOPICS)
    assert {q.difficulty for q in quiz.questions} == {"easy", "medium", "hard"}
    for q in quiz.questions:
        assert q.answer >= 2 if q.unit == "pixels" else q.answer > 0
        inexact = "→ floor" in " ".join(q.working)
        if q.topic in ("conv", "pool"):
            assert inexact == ("floors the division" in q.text)


def test_the_same_seed_gives_the_same_sheet():
    assert make_quiz(None, 8, 5).to_dict() == make_quiz(None, 8, 5).to_dict()
    assert make_quiz(None, 8, 5).to_dict() != make_quiz(None, 8, 6).to_dict()
    code, first, _ = run("quiz", "--questions", "4", "--seed", "9", "--answers")
    assert code == 0 and first == run("quiz", "--questions", "4", "--seed", "9", "--answers")[1]
    assert "(seed 9)" in first


def test_markdown_is_well_formed():
    quiz = make_quiz(None, 12, 4)
    text = render.to_markdown(quiz, answers=True)
    tokens = MarkdownIt().parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0].startswith("Quiz") and headings[-1] == "Answers"
    lists = [t for t in tokens if t.type == "ordered_list_open"]
    items = [t for t in tokens if t.type == "list_item_open" and t.level in (lists[0].level + 1,)]
    assert len(lists) >= 2 and len(items) >= 2 * len(quiz.questions)
    code = [
        c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "code_inline"
    ]
    assert code == [line for q in quiz.questions for line in q.working]  # every working line, intact


def test_json_without_answers_hides_the_key():
    quiz = make_quiz(["conv"], 2, 1)
    data = json.loads(render.to_json(quiz, answers=False))
    assert all("answer" not in q and "working" not in q for q in data["questions"])
    assert (
        json.loads(render.to_json(quiz, answers=True))["questions"][0]["answer"] == quiz.questions[0].answer
    )


@pytest.mark.parametrize(
    ("text", "answer", "right"),
    [("34944", 34944, True), ("34,944", 34944, True), ("34 944", 34944, True), ("34.9K", 34944, True),
     ("34.9k", 34944, True), ("35K", 34944, True), ("35.1K", 34944, False), ("34943", 34944, False),
     ("37.8M", 37_752_832, True), ("55x55", 55, True), ("55x54", 55, False), ("fifty", 55, False)],
)  # fmt: skip
def test_equivalent_forms_of_an_answer(text, answer, right):
    assert is_right(text, answer) is right
    assert (parse_answer(text) is None) == (text == "fifty")


def test_interactive_checks_answers_and_works_a_wrong_one():
    quiz = make_quiz(["params"], 2, 3)
    first, second = quiz.questions
    typed = f"{first.answer:,}\nnot a number\n{second.answer + 1}\n"
    done = subprocess.run(
        [sys.executable, "-m", "cnnarch", "quiz", "--topic", "params", "--questions", "2", "--seed", "3",
         "--interactive"],
        input=typed, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"right: {first.answer:,}" in done.stdout
    assert "give a number" in done.stdout
    assert f"not quite: the answer is {second.answer:,}" in done.stdout
    assert second.working[0] in done.stdout
    assert "1 of 2 right." in done.stdout


def test_bad_topic_is_a_clear_error():
    code, out, err = run("quiz", "--topic", "convs")
    assert code == 2 and out == ""
    assert "--topic 'convs' is not a topic" in err


@pytest.mark.parametrize("topics", [",", "", " , "])
def test_a_topic_list_naming_no_topic_is_a_clear_error(topics):
    """``--topic ,`` names no topic: one line and exit 2, not a sheet on every topic."""
    code, out, err = run("quiz", "--topic", topics, "--questions", "1", "--seed", "1")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--topic names no topic" in err
