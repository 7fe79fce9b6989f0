"""Run the benchmark: for every model and batch size, time forward passes of a real-weight model
(random initialisation, eval mode, ``torch.inference_mode``) and explain the time against what
the device attains.

The analyses run first, on the meta device, so a bad name or input size stops the run before
anything is timed. Out of memory at one batch size becomes that row's result; the run goes on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from typing import Protocol

import torch
from torch import nn

from cnnarch.api import analyze, dtype_of
from cnnarch.bench import memory
from cnnarch.bench.calibration import calibrate
from cnnarch.bench.device import free_memory, is_out_of_memory, resolve_device, synchronize
from cnnarch.bench.environment import environment
from cnnarch.bench.layers import profile_layers
from cnnarch.bench.results import ERROR, OUT_OF_MEMORY, BenchRow, BenchRun, Calibration
from cnnarch.bench.roofline import bytes_moved, roofline
from cnnarch.bench.stats import summarize
from cnnarch.bench.timers import Budget, time_cpu, time_cuda
from cnnarch.catalogue import build, get_spec, is_known
from cnnarch.errors import CnnarchError
from cnnarch.report import Report

DEFAULT_MODELS = (
    "alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "densenet121", "mobilenet-v2", "shufflenet-v2",
)  # fmt: skip
"""The lectures' milestones; names not (yet) in the catalogue are skipped."""

PRECISION = "model and input cast to the dtype (.to(dtype)), no autocast"

ModelRef = str | tuple[str, nn.Module]
"""A catalogue name, or a display name with a ready module (used as it is, moved to the device)."""


@dataclass(frozen=True)
class BenchSettings:
    device: str = "auto"
    batches: tuple[int, ...] = (1,)
    input_size: str | None = None
    dtype: str = "fp32"
    channels_last: bool = False
    compile: bool = False
    warmup: int = 3
    iters: int | None = None
    min_time: float = 1.0
    threads: int | None = None
    layers: bool = False
    top_k: int = 10
    layer_iters: int = 3

    def check(self) -> None:
        if not self.batches or any(b < 1 for b in self.batches):
            raise CnnarchError(f"--batch {self.batches}: every batch size must be at least 1")
        if self.warmup < 0:
            raise CnnarchError(f"--warmup {self.warmup} must be 0 or more")
        if self.iters is not None and self.iters < 1:
            raise CnnarchError(f"--iters {self.iters} must be at least 1")
        if not (self.min_time > 0 and math.isfinite(self.min_time)):
            raise CnnarchError(f"--min-time {self.min_time} must be a positive number of seconds")
        if self.threads is not None and self.threads < 1:
            raise CnnarchError(f"--threads {self.threads} must be at least 1")
        if self.top_k < 1 or self.layer_iters < 1:
            raise CnnarchError("--top and the profiled iterations must be at least 1")


class Observer(Protocol):
    """What the runner reports while it works (the CLI draws a progress bar from it)."""

    def started(self, run: BenchRun, total: int) -> None: ...

    def phase(self, model: str, batch: int, phase: str) -> None: ...

    def finished(self, row: BenchRow) -> None: ...


class _Silent:
    def started(self, run: BenchRun, total: int) -> None:
        pass

    def phase(self, model: str, batch: int, phase: str) -> None:
        pass

    def finished(self, row: BenchRow) -> None:
        pass


def default_models() -> tuple[list[str], list[str]]:
    """The default set split into names the catalogue has and names it does not (yet)."""
    present = [n for n in DEFAULT_MODELS if is_known(n)]
    return present, [n for n in DEFAULT_MODELS if not is_known(n)]


_CALIBRATIONS: dict[tuple[str, str, int], Calibration] = {}


def calibration_for(device: torch.device, dtype: torch.dtype, dtype_name: str) -> Calibration:
    """Calibrate once per process for each device, dtype and thread count."""
    key = (str(device), dtype_name, torch.get_num_threads())
    if key not in _CALIBRATIONS:
        _CALIBRATIONS[key] = calibrate(device, dtype, dtype_name)
    return _CALIBRATIONS[key]


@contextmanager
def _threads(count: int | None):  # type: ignore[no-untyped-def]
    before = torch.get_num_threads()
    torch.set_num_threads(count or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def _cudnn_benchmark(device: torch.device):  # type: ignore[no-untyped-def]
    """cuDNN tries its convolution algorithms for each new input shape (during warm-up) and keeps
    the fastest: the setting an inference service runs with."""
    before = torch.backends.cudnn.benchmark
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def _name(ref: ModelRef) -> str:
    return ref if isinstance(ref, str) else ref[0]


def _settings_dict(settings: BenchSettings, device: torch.device) -> dict[str, object]:
    data = asdict(settings)
    data.update(batches=list(settings.batches), device=str(device), precision=PRECISION)
    data["timer"] = "CUDA events around each iteration" if device.type == "cuda" else "time.perf_counter_ns"
    return data


def run(
    models: Sequence[ModelRef],
    settings: BenchSettings,
    observer: Observer | None = None,
) -> BenchRun:
    """Benchmark ``models`` at every batch size in ``settings``; rows arrive in ``observer``."""
    settings.check()
    observer = observer or _Silent()
    device = resolve_device(settings.device)
    dtype = dtype_of(settings.dtype)
    if settings.compile and device.type == "cpu" and not hasattr(torch, "compile"):
        raise CnnarchError("--compile needs torch 2.0 or later")
    with ExitStack() as stack:
        stack.enter_context(_threads(settings.threads))
        stack.enter_context(_cudnn_benchmark(device))
        reports = {}
        for ref in models:
            for batch in settings.batches:
                observer.phase(_name(ref), batch, "analysis")
                target = ref if isinstance(ref, str) else ref[1]
                report = analyze(target, settings.input_size, batch=batch, dtype=settings.dtype)
                reports[_name(ref), batch] = report
        result = BenchRun(environment(device, settings.dtype), _settings_dict(settings, device), None)
        observer.started(result, len(models) * len(settings.batches))
        observer.phase("", 0, "calibration")
        result.calibration = calibration_for(device, dtype, settings.dtype)
        for ref in models:
            for row in _bench_model(ref, settings, device, dtype, reports, result.calibration, observer):
                result.rows.append(row)
                observer.finished(row)
        return result


def _build(ref: ModelRef, device: torch.device) -> nn.Module:
    if isinstance(ref, str):
        with torch.device(device):
            module = build(get_spec(ref))
    else:
        module = ref[1].to(device)
    return module.eval()


def _bench_model(
    ref: ModelRef,
    settings: BenchSettings,
    device: torch.device,
    dtype: torch.dtype,
    reports: dict[tuple[str, int], Report],
    calibration: Calibration,
    observer: Observer,
):  # type: ignore[no-untyped-def]
    name = _name(ref)
    observer.phase(name, settings.batches[0], "building")
    failure = None
    try:
        model = _build(ref, device).to(dtype)
        if settings.channels_last:
            model = model.to(memory_format=torch.channels_last)
        runnable: Callable[[torch.Tensor], object] = torch.compile(model) if settings.compile else model
    except (RuntimeError, torch.OutOfMemoryError) as error:
        if not is_out_of_memory(error):
            raise
        failure = f"the weights do not fit: {_first_line(error)}"
    if failure is not None:
        free_memory(device)
        for batch in settings.batches:
            yield BenchRow(name, batch, reports[name, batch].input_shape, OUT_OF_MEMORY, failure)
        return
    for batch in settings.batches:
        report = reports[name, batch]
        row = BenchRow(name, batch, report.input_shape)
        try:
            _measure(row, model, runnable, report, settings, device, dtype, calibration, observer)
        except (RuntimeError, NotImplementedError) as error:  # OutOfMemoryError is a RuntimeError
            row.status = OUT_OF_MEMORY if is_out_of_memory(error) else ERROR
            row.error = _first_line(error)
            row.samples_ms, row.stats = [], None
        if row.status != "ok":
            free_memory(device)  # outside the except block: its traceback held the tensors
        yield row
    del model, runnable
    free_memory(device, collect=False)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _measure(
    row: BenchRow,
    model: nn.Module,
    runnable: Callable[[torch.Tensor], object],
    report: Report,
    settings: BenchSettings,
    device: torch.device,
    dtype: torch.dtype,
    calibration: Calibration,
    observer: Observer,
) -> None:
    x = torch.randn(report.input_shape, device=device, dtype=dtype)
    if settings.channels_last and x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)

    def forward() -> object:
        return runnable(x)

    budget = Budget(settings.iters, settings.min_time)
    with torch.inference_mode():
        observer.phase(row.model, row.batch, "warm-up")
        for _ in range(settings.warmup):
            forward()
        synchronize(device)
        observer.phase(row.model, row.batch, "timing")
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
            row.resident_bytes = torch.cuda.memory_allocated(device)
            samples = time_cuda(forward, budget, device)
            row.peak_memory_bytes = torch.cuda.max_memory_allocated(device)
            row.memory_method = memory.CUDA_METHOD
        else:
            samples = time_cpu(forward, budget)
            observer.phase(row.model, row.batch, "memory")
            row.resident_bytes = memory.tensor_bytes(model.parameters(), model.buffers(), x)
            extra = memory.cpu_forward_peak(forward)
            row.peak_memory_bytes = None if extra is None else row.resident_bytes + extra
            row.memory_method = memory.CPU_METHOD
        if settings.layers:
            observer.phase(row.model, row.batch, "profiling layers")
            row.layers = profile_layers(model, x, device, report, settings.layer_iters, settings.top_k)
    row.samples_ms = [s / 1e6 for s in samples]
    row.stats = summarize(row.samples_ms)
    median_s = row.stats.median / 1e3
    row.throughput = row.batch / median_s if median_s > 0 else None
    t = report.totals
    input_bytes = math.prod(report.input_shape) * x.element_size()
    moved = bytes_moved(t.param_bytes, t.buffer_bytes, input_bytes, t.activation_bytes)
    if t.flops > 0 and median_s > 0:
        row.roofline = roofline(t.flops, moved, median_s, calibration)
