"""What the device attains: a matrix multiply for peak FLOP/s and a large copy for memory
bandwidth, in the benchmark's dtype, on the same device and thread count as the models.

The matrix is ``MIN_N`` wide (large enough that thread start-up is negligible), larger up to a
cap while a 512 x 512 probe predicts one product to take at most ``MAX_PRODUCT_S``, smaller only
for a dtype the device computes so slowly that one product would take over ``SLOW_PRODUCT_S``.

CPU: each figure is the best of ``REPEATS`` runs or of as many as fit in ``BUDGET_S`` (at least
``MIN_REPEATS``): the run least disturbed by other load. It takes one to two seconds.

CUDA: a GPU's clocks ramp up under load and settle lower once power and heat limits bite, so
one short product says little. Each figure is a sustained rate: back-to-back calls for
``SUSTAIN_WARMUP_S`` untimed, then ``SUSTAIN_CHUNKS`` chunks of back-to-back calls lasting at
least ``SUSTAIN_S`` each, timed with CUDA events; the best chunk's rate is the figure. The GPU's
clock, power and utilisation are read right after, under that load.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from cnnarch.bench.device import is_out_of_memory, synchronize
from cnnarch.bench.gpu_state import gpu_state
from cnnarch.bench.results import Calibration
from cnnarch.errors import CnnarchError

MAX_PRODUCT_S, SLOW_PRODUCT_S = 0.1, 0.25
REPEATS, MIN_REPEATS, BUDGET_S = 10, 3, 0.4
PROBE_N = 512
MIN_N = {"cpu": 1024, "cuda": 4096}
MAX_N = {"cpu": 2048, "cuda": 8192}
COPY_BYTES = {"cpu": 128 * 2**20, "cuda": 1024 * 2**20}
"""Larger than the last-level cache (server CPUs have up to a few hundred MiB of L3: the copy
reads and writes twice this)."""
SUSTAIN_WARMUP_S, SUSTAIN_S, SUSTAIN_CHUNKS = 0.5, 0.25, 3
MAX_CHUNK_CALLS = 1000
"""Below the launch queue's depth, so that a chunk's calls are all queued before the end event."""


def matmul_flops(n: int) -> int:
    """An n x n by n x n product: n² outputs, each n multiplies and n adds."""
    return 2 * n**3


def _best_seconds(
    fn: Callable[[], object], device: torch.device, repeats: int = REPEATS, probe: bool = False
) -> float:
    """Seconds per call: on a GPU the sustained rate (``sustained_seconds``); on a CPU the fastest
    call after one warm-up call (allocation, kernel selection), of ``repeats`` calls or as many as
    fit in ``BUDGET_S`` but at least ``MIN_REPEATS``. A ``probe`` (the size estimate) is short."""
    if device.type == "cuda":
        if probe:
            return sustained_seconds(_cuda_chunk(fn, device), warmup_s=0.05, chunk_s=0.02, chunks=1)
        return sustained_seconds(_cuda_chunk(fn, device))
    fn()
    synchronize(device)
    best, started = float("inf"), time.perf_counter()
    for done in range(repeats):
        if done >= MIN_REPEATS and time.perf_counter() - started > BUDGET_S:
            break
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def sustained_seconds(
    run_chunk: Callable[[int], float],
    warmup_s: float = SUSTAIN_WARMUP_S,
    chunk_s: float = SUSTAIN_S,
    chunks: int = SUSTAIN_CHUNKS,
) -> float:
    """Seconds per call at the best of ``chunks`` sustained chunks. ``run_chunk(n)`` makes ``n``
    back-to-back calls and returns their seconds. Chunks double from one call until one lasts
    a tenth of ``chunk_s`` (a first estimate), then run untimed for ``warmup_s``, then each
    measured chunk lasts at least ``chunk_s`` (a shorter one is sized again and run again)."""
    n, spent = 1, run_chunk(1)
    while spent < chunk_s / 10 and n < MAX_CHUNK_CALLS:
        n = min(2 * n, MAX_CHUNK_CALLS)
        spent = run_chunk(n)
    per_call = max(spent / n, 1e-9)
    warm = 0.0
    while warm < warmup_s:
        n = min(MAX_CHUNK_CALLS, max(1, math.ceil((warmup_s - warm) / per_call)))
        spent = run_chunk(n)
        warm += spent
        per_call = max(spent / n, 1e-9)  # warm clocks: faster than the first estimate
    n = min(MAX_CHUNK_CALLS, max(1, math.ceil(chunk_s / per_call)))
    rates: list[float] = []
    while len(rates) < chunks:
        spent = run_chunk(n)
        if spent >= chunk_s or n >= MAX_CHUNK_CALLS:
            rates.append(spent / n)
        else:  # faster than estimated (clocks still rising): size the chunk again
            n = min(MAX_CHUNK_CALLS, max(n + 1, math.ceil(1.1 * chunk_s * n / max(spent, 1e-9))))
    return min(rates)


def _cuda_chunk(fn: Callable[[], object], device: torch.device) -> Callable[[int], float]:
    """``n`` calls of ``fn`` queued back to back on the current stream, timed by CUDA events."""

    def run(n: int) -> float:
        with torch.cuda.device(device):
            begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            begin.record()
            for _ in range(n):
                fn()
            end.record()
            end.synchronize()
            return begin.elapsed_time(end) / 1e3

    return run


@contextmanager
def _matmul_like_convolutions(device: torch.device, dtype: torch.dtype) -> Iterator[str]:
    """On CUDA, fp32 convolutions may use TF32 tensor cores (``cudnn.allow_tf32``, on by default)
    while fp32 matmuls do not (``cuda.matmul.allow_tf32``, off by default): calibrate the peak
    with the convolutions' setting, since convolutions carry most of a CNN's FLOPs."""
    if device.type != "cuda" or dtype != torch.float32:
        yield ""
        return
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32
    try:
        yield "TF32 allowed (as for cuDNN convolutions)" if torch.backends.cudnn.allow_tf32 else "strict fp32"
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before


def measure_peak_flops(device: torch.device, dtype: torch.dtype) -> tuple[float, int]:
    """Best FLOP/s of a square matrix product, and the size it was measured at."""

    def operands(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.randn(n, n, device=device).to(dtype), torch.randn(n, n, device=device).to(dtype)

    a, b = operands(PROBE_N)
    rate = matmul_flops(PROBE_N) / _best_seconds(lambda: torch.mm(a, b), device, MIN_REPEATS, probe=True)
    n = MIN_N[device.type]
    while n > 256 and matmul_flops(n) / rate > SLOW_PRODUCT_S:
        n //= 2
    while 2 * n <= MAX_N[device.type] and matmul_flops(2 * n) / rate <= MAX_PRODUCT_S:
        n *= 2
    a, b = operands(n)
    return matmul_flops(n) / _best_seconds(lambda: torch.mm(a, b), device), n


def measure_bandwidth(device: torch.device, dtype: torch.dtype) -> tuple[float, int]:
    """Best bytes/s of ``dst.copy_(src)`` over a buffer larger than the caches (read + write)."""
    size = COPY_BYTES[device.type]
    element = torch.empty((), dtype=dtype).element_size()
    src = torch.ones(size // element, device=device, dtype=dtype)
    dst = torch.empty_like(src)
    return 2 * size / _best_seconds(lambda: dst.copy_(src), device), size


def calibration_bytes(device: torch.device, dtype: torch.dtype) -> int:
    """The most the calibration holds at once: three matrices at the largest size plus the fp32
    operand they are cast from, or the copy's two buffers."""
    element = torch.empty((), dtype=dtype).element_size()
    n = MAX_N[device.type]
    return max(3 * n * n * element + n * n * 4, 2 * COPY_BYTES[device.type])


def calibrate(device: torch.device, dtype: torch.dtype, dtype_name: str) -> Calibration:
    started = time.perf_counter()
    try:
        with torch.inference_mode(), _matmul_like_convolutions(device, dtype) as note:
            peak, n = measure_peak_flops(device, dtype)
            bandwidth, size = measure_bandwidth(device, dtype)
            state = gpu_state(device)  # right after the sustained load
    except RuntimeError as error:
        if not is_out_of_memory(error):
            raise
        need = calibration_bytes(device, dtype) / 2**30
        free = ""
        if device.type == "cuda":
            free = f", {torch.cuda.mem_get_info(device)[0] / 2**30:.1f} GiB free"
        raise CnnarchError(
            f"the calibration ran out of memory on {device} (it needs about {need:.1f} GiB{free})",
            "free the device's memory (other processes may hold it) or use another device",
        ) from None
    return Calibration(
        device=str(device),
        dtype=dtype_name,
        threads=torch.get_num_threads(),
        peak_flops=peak,
        matmul_n=n,
        bandwidth=bandwidth,
        copy_bytes=size,
        seconds=time.perf_counter() - started,
        note=note,
        method="sustained: best of 3 chunks of at least 0.25 s after 0.5 s of warm-up (CUDA events)"
        if device.type == "cuda"
        else "fastest single run (perf_counter)",
        device_state=state,
    )
