"""Run the benchmark: for every model and batch size, time forward passes of a real-weight model
(random initialisation, eval mode, ``torch.inference_mode``) and explain the time against what
the device attains.

The analyses run first, on the meta device, so a bad name or input size stops the run before
anything is timed. Out of memory at one batch size becomes that row's result; the run goes on.

The model that is timed is cnnarch's own: built afresh, or a copy of a module the user handed
over (the user's object is never moved, cast or switched to eval), then moved to the device,
and checked to hold real tensors there before anything is timed. With ``--compile`` each batch
size is compiled afresh with static shapes, after ``torch.compiler.reset()``.
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
from cnnarch.bench.gpu_state import gpu_state
from cnnarch.bench.layers import profile_layers
from cnnarch.bench.results import ERROR, OUT_OF_MEMORY, BenchRow, BenchRun, Calibration
from cnnarch.bench.roofline import bytes_moved, roofline
from cnnarch.bench.stats import summarize
from cnnarch.bench.timers import Budget, launch_bound, time_cpu, time_cuda
from cnnarch.catalogue import is_known
from cnnarch.errors import CnnarchError
from cnnarch.report import Report
from cnnarch.sources import Source
from cnnarch.sources.python_file import copy_module

PRECISION = "model and input cast to the dtype (.to(dtype)), no autocast"
TF32 = (
    "PyTorch's defaults: fp32 convolutions may use TF32 (torch.backends.cudnn.allow_tf32), fp32 matrix "
    "products may not (torch.backends.cuda.matmul.allow_tf32); the fp32 peak is calibrated with the "
    "convolutions' setting"
)
WARMUP_SECONDS = {"cpu": 0.2, "cuda": 1.0}
"""Default minimum warm-up time: a GPU's clocks take a fraction of a second to ramp up."""

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
    """Untimed iterations at least."""
    warmup_time: float | None = None
    """Untimed seconds at least (GPU time on CUDA); None: ``WARMUP_SECONDS`` for the device."""
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
        if self.warmup_time is not None and not (self.warmup_time >= 0 and math.isfinite(self.warmup_time)):
            raise CnnarchError(f"--warmup-time {self.warmup_time} must be 0 or more seconds")
        if self.iters is not None and self.iters < 1:
            raise CnnarchError(f"--iters {self.iters} must be at least 1")
        if not (self.min_time > 0 and math.isfinite(self.min_time)):
            raise CnnarchError(f"--min-time {self.min_time} must be a positive number of seconds")
        if self.threads is not None and self.threads < 1:
            raise CnnarchError(f"--threads {self.threads} must be at least 1")
        if self.top_k < 1 or self.layer_iters < 1:
            raise CnnarchError("--top and the profiled iterations must be at least 1")

    def warmup_seconds(self, device: torch.device) -> float:
        return WARMUP_SECONDS[device.type] if self.warmup_time is None else self.warmup_time


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
    data["warmup_time"] = settings.warmup_seconds(device)
    if device.type == "cuda":
        data["timer"] = (
            "CUDA events around each iteration (GPU time), at most 3 iterations in flight; host launch "
            "time per iteration beside it; --min-time counts GPU time"
        )
        data["tf32"] = TF32
    else:
        data["timer"] = "time.perf_counter_ns"
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
        free_memory(device, collect=False)  # the calibration's buffers, before any baseline
        for target in targets:
            for row in _bench_model(target, settings, device, dtype, reports, result.calibration, observer):
                result.rows.append(row)
                observer.finished(row)
        return result


def _build(target: Target, device: torch.device, sample_shape: tuple[int, ...]) -> nn.Module:
    """A module of cnnarch's own with real tensors on ``device``, in eval mode: a copy of a
    ready module, or one built afresh (a factory builds under ``torch.device(device)``, and
    ``.to(device)`` then moves what it placed on an explicit device)."""
    source = target.source
    if source is None:
        assert target.module is not None
        module = _on_device(copy_module(target.module, target.name), device, target.name)
    elif source.build_for is not None:  # a layer list: its layers' sizes follow the input shape
        module = materialize(source.build_for(sample_shape), device)
    elif source.factory is not None:
        with torch.device(device):
            module = _on_device(source.factory(), device, target.name)
    else:
        module = materialize(source.module, device)
    return module.eval()


def _on_device(module: nn.Module, device: torch.device, name: str) -> nn.Module:
    """``module.to(device)``, refused in one line when a tensor has no data (meta) to move."""
    check_real(module, device, name, moved=False)
    module = module.to(device)
    check_real(module, device, name)
    return module


def check_real(module: nn.Module, device: torch.device, name: str, moved: bool = True) -> None:
    """Refuse to time a module with a tensor on the meta device (it has no data: timing it
    measures nothing), or, once ``moved``, a tensor on another device than ``device``. Lazy
    parameters are left alone: the first forward pass creates them on the input's device."""
    lazy = nn.parameter.UninitializedTensorMixin
    for owner_name, owner in module.named_modules():
        for table in (owner._parameters, owner._buffers):
            for key, tensor in table.items():
                if tensor is None or isinstance(tensor, lazy):
                    continue
                where = f"{owner_name}.{key}" if owner_name else key
                if tensor.is_meta:
                    raise CnnarchError(
                        f"{name} cannot be timed: its tensor {where} is on the meta device and holds no data",
                        "give a model with real weights: a class, or a function that builds one",
                    )
                if moved and tensor.device != device:
                    raise CnnarchError(f"{name} cannot be timed: {where} is on {tensor.device}, not {device}")


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
    counters = None
    if device.type == "cuda":
        _prime_blas(device, dtype)
        counters = memory.Relative(memory.CudaCounters(device))
    failure = None
    try:
        sample_shape = tuple(reports[name, settings.batches[0]].input_shape[1:])
        model = _build(target, device, sample_shape).to(dtype)
        if settings.channels_last:
            model = model.to(memory_format=torch.channels_last)
    except RuntimeError as error:
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
            runnable: Callable[[torch.Tensor], object] = _compiled(model) if settings.compile else model
            _measure(row, model, runnable, report, settings, device, dtype, calibration, observer, counters)
        except (RuntimeError, NotImplementedError) as error:  # OutOfMemoryError is a RuntimeError
            row.status = OUT_OF_MEMORY if is_out_of_memory(error) else ERROR
            row.error = _first_line(error)
            row.samples_ms, row.host_samples_ms, row.stats = [], [], None
            if isinstance(error, CompileFailed) and row.status == ERROR:  # the toolchain: do not retry
                compile_failure = f"{row.error} (at batch {batch})"
        runnable = model
        if row.status != "ok":
            free_memory(device)  # outside the except block: its traceback held the tensors
        yield row
    del model, runnable
    if settings.compile:
        torch.compiler.reset()  # dynamo's caches would keep this model alive
    free_memory(device, collect=False)


def _prime_blas(device: torch.device, dtype: torch.dtype) -> None:
    """Let cuBLAS and cuBLASLt take their workspaces on this stream before the memory baseline
    is read: each is allocated at its library's first product and then held for the process's
    life (32 MiB on Hopper), so it is not the model's memory. Best effort: a dtype the GPU cannot
    multiply fails here and again, reported in its rows, when the model runs."""
    try:
        with torch.inference_mode():
            a = torch.ones(64, 64, device=device, dtype=dtype)
            torch.mm(a, a)  # cuBLAS
            torch.nn.functional.linear(a, a, a[0])  # addmm with a bias: cuBLASLt's epilogue
            del a
        synchronize(device)
    except RuntimeError:
        pass


class CompileFailed(RuntimeError):
    """torch.compile could not compile the model (its first call failed)."""


def _compiled(model: nn.Module) -> Callable[[torch.Tensor], object]:
    """``torch.compile(model, dynamic=False)`` after ``torch.compiler.reset()``: each batch size
    is compiled afresh for its static shape. Without the reset, dynamo would recompile the second
    batch size with a dynamic batch dimension (a different, usually slower graph, reported as
    almost no compile time) and keep earlier graphs and models alive. Compilation itself
    happens at the first call."""
    torch.compiler.reset()
    try:
        return torch.compile(model, dynamic=False)
    except RuntimeError as error:  # e.g. a Python version that TorchDynamo does not support yet
        raise CnnarchError(f"--compile: torch.compile cannot run here: {_first_line(error)}") from None


def _compile_first_call(forward: Callable[[], object], device: torch.device) -> float:
    """Run the first call of a compiled model, where TorchDynamo traces it and the backend
    compiles it (seconds): never part of the timings."""
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
    counters: memory.Relative | None = None,
) -> None:
    """Time one batch size and fill ``row``. ``counters`` (the CUDA allocator's, relative to the
    baseline) is what makes this the GPU path: event timing, launch times, GPU state; None on a
    CPU."""
    x = torch.randn(report.input_shape, device=device, dtype=dtype)
    if settings.channels_last and x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)

    def forward() -> object:
        return runnable(x)

    warmup = Budget(min_time=settings.warmup_seconds(device), min_samples=settings.warmup)
    budget = Budget(settings.iters, settings.min_time)
    host: list[int] = []
    with torch.inference_mode():
        if settings.compile:
            observer.phase(row.model, row.batch, "compiling")
            row.compile_seconds = _compile_first_call(forward, device)
        observer.phase(row.model, row.batch, "warm-up")
        if counters is None:
            time_cpu(forward, warmup)
        else:
            time_cuda(forward, warmup, device)
        observer.phase(row.model, row.batch, "timing")
        if counters is not None:
            row.resident_bytes = counters.resident()
            counters.start_peak()
            timings = time_cuda(forward, budget, device)
            row.peak_memory_bytes = counters.peak()
            row.memory_baseline_bytes = counters.baseline
            row.memory_method = memory.CUDA_METHOD
            row.device_state = gpu_state(device)
            samples, host = timings.samples_ns, timings.host_ns
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
    if host:
        row.host_samples_ms = [h / 1e6 for h in host]
        row.host_median_ms = summarize(row.host_samples_ms).median
        row.launch_bound = launch_bound(host, samples)
    median_s = row.stats.median / 1e3
    row.throughput = row.batch / median_s if median_s > 0 else None
    t = report.totals
    input_bytes = math.prod(report.input_shape) * x.element_size()
    moved = bytes_moved(t.param_bytes, t.buffer_bytes, input_bytes, t.activation_bytes)
    if t.flops > 0 and median_s > 0:
        row.roofline = roofline(t.flops, moved, median_s, calibration)
