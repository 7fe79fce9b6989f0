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


OUT_OF_MEMORY_MARKS = (
    "CUDA out of memory", "CUDA error: out of memory", "can't allocate memory", "CUBLAS_STATUS_ALLOC_FAILED",
    "CUDNN_STATUS_ALLOC_FAILED",
)  # fmt: skip
"""Messages that mean out of memory on plain RuntimeErrors: the caching allocator's own message,
the CUDA runtime's error raised outside the allocator (a kernel launch, a library's handle), the
CPU allocator's failure, and cuBLAS/cuDNN failing to allocate their workspace or handle."""


def out_of_memory_types() -> tuple[type[BaseException], ...]:
    """``torch.OutOfMemoryError``, or ``torch.cuda.OutOfMemoryError`` in a torch that predates it
    (the same class where both exist)."""
    found = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", None)
    return (found,) if found is not None else ()


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and what it wraps: ``__cause__`` (``raise ... from``), ``__context__`` (raised
    while handling) and the ``inner_exception`` of TorchDynamo's ``BackendCompilerFailed``."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        inner = getattr(current, "inner_exception", None)
        pending += [
            current.__cause__,
            current.__context__,
            inner if isinstance(inner, BaseException) else None,
        ]
    return seen


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error``, or any exception in its chain, is an out-of-memory failure: an
    out-of-memory exception type, or a RuntimeError whose message names an allocation failure
    (a compile failure caused by one counts: the batch did not fit, the toolchain works)."""
    types = out_of_memory_types()
    for link in _chain(error):
        if types and isinstance(link, types):
            return True
        if isinstance(link, RuntimeError) and any(mark in str(link) for mark in OUT_OF_MEMORY_MARKS):
            return True
    return False


def free_memory(device: torch.device, collect: bool = True) -> None:
    """Give back what a failed or finished measurement held (call after leaving ``except``).

    ``collect`` runs the garbage collector for reference cycles (a failed forward's frames);
    it takes the better part of a second in a large process, so a clean finish skips it."""
    if collect:
        gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
