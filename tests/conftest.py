"""Shared helpers: published reference figures (tests/data, with their sources) and independent oracles."""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

# The suite never touches the user's result cache: it points at a temporary directory (for this
# process and every command a test starts) and is off unless a test turns it on (tests/test_cache*.py),
# so a test that changes the analysis is never answered from another test's entry.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cnnarch-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)
os.environ.pop("CNNARCH_CACHE_DIR", None)
os.environ["CNNARCH_NO_CACHE"] = "1"

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data"
"""Published figures the tests check against, each with its source (tests/data/README.md)."""


def load_reference(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


def on_meta(factory, *args, **kwargs) -> torch.nn.Module:
    with torch.device("meta"):
        return factory(*args, **kwargs).eval()


def flop_counter_macs(model: torch.nn.Module, shape: tuple[int, ...]) -> int:
    """torch's own FlopCounterMode total / 2, on the model's device (meta: nothing computed)."""
    device = next(model.parameters()).device
    x = torch.empty(shape, device=device)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops() // 2


def numel(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def run(*argv: str) -> tuple[int, str, str]:
    """Run the command line in this process; returns (exit code, stdout, stderr)."""
    from cnnarch.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True, scope="session")
def no_network(tmp_path_factory):
    """No test may reach the network (tests/no_network.py); torch's hub cache is a fresh folder, so
    a download attempt cannot hide behind a cached file either."""
    from tests.no_network import network_disabled

    with network_disabled(str(tmp_path_factory.mktemp("torch_home"))):
        yield
