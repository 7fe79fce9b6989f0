"""What the device attains: a short matrix-multiply for peak FLOP/s and a large copy for memory
bandwidth, in the benchmark's dtype, on the same device and thread count as the models.

The matrix is ``MIN_N`` wide (large enough that thread start-up is negligible), larger up to a
cap while a 512 x 512 probe predicts one product to take at most ``MAX_PRODUCT_S``, smaller only
for a dtype the device computes so slowly that one product would take over ``SLOW_PRODUCT_S``.
Each figure is the best of ``REPEATS`` runs or of as many as fit in ``BUDGET_S`` (at least
``MIN_REPEATS``): the run least disturbed by other load. It takes one to two seconds on a CPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from cnnarch.bench.device import synchronize
from cnnarch.bench.results import Calibration

MAX_PRODUCT_S, SLOW_PRODUCT_S = 0.1, 0.25
REPEATS, MIN_REPEATS, BUDGET_S = 10, 3, 0.4
PROBE_N = 512
MIN_N = {"cpu": 1024, "cuda": 4096}
MAX_N = {"cpu": 2048, "cuda": 8192}
COPY_BYTES = {"cpu": 128 * 2**20, "cuda": 1024 * 2**20}
"""Larger than the last-level cache (server CPUs have up to a few hundred MiB of L3: the copy
reads and writes twice this)."""


def matmul_flops(n: int) -> int:
    """An n x n by n x n product: n² outputs, each n multiplies and n adds."""
    return 2 * n**3


def _best_seconds(fn: Callable[[], object], device: torch.device, repeats: int = REPEATS) -> float:
    """Fastest call after one warm-up call (allocation, kernel selection): ``repeats`` calls, or as
    many as fit in ``BUDGET_S`` but at least ``MIN_REPEATS``. CUDA events time a GPU, where a
    product can take well under a millisecond."""
    fn()
    synchronize(device)
    best, started = float("inf"), time.perf_counter()
    for done in range(repeats):
        if done >= MIN_REPEATS and time.perf_counter() - started > BUDGET_S:
            break
        if device.type == "cuda":
            with torch.cuda.device(device):
                begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                begin.record()
                fn()
                end.record()
                end.synchronize()
                best = min(best, begin.elapsed_time(end) / 1e3)
        else:
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    return best


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
    rate = matmul_flops(PROBE_N) / _best_seconds(lambda: torch.mm(a, b), device, MIN_REPEATS)
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


def calibrate(device: torch.device, dtype: torch.dtype, dtype_name: str) -> Calibration:
    started = time.perf_counter()
    with torch.inference_mode(), _matmul_like_convolutions(device, dtype) as note:
        peak, n = measure_peak_flops(device, dtype)
        bandwidth, size = measure_bandwidth(device, dtype)
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
    )
