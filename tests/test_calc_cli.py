"""``cnnarch calc``: every subcommand answers on stdout, has examples in --help, and turns bad
numbers into one line on stderr with exit code 2."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run

SUBCOMMANDS = ["conv", "pool", "tconv", "fc", "rf", "stack", "factorize", "bottleneck", "gap"]


def test_calc_conv_prints_the_lecture_lines():
    code, out, err = run("calc", "conv", "227", "-k", "11", "-s", "4", "-p", "0", "--in-channels", "3",
                         "--filters", "96")  # fmt: skip
    assert code == 0, err
    assert "As a layer list: conv 96 k11 s4 p0" in out
    assert "(227 − 11 + 2·0)/4 + 1 = 55 → [?, 55, 55, 96]" in out
    assert "11·11·3·96 + 96 = 34,944" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["pool", "55", "-k", "3", "-s", "2", "-c", "96"], "(55 − 3 + 2·0)/2 + 1 = 27 → [?, 27, 27, 96]"),
        (["tconv", "14", "-k", "4", "-s", "2", "-p", "1", "-c", "64", "-n", "32"],
         "(14 − 1)·2 − 2·1 + 1·(4 − 1) + 0 + 1 = 28 → [?, 28, 28, 32]"),
        (["fc", "9216", "4096"], "9216·4096 + 4096 = 37,752,832"),
        (["gap", "512x7x7"], "[?, 7, 7, 512] → [?, 1, 1, 512]"),
        (["gap", "7x7x512", "--layout", "hwc"], "7x7x512 read as HxWxC: C = 512, H = 7, W = 7"),
        (["rf", "conv3 conv3 conv3"], "1 + (3 − 1)·1 + (3 − 1)·1 + (3 − 1)·1 = 7"),
        (["stack", "7", "--as", "3,3,3", "--channels", "256"], "= 3,211,264 = 49C²; B: "),
        (["factorize", "7"], "7·7 = 49 vs 1·7 + 7·1 = 14"),
        (["bottleneck", "--in", "192", "--reduce", "64", "--out", "256", "-k", "3"], "3·3·192·256 = 442,368"),
    ],
)  # fmt: skip
def test_each_subcommand(argv, expected):
    code, out, err = run("calc", *argv)
    assert code == 0, err
    assert expected in out


def test_calc_markdown_and_json():
    code, out, _ = run("calc", "stack", "7", "--format", "markdown")
    assert code == 0 and "### Compared" in out and "**Weights?**" in out
    code, out, _ = run("calc", "fc", "9216", "4096", "--format", "json")
    assert code == 0
    layer = json.loads(out)["parts"][0]
    assert layer["steps"][1]["question"] == "Parameters?" and layer["steps"][1]["value"] == 37_752_832


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["conv", "5", "-k", "11", "-s", "4"], "output H = (5 − 11 + 2·0)/4 + 1 = -0.5 → floor -1 < 1"),
        (["conv", "227", "-k", "3x"], "--kernel '3x' is not a size"),
        (["conv", "32", "-k", "3", "-g", "2", "-c", "3"], "groups g2 must divide the input channels (3)"),
        (["gap", "7x7"], "'7x7' is not CxHxW"),
        (["stack", "7", "--as", "3,x"], "--as '3,x' is not a list of kernel sizes"),
        (["rf", "conv3 frob"], "'frob' is not a layer in shorthand"),
    ],
)
def test_bad_numbers_exit_2(argv, message):
    code, out, err = run("calc", *argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_every_subcommand_has_examples(sub):
    code, out, _ = run("calc", sub, "--help")
    assert code == 0
    assert "Examples" in out and f"cnnarch calc {sub}" in out
