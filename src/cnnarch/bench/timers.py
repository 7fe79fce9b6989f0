"""Time single forward passes: ``perf_counter_ns`` on CPU, CUDA events on a GPU.

Both loops run with the garbage collector off (as ``timeit`` does), so a collection triggered
by the benchmark's own allocations does not land inside a sample.

On a GPU the host only queues work, so a host clock around a call measures the launch, not the
pass. Each iteration is bracketed by a pair of CUDA events; the host waits for the end event of
the iteration ``IN_FLIGHT`` places back before it queues the next, so at most ``IN_FLIGHT``
iterations are queued at once (the GPU never idles for want of work, and the host cannot run a
thousand launches ahead of what has been measured). The time budget counts GPU time of the
iterations that have finished, and the host's launch time of each iteration is kept beside its
GPU time: where the two agree, the GPU was waiting for the host (``launch_bound``).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import torch

MIN_SAMPLES = 5
"""With --min-time, at least this many timed iterations (percentiles need a few)."""
MAX_SAMPLES = 100_000
IN_FLIGHT = 3
"""Iterations queued on the GPU at most while timing."""
LAUNCH_BOUND_RATIO = 0.9
"""Launch-bound when the host's median launch time is at least this share of the median GPU time."""


@dataclass(frozen=True)
class Budget:
    """Stop after ``iters`` iterations, or once ``min_time`` seconds of timed iterations have run
    and at least ``min_samples`` iterations exist."""

    iters: int | None = None
    min_time: float = 1.0
    min_samples: int = MIN_SAMPLES

    def done(self, count: int, elapsed_s: float) -> bool:
        if self.iters is not None:
            return count >= self.iters
        return (count >= self.min_samples and elapsed_s >= self.min_time) or count >= MAX_SAMPLES


@dataclass
class Timings:
    """Per-iteration nanoseconds: the measured time (wall time on CPU, GPU time between the
    events on CUDA) and, on CUDA, the host's time to launch the same iteration."""

    samples_ns: list[int] = field(default_factory=list)
    host_ns: list[int] = field(default_factory=list)


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


class Event(Protocol):
    """What the timing loop needs of ``torch.cuda.Event(enable_timing=True)``."""

    def record(self) -> None: ...

    def synchronize(self) -> None: ...

    def elapsed_time(self, end_event: Event) -> float: ...


def time_events(
    fn: Callable[[], object],
    budget: Budget,
    new_event: Callable[[], Event],
    clock: Callable[[], int] = time.perf_counter_ns,
    in_flight: int = IN_FLIGHT,
) -> Timings:
    """Time each call of ``fn`` with a pair of events recorded around it (see the module's
    docstring); ``clock`` times the host's side of each call. The budget's elapsed time is the
    sum of the GPU times of the iterations that have finished."""
    pairs: list[tuple[Event, Event]] = []
    host: list[int] = []
    finished, gpu_elapsed_ms = 0, 0.0
    with gc_off():
        while not budget.done(len(pairs), gpu_elapsed_ms / 1e3):
            while len(pairs) - finished >= in_flight:
                begin, end = pairs[finished]
                end.synchronize()
                gpu_elapsed_ms += begin.elapsed_time(end)
                finished += 1
            begin, end = new_event(), new_event()
            start = clock()
            begin.record()
            fn()
            end.record()
            host.append(clock() - start)
            pairs.append((begin, end))
        if pairs:
            pairs[-1][1].synchronize()
    return Timings([round(begin.elapsed_time(end) * 1e6) for begin, end in pairs], host)


def time_cuda(fn: Callable[[], object], budget: Budget, device: torch.device) -> Timings:
    """``time_events`` with CUDA events on the current stream of ``device``."""
    with torch.cuda.device(device):
        torch.cuda.synchronize(device)
        return time_events(fn, budget, lambda: torch.cuda.Event(enable_timing=True))


def launch_bound(host_ns: Sequence[int], device_ns: Sequence[int]) -> bool | None:
    """Whether the GPU waited for the host: the median launch time of an iteration is at least
    ``LAUNCH_BOUND_RATIO`` of its median GPU time. A GPU-bound pass takes longer on the GPU than
    the host needs to queue it. None without host times (a CPU run)."""
    if not host_ns or not device_ns:
        return None
    return statistics.median(host_ns) >= LAUNCH_BOUND_RATIO * statistics.median(device_ns)
