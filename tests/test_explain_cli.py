"""``cnnarch explain`` and layer lists on the command line: worked answers on stdout, errors on
stderr with exit code 2, a syntax error shown with a caret under the offending token."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, run

ALEXNET = str(ROOT / "examples" / "alexnet.txt")


def test_explain_writes_the_lecture_answer():
    code, out, err = run("explain", "alexnet", "--layers", "1-4")
    assert code == 0, err
    assert "Layer 1: conv1 — Conv 96 [11x11] stride 4" in out
    assert "(W − F + 2P)/S + 1 = (227 − 11 + 2·0)/4 + 1 = 55 → [?, 55, 55, 96]" in out
    assert "11·11·3·96 + 96 = 34,944" in out
    assert "r = r_in + (F − 1)·j_in = 1 + (11 − 1)·1 = 11; j = j_in·S = 1·4 = 4" in out
    assert "(55 − 3 + 2·0)/2 + 1 = 27 → [?, 27, 27, 96]" in out
    assert "Parameters of the selected layers? 34,944 + 0 + 0 + 0" not in out  # zeros are not terms
    assert "Parameters of the selected layers? 34,944" in out
    assert "Total parameters?" not in out  # nobody asked for the whole network's (--verbose)
    assert "Layer 5:" not in out


def test_explain_markdown_and_json():
    code, out, _ = run("explain", "googlenet", "--layers", "inception3a", "--format", "markdown")
    assert code == 0
    assert "### Layer 24: `inception3a.cat` — Concatenation" in out
    assert "> **inception3a: 4 branches from pool2" in out
    assert (
        "- **Output shape?** `C = C_1 + C_2 + C_3 + C_4 = 64 + 128 + 32 + 32 = 256 → [?, 28, 28, 256]`" in out
    )
    code, out, _ = run("explain", "lenet5", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {p["kind"] for p in data["parts"]} == {"layeranswer"}
    assert data["totals"][0]["value"] == 61_706


def test_layer_lists_work_with_summary_and_explain():
    code, out, err = run("summary", ALEXNET)
    assert code == 0, err
    assert "60,965,224" in out and "(227 − 11 + 2·0)/4 + 1 = 55" in out
    code, out, err = run("explain", "conv 96 k11 s4 > relu > maxpool k3 s2", "--input", "3x227x227")
    assert code == 0, err
    assert "11·11·3·96 + 96 = 34,944" in out and "→ [?, 27, 27, 96]" in out


def test_a_syntax_error_shows_the_line_and_a_caret_under_the_token():
    code, out, err = run("summary", "conv 96 k11 s4 > relu > conv q3", "--input", "227")
    assert code == 2 and out == "" and "Traceback" not in err
    first, shown, caret = err.rstrip("\n").split("\n")
    assert first.startswith("error: line 1, column 30: unknown option 'q3' for conv; expected kN, sN, pN")
    assert shown == "  conv 96 k11 s4 > relu > conv q3"
    assert caret.index("^") == shown.index("q3") and caret.strip() == "^^"


def test_an_error_in_a_file_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text("input 3x32x32\n# stem\nconv 16 k3 p1 > relu\nmaxpool k2 s2 > fc10\n")
    code, _, err = run("summary", str(path))
    assert code == 2
    first, shown, caret = err.rstrip("\n").split("\n")
    assert first.startswith("error: net.txt, line 4, column 17: unknown layer 'fc10' (did you mean 'fc 10'?)")
    assert shown == "  maxpool k2 s2 > fc10"
    assert caret.index("^") == shown.index("fc10")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["summary", "conv 8 k3 > relu"], "layer list has no default input size"),
        (["summary", "missing_net.txt"], "no such file: missing_net.txt"),
        (["summary", ALEXNET, "--num-classes", "10"], "a layer list does not take --num-classes"),
        (["explain", "alexnet", "--layers", "conv9"], "no layer named 'conv9' (this model has 5"),
        (["explain", "alexnet", "--layers", "conv9"], "its layers, nearest first: conv1, conv2"),
        (["explain", "alexnet", "--layers", "30-40"], "layers are numbered 1 to 23"),
        (["summary", "conv 8 k3 > [/x]", "--input", "8"], "unexpected character '['"),
    ],
)
def test_user_errors_exit_2(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_help_has_examples():
    code, out, _ = run("explain", "--help")
    assert code == 0
    assert "cnnarch explain alexnet --layers 1-5" in out
