"""The benchmark runner on CPU with tiny models: timing loop, out-of-memory rows, peak memory,
the per-layer breakdown and device selection."""

from __future__ import annotations

import itertools
import math
from datetime import datetime

import pytest
import torch
from torch import nn

from cnnarch.api import analyze
from cnnarch.bench import runner
from cnnarch.bench.device import is_out_of_memory, resolve_device
from cnnarch.bench.environment import environment
from cnnarch.bench.results import ERROR, OK, OUT_OF_MEMORY
from cnnarch.bench.timers import MIN_SAMPLES, Budget, time_cpu
from cnnarch.errors import CnnarchError

FAST = {"device": "cpu", "warmup": 1, "warmup_time": 0.0, "iters": 3}


def tiny() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))


class FailsAbove(nn.Module):
    """Runs like ``tiny`` up to ``limit`` images; above it, the forward raises ``error()``.
    Nothing is raised on the meta device, where the analysis traces it."""

    def __init__(self, limit: int, error) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.body, self.limit, self.error = tiny(), limit, error

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != "meta" and x.shape[0] > self.limit:
            self.error(x)
        return self.body(x)


def cuda_oom(x: torch.Tensor) -> None:
    raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


def cpu_oom(x: torch.Tensor) -> None:
    torch.empty(1 << 60, device=x.device)  # a real failure of the CPU allocator


def test_cpu_timer_reads_the_clock_around_each_call():
    ticks = iter([0, 10, 100, 130, 200, 260])
    calls = []
    samples = time_cpu(lambda: calls.append(1), Budget(iters=3), clock=lambda: next(ticks))
    assert samples == [10, 30, 60] and len(calls) == 3


def test_min_time_budget_needs_enough_time_and_samples():
    ticks = itertools.count(0, 400_000_000)  # every call takes 0.4 s
    samples = time_cpu(lambda: None, Budget(min_time=1.0), clock=lambda: next(ticks))
    assert len(samples) == MIN_SAMPLES  # 1 s is reached after 3, but percentiles need 5
    ticks = itertools.count(0, 100_000_000)  # 0.1 s
    assert len(time_cpu(lambda: None, Budget(min_time=1.0), clock=lambda: next(ticks))) == 10


@pytest.mark.parametrize("error", [cuda_oom, cpu_oom], ids=["torch.OutOfMemoryError", "cpu-allocator"])
def test_out_of_memory_is_reported_in_its_row_and_the_run_goes_on(error):
    model = FailsAbove(2, error)
    settings = runner.BenchSettings(batches=(1, 4, 2), input_size="1x8x8", **FAST)
    result = runner.run([("fails", model)], settings)
    assert [(r.batch, r.status) for r in result.rows] == [(1, OK), (4, OUT_OF_MEMORY), (2, OK)]
    oom = result.rows[1]
    assert oom.stats is None and oom.samples_ms == [] and oom.error
    assert result.rows[2].stats is not None and result.rows[2].stats.n == 3


def test_other_failures_are_errors_not_out_of_memory():
    def not_implemented(x: torch.Tensor) -> None:
        raise RuntimeError('"addmm" not implemented for this dtype')

    result = runner.run([("fails", FailsAbove(1, not_implemented))],
                        runner.BenchSettings(batches=(1, 2), input_size="1x8x8", **FAST))  # fmt: skip
    assert [r.status for r in result.rows] == [OK, ERROR]
    assert "not implemented" in result.rows[1].error


def test_weights_that_do_not_fit_fail_every_batch_size(monkeypatch):
    def no_room(target, device, sample_shape):  # type: ignore[no-untyped-def]
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 528.00 MiB")

    monkeypatch.setattr(runner, "_build", no_room)
    result = runner.run(["lenet5"], runner.BenchSettings(batches=(1, 8), **FAST))
    assert [r.status for r in result.rows] == [OUT_OF_MEMORY, OUT_OF_MEMORY]
    assert all("weights do not fit" in r.error for r in result.rows)


def test_out_of_memory_detection():
    assert is_out_of_memory(torch.OutOfMemoryError("CUDA out of memory"))
    try:
        torch.empty(1 << 60)
    except RuntimeError as error:
        assert is_out_of_memory(error)
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    assert not is_out_of_memory(ValueError("can't allocate memory"))


class Allocates(nn.Module):
    """Holds two 4,000,000-byte temporaries at once; everything else is a few bytes."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = torch.ones(1_000_000, device=x.device)
        b = a * 2
        return x + b.sum()


def test_cpu_peak_memory_counts_what_the_pass_allocates():
    settings = runner.BenchSettings(batches=(1,), input_size="1x2x2", **FAST)
    row = runner.run([("allocates", Allocates())], settings).rows[0]
    assert row.resident_bytes == 16  # the input; the module has no weights
    extra = row.peak_memory_bytes - row.resident_bytes
    assert 8_000_000 <= extra <= 8_000_000 + 256


def test_cpu_peak_memory_agrees_with_the_liveness_analysis_of_the_trace():
    """Two independent routes to one figure: the allocator's events during a real pass, and the
    trace's order of allocations and last uses (activations only; kernel workspaces may add)."""
    report = analyze("resnet18", batch=2)
    settings = runner.BenchSettings(batches=(2,), device="cpu", warmup=0, iters=1)
    row = runner.run(["resnet18"], settings).rows[0]
    input_bytes = math.prod(report.input_shape) * 4
    predicted = report.totals.peak_activation_bytes - input_bytes  # the input was allocated before
    measured = row.peak_memory_bytes - row.resident_bytes
    assert 0.95 <= measured / predicted <= 1.25


def test_peak_memory_includes_the_weights():
    row = runner.run(["lenet5"], runner.BenchSettings(batches=(1,), **FAST)).rows[0]
    weights = analyze("lenet5").totals.param_bytes
    assert row.resident_bytes == weights + 1 * 32 * 32 * 4
    assert row.peak_memory_bytes > row.resident_bytes


def test_statistics_throughput_and_roofline_come_from_the_samples():
    result = runner.run(["lenet5"], runner.BenchSettings(batches=(2,), **FAST))
    row = result.rows[0]
    assert row.status == OK and len(row.samples_ms) == 3
    assert row.stats.median == sorted(row.samples_ms)[1]
    assert row.throughput == pytest.approx(2 / (row.stats.median / 1e3))
    flops = analyze("lenet5", batch=2).totals.flops
    assert row.roofline.flops == flops
    assert row.roofline.achieved_flops == pytest.approx(flops / (row.stats.median / 1e3))
    peak = result.calibration.peak_flops
    assert row.roofline.peak_fraction == pytest.approx(row.roofline.achieved_flops / peak)


def test_layer_breakdown_names_layers_with_their_macs():
    report = analyze("lenet5")
    settings = runner.BenchSettings(batches=(1,), layers=True, top_k=3, **FAST)
    breakdown = runner.run(["lenet5"], settings).rows[0].layers
    assert breakdown is not None and len(breakdown.layers) == 3
    leaf_rows = {layer.name: layer for layer in report.layers if layer.type not in ("flatten",)}
    assert breakdown.total_layers == len(leaf_rows)
    times = [layer.time_ms for layer in breakdown.layers]
    assert times == sorted(times, reverse=True) and all(t > 0 for t in times)
    for layer in breakdown.layers:
        assert layer.macs == leaf_rows[layer.name].macs
        assert layer.type == leaf_rows[layer.name].type
        if layer.macs:
            assert layer.relative_cost == pytest.approx(layer.share / (layer.macs / report.totals.macs))
        else:
            assert layer.relative_cost is None and layer.flops_per_s is None
    assert sum(times) <= breakdown.forward_ms


def test_default_set_skips_names_not_in_the_catalogue(monkeypatch):
    monkeypatch.setattr(runner, "DEFAULT_MODELS", ("alexnet", "no-such-net", "resnet50"))
    assert runner.default_models() == (["alexnet", "resnet50"], ["no-such-net"])


def test_threads_are_set_for_the_run_and_restored():
    before = torch.get_num_threads()
    result = runner.run(["lenet5"], runner.BenchSettings(threads=1, **FAST))
    assert result.environment["threads"] == 1 and result.calibration.threads == 1
    assert torch.get_num_threads() == before


def test_environment_names_versions_device_and_date():
    env = environment(torch.device("cpu"), "fp32")
    assert env["torch"] == torch.__version__ and env["cuda"] == torch.version.cuda
    assert env["device"] == "cpu" and env["device_name"] and env["dtype"] == "fp32"
    assert env["threads"] == torch.get_num_threads()
    assert datetime.fromisoformat(env["date"]).tzinfo is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [("gpu", "is not a device"), ("cpu:1", "one CPU device"), ("auto:0", "is not a device")],
)
def test_bad_device_names(text, message):
    with pytest.raises(CnnarchError, match=message):
        resolve_device(text)


def test_cuda_without_a_device_names_the_torch_build(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(CnnarchError, match="no CUDA device is visible") as caught:
        resolve_device("cuda")
    assert torch.__version__ in str(caught.value)


def test_cuda_index_beyond_the_visible_devices(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda") == torch.device("cuda", 0)
    with pytest.raises(CnnarchError, match="cuda:1 does not exist: 1 CUDA device visible"):
        resolve_device("cuda:1")


@pytest.mark.parametrize(
    "bad",
    [{"batches": (0,)}, {"warmup": -1}, {"iters": 0}, {"min_time": 0.0}, {"threads": 0}, {"top_k": 0}],
)
def test_bad_settings_are_user_errors(bad):
    with pytest.raises(CnnarchError):
        runner.BenchSettings(**bad).check()


def test_the_default_set_is_the_lectures_milestones_all_catalogued():
    present, missing = runner.default_models()
    assert missing == []
    for name in ("alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "mobilenet-v2", "squeezenet1_0"):
        assert name in present


def test_a_layer_list_is_benchmarked_like_a_catalogue_name():
    text = "conv 8 k3 p1 > bn > relu > flatten > fc 10"
    settings = runner.BenchSettings(batches=(1, 2), input_size="3x8x8", **FAST)
    result = runner.run([text], settings)
    assert [(r.model, r.batch, r.status) for r in result.rows] == [
        ("layer list", 1, OK),
        ("layer list", 2, OK),
    ]
    for row in result.rows:
        totals = analyze(text, "3x8x8", batch=row.batch).totals
        assert row.roofline.flops == totals.flops
        assert row.resident_bytes == totals.param_bytes + totals.buffer_bytes + row.batch * 3 * 8 * 8 * 4


class NoReset(nn.Module):
    """A layer with its own weight and buffer but no ``reset_parameters``."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.empty(4000))
        self.register_buffer("shift", torch.empty(4000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale[0] + self.shift[0]


def test_materialize_initialises_every_tensor_of_a_meta_module():
    with torch.device("meta"):
        model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.Linear(16, 4), NoReset())
    real = runner.materialize(model, torch.device("cpu"))
    conv, bn, fc, custom = real
    assert all(t.device.type == "cpu" and torch.isfinite(t).all() for t in real.state_dict().values())
    bound = 1 / math.sqrt(3 * 3 * 3)  # nn.Conv2d's default: kaiming_uniform_(a=√5) = U(−1/√fan_in, 1/√fan_in)
    assert conv.weight.abs().max() <= bound and conv.weight.std() > bound / 3
    assert torch.equal(bn.running_mean, torch.zeros(16)) and torch.equal(bn.running_var, torch.ones(16))
    assert torch.equal(bn.weight, torch.ones(16)) and fc.weight.abs().max() <= 1 / 4
    assert custom.scale.std().item() == pytest.approx(0.02, rel=0.1) and not custom.shift.any()


def test_a_compile_failure_is_reported_once_per_model_and_not_retried(monkeypatch):
    calls = []

    def no_compiler(model: nn.Module):  # type: ignore[no-untyped-def]
        def compiled(x: torch.Tensor) -> torch.Tensor:
            calls.append(x.shape[0])
            raise RuntimeError("InvalidCxxCompiler: No working C++ compiler found\nmore detail")

        return compiled

    monkeypatch.setattr(runner, "_compiled", no_compiler)
    settings = runner.BenchSettings(batches=(1, 2), compile=True, **FAST)
    rows = runner.run(["lenet5"], settings).rows
    assert calls == [1]
    assert [r.status for r in rows] == [ERROR, ERROR]
    assert rows[0].error == "torch.compile failed: InvalidCxxCompiler: No working C++ compiler found"
    assert rows[1].error == rows[0].error + " (at batch 1)"


def test_the_compiled_first_call_is_timed_apart_from_the_samples(monkeypatch):
    calls = []

    def counting(model: nn.Module):  # type: ignore[no-untyped-def]
        def compiled(x: torch.Tensor) -> object:
            calls.append(1)
            return model(x)

        return compiled

    monkeypatch.setattr(runner, "_compiled", counting)
    row = runner.run(["lenet5"], runner.BenchSettings(compile=True, **FAST)).rows[0]
    # compile call + 1 warm-up + 3 timed + 1 pass under the memory profiler
    assert len(calls) == 1 + 1 + 3 + 1 and row.stats.n == 3
    assert row.compile_seconds is not None and row.compile_seconds > 0


def test_torch_compile_that_cannot_start_is_a_user_error(monkeypatch):
    def unsupported(model: nn.Module, **options: object) -> nn.Module:
        raise RuntimeError("torch.compile is not supported on Python 3.99+")

    monkeypatch.setattr(torch, "compile", unsupported)
    with pytest.raises(CnnarchError) as caught:
        runner.run(["lenet5"], runner.BenchSettings(compile=True, **FAST))
    assert (
        str(caught.value)
        == "--compile: torch.compile cannot run here: torch.compile is not supported on Python 3.99+"
    )


@pytest.mark.parametrize(
    "message",
    ["CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`",
     "cuDNN error: CUDNN_STATUS_ALLOC_FAILED"],
)  # fmt: skip
def test_library_allocation_failures_are_out_of_memory(message):
    assert is_out_of_memory(RuntimeError(message))
