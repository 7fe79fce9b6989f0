"""``cnnarch bench`` on a real GPU: skipped without CUDA (``benchmarks/gpu_check.sh`` runs these
on a GPU machine and keeps the results). Figures are checked against the analysis and against
``torch.utils.benchmark.Timer``; the memory figures against the model's own tensors."""

from __future__ import annotations

import math

import pytest
import torch

from cnnarch.api import analyze, resolve
from cnnarch.bench import runner
from cnnarch.bench.results import OK, OUT_OF_MEMORY, Calibration

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device (run benchmarks/gpu_check.sh on a GPU machine)"
)

QUICK = {"device": "cuda", "warmup": 3, "warmup_time": 0.2, "iters": 20}


def allocator_slack(sizes: list[int]) -> int:
    """The most the caching allocator can count above the tensors' own bytes: each block is rounded
    up to 512 bytes, and a large block (above 1 MiB) is not split when less than 1 MiB would remain,
    so it can carry up to 1 MiB more."""
    return sum(512 if size <= 2**20 else 2**20 for size in sizes)


def tensor_sizes(name: str, element: int) -> list[int]:
    """Bytes of each parameter and buffer once cast (floating tensors take ``element`` bytes)."""
    module = resolve(name).module
    return [
        t.numel() * (element if t.is_floating_point() else t.element_size())
        for t in [*module.parameters(), *module.buffers()]
    ]


@pytest.mark.parametrize("name", ["lenet5", "resnet18"])
@pytest.mark.parametrize("dtype", ["fp32", "fp16"])
def test_models_run_in_fp32_and_fp16_channels_last(name, dtype):
    settings = runner.BenchSettings(batches=(1, 8), dtype=dtype, channels_last=True, **QUICK)
    result = runner.run([name], settings)
    assert result.environment["device"] == "cuda:0" and result.calibration.device_state is not None
    element = 4 if dtype == "fp32" else 2
    for row in result.rows:
        assert row.status == OK, row.error
        assert row.stats.n == 20 and row.stats.min > 0
        assert len(row.host_samples_ms) == 20 and isinstance(row.launch_bound, bool)
        sizes = [*tensor_sizes(name, element), math.prod(row.input_shape) * element]
        # relative to the baseline: the weights and the input, not the calibration's cuBLAS workspace
        assert sum(sizes) <= row.resident_bytes <= sum(sizes) + allocator_slack(sizes)
        assert row.peak_memory_bytes >= row.resident_bytes
        assert row.device_state is not None and "free_bytes" in row.device_state
    if name == "lenet5":
        assert all(row.peak_memory_bytes < 32 * 2**20 for row in result.rows)


def test_layers_are_timed_on_the_gpu():
    settings = runner.BenchSettings(batches=(8,), layers=True, top_k=5, **QUICK)
    breakdown = runner.run(["resnet18"], settings).rows[0].layers
    assert breakdown is not None and "CUDA kernel time" in breakdown.source
    assert len(breakdown.layers) == 5 and all(layer.time_ms > 0 for layer in breakdown.layers)
    report = analyze("resnet18", batch=8)
    macs = {layer.name: layer.macs for layer in report.layers}
    assert all(layer.macs == macs[layer.name] for layer in breakdown.layers)


def test_compile_compiles_each_batch_size_afresh():
    """After a recompile dynamo would mark the batch dimension dynamic and later batch sizes would
    reuse that graph in next to no time; each batch size here compiles its own static graph."""
    settings = runner.BenchSettings(batches=(1, 4, 8), compile=True, **QUICK)
    rows = runner.run(["lenet5"], settings).rows
    assert [r.status for r in rows] == [OK] * 3, [r.error for r in rows]
    assert all(r.compile_seconds is not None and r.compile_seconds > 0.05 for r in rows)


def test_out_of_memory_is_a_row_and_a_smaller_batch_still_runs(monkeypatch):
    fake = Calibration("cuda:0", "fp32", 1, 1e14, 8192, 1e12, 1, 0.1)  # no 2.8 GiB calibration here
    monkeypatch.setattr(runner, "calibration_for", lambda *args: fake)
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(min(1.0, 2 * 2**30 / total), 0)
    try:
        settings = runner.BenchSettings(batches=(4096, 2), **QUICK)
        rows = runner.run(["resnet18"], settings).rows
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0, 0)
        torch.cuda.empty_cache()
    assert [r.status for r in rows] == [OUT_OF_MEMORY, OK], [r.error for r in rows]
    assert rows[1].stats is not None


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
def test_the_second_device():
    result = runner.run(["lenet5"], runner.BenchSettings(**{**QUICK, "device": "cuda:1"}))
    assert result.environment["device"] == "cuda:1"
    assert result.environment["device_name"] == torch.cuda.get_device_name(1)
    assert result.rows[0].status == OK and result.calibration.device == "cuda:1"


def test_events_agree_with_torch_utils_benchmark_timer():
    """A GPU-bound pass (resnet50, batch 64): the median of the event timings within 10% of
    ``torch.utils.benchmark.Timer``'s median, which synchronises around blocks of calls."""
    from torch.utils.benchmark import Timer

    settings = runner.BenchSettings(batches=(64,), device="cuda", warmup_time=1.0, min_time=2.0)
    row = runner.run(["resnet50"], settings).rows[0]
    assert row.status == OK and row.launch_bound is False
    with torch.device("cuda"):
        model = resolve("resnet50").factory().eval()
    x = torch.randn(row.input_shape, device="cuda")
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = True  # as the runner times
    try:
        with torch.inference_mode():
            for _ in range(10):
                model(x)
            measurement = Timer("model(x)", globals={"model": model, "x": x}).blocked_autorange(
                min_run_time=2.0
            )
    finally:
        torch.backends.cudnn.benchmark = before
    timer_ms = measurement.median * 1e3
    assert row.stats.median == pytest.approx(timer_ms, rel=0.10)
