"""Run the benchmark: for every model and batch size, time forward passes of a real-weight model
(random initialisation, eval mode, ``torch.inference_mode``) and explain the time against what
the device attains.

The analyses run first, on the meta device, so a bad name or input size stops the run before
anything is timed. Out of memory at one batch size becomes that row's result; the run goes on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from cnnarch.api import analyze, dtype_of, resolve
from cnnarch.bench import memory
from cnnarch.bench.calibration import calibrate
from cnnarch.bench.defaults import DEFAULT_MODELS
from cnnarch.bench.device import free_memory, is_out_of_memory, resolve_device, synchronize, torch_build
from cnnarch.bench.environment import environment
from cnnarch.bench.layers import profile_layers
from cnnarch.bench.results import ERROR, OUT_OF_MEMORY, BenchRow, BenchRun, Calibration
from cnnarch.bench.roofline import bytes_moved, roofline
from cnnarch.bench.stats import summarize
from cnnarch.bench.timers import Budget, time_cpu, time_cuda
from cnnarch.catalogue import is_known
from cnnarch.errors import CnnarchError
from cnnarch.report import Report
from cnnarch.sources import Source

PRECISION = "model and input cast to the dtype (.to(dtype)), no autocast"

ModelRef = str | tuple[str, nn.Module]
"""A model as the other commands take it (catalogue name, layer list or file, ``torchvision:``,
``timm:``), or a display name with a ready module (used as it is, moved to the device)."""


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
    options: dict[str, Any] = field(default_factory=dict)
    """The builder's keywords for every named model (``--kwargs``: num_classes, ...)."""

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


@dataclass
class Target:
    """One model to benchmark: its display name, what the analysis traces, and where the real
    module comes from (a resolved source, or a ready module)."""

    name: str
    analysed: str | nn.Module
    source: Source | None = None
    module: nn.Module | None = None


def _target(ref: ModelRef, options: dict[str, Any]) -> Target:
    """Resolve a name now (a catalogue name, a layer list or file, ``torchvision:``/``timm:``), so
    a bad one stops the run before anything is timed."""
    if isinstance(ref, str):
        source = resolve(ref, **options)
        return Target(source.name, ref, source=source)
    return Target(ref[0], ref[1], module=ref[1])


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
    if settings.compile and not hasattr(torch, "compile"):
        raise CnnarchError(f"--compile needs torch 2.0 or later: {torch_build()}")
    with ExitStack() as stack:
        stack.enter_context(_threads(settings.threads))
        stack.enter_context(_cudnn_benchmark(device))
        targets = [_target(ref, settings.options) for ref in models]
        reports = {}
        for target in targets:
            for batch in settings.batches:
                observer.phase(target.name, batch, "analysis")
                options = settings.options if isinstance(target.analysed, str) else {}
                report = analyze(
                    target.analysed, settings.input_size, batch=batch, dtype=settings.dtype, **options
                )
                reports[target.name, batch] = report
        result = BenchRun(environment(device, settings.dtype), _settings_dict(settings, device), None)
        observer.started(result, len(models) * len(settings.batches))
        observer.phase("", 0, "calibration")
        result.calibration = calibration_for(device, dtype, settings.dtype)
        for target in targets:
            for row in _bench_model(target, settings, device, dtype, reports, result.calibration, observer):
                result.rows.append(row)
                observer.finished(row)
        return result


def _build(target: Target, device: torch.device, sample_shape: tuple[int, ...]) -> nn.Module:
    """The real module on ``device``, freshly initialised, in eval mode."""
    source = target.source
    if source is None:
        assert target.module is not None
        module = target.module.to(device)
    elif source.build_for is not None:  # a layer list: its layers' sizes follow the input shape
        module = materialize(source.build_for(sample_shape), device)
    elif source.factory is not None:
        with torch.device(device):
            module = source.factory()
    else:
        module = materialize(source.module, device)
    return module.eval()


def materialize(module: nn.Module, device: torch.device) -> nn.Module:
    """Real tensors on ``device`` for a module built on the meta device: allocate them
    (``to_empty``), then let each layer initialise its own (``reset_parameters``; batch norm
    resets its running statistics too). Tensors of a module without one get N(0, 0.02²) weights
    and zero buffers, never uninitialised memory (NaNs and denormals would distort the timings)."""
    module = module.to_empty(device=device)
    with torch.no_grad():
        for sub in module.modules():
            reset = getattr(sub, "reset_parameters", None)
            if callable(reset):
                reset()
                continue
            for tensor in sub.parameters(recurse=False):
                tensor.normal_(0.0, 0.02)
            for tensor in sub.buffers(recurse=False):
                tensor.zero_()
    return module


def _bench_model(
    target: Target,
    settings: BenchSettings,
    device: torch.device,
    dtype: torch.dtype,
    reports: dict[tuple[str, int], Report],
    calibration: Calibration,
    observer: Observer,
):  # type: ignore[no-untyped-def]
    name = target.name
    observer.phase(name, settings.batches[0], "building")
    failure = None
    try:
        sample_shape = tuple(reports[name, settings.batches[0]].input_shape[1:])
        model = _build(target, device, sample_shape).to(dtype)
        if settings.channels_last:
            model = model.to(memory_format=torch.channels_last)
        runnable: Callable[[torch.Tensor], object] = _compiled(model) if settings.compile else model
    except (RuntimeError, torch.OutOfMemoryError) as error:
        if not is_out_of_memory(error):
            raise
        failure = f"the weights do not fit: {_first_line(error)}"
    if failure is not None:
        free_memory(device)
        for batch in settings.batches:
            yield BenchRow(name, batch, reports[name, batch].input_shape, OUT_OF_MEMORY, failure)
        return
    compile_failure = None
    for batch in settings.batches:
        report = reports[name, batch]
        row = BenchRow(name, batch, report.input_shape)
        if compile_failure is not None:
            row.status, row.error = ERROR, compile_failure
            yield row
            continue
        try:
            _measure(row, model, runnable, report, settings, device, dtype, calibration, observer)
        except (RuntimeError, NotImplementedError) as error:  # OutOfMemoryError is a RuntimeError
            row.status = OUT_OF_MEMORY if is_out_of_memory(error) else ERROR
            row.error = _first_line(error)
            row.samples_ms, row.stats = [], None
            if isinstance(error, CompileFailed):  # the toolchain, not the batch size: do not retry
                compile_failure = f"{row.error} (at batch {batch})"
        if row.status != "ok":
            free_memory(device)  # outside the except block: its traceback held the tensors
        yield row
    del model, runnable
    free_memory(device, collect=False)


class CompileFailed(RuntimeError):
    """torch.compile could not compile the model (its first call failed)."""


def _compiled(model: nn.Module) -> Callable[[torch.Tensor], object]:
    """``torch.compile(model)``; compilation itself happens at the first call."""
    try:
        return torch.compile(model)
    except RuntimeError as error:  # e.g. a Python version that TorchDynamo does not support yet
        raise CnnarchError(f"--compile: torch.compile cannot run here: {_first_line(error)}") from None


def _compile_first_call(forward: Callable[[], object], device: torch.device) -> float:
    """Run the first call of a compiled model, where TorchDynamo traces it and the backend
    compiles it (seconds; a new batch size may compile again): never part of the timings."""
    started = time.perf_counter()
    try:
        forward()
        synchronize(device)
    except (RuntimeError, NotImplementedError) as error:
        if is_out_of_memory(error):
            raise
        raise CompileFailed(f"torch.compile failed: {_first_line(error)}") from error
    return time.perf_counter() - started


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
        if settings.compile:
            observer.phase(row.model, row.batch, "compiling")
            row.compile_seconds = _compile_first_call(forward, device)
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
