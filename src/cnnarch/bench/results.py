"""What a benchmark run produces: plain data for any renderer (no torch here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnnarch.bench.stats import Stats

OK, OUT_OF_MEMORY, ERROR = "ok", "out of memory", "error"


@dataclass(frozen=True)
class Calibration:
    """What the device attains on simple kernels, measured in this process before the models."""

    device: str
    dtype: str
    threads: int
    peak_flops: float
    """Best FLOP/s of an n x n matrix product in the benchmark's dtype (2·n³ FLOPs each)."""
    matmul_n: int
    bandwidth: float
    """Best bytes/s of a large tensor copy (each byte read once and written once: 2 x size)."""
    copy_bytes: int
    seconds: float
    """Wall time the calibration took."""
    note: str = ""
    method: str = ""
    """How each figure was taken (CPU: the fastest run; CUDA: the best sustained chunk)."""
    device_state: dict[str, Any] | None = None
    """GPU clock, power, utilisation and free memory read right after the calibration's load."""

    @property
    def ridge_point(self) -> float:
        """FLOPs per byte above which a kernel can be compute-bound (peak FLOP/s / bandwidth)."""
        return self.peak_flops / self.bandwidth


@dataclass(frozen=True)
class Roofline:
    flops: int
    """FLOPs of one forward pass at this batch size (2 x MACs, from the analysis)."""
    bytes_moved: int
    """Estimated bytes moved: parameters + buffers + input + 2 x layer outputs."""
    intensity: float
    """Arithmetic intensity, FLOPs per byte moved."""
    achieved_flops: float
    """FLOPs / median latency."""
    peak_fraction: float
    """Achieved FLOP/s as a share of the calibrated matmul peak."""
    attainable_flops: float
    """The roofline at this intensity: min(peak, intensity x bandwidth)."""
    attainable_fraction: float
    bound: str
    """"memory" when the intensity is below the ridge point, else "compute"."""


@dataclass(frozen=True)
class LayerTime:
    name: str
    type: str
    time_ms: float
    """Mean time per forward pass spent inside this layer (all its calls)."""
    share: float
    """Share of the profiled forward pass."""
    macs: int
    calls: int
    flops_per_s: float | None
    """2 x MACs / time; None for layers without MACs (their time is memory traffic)."""
    relative_cost: float | None
    """Share of time / share of MACs: above 1 the layer is slower than the model's average per
    MAC. None for layers without MACs."""


@dataclass(frozen=True)
class LayerBreakdown:
    source: str
    """How the times were taken (profiler activity, eager or compiled, iterations)."""
    iterations: int
    forward_ms: float
    """Mean profiled time of the whole forward pass (profiling adds overhead per op)."""
    other_ms: float
    """Time outside leaf modules (additions, concatenations, flatten in forward)."""
    layers: list[LayerTime]
    """The top-k layers by time."""
    total_layers: int


@dataclass
class BenchRow:
    model: str
    batch: int
    input_shape: list[int]
    status: str = OK
    error: str | None = None
    stats: Stats | None = None
    """Per-iteration latency in milliseconds."""
    samples_ms: list[float] = field(default_factory=list)
    throughput: float | None = None
    """Images per second: batch / median latency."""
    roofline: Roofline | None = None
    peak_memory_bytes: int | None = None
    """Peak bytes in live tensors during a forward pass, weights and input included (CUDA: above
    the baseline, workspaces allocated during the pass included)."""
    resident_bytes: int | None = None
    """Bytes live before the pass (weights, buffers, input)."""
    memory_method: str | None = None
    memory_baseline_bytes: int | None = None
    """CUDA: bytes allocated before the model was built; the memory figures are above it."""
    compile_seconds: float | None = None
    """With --compile: the first call (tracing and compiling), run before warm-up, never timed."""
    layers: LayerBreakdown | None = None
    host_samples_ms: list[float] = field(default_factory=list)
    """CUDA: the host's time to launch each timed iteration (beside its GPU time)."""
    host_median_ms: float | None = None
    launch_bound: bool | None = None
    """CUDA: the GPU waited for the host (the median launch time is close to the median GPU time):
    FLOP/s and % peak then measure the launch rate, not the kernels. None on CPU."""
    device_state: dict[str, Any] | None = None
    """CUDA: clock, power, utilisation and free memory read right after the timed iterations."""

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def bound(self) -> str | None:
        """ "launch" for a launch-bound run, else the roofline's "memory" or "compute"."""
        if self.launch_bound:
            return "launch"
        return self.roofline.bound if self.roofline else None


@dataclass
class BenchRun:
    environment: dict[str, Any]
    settings: dict[str, Any]
    calibration: Calibration | None
    rows: list[BenchRow] = field(default_factory=list)
    interrupted: bool = False
    skipped: list[str] = field(default_factory=list)
    """Names of the default set that are not in the catalogue (yet)."""
