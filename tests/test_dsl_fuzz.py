"""Fuzzing the layer-list parser and builder: random strings and near-valid programs (valid ones
with characters deleted, tokens inserted, numbers changed) either work or raise the language's
own error, never anything else; the whole pipeline on mutated programs gives a report, a worked
explanation, or a ``CnnarchError``."""

from __future__ import annotations

import re

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnarch.dsl import DslError, build, parse
from cnnarch.errors import CnnarchError
from tests.conftest import ROOT

VALID = [
    (ROOT / "examples" / "alexnet.txt").read_text(),
    "conv 6 k5 > relu > maxpool k2 > conv 16 k5 > relu > maxpool k2 > flatten > fc 120 > relu > fc 84 > "
    "fc 10",
    "input 3x32x32\nconv 16 k3 p1 nobias > bn > relu\n"
    "residual( conv 16 k3 p1 > bn > relu > conv 16 k3 p1 > bn ) > relu\n"
    "res( conv 32 k3 s2 p1 > bn > relu > conv 32 k3 p1 > bn | conv 32 k1 s2 > bn ) > relu\n"
    "gap > flatten > fc 10",
    "input 192x28x28\nconcat(\n  conv 64 k1 > relu\n| conv 96 k1 > relu > conv 128 k3 p1 > relu\n"
    "| conv 16 k1 > conv 32 k5 p2\n| maxpool k3 s1 p1 ceil > conv 32 k1\n) > avgpool k2 > dropout 0.4",
    "conv 8 k3 p=same d2 g2 bias=off > leakyrelu 0.2 > lrn 3 alpha=1e-4 beta=0.75 k=2 > "
    "upsample 2 mode=bilinear > tconv 4 k4 s2 p1 op1 > adaptiveavgpool 2x2 > flatten > fc 3 > softmax",
    "repeat 2 ( conv 8 k1x3 p0x1 > conv 8 k3x1 p1x0 > gelu ) # factorized\n> gmp > flatten > linear 4",
    "input 64\nfc 32 > bn > sigmoid > dropout > fc 8 > logsoftmax",
]

PIECES = [
    " ", "  ", "\n", ">", " > ", "->", "→", "(", ")", "|", "=", "#", ";", "conv", "conv 8", "k3", "k=3", "s2",
    "p1", "p=same", "d2", "g2", "nobias", "bias=off", "ceil", "relu", "bn", "fc", "fc 10", "flatten", "gap",
    "residual(", "concat(", "repeat", "repeat 2 (", "input", "input 3x8x8", "3x3", "1x7", "0", "1", "1e-4",
    "0.5", "-1", "99999999999", "x", "×", "mode=", "bilinear", "upsample", "tconv", "lrn", "dropout 2",
    "maxpool", "avgpool k2", "op1", "k", "\t", "é", "[", "]", "_",
]  # fmt: skip


def check_parse_and_build(text: str) -> None:
    try:
        program = parse(text)
    except DslError:
        return
    try:
        with torch.device("meta"):  # as the resolver builds: no weights allocated
            build(program, program.input or (3, 16, 16))
    except DslError:
        return


@st.composite
def near_valid(draw) -> str:
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        if action == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 8)) :]
        elif action == "insert":
            text = text[:i] + draw(st.sampled_from(PIECES)) + text[i:]
        elif action == "replace":
            j = min(len(text), i + draw(st.integers(1, 4)))
            text = text[:i] + draw(st.sampled_from(PIECES)) + text[j:]
        else:
            j = min(len(text), i + draw(st.integers(1, 12)))
            text = text[:j] + text[i:j] + text[j:]
    return text


@st.composite
def renumbered(draw) -> str:
    """A valid program with some of its numbers changed: mostly still grammatical, often a network
    whose shapes no longer fit (a kernel larger than its map, a shortcut that does not match)."""
    parts = re.split(r"(\d+)", draw(st.sampled_from(VALID)))
    for i in range(1, len(parts), 2):
        if draw(st.integers(0, 3)) == 0:
            parts[i] = str(draw(st.sampled_from([1, 2, 3, 4, 5, 7, 8, 16, 64])))
    return "".join(parts)


FAST = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    st.text(alphabet=st.sampled_from(list("conv relu k3 s2 p1 fc 10 ()|>=#\n;x.-_é×0123456789")), max_size=60)
)
def test_random_strings_parse_or_raise_the_dsl_error(text):
    check_parse_and_build(text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_arbitrary_unicode_parses_or_raises_the_dsl_error(text):
    check_parse_and_build(text)


@FAST
@given(near_valid())
def test_near_valid_programs_parse_or_raise_the_dsl_error(text):
    check_parse_and_build(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(near_valid(), renumbered()))
def test_mutated_programs_through_the_whole_pipeline(text):
    from cnnarch.explain import explain_model

    try:
        explanation = explain_model(text, "3x16x16" if "input" not in text else None)
    except CnnarchError:
        return
    assert explanation.layers
