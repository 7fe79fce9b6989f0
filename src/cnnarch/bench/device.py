"""Which device to run on, and the few things that differ between CPU and CUDA."""

from __future__ import annotations

import gc
import re

import torch

from cnnarch.errors import CnnarchError

_DEVICE = re.compile(r"^(auto|cpu|cuda)(?::(\d+))?$")


def torch_build() -> str:
    """``torch 2.4.1+cpu (CPU-only build)`` or ``torch 2.4.1+cu121 (built with CUDA 12.1)``."""
    cuda = torch.version.cuda
    kind = f"built with CUDA {cuda}" if cuda else "CPU-only build"
    return f"torch {torch.__version__} ({kind})"


def resolve_device(text: str) -> torch.device:
    """``auto`` (CUDA when visible, else CPU), ``cpu``, ``cuda`` or ``cuda:N``.

    A CUDA request that cannot be met is the user's to fix (exit 2), with the torch build named
    so that a CPU-only wheel is told apart from a missing driver or a hidden device.
    """
    match = _DEVICE.match(text.strip().lower())
    if match is None:
        raise CnnarchError(f"--device {text!r} is not a device", "use auto, cpu, cuda or cuda:N")
    kind, index = match.group(1), match.group(2)
    if kind == "auto":
        if index is not None:
            raise CnnarchError(f"--device {text!r} is not a device", "use auto, cpu, cuda or cuda:N")
        kind = "cuda" if torch.cuda.is_available() else "cpu"
    if kind == "cpu":
        if index not in (None, "0"):
            raise CnnarchError(f"--device {text!r}: there is one CPU device", "use --device cpu")
        return torch.device("cpu")
    if not torch.cuda.is_available():
        hint = (
            "install a CUDA build of torch"
            if not torch.version.cuda
            else "check the driver and CUDA_VISIBLE_DEVICES"
        )
        raise CnnarchError(f"no CUDA device is visible: {torch_build()}", hint)
    count = torch.cuda.device_count()
    number = int(index or 0)
    if number >= count:
        raise CnnarchError(
            f"--device cuda:{number} does not exist: {count} CUDA device{'s' if count != 1 else ''} visible",
            f"use cuda:0 to cuda:{count - 1}",
        )
    return torch.device("cuda", number)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


OUT_OF_MEMORY_MARKS = ("can't allocate memory", "CUBLAS_STATUS_ALLOC_FAILED", "CUDNN_STATUS_ALLOC_FAILED")
"""The CPU allocator's failure, and cuBLAS/cuDNN failing to allocate their workspace or handle:
plain RuntimeErrors that mean out of memory."""


def is_out_of_memory(error: BaseException) -> bool:
    """CUDA's ``torch.OutOfMemoryError``, or a RuntimeError that names an allocation failure."""
    if isinstance(error, torch.OutOfMemoryError):
        return True
    return isinstance(error, RuntimeError) and any(mark in str(error) for mark in OUT_OF_MEMORY_MARKS)


def free_memory(device: torch.device, collect: bool = True) -> None:
    """Give back what a failed or finished measurement held (call after leaving ``except``).

    ``collect`` runs the garbage collector for reference cycles (a failed forward's frames);
    it takes the better part of a second in a large process, so a clean finish skips it."""
    if collect:
        gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
