"""The popular FLOP counters, run for real: each module here calls one tool the way its README
says, on a CPU model with random weights, so ``cnnarch flops --vs`` and the tests can put the
tool's own total beside cnnarch's total under the same rules (``analysis/conventions.py``).

A tool that is not installed is reported as missing, and one that fails as failed with its
first error line; neither stops the others. Tools are imported only when they run.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import torch

PEERS: dict[str, tuple[str, str]] = {
    "fvcore": ("cnnarch.peers.fvcore_count", "fvcore"),
    "thop": ("cnnarch.peers.thop_count", "thop"),
    "ptflops": ("cnnarch.peers.ptflops_count", "ptflops"),
    "torchinfo": ("cnnarch.peers.torchinfo_count", "torchinfo"),
    "torch": ("cnnarch.peers.flop_counter", "torch"),
}
"""Tool name -> (module with ``count(model, x) -> int``, distribution to report the version of)."""

SAFE_ORDER = ("torch", "torchinfo", "fvcore", "ptflops", "thop")
"""An order in which the tools can share one model (thop leaves buffers behind on modules it
does not count; ``thop_count`` removes them, and runs last all the same)."""


@dataclass
class PeerResult:
    tool: str
    status: Literal["ok", "missing", "failed"]
    total: int | None = None
    version: str | None = None
    seconds: float | None = None
    """Wall time of the tool's own call (the model already built)."""
    error: str | None = None


def version(tool: str) -> str | None:
    try:
        return metadata.version(PEERS[tool][1])
    except metadata.PackageNotFoundError:
        return None


def run(tool: str, model: torch.nn.Module, x: torch.Tensor) -> PeerResult:
    """Count ``model(x)`` with ``tool``; its prints and warnings are swallowed."""
    module_name, package = PEERS[tool]
    found = version(tool)
    if found is None:
        return PeerResult(tool, "missing", error=f"not installed (pip install {package})")
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            count = importlib.import_module(module_name).count
            start = time.perf_counter()
            total = count(model, x)
            seconds = time.perf_counter() - start
        except ImportError as error:
            return PeerResult(tool, "missing", version=found, error=f"cannot import: {error}")
        except Exception as error:  # the tool's own failure, reported per tool
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            return PeerResult(tool, "failed", version=found, error=f"{type(error).__name__}: {first}")
        finally:
            logging.disable(logging.NOTSET)
    return PeerResult(tool, "ok", int(total), found, seconds)


__all__ = ["PEERS", "SAFE_ORDER", "PeerResult", "run", "version"]
