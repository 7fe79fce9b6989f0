"""Time single forward passes: ``perf_counter_ns`` on CPU, CUDA events on a GPU.

Warm-up happens before these loops (the runner resets CUDA's peak-memory counter in between).
Both loops run with the garbage collector off (as ``timeit`` does), so a collection triggered
by the benchmark's own allocations does not land inside a sample.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

MIN_SAMPLES = 5
"""With --min-time, at least this many timed iterations (percentiles need a few)."""
MAX_SAMPLES = 100_000


@dataclass(frozen=True)
class Budget:
    """Stop after ``iters`` iterations, or once ``min_time`` seconds of timed iterations have run
    and at least ``MIN_SAMPLES`` samples exist."""

    iters: int | None = None
    min_time: float = 1.0

    def done(self, count: int, elapsed_s: float) -> bool:
        if self.iters is not None:
            return count >= self.iters
        return (count >= MIN_SAMPLES and elapsed_s >= self.min_time) or count >= MAX_SAMPLES


@contextmanager
def gc_off() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def time_cpu(
    fn: Callable[[], object], budget: Budget, clock: Callable[[], int] = time.perf_counter_ns
) -> list[int]:
    """Nanoseconds of each timed call of ``fn``, read from ``clock`` just before and after it."""
    samples: list[int] = []
    elapsed = 0
    with gc_off():
        while not budget.done(len(samples), elapsed / 1e9):
            start = clock()
            fn()
            samples.append(clock() - start)
            elapsed += samples[-1]
    return samples


def time_cuda(fn: Callable[[], object], budget: Budget, device: torch.device) -> list[int]:
    """Nanoseconds of each timed call of ``fn`` on ``device``, from a pair of CUDA events recorded
    on the current stream around it.

    The loop does not wait for the GPU between iterations, so a sample is the GPU time from the
    start event to the end event: the kernels of one forward pass, plus any gap where the GPU
    waited for the host to launch them (launch-bound small batches show up as such). It
    synchronises once at the end, before reading the events. The stopping rule uses host time,
    which follows GPU time once the launch queue is full.
    """
    with torch.cuda.device(device):
        torch.cuda.synchronize(device)
        events: list[tuple[torch.cuda.Event, torch.cuda.Event]] = []
        with gc_off():
            started = time.perf_counter()
            while not budget.done(len(events), time.perf_counter() - started):
                begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                begin.record()
                fn()
                end.record()
                events.append((begin, end))
            torch.cuda.synchronize(device)
        return [round(begin.elapsed_time(end) * 1e6) for begin, end in events]
