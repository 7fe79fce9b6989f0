"""Peak memory of a forward pass, as the allocator sees it.

CUDA: the caching allocator's own counters, relative to a baseline. The baseline is
``memory_allocated`` read before the model is built, after the calibration has freed its
tensors and a small matrix product has let cuBLAS and cuBLASLt take their per-stream workspaces
(held for the process's life: 32 MiB on Hopper): what is allocated then is not the model's.
Resident = allocated once the model and input exist − baseline; peak = ``max_memory_allocated``
over the timed iterations (after ``reset_peak_memory_stats``) − baseline. Workspaces that cuDNN
or cuBLAS allocate during the pass are counted: the pass needs them. The caching allocator's
cached but unused blocks are not, and every block is rounded up to a multiple of 512 bytes.

CPU: PyTorch keeps no peak counter for host memory, but its profiler, with ``profile_memory``,
records every allocation and free that goes through the c10 CPU allocator, with its size. One
extra, untimed forward pass runs under the profiler; the running sum of those sizes in time
order is the bytes allocated by the pass and still live, and its maximum is the pass's peak
above what was live before (weights and input). That counts activations, temporaries inside
operators and kernels' scratch buffers that use the c10 allocator; it leaves out memory a
library allocates on its own (oneDNN's internal scratchpad, OpenMP stacks) and the process's
RSS overhead (fragmentation, pages the C allocator keeps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch

CPU_METHOD = "torch.profiler allocation events (c10 CPU allocator), one extra forward pass"
CUDA_METHOD = (
    "torch.cuda.max_memory_allocated over the timed iterations, minus memory_allocated before the model "
    "was built"
)


def tensor_bytes(*groups: object) -> int:
    """Bytes of the distinct storages among tensors (parameters and buffers may share one)."""
    seen: dict[int, int] = {}
    for group in groups:
        tensors = [group] if isinstance(group, torch.Tensor) else list(group)  # type: ignore[call-overload]
        for t in tensors:
            storage = t.untyped_storage()
            seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values())


def cpu_forward_peak(fn: Callable[[], object]) -> int | None:
    """Peak bytes allocated and live during one call of ``fn``, above those live before it.

    None when this torch's profiler does not expose its allocation events (the figure is then
    reported as not measured rather than as zero).
    """
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    results = getattr(prof.profiler, "kineto_results", None)
    if results is None:
        return None
    events = [
        (e.start_ns(), e.nbytes())
        for e in results.events()
        if e.name() == "[memory]" and e.device_type() == torch.autograd.DeviceType.CPU
    ]
    live = peak = 0
    for _, size in sorted(events, key=lambda e: e[0]):
        live += size
        peak = max(peak, live)
    return peak


class AllocatorCounters(Protocol):
    """What ``Relative`` reads: a device's allocated bytes now and at their peak."""

    def allocated(self) -> int: ...

    def peak(self) -> int: ...

    def reset_peak(self) -> None: ...


@dataclass(frozen=True)
class CudaCounters:
    """The caching allocator's counters for one device."""

    device: torch.device

    def allocated(self) -> int:
        return torch.cuda.memory_allocated(self.device)

    def peak(self) -> int:
        return torch.cuda.max_memory_allocated(self.device)

    def reset_peak(self) -> None:
        torch.cuda.reset_peak_memory_stats(self.device)


class Relative:
    """Allocator figures relative to the bytes allocated when it was created (the baseline)."""

    def __init__(self, counters: AllocatorCounters) -> None:
        self.counters = counters
        self.baseline = counters.allocated()

    def resident(self) -> int:
        """Bytes allocated since the baseline (the model's weights and input, once built)."""
        return self.counters.allocated() - self.baseline

    def start_peak(self) -> None:
        self.counters.reset_peak()

    def peak(self) -> int:
        """Most bytes allocated since ``start_peak``, above the baseline."""
        return self.counters.peak() - self.baseline
