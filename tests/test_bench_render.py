"""Rendering of benchmark results: failed rows keep their place, doubtful figures are marked."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console

from cnnarch.bench.results import OUT_OF_MEMORY, BenchRow, BenchRun, Calibration, LayerBreakdown, LayerTime
from cnnarch.bench.roofline import roofline
from cnnarch.bench.stats import summarize
from cnnarch.render import bench as render

CAL = Calibration(
    "cuda:0", "fp16", 1, peak_flops=1e12, matmul_n=8192, bandwidth=1e12, copy_bytes=1, seconds=0.5
)
SETTINGS = {"timer": "CUDA events around each iteration", "warmup": 3, "iters": 4, "min_time": 1.0,
            "precision": "cast", "channels_last": False, "compile": False}  # fmt: skip
ENV = {"device": "cuda:0", "device_name": "Some GPU", "dtype": "fp16", "threads": 1, "torch": "2.x"}


def make_run() -> BenchRun:
    fast = BenchRow("resnet50", 1, [1, 3, 224, 224], samples_ms=[1.0, 1.0, 2.0, 1.0])
    fast.stats = summarize(fast.samples_ms)
    fast.throughput = 1000.0
    fast.roofline = roofline(flops=2_000_000_000, moved=100_000_000, median_s=1e-3, calibration=CAL)
    oom = BenchRow(
        "resnet50", 512, [512, 3, 224, 224], OUT_OF_MEMORY, "CUDA out of memory. Tried to allocate 9 GiB"
    )
    return BenchRun(ENV, SETTINGS, CAL, [fast, oom])


def test_table_keeps_the_failed_row_and_marks_a_figure_above_the_peak():
    console = Console(record=True, width=220, file=io.StringIO())
    render.print_table(make_run(), console)
    text = console.export_text()
    assert "200.0%!" in text  # 2 GFLOP in 1 ms = 2 TFLOP/s against a 1 TFLOP/s peak
    assert "above the calibrated peak" in text
    oom_line = next(line for line in text.splitlines() if " 512 │" in line)
    assert "out of memory" in oom_line
    assert "resnet50 batch 512: out of memory: CUDA out of memory. Tried to allocate 9 GiB" in text
    assert "Peak: 1.00 TFLOP/s (fp16 8192x8192 matmul" in text and "ridge point 1.0 FLOP/B" in text


def test_json_and_csv_give_failed_rows_empty_figures():
    data = json.loads(render.to_json(make_run()))
    ok, oom = data["results"]
    assert ok["latency_ms"]["median"] == 1.0 and ok["peak_fraction"] == 2.0 and ok["bound"] == "compute"
    assert oom["status"] == "out of memory" and oom["latency_ms"] is None and oom["flops"] is None
    rows = list(csv.DictReader(io.StringIO(render.to_csv(make_run()))))
    assert (
        rows[0]["median_ms"] == "1.0" and rows[1]["median_ms"] == "" and rows[1]["status"] == "out of memory"
    )


def test_layers_title_is_one_line_however_narrow_the_table():
    """The per-layer title is longer than its table: as a table title rich would wrap it to the
    table's width; printed as its own line it stays whole."""
    breakdown = LayerBreakdown(
        source="torch.profiler, CPU wall time per leaf module, eager model, mean of 3 passes",
        iterations=3,
        forward_ms=2.0,
        other_ms=0.5,
        layers=[LayerTime("conv1", "Conv2d", 1.5, 0.75, 1_000_000, 1, 1.33e9, 0.75)],
        total_layers=4,
    )
    row = BenchRow("tiny", 1, [1, 3, 8, 8])
    console = Console(record=True, width=100, file=io.StringIO())
    render.print_layers(row, breakdown, console)
    lines = console.export_text().splitlines()
    assert f"tiny, batch 1: top 1 of 4 layers by time ({breakdown.source})" in lines
    conv = next(line for line in lines if "conv1" in line)
    assert "1.50" in conv and "75.0%" in conv and "1.00M" in conv and "0.75x" in conv


def test_the_load_average_is_shown_and_a_busy_machine_said_so():
    run = make_run()
    run.environment = {**ENV, "cpu_count": 2, "load_average": [0.12, 0.3, 0.4]}
    assert "Load average 0.12 (1 min) on 2 CPUs as the run started" in render.footer_lines(run)
    run.environment["load_average"] = [1.7, 1.0, 1.0]
    line = "Load average 1.70 (1 min) on 2 CPUs as the run started: other processes share the cores"
    assert line in render.footer_lines(run)


def launch_bound_run() -> BenchRun:
    run = make_run()
    fast = run.rows[0]
    fast.host_samples_ms, fast.host_median_ms, fast.launch_bound = [0.98, 0.97, 0.99, 0.98], 0.98, True
    fast.memory_baseline_bytes, fast.resident_bytes, fast.peak_memory_bytes = 33_554_432, 254_464, 1_310_720
    fast.device_state = {"sm_clock_mhz": 1980, "power_mw": 412_000}
    run.settings = {
        **SETTINGS,
        "warmup_time": 1.0,
        "tf32": "PyTorch's defaults: fp32 convolutions may use TF32",
    }
    return run


def test_a_launch_bound_row_says_launch_and_the_footer_says_why():
    console = Console(record=True, width=220, file=io.StringIO())
    render.print_table(launch_bound_run(), console)
    text = console.export_text()
    row = next(line for line in text.splitlines() if "resnet50 │     1 │" in line)
    assert "launch" in row and "compute" not in row
    assert "the GPU waited for the host" in text and "resnet50 batch 1 (0.980 ms host)" in text
    assert "at least 3 warm-up iterations and 1.0 s" in text
    assert "TF32: PyTorch's defaults" in text
    assert "Peak mem: above the 32.00 MiB allocated before each model was built" in text


def test_json_and_csv_carry_launch_times_baseline_and_gpu_state():
    data = json.loads(render.to_json(launch_bound_run()))
    fast = data["results"][0]
    assert fast["bound"] == "launch" and fast["roofline_bound"] == "compute" and fast["launch_bound"] is True
    assert fast["host_median_ms"] == 0.98 and fast["host_samples_ms"] == [0.98, 0.97, 0.99, 0.98]
    assert fast["memory_baseline_bytes"] == 33_554_432 and fast["device_state"]["sm_clock_mhz"] == 1980
    assert set(data["conventions"]) >= {"launch_bound", "memory", "latency"}
    rows = list(csv.DictReader(io.StringIO(render.to_csv(launch_bound_run()))))
    assert rows[0]["bound"] == "launch" and rows[0]["launch_bound"] == "True"
    assert rows[0]["host_median_ms"] == "0.98" and rows[0]["memory_baseline_bytes"] == "33554432"
    assert rows[1]["launch_bound"] == "" and rows[1]["host_median_ms"] == ""
