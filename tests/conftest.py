"""Shared helpers: reference figures from ../shared/reference and independent oracles."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"


def load_reference(name: str) -> dict:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"{path} is not present (shared/ sits beside the project root)")
    return json.loads(path.read_text())


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
