"""A corpus of bad inputs, each a mistake a user makes: every one ends with exit code 2, nothing on
stdout, no Python traceback, and one ``error:`` line on stderr that names what was wrong.

The hypothesis sweep in test_robustness.py draws random command lines; these are the cases found
by hand (overflowing sizes, look-alike digits, keywords of the wrong type, weights keywords, user
code that exits, output to nowhere), kept so each stays fixed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run

FORTY_DIGITS = "1" * 40
BAD = [
    # model names
    (["summary", "resnt50"], "resnt50"),
    (["summary", ""], "unknown"),
    (["summary", "x" * 300], "unknown"),
    (["summary", "../etc/passwd"], "unknown"),
    (["summary", "torchvision:nothing"], "nothing"),
    (["summary", "torchvision:resnt50"], "resnet50"),
    (["summary", "timm:"], "timm"),
    (["summary", "timm:no_such_model_here"], "no_such_model_here"),
    (["summary", "nofile.py:Net"], "no such file"),
    (["summary", "a:b:c"], "unknown"),
    (["summary", "[/x]"], "[/x]"),
    (["summary", "[bold]x[/bold]"], "[bold]x[/bold]"),
    (["summary", "bogus:thing"], "unknown"),
    (["explain", "resnt50"], "resnt50"),
    (["flops", "resnt50", "--vs", "torch"], "resnt50"),
    (["bench", "resnt50"], "resnt50"),
    (["compare", "resnt50", "alexnet"], "resnt50"),
    (["compare", "alexnet", "vgg16", "nosuchnet"], "nosuchnet"),
    # input sizes
    (["summary", "alexnet", "--input", "22²"], "22²"),
    (["summary", "alexnet", "--input", "３"], "not a size"),
    (["summary", "alexnet", "--input", "1000000000"], "too large"),
    (["summary", "alexnet", "--input", FORTY_DIGITS], "not a size"),
    (["summary", "alexnet", "--input", f"3x{FORTY_DIGITS}x2"], "not a size"),
    (["summary", "alexnet", "--input", "0"], "zero"),
    (["summary", "alexnet", "--input", "3x0x5"], "zero"),
    (["summary", "alexnet", "--input", "-5"], "-5"),
    (["summary", "alexnet", "--input", "abc"], "abc"),
    (["summary", "alexnet", "--input", "1e3"], "1e3"),
    (["summary", "alexnet", "--input", "3x"], "not a size"),
    (["summary", "alexnet", "--input", "x"], "not a size"),
    (["summary", "alexnet", "--input", ""], "not a size"),
    (["summary", "alexnet", "--input", " "], "not a size"),
    (["summary", "alexnet", "--input", "2x2x2x2x2"], "5 numbers"),
    (["summary", "alexnet", "--input", "nan"], "nan"),
    (["summary", "alexnet", "--input", "inf"], "inf"),
    (["summary", "alexnet", "--input", "1.5"], "1.5"),
    (["summary", "alexnet", "--input", "227:int65"], "int65"),
    (["summary", "alexnet", "--input", "3x227x227:fp8"], "fp8"),
    (["summary", "alexnet", "--input", "227", "--input", "0x4"], "not a size"),
    (["summary", "alexnet", "--input", "227", "--input", "16:what"], "what"),
    (["summary", "alexnet", "--input", "16"], "too small"),
    (["summary", "alexnet", "--input", "1x227x227"], "channels"),
    # batch, depth and the other numbers
    (["summary", "alexnet", "--batch", "1e15"], "--batch"),
    (["summary", "alexnet", "--batch", "0"], "--batch"),
    (["summary", "alexnet", "--batch", "-1"], "--batch"),
    (["summary", "alexnet", "--batch", "abc"], "--batch"),
    (["summary", "alexnet", "--batch", "99999999999999999999999"], "--batch"),
    (["summary", "alexnet", "--batch", "100000000000"], "too large"),
    (["summary", "alexnet", "--depth", "0"], "--depth"),
    (["summary", "alexnet", "--depth", "x"], "--depth"),
    (["summary", "alexnet", "--num-classes", "0"], "--num-classes"),
    (["summary", "alexnet", "--num-classes", "-1"], "--num-classes"),
    (["summary", "alexnet", "--num-classes", "x"], "--num-classes"),
    (["summary", "alexnet", "--in-channels", "0"], "--in-channels"),
    # named choices
    (["summary", "alexnet", "--format", "xml"], "xml"),
    (["summary", "alexnet", "--format", ""], "--format"),
    (["summary", "alexnet", "--dtype", "fp8"], "fp8"),
    (["summary", "alexnet", "--dtype", ""], "dtype"),
    (["summary", "alexnet", "--optimizer", "lbfgs"], "lbfgs"),
    (["summary", "alexnet", "--convention", "bogus"], "bogus"),
    (["summary", "alexnet", "--bogus"], "--bogus"),
    (["summary"], "MODEL"),
    (["nosuchcommand"], "nosuchcommand"),
    (["summary", "alexnet", "--plot", "chart.txt"], "chart.txt"),
    (["summary", "alexnet", "--plot", "/no/such/folder/chart.png"], "folder"),
    # builder keywords
    (["summary", "torchvision:resnet18", "--in-channels", "1"], "--in-channels"),
    (["summary", "torchvision:resnet18", "--kwargs", '{"num_classes": "x"}'], "num_classes='x'"),
    (["summary", "torchvision:resnet18", "--kwargs", '{"bogus": 1}'], "bogus"),
    (["summary", "torchvision:resnet18", "--kwargs", '{"num_classes": NaN}'], "nan"),
    (["summary", "torchvision:resnet18", "--kwargs", '{"num_classes": -3}'], "-3"),
    (["summary", "torchvision:resnet18", "--kwargs", '{"num_classes": 1e400}'], "inf"),
    (["summary", "torchvision:resnet18", "--kwargs", '{"pretrained": true}'], "pretrained"),
    (["summary", "torchvision:resnet18", "--kwargs", '{"weights": "DEFAULT"}'], "weights"),
    (["summary", "torchvision:fcn_resnet50", "--kwargs", '{"weights_backbone": "DEFAULT"}'], "backbone"),
    (["summary", "timm:resnet18", "--kwargs", '{"pretrained": true}'], "pretrained"),
    (["summary", "timm:resnet18", "--kwargs", '{"checkpoint_path": "x.pth"}'], "checkpoint_path"),
    (["summary", "timm:resnet18", "--kwargs", '{"pretrained_cfg_overlay": {"file": "x.pth"}}'], "pretrained"),
    (["summary", "timm:resnet18", "--kwargs", '{"num_classes": "ten"}'], "ten"),
    (["summary", "timm:resnet18", "--kwargs", '{"drop_rate": "x", "bogus_kw": 1}'], "bogus_kw"),
    (["summary", "alexnet", "--kwargs", "not json"], "JSON"),
    (["summary", "alexnet", "--kwargs", "[1, 2]"], "JSON object"),
    (["summary", "alexnet", "--kwargs", '{"bogus": 1}'], "--bogus"),
    (["summary", "alexnet", "--kwargs", '{"num_classes": "x"}'], "num_classes"),
    (["summary", "resnet18", "--kwargs", '{"num_classes": -3}'], "-3"),
    (["summary", "conv 8 k3 > relu > gap > fc 10", "--num-classes", "10"], "--num-classes"),
    # explain, calc, flops, bench
    (["explain", "alexnet", "--layers", "nosuchlayer"], "nosuchlayer"),
    (["calc", "conv", "227", "--bogus"], "--bogus"),
    (["calc", "conv", "abc", "-k", "3"], "abc"),
    (["calc", "conv"], "missing"),
    (["calc", "pool", "-1"], "-1"),
    (["calc", "nosuch"], "nosuch"),
    (["flops", "alexnet", "--vs", "nothing"], "nothing"),
    (["bench", "alexnet", "--threads", "100000"], "--threads"),
    (["bench", "alexnet", "--output", "/no/such/folder/out.json"], "/no/such/folder"),
    (["bench", "alexnet", "--batch", "0"], "batch"),
    (["summary", "alexnet", "--mode", "test"], "test"),
]  # fmt: skip


def _check(code: int, out: str, err: str, needle: str, context: object) -> None:
    assert code == 2, (context, code, err[-1500:])
    assert out == "", (context, out[:300])
    assert "Traceback (most recent call last)" not in err, (context, err[-1500:])
    lines = [line for line in err.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], (context, err)
    assert needle.lower() in errors[0].lower(), (context, needle, errors[0])


@pytest.mark.parametrize(("argv", "needle"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_a_bad_input_is_one_line_and_exit_2(argv, needle):
    code, out, err = run(*argv)
    _check(code, out, err, needle, argv)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, (argv, err)


USER_CODE = {
    "exit_on_import": ("import sys\nsys.exit(3)\n", "SystemExit"),
    "generator_exit_on_import": ("raise GeneratorExit('bye')\n", "GeneratorExit"),
    "syntax_error": ("def broken(:\n", "SyntaxError"),
    "markup_in_message": ("raise ValueError('[/x] closes nothing [bold]')\n", "[/x] closes nothing [bold]"),
    "exit_in_init": (
        "import sys\nfrom torch import nn\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        sys.exit(3)\n",
        "SystemExit",
    ),
    "exit_in_forward": (
        "import sys\nfrom torch import nn\nclass Net(nn.Module):\n    default_input = (3, 8, 8)\n"
        "    def forward(self, x):\n        sys.exit(3)\n",
        "SystemExit",
    ),
    "generator_exit_in_forward": (
        "from torch import nn\nclass Net(nn.Module):\n    default_input = (3, 8, 8)\n"
        "    def forward(self, x):\n        raise GeneratorExit('stop')\n",
        "GeneratorExit",
    ),
    "not_a_module": ("def Net():\n    return 42\n", "int"),
    "missing_name": ("from torch import nn\nclass Other(nn.Module):\n    pass\n", "Other"),
    "bare_size_for_an_lstm": (
        "from torch import nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.rnn = nn.LSTM(10, 20)\n    def forward(self, x):\n        return self.rnn(x)[0]\n",
        "full per-sample shape",
    ),
}


@pytest.mark.parametrize("case", sorted(USER_CODE))
def test_user_code_that_fails_or_exits_is_one_error_line(case, tmp_path: Path):
    source, needle = USER_CODE[case]
    path = tmp_path / f"{case}.py"
    path.write_text(source)
    extra = ["--input", "100"] if case == "bare_size_for_an_lstm" else []
    code, out, err = run("summary", f"{path}:Net", *extra)
    _check(code, out, err, needle, case)


def test_compare_reports_a_typo_before_running_the_users_file(tmp_path: Path):
    marker = tmp_path / "ran"
    path = tmp_path / "net.py"
    path.write_text(f"open({str(marker)!r}, 'w').close()\nfrom torch import nn\nNet = nn.Linear\n")
    code, out, err = run("compare", f"{path}:Net", "resnt50")
    _check(code, out, err, "resnt50", "compare")
    assert not marker.exists()  # the file never ran


CLI = [sys.executable, "-m", "cnnarch"]


def _process(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300, **kwargs)


def test_stdout_closed_is_one_line():
    done = subprocess.run(
        f"{sys.executable} -m cnnarch summary lenet5 >&-",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().startswith("error:") and len(done.stderr.strip().splitlines()) == 1, (
        done.stderr
    )
    assert "stdout is closed" in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_stdout_full_is_one_line():
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [*CLI, "summary", "lenet5"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=300
        )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "No space left" in lines[0], done.stderr


def test_output_cut_short_stops_quietly_like_a_unix_tool():
    """``| head -1``: the reader goes away; cnnarch dies of SIGPIPE like ``cat``, saying nothing."""
    done = subprocess.run(
        f"{sys.executable} -m cnnarch summary densenet201 --format csv | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
        executable="/bin/bash",
    )
    assert done.stderr == "", done.stderr
    assert done.returncode in (0, 141), done.returncode  # 141: killed by SIGPIPE, as cat would be
    assert len(done.stdout.splitlines()) == 1
