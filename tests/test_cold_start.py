"""A cold run pays for little beyond ``import torch``: the trace's shape shortcuts agree with
PyTorch's own meta kernels and keep torch's heavy lazy imports (sympy, torch._dynamo) out, and a
command imports no plotting or peer tool it does not use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnarch.ops import _meta
from cnnarch.ops.aten import SHORTCUTS
from tests.conftest import ROOT

shapes = st.lists(st.integers(0, 4), max_size=4).map(tuple)


def _outcome(fn, *args, **kwargs):
    try:
        out = fn(*args, **kwargs)
    except RuntimeError:
        return "error"
    outs = out if isinstance(out, tuple) else (out,)
    return [(tuple(o.shape), o.dtype) if isinstance(o, torch.Tensor) else o for o in outs]


@settings(max_examples=300, deadline=None)
@given(st.lists(shapes, min_size=1, max_size=3))
def test_broadcast_shapes_is_torchs(shapes_):
    assert _outcome(_meta.broadcast_shapes, *shapes_) == _outcome(torch.broadcast_shapes, *shapes_)


def _agrees(op: str, *args, **kwargs) -> None:
    """The shortcut gives PyTorch's shape and dtype, or steps aside (NotImplemented)."""
    mine = SHORTCUTS[op](*args, **kwargs)
    if mine is NotImplemented:
        return
    _, packet, overload = op.split(".")
    theirs = _outcome(getattr(getattr(torch.ops.aten, packet), overload), *args, **kwargs)
    assert _outcome(lambda: mine) == theirs, op


dtypes = st.sampled_from([torch.float32, torch.float16, torch.bfloat16])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.data(), dtypes)
def test_constant_pad_shortcut_is_torchs(shape, data, dtype):
    pairs = data.draw(st.integers(0, len(shape)))
    pad = data.draw(st.lists(st.integers(-2, 3), min_size=2 * pairs, max_size=2 * pairs))
    _agrees("aten.constant_pad_nd.default", torch.empty(shape, device="meta", dtype=dtype), pad, 0.0)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 9), st.integers(1, 9), st.data(), dtypes)
def test_adaptive_average_pool_shortcut_is_torchs(n, c, h, w, data, dtype):
    out = (data.draw(st.integers(1, h)), data.draw(st.integers(1, w)))
    x = torch.empty((n, c, h, w), device="meta", dtype=dtype)
    _agrees("aten._adaptive_avg_pool2d.default", x, out)
    _agrees("aten._adaptive_avg_pool3d.default", x, (1, *out))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("running", [True, False])
def test_batch_norm_training_shortcut_is_torchs(dtype, running):
    x = torch.empty((2, 4, 5, 5), device="meta", dtype=dtype)
    w, b = torch.empty(4, device="meta", dtype=dtype), torch.empty(4, device="meta", dtype=dtype)
    stats = [torch.empty(4, device="meta", dtype=dtype) for _ in range(2)] if running else [None, None]
    _agrees("aten.native_batch_norm.default", x, w, b, *stats, True, 0.1, 1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.int64, torch.int32])
@pytest.mark.parametrize("exponent", [2, 0.75, -1.5, 3])
def test_power_and_in_place_scalar_shortcuts_are_torchs(dtype, exponent):
    x = torch.empty((2, 3, 4), device="meta", dtype=dtype)
    _agrees("aten.pow.Tensor_Scalar", x, exponent)
    _agrees("aten.div_.Scalar", x, exponent)
    _agrees("aten.mul_.Scalar", x, exponent)
    _agrees("aten.empty_like.default", x)
    _agrees("aten.empty_like.default", x, dtype=torch.float16)


HEAVY = ["sympy", "torch._dynamo", "matplotlib", "fvcore", "thop", "ptflops", "torchinfo", "pandas"]


def _imported(code: str, modules: list[str] = HEAVY) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_analyses_import_none_of_torchs_heavy_lazy_modules():
    code = (
        "from cnnarch.api import analyze\n"
        "for name in ('alexnet', 'vgg16', 'googlenet', 'resnet50', 'mobilenet-v2', 'densenet121'):\n"
        "    analyze(name, memory=True)"
    )
    assert _imported(code) == []


def test_a_cold_summary_imports_no_tool_it_does_not_use():
    code = (
        "import sys, io, contextlib\nfrom cnnarch.cli.app import main\nsys.argv = ['cnnarch']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['summary', 'resnet50', '--format', 'json'])\n"
        "    except SystemExit: pass"
    )
    assert _imported(code) == []


@pytest.mark.parametrize("output", ["json", "csv", "markdown", "table"])
def test_only_a_table_imports_rich(output: str) -> None:
    """JSON, CSV and Markdown are written without rich (about 20 ms of a cold command); the
    terminal table is drawn with it."""
    code = (
        "import sys, io, contextlib\nfrom cnnarch.cli.app import main\nsys.argv = ['cnnarch']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    try: main(['summary', 'lenet5', '--format', {output!r}, '--no-cache'])\n"
        "    except SystemExit: pass"
    )
    assert _imported(code, ["rich.console", "rich.text"]) == (
        [] if output != "table" else ["rich.console", "rich.text"]
    )
