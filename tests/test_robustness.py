"""Whatever a user types, the answer is a result or one clear error: never a traceback.

Hypothesis builds command lines from real and broken pieces (names, sizes, flags, values); every
catalogue model is swept over input sizes from 16 to 1024, where it either works or names the
layer whose output collapses or the dense layer that the size breaks.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnarch import analyze
from cnnarch.catalogue import names
from cnnarch.errors import ShapeError
from tests.conftest import run

MODELS = ["alexnet", "lenet5", "resnet18", "googlenet", "squeezenet1_1", "unet", "vgg-a", "resnet20"]
BROKEN_NAMES = [
    "resnet5", "alexnt", "VGG16", "vgg_16", "", "-", "x" * 300, "../etc/passwd",
    "conv 8 k3 > relu > gap > fc 10", "conv 8 k3 >", "torchvision:resnet18", "torchvision:nothing", "timm:",
    "nofile.py:Net", "a:b:c",
]  # fmt: skip
ODD_SIZES = [
    "227", "3x227x227", "1x32x32", "224x224", "3x", "x", "0", "3x0x5", "2x2x2x2", "abc", "1e3", "３",
    "16:int64", "3x64x64:fp16", "",
]  # fmt: skip
COMMANDS = [
    "summary", "explain", "compare", "list", "calc conv", "calc pool", "calc rf", "calc fc", "calc gap",
    "calc stack", "calc factorize", "calc bottleneck", "flops",
]  # fmt: skip
LIST_WORDS = [
    "resnet*",
    "vgg",
    "nothing*",
    "--family",
    "resnet",
    "--task",
    "segmentation",
    "classification",
    "bogus",
]
NAMES = st.one_of(st.sampled_from(MODELS), st.sampled_from(BROKEN_NAMES), st.text(max_size=20))
SIZES = st.one_of(st.integers(-3, 2100).map(str), st.sampled_from(ODD_SIZES), st.text(max_size=8))
VALUES = st.one_of(
    st.integers(-2, 70).map(str),
    st.sampled_from(["fp16", "bf16", "fp8", "json", "csv", "adam", ""]),
    st.text(max_size=6),
)


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(COMMANDS))
    argv = command.split()
    if command in ("summary", "explain", "flops"):
        argv.append(draw(NAMES))
    elif command == "compare":
        argv += draw(st.lists(NAMES, min_size=1, max_size=3))
    elif command == "list":
        argv += draw(st.lists(st.sampled_from(LIST_WORDS), max_size=3))
    else:
        argv += draw(st.lists(VALUES, max_size=3))
    options = {
        "summary": ["--input", "--batch", "--depth", "--format", "--dtype", "--num-classes", "--in-channels",
                    "--memory", "--optimizer", "--convention", "--kwargs"],
        "explain": ["--input", "--layers", "--format", "--batch"],
        "compare": ["--input", "--format", "--convention", "--optimizer"],
        "flops": ["--input", "--vs", "--format"],
    }.get(command, ["-k", "-s", "-p", "--in-channels", "--filters", "--format", "--as", "--channels", "--in",
                    "--reduce", "--out", "--dilation", "--groups"])  # fmt: skip
    for _ in range(draw(st.integers(0, 4))):
        flag = draw(st.sampled_from(options))
        argv.append(flag)
        if flag in ("--memory",):
            continue
        argv.append(draw(SIZES) if flag == "--input" else draw(VALUES))
    if command == "flops" and "--vs" not in argv:
        argv += ["--vs", "torch"]  # the other peers run real forward passes: too slow to fuzz
    if command == "summary" and "--memory" in argv:  # keep the training trace small
        argv += ["--input", "32"]
    return argv


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=command_lines())
def test_every_command_line_gives_a_result_or_one_clear_error(argv):
    code, out, err = run(*argv)
    assert code in (0, 2), (argv, code, err[-2000:])
    assert "Traceback (most recent call last)" not in err, (argv, err[-2000:])
    assert "internal error" not in err, (argv, err)
    if code == 2:
        assert out == "", (argv, out[:500])
        lines = err.strip().splitlines()
        # one error line: cnnarch's "error:" (a layer list's syntax error adds the line and a caret
        # under it), or typer's usage and error box for a malformed command line
        usage = "─ Error ─" in err
        assert sum(line.startswith("error:") for line in lines) == 1 or usage, (argv, err)


LAYER_MESSAGES = re.compile(
    r"is too small: \S+ \(\w+\) \[.*\] gets .* < 1"  # a window's output collapses, with its formula
    r"|\S+ \(Linear\) expects [\d,]+.* input features but gets"  # a dense layer fixes the size
    r"|cannot run on input \S+: \S+ \(\w+\) failed"  # PyTorch refused, at that module
)


@pytest.mark.parametrize("name", names())
def test_every_model_runs_or_names_the_layer_at_16_and_1024(name):
    for size in (16, 1024):
        try:
            report = analyze(name, size)
        except ShapeError as error:
            assert LAYER_MESSAGES.search(error.message), (name, size, error.message)
        else:
            assert report.input_shape[2:] == [size, size]


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from([n for n in names() if n != "resnet1202"]), size=st.integers(16, 1024))
def test_models_at_random_sizes_run_or_name_the_layer(name, size):
    try:
        analyze(name, size)
    except ShapeError as error:
        assert LAYER_MESSAGES.search(error.message), (name, size, error.message)
