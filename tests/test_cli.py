"""The command line: results on stdout, one-line errors on stderr, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import run


def test_summary_table_shows_the_worked_formula():
    code, out, err = run("summary", "alexnet", "--input", "227")
    assert code == 0, err
    assert "(227 − 11 + 2·0)/4 + 1 = 55" in out
    assert "34,944" in out
    assert "60,965,224" in out


def test_summary_json_schema():
    code, out, _ = run("summary", "alexnet", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"model", "input_shape", "layers", "totals"}
    conv1 = data["layers"][0]
    for key in ("name", "type", "output_shape", "params", "macs", "flops", "receptive_field",
                "effective_stride", "activation_bytes", "formula"):  # fmt: skip
        assert key in conv1
    assert conv1["formula"] == "(227 − 11 + 2·0)/4 + 1 = 55"
    assert conv1["receptive_field"] == [11, 11] and conv1["effective_stride"] == [4, 4]
    for key in ("params", "trainable_params", "macs", "flops", "activation_bytes", "param_bytes"):
        assert isinstance(data["totals"][key], int)
    assert data["totals"]["flops"] == 2 * data["totals"]["macs"]


def test_summary_csv_and_markdown():
    code, out, _ = run("summary", "lenet5", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("index,name,type,output_shape,formula,params")
    assert len(lines) == 1 + 12
    code, out, _ = run("summary", "lenet5", "--format", "markdown")
    assert code == 0 and out.count("\n| ") >= 12 and "61,706" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["summary", "resnet5"], "unknown model 'resnet5' (did you mean 'resnet50'?)"),
        (
            ["summary", "alexnet", "--input", "32"],
            "pool2 (MaxPool2d) [3x3/2] gets 2x2 and its output H = (2 − 3 + 2·0)/2 + 1 = 0.5 → floor 0 < 1",
        ),
        (
            ["summary", "alexnet", "--input", "224"],
            "fc6 (Linear) expects 9,216 = 256·6·6 input features but gets 6,400 = 256·5·5",
        ),
        (["summary", "alexnet", "--input", "3x"], "--input '3x' is not a size"),
        (["summary", "alexnet", "--input", "0"], "zero size"),
        (
            ["summary", "alexnet", "--input", "1x227x227"],
            "conv1 (Conv2d) expects 3 input channels but gets 1",
        ),
        (["summary", "alexnet", "--dtype", "fp8"], "unknown dtype 'fp8'"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_2(argv, message):
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_usage_errors_exit_2():
    code, _, err = run("summary", "alexnet", "--batch", "0")
    assert code == 2 and "Traceback" not in err
    code, _, _ = run("nonsense")
    assert code == 2


def test_help_lists_examples_and_the_mac_convention():
    code, out, _ = run("summary", "--help")
    assert code == 0
    assert "cnnarch summary alexnet --input 227" in out
    assert "multiply-accumulates" in out


def test_module_entry_point_and_no_colour_when_piped():
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "cnnarch", "summary", "lenet5"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    assert "61,706" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "cnnarch", "summary", "alexnet", "--input", "32"],
                         capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stdout == ""


HELP_PROBE = """
import sys
if sys.argv[1] == "real":
    import rich.markdown, rich.traceback  # loaded first: no placeholder is needed
from cnnarch.cli.app import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
for name in ("rich.markdown", "rich.traceback"):
    module = sys.modules.get(name)
    assert module is None or module.__file__, name  # a placeholder never outlives the import
"""


@pytest.mark.parametrize("argv", [["--help"], ["summary", "--help"], ["calc", "conv", "-h"]])
def test_help_reads_the_same_without_the_modules_it_skips(argv: list[str]):
    def render(mode: str) -> str:
        done = subprocess.run([sys.executable, "-c", HELP_PROBE, mode, *argv], capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "100"}, check=True)  # fmt: skip
        return done.stdout

    fast = render("fast")
    assert "Usage" in fast and fast == render("real")
