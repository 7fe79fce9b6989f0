"""A real CPU forward pass, for models the meta device cannot run (an output size that depends
on the data: ``nonzero``, ``.item()``, a detection head; a TorchScript module).

Unlike a meta trace it allocates the weights and activations for real, so it runs only when the
estimated peak fits a bound (``CNNARCH_REAL_MEMORY``, default 4 GiB): a detection model at a
large input or batch would otherwise take 10 GB or more before anyone is told.
"""

from __future__ import annotations

import os
import re

import torch
from torch import nn

from cnnarch.errors import CnnarchError
from cnnarch.trace.records import TensorInfo

LIMIT_VARIABLE = "CNNARCH_REAL_MEMORY"
DEFAULT_LIMIT = 4 * 2**30
_UNITS = {
    "": 1,
    "b": 1,
    "k": 2**10,
    "kb": 2**10,
    "m": 2**20,
    "mb": 2**20,
    "g": 2**30,
    "gb": 2**30,
    "t": 2**40,
    "tb": 2**40,
}


def memory_limit() -> int:
    """The bound in bytes: ``CNNARCH_REAL_MEMORY`` (``16GB``, ``500MB``, ``0`` for none) or 4 GiB."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip().lower().replace(" ", "").replace("ib", "b")
    if not text:
        return DEFAULT_LIMIT
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]*)", text)
    if found is None or found[2] not in _UNITS:
        raise CnnarchError(
            f"{LIMIT_VARIABLE}={os.environ[LIMIT_VARIABLE]!r} is not a size",
            "e.g. 16GB, 500MB, or 0 for no bound",
        )
    limit = int(float(found[1]) * _UNITS[found[2]])
    return limit or 2**62


def estimate_peak(
    module: nn.Module, inputs: list[tuple[tuple[int, ...], torch.dtype]], seen: list[TensorInfo]
) -> int:
    """Bytes a real forward pass may need: every parameter and buffer (each once), the inputs,
    and every activation the meta trace recorded before it stopped (all held at once: an upper
    bound for what it saw; what it did not reach is not counted)."""
    weights: dict[int, int] = {}
    for tensor in (*module.parameters(), *module.buffers()):
        weights.setdefault(id(tensor), tensor.numel() * tensor.element_size())
    given = sum(_numel(shape) * dtype.itemsize for shape, dtype in inputs)
    activations = sum(_numel(t.shape) * t.itemsize for t in seen if t.kind == "activation")
    return sum(weights.values()) + given + activations


def check_fits(name: str, estimate: int, reason: str) -> None:
    limit = memory_limit()
    if estimate > limit:
        raise CnnarchError(
            f"{name} needs a real CPU forward pass ({reason}), estimated at {_size(estimate)}, over the "
            f"{_size(limit)} bound",
            f"give a smaller --input or --batch, or raise the bound: {LIMIT_VARIABLE}=32GB",
        )


def _numel(shape: tuple[int, ...]) -> int:
    count = 1
    for size in shape:
        count *= size
    return count


def _size(count: int) -> str:
    return f"{count / 2**30:.1f} GiB" if count >= 2**30 else f"{count / 2**20:.0f} MiB"
