"""The CUDA path's logic, checked on the CPU with stand-ins: out-of-memory along an exception
chain, the event timing loop (in-flight window, GPU-time budget, launch-bound verdict) against a
simulated GPU, memory relative to a baseline, compilation afresh per batch size, the sustained
calibration, the calibration's out-of-memory line and the GPU state readings."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnarch.api import analyze, resolve
from cnnarch.bench import calibration, gpu_state, memory, runner
from cnnarch.bench.device import is_out_of_memory
from cnnarch.bench.memory import Relative
from cnnarch.bench.results import OK, OUT_OF_MEMORY, BenchRow, Calibration
from cnnarch.bench.timers import IN_FLIGHT, LAUNCH_BOUND_RATIO, MIN_SAMPLES, Budget, launch_bound, time_events
from cnnarch.errors import CnnarchError

FAST = {"device": "cpu", "warmup": 1, "warmup_time": 0.0, "iters": 3}


# Out of memory, wherever it is in the chain ------------------------------------------------


def raised(error: BaseException, cause: BaseException | None = None, context: BaseException | None = None):
    """``error`` as ``raise error from cause`` inside ``except context:`` leaves it."""
    error.__cause__ = cause
    error.__context__ = context if context is not None else cause
    return error


class BackendCompilerFailed(RuntimeError):
    """Shaped like TorchDynamo's: the backend's exception is kept as ``inner_exception``."""

    def __init__(self, inner: Exception) -> None:
        super().__init__(f"backend='inductor' raised:\n{type(inner).__name__}: {inner}")
        self.inner_exception = inner


OOM = torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("CUDA error: out of memory\nCUDA kernel errors might be asynchronously reported"),
        raised(RuntimeError("torch.compile failed"), cause=OOM),
        raised(RuntimeError("while handling"), context=OOM),
        BackendCompilerFailed(OOM),
        raised(RuntimeError("outer"), cause=raised(RuntimeError("middle"), cause=OOM)),
    ],
    ids=["cuda-error-outside-the-allocator", "cause", "context", "inner_exception", "two-deep"],
)
def test_out_of_memory_is_found_along_the_exception_chain(error):
    assert is_out_of_memory(error)


def test_a_chain_without_out_of_memory_is_not_out_of_memory():
    error = raised(RuntimeError("torch.compile failed"), cause=RuntimeError("InvalidCxxCompiler"))
    assert not is_out_of_memory(error)
    loop = RuntimeError("a")
    loop.__context__ = RuntimeError("b")
    loop.__context__.__context__ = loop  # a cycle ends the walk
    assert not is_out_of_memory(loop)


def test_the_oldest_torch_falls_back_to_torch_cuda_out_of_memory_error(monkeypatch):
    monkeypatch.delattr(torch, "OutOfMemoryError", raising=False)
    assert is_out_of_memory(torch.cuda.OutOfMemoryError("no message that names memory"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))


def test_an_out_of_memory_compile_failure_is_a_row_and_later_batches_still_run(monkeypatch):
    """An OOM wrapped as the cause of a compile failure is the batch's size, not the toolchain:
    the row says out of memory, and the next (smaller) batch compiles and runs."""

    def compiled(model: nn.Module):  # type: ignore[no-untyped-def]
        def call(x: torch.Tensor) -> object:
            if x.shape[0] > 2:
                raise BackendCompilerFailed(torch.OutOfMemoryError("CUDA out of memory"))
            return model(x)

        return call

    monkeypatch.setattr(runner, "_compiled", compiled)
    settings = runner.BenchSettings(batches=(4, 1), compile=True, **FAST)
    rows = runner.run(["lenet5"], settings).rows
    assert [r.status for r in rows] == [OUT_OF_MEMORY, OK]


# The event timing loop against a simulated GPU ----------------------------------------------


class SimulatedGpu:
    """A host clock and one GPU stream. A call costs ``host_ns`` of host time and queues
    ``gpu_ns`` of GPU work; an event completes when the stream reaches it; ``synchronize``
    moves the host clock to that moment."""

    def __init__(self, host_ns: int, gpu_ns: int) -> None:
        self.host_ns, self.gpu_ns = host_ns, gpu_ns
        self.now = 0  # host clock
        self.stream_free = 0  # when the GPU finishes what is queued
        self.queued_ends: list[SimulatedGpu.Event] = []
        self.most_in_flight = 0
        self.calls = 0

    class Event:
        def __init__(self, gpu: SimulatedGpu) -> None:
            self.gpu, self.at = gpu, None

        def record(self) -> None:
            self.at = max(self.gpu.stream_free, self.gpu.now)
            self.gpu.stream_free = self.at

        def synchronize(self) -> None:
            self.gpu.now = max(self.gpu.now, self.at)

        def elapsed_time(self, end: SimulatedGpu.Event) -> float:
            return (end.at - self.at) / 1e6  # milliseconds, as torch.cuda.Event gives

    def event(self) -> SimulatedGpu.Event:
        return SimulatedGpu.Event(self)

    def call(self) -> None:
        self.now += self.host_ns
        self.stream_free = max(self.stream_free, self.now) + self.gpu_ns
        self.calls += 1
        unfinished = self.calls - sum(1 for e in self.queued_ends if e.at is not None and e.at <= self.now)
        self.most_in_flight = max(self.most_in_flight, unfinished)

    def clock(self) -> int:
        return self.now


def run_simulated(gpu: SimulatedGpu, budget: Budget):  # type: ignore[no-untyped-def]
    ends: list[SimulatedGpu.Event] = []

    def new_event() -> SimulatedGpu.Event:
        event = gpu.event()
        ends.append(event)
        gpu.queued_ends = ends[1::2]  # every second event closes an iteration
        return event

    return time_events(gpu.call, budget, new_event, clock=gpu.clock)


def test_the_budget_counts_gpu_time_not_host_time():
    """0.3 s of GPU work per call, launched in 1 ms: a host-time budget of 1 s would queue a
    thousand calls; on GPU time it stops after a second of finished work, a few in flight."""
    gpu = SimulatedGpu(host_ns=1_000_000, gpu_ns=300_000_000)
    timings = run_simulated(gpu, Budget(min_time=1.0))
    assert timings.samples_ns[0] == 301_000_000  # the first pass waits for its own launch
    assert set(timings.samples_ns[1:]) == {300_000_000}
    finished_for_one_second = 4  # 4 x 0.3 s
    assert MIN_SAMPLES <= len(timings.samples_ns) <= finished_for_one_second + IN_FLIGHT
    assert gpu.now >= 1_000_000_000  # the host waited for the GPU instead of running ahead


def test_at_most_a_few_iterations_are_in_flight():
    gpu = SimulatedGpu(host_ns=10_000, gpu_ns=5_000_000)
    timings = run_simulated(gpu, Budget(iters=50))
    assert len(timings.samples_ns) == 50
    assert gpu.most_in_flight <= IN_FLIGHT


def test_a_gpu_bound_pass_is_not_launch_bound():
    gpu = SimulatedGpu(host_ns=200_000, gpu_ns=5_000_000)
    timings = run_simulated(gpu, Budget(iters=20))
    assert set(timings.samples_ns[1:]) == {5_000_000} and set(timings.host_ns) == {200_000}
    assert launch_bound(timings.host_ns, timings.samples_ns) is False


def test_a_pass_the_gpu_waits_for_is_launch_bound():
    """1 ms to launch, 50 µs of kernels: the events see the GPU idle while the host launches."""
    gpu = SimulatedGpu(host_ns=1_000_000, gpu_ns=50_000)
    timings = run_simulated(gpu, Budget(iters=20))
    assert all(s >= 1_000_000 for s in timings.samples_ns)
    assert launch_bound(timings.host_ns, timings.samples_ns) is True


def test_launch_bound_threshold_and_cpu_runs():
    assert launch_bound([90], [100]) is (LAUNCH_BOUND_RATIO <= 0.9)
    assert launch_bound([50], [100]) is False
    assert launch_bound([], [100]) is None


# Memory relative to a baseline ---------------------------------------------------------------


class FakeAllocator:
    """An allocator's counters: ``allocate``/``free`` move them as the caching allocator would."""

    def __init__(self) -> None:
        self.now = self.high = 0

    def allocate(self, size: int) -> None:
        self.now += size
        self.high = max(self.high, self.now)

    def free(self, size: int) -> None:
        self.now -= size

    def allocated(self) -> int:
        return self.now

    def peak(self) -> int:
        return self.high

    def reset_peak(self) -> None:
        self.high = self.now


def test_memory_is_counted_above_the_baseline():
    """The 32 MiB cuBLAS workspace the calibration left allocated is not the model's; a
    workspace allocated and freed inside the pass is."""
    allocator = FakeAllocator()
    allocator.allocate(32 * 2**20)  # cuBLAS workspace, before the model is built
    counters = Relative(allocator)
    allocator.allocate(250_000)  # weights
    allocator.allocate(4_096)  # input
    assert counters.resident() == 254_096
    counters.start_peak()
    allocator.allocate(1_000_000)  # an activation
    allocator.allocate(8 * 2**20)  # cuDNN workspace during a convolution
    allocator.free(8 * 2**20)
    allocator.free(1_000_000)
    assert counters.peak() == 254_096 + 1_000_000 + 8 * 2**20
    assert counters.baseline == 32 * 2**20


def test_the_gpu_path_fills_its_row_from_events_launch_times_and_counters(monkeypatch):
    """``_measure`` on the CPU with the CUDA event timer, the allocator and the NVML readings
    replaced by stand-ins: the latency is GPU time, the launch times sit beside it and decide
    launch-bound, memory is counted above the baseline, warm-up and timing get their budgets."""
    allocator = FakeAllocator()
    allocator.allocate(32 * 2**20)  # the cuBLAS workspace, before the model
    counters = Relative(allocator)
    allocator.allocate(300_000)  # the model's weights and input
    budgets: list[Budget] = []

    def simulated_time_cuda(fn, budget, device):  # type: ignore[no-untyped-def]
        budgets.append(budget)
        allocator.allocate(2_000_000)  # what a pass allocates and frees
        allocator.free(2_000_000)
        return run_simulated(SimulatedGpu(host_ns=1_000_000, gpu_ns=50_000), budget)

    monkeypatch.setattr(runner, "time_cuda", simulated_time_cuda)
    monkeypatch.setattr(runner, "gpu_state", lambda device: {"sm_clock_mhz": 1980})
    report = analyze("lenet5", batch=2)
    model = resolve("lenet5").factory().eval()
    row = BenchRow("lenet5", 2, report.input_shape)
    settings = runner.BenchSettings(device="cpu", warmup=2, warmup_time=1.0, iters=10)
    cal = Calibration("cuda:0", "fp32", 1, 1e12, 8192, 1e11, 1, 0.1)
    silent = runner._Silent()
    runner._measure(
        row, model, model, report, settings, torch.device("cpu"), torch.float32, cal, silent, counters
    )
    assert budgets == [Budget(min_time=1.0, min_samples=2), Budget(iters=10, min_time=1.0)]
    # the GPU waits for each 1 ms launch and runs 50 µs: a pass takes the launch period on the GPU
    assert (
        row.stats.n == 10 and row.stats.median == pytest.approx(1.0) and row.stats.max == pytest.approx(1.05)
    )
    assert row.host_median_ms == pytest.approx(1.0) and row.launch_bound is True and row.bound == "launch"
    assert row.resident_bytes == 300_000 and row.peak_memory_bytes == 2_300_000
    assert row.memory_baseline_bytes == 32 * 2**20 and row.memory_method == memory.CUDA_METHOD
    assert row.device_state == {"sm_clock_mhz": 1980}
    assert row.roofline.achieved_flops == pytest.approx(report.totals.flops / 1.0e-3)


# Compilation afresh per batch size ---------------------------------------------------------------


def test_each_batch_size_is_compiled_afresh_with_static_shapes(monkeypatch):
    log: list[str] = []

    def fake_compile(model: nn.Module, **options: object):  # type: ignore[no-untyped-def]
        log.append(f"compile dynamic={options.get('dynamic')}")
        return model

    monkeypatch.setattr(torch, "compile", fake_compile)
    monkeypatch.setattr(torch.compiler, "reset", lambda: log.append("reset"))
    settings = runner.BenchSettings(batches=(1, 2, 4), compile=True, **FAST)
    rows = runner.run(["lenet5", "lenet5"], settings).rows
    assert [r.status for r in rows] == [OK] * 6
    per_model = ["reset", "compile dynamic=False"] * 3 + ["reset"]
    assert log == per_model * 2
    assert all(r.compile_seconds is not None for r in rows)


# The sustained calibration --------------------------------------------------------------------------


def test_the_sustained_rate_warms_up_and_times_long_chunks():
    """Clocks ramp: the first calls are slow. The chunks that are timed last at least the
    chunk time, after the warm-up, and the rate is the best chunk's."""
    calls: list[int] = []

    def run_chunk(n: int) -> float:
        done = sum(calls)
        calls.append(n)
        per_call = 0.004 if done < 50 else 0.001  # 4 ms per call while cold, then 1 ms
        return n * per_call

    seconds = calibration.sustained_seconds(run_chunk, warmup_s=0.5, chunk_s=0.25, chunks=3)
    assert seconds == pytest.approx(0.001)
    timed = calls[-3:]
    assert all(n * 0.001 >= 0.25 for n in timed)


def test_the_calibration_running_out_of_memory_is_one_line(monkeypatch):
    def no_room(device: torch.device, dtype: torch.dtype) -> tuple[float, int]:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 256.00 MiB")

    monkeypatch.setattr(calibration, "measure_peak_flops", no_room)
    with pytest.raises(CnnarchError) as caught:
        calibration.calibrate(torch.device("cpu"), torch.float32, "fp32")
    message = str(caught.value)
    assert "calibration ran out of memory on cpu" in message and "GiB" in message
    assert "\n" not in message


def test_calibration_bytes_cover_the_largest_buffers():
    need = calibration.calibration_bytes(torch.device("cuda"), torch.float32)
    n = calibration.MAX_N["cuda"]
    assert need >= 3 * n * n * 4 and need >= 2 * calibration.COPY_BYTES["cuda"]


# GPU state readings --------------------------------------------------------------------------------


def test_gpu_state_records_each_reading_or_why_it_is_missing(monkeypatch):
    def no_nvml(device: object) -> int:
        raise ModuleNotFoundError("nvidia-ml-py does not seem to be installed or it can't be imported.")

    monkeypatch.setattr(torch.cuda, "clock_rate", lambda device: 1980)
    monkeypatch.setattr(torch.cuda, "power_draw", lambda device: 412_000)
    monkeypatch.setattr(torch.cuda, "utilization", lambda device: 97)
    monkeypatch.setattr(torch.cuda, "temperature", no_nvml)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (70 * 2**30, 80 * 2**30))
    state = gpu_state.gpu_state(torch.device("cuda", 0))
    assert state["sm_clock_mhz"] == 1980 and state["power_mw"] == 412_000
    assert state["utilization_percent"] == 97 and state["free_bytes"] == 70 * 2**30
    assert state["temperature_c"] is None
    why = "ModuleNotFoundError: nvidia-ml-py does not seem to be installed or it can't be imported."
    assert state["unavailable"] == {"temperature_c": why}
    assert gpu_state.gpu_state(torch.device("cpu")) is None
