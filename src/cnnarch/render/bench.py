"""Render a ``BenchRun``: a terminal table through ``render/table.py`` (with per-layer tables under
``--layers``), JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from rich.console import Console

from cnnarch.bench.results import BenchRow, BenchRun, LayerBreakdown
from cnnarch.render import table, units
from cnnarch.render.table import Column, ColumnTable, Document, Notes

COLUMNS = [
    "Model", "Batch", "Input", "Median ms", "Mean", "p10", "p90", "Min", "IQR", "CV", "N",
    "img/s", "FLOPs", "FLOP/s", "% peak", "FLOP/B", "Bound", "Peak mem",
]  # fmt: skip
LEFT = {"Model", "Input", "Bound"}
BUSY_LOAD = 0.5
"""A 1-minute load average from which the footer says that other processes share the cores."""

CSV_COLUMNS = [
    "model", "batch", "input_shape", "status", "error", "n", "median_ms", "mean_ms", "p10_ms", "p90_ms",
    "min_ms", "max_ms", "iqr_ms", "stdev_ms", "cv", "throughput_images_per_s", "flops",
    "achieved_flops_per_s", "peak_fraction", "bytes_moved_estimate", "arithmetic_intensity", "bound",
    "peak_memory_bytes", "resident_bytes", "memory_baseline_bytes", "host_median_ms", "launch_bound",
    "device", "dtype", "threads",
]  # fmt: skip

CONVENTIONS = {
    "latency": "Time of one forward pass in milliseconds, after the warm-up (at least --warmup iterations "
    "and --warmup-time seconds). CPU: wall time, time.perf_counter_ns around the call. CUDA: GPU time "
    "between a pair of CUDA events recorded around the call, with at most 3 iterations queued at once; "
    "--min-time counts GPU time.",
    "launch_bound": "CUDA: the host's median time to launch one pass is at least 90% of the median GPU "
    "time, so the GPU waited for the host (typical at batch 1 on a fast GPU); FLOP/s and % peak then "
    "measure the launch rate, not the kernels, and the Bound column says launch.",
    "statistics": "Percentiles interpolate linearly between order statistics (numpy's default); "
    "IQR = p75 − p25; CV = sample standard deviation / mean.",
    "throughput": "Images per second = batch / median latency.",
    "flops": "FLOPs = 2 x MACs of the analysis (cnnarch summary); FLOP/s = FLOPs / median latency.",
    "peak": "Attainable peak = FLOP/s of a square matrix product in the same dtype, device and "
    "thread count, measured at the start of the run; bandwidth = bytes/s of a large copy "
    "(read + write). CPU: the fastest run; CUDA: the best of three sustained chunks after 0.5 s of "
    "warm-up. fp32 on CUDA: TF32 allowed for the calibration exactly when cuDNN allows it for "
    "convolutions (PyTorch's defaults are left as they are for the model).",
    "roofline": "FLOP/B = FLOPs / estimated bytes moved (parameters + buffers + input + 2 x layer "
    "outputs); memory-bound when FLOP/B is below the ridge point (peak / bandwidth), else compute-bound.",
    "memory": "Peak bytes in live tensors during a forward pass, weights and input included. CPU: "
    "the profiler's allocation events. CUDA: torch.cuda.max_memory_allocated over the timed iterations "
    "minus torch.cuda.memory_allocated before the model was built (the baseline: the cuBLAS workspace "
    "left by the calibration and anything else already allocated); workspaces cuDNN and cuBLAS allocate "
    "during the pass are counted, the caching allocator's unused blocks are not.",
}


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.1f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def si(value: float, unit: str) -> str:
    """17.45 GFLOP/s, 2.59 GB/s."""
    scaled = units.scaled(value)
    return f"{scaled[:-1]} {scaled[-1]}{unit}" if scaled[-1].isalpha() else f"{scaled} {unit}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def rate(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 1000 else f"{value:,.1f}"


def _cells(row: BenchRow) -> list[str]:
    shape = "x".join(map(str, row.input_shape[1:]))
    head = [row.model, str(row.batch), shape]
    if not row.ok or row.stats is None:
        return [*head, row.status, *[""] * (len(COLUMNS) - 4)]
    s, r = row.stats, row.roofline
    return [
        *head,
        ms(s.median), ms(s.mean), ms(s.p10), ms(s.p90), ms(s.min), ms(s.iqr), percent(s.cv), str(s.n),
        rate(row.throughput),
        units.scaled(r.flops) if r else "—",
        units.scaled(r.achieved_flops) if r else "—",
        percent(r.peak_fraction) + ("!" if r.peak_fraction > 1 else "") if r else "—",
        f"{r.intensity:.1f}" if r else "—",
        row.bound or "—",
        units.size(row.peak_memory_bytes) if row.peak_memory_bytes is not None else "not measured",
    ]  # fmt: skip


def title(run: BenchRun) -> str:
    env = run.environment
    return (
        f"Forward-pass latency on {env['device']} ({env['device_name']}), {env['dtype']}, "
        f"{env['threads']} thread{'s' if env['threads'] != 1 else ''}, torch {env['torch']}"
    )


def footer_lines(run: BenchRun) -> list[str]:
    lines = []
    c = run.calibration
    if c is not None:
        lines.append(
            f"Peak: {si(c.peak_flops, 'FLOP/s')} ({c.dtype} {c.matmul_n}x{c.matmul_n} matmul, "
            + ("best sustained chunk" if c.method.startswith("sustained") else "fastest run")
            + (f", {c.note}" if c.note else "")
            + f"); bandwidth: {si(c.bandwidth, 'B/s')} (copy of {units.size(c.copy_bytes)}); "
            f"ridge point {c.ridge_point:.1f} FLOP/B; calibrated in {c.seconds:.2f} s"
        )
    settings = run.settings
    budget = f"{settings['iters']} iterations" if settings["iters"] else f"at least {settings['min_time']} s"
    warmup = f"at least {settings['warmup']} warm-up iterations"
    if settings.get("warmup_time"):
        warmup += f" and {settings['warmup_time']} s"
    lines.append(
        f"Timer: {settings['timer']}; {warmup}, then {budget}; "
        f"{settings['precision']}"
        + ("; channels-last" if settings["channels_last"] else "")
        + ("; torch.compile" if settings["compile"] else "")
    )
    load = run.environment.get("load_average")
    if load:
        cpus = run.environment.get("cpu_count")
        lines.append(
            f"Load average {load[0]:.2f} (1 min) on {cpus} CPUs as the run started"
            + (": other processes share the cores" if load[0] >= BUSY_LOAD else "")
        )
    if settings.get("tf32"):
        lines.append(f"TF32: {settings['tf32']}")
    launch = [row for row in run.rows if row.launch_bound]
    if launch:
        lines.append(
            "launch: the GPU waited for the host (median launch time ≥ 90% of the median GPU time) for "
            + ", ".join(f"{row.model} batch {row.batch} ({ms(row.host_median_ms)} ms host)" for row in launch)
            + "; FLOP/s measures the launch rate, not the kernels"
        )
    baselines = [row.memory_baseline_bytes for row in run.rows if row.memory_baseline_bytes is not None]
    if baselines:
        lines.append(
            f"Peak mem: above the {units.size(min(baselines))} allocated before each model was built "
            "(cuBLAS workspace, earlier tensors); cuDNN workspaces used during the pass included"
        )
    compiled = [f"{row.model} batch {row.batch} {row.compile_seconds:.1f} s" for row in run.rows
                if row.compile_seconds is not None]  # fmt: skip
    if compiled:
        lines.append(f"torch.compile, first call (compilation, not timed): {', '.join(compiled)}")
    for row in run.rows:
        if not row.ok:
            lines.append(f"{row.model} batch {row.batch}: {row.status}: {row.error}")
    if any(row.roofline and row.roofline.peak_fraction > 1 for row in run.rows):
        lines.append(
            "! above the calibrated peak: other load slowed the calibration more than the model, or "
            "the convolution algorithm (Winograd, FFT) multiplies less than the direct convolution "
            "these FLOPs count"
        )
    if run.skipped:
        lines.append(f"Not in the catalogue yet, skipped: {', '.join(run.skipped)}")
    if run.interrupted:
        lines.append(f"Interrupted: {len(run.rows)} row{'s' if len(run.rows) != 1 else ''} finished")
    return lines


DROP = {"p10": 9, "p90": 8, "Min": 7, "IQR": 6, "N": 5, "FLOP/B": 4, "Mean": 3, "CV": 2, "FLOPs": 1}
"""Columns a narrow terminal leaves out, the highest first (the note after the table names them)."""


def _column(i: int, name: str) -> Column[BenchRow]:
    return Column(name, name, lambda row: _cells(row)[i], numeric=name not in LEFT, wrap=name == "Model",
                  drop=DROP.get(name, 0))  # fmt: skip


def runs_table(run: BenchRun) -> ColumnTable[BenchRow]:
    columns = [_column(i, name) for i, name in enumerate(COLUMNS)]
    return ColumnTable(columns, run.rows, title=title(run), row_style=lambda row: None if row.ok else "red")


def print_table(run: BenchRun, console: Console) -> None:
    notes = Notes(footer_lines(run))
    convention = Notes([CONVENTIONS["roofline"]], style="dim")
    table.print_document(Document([runs_table(run), notes, convention], left_out_hint=HINT), console)
    for row in run.rows:
        if row.layers is not None:
            print_layers(row, row.layers, console)


HINT = "--format json or csv shows everything"
LAYER_COLUMNS = ["Rank", "Layer", "Type", "Time ms", "% of pass", "MACs", "FLOP/s", "Time/MAC vs model"]


def _relative(layer: Any) -> str:
    return f"{layer.relative_cost:.2f}x" if layer.relative_cost is not None else "no MACs"


def layers_table(breakdown: LayerBreakdown) -> ColumnTable[tuple[int, Any]]:
    """The slowest layers of one pass, each against its share of the MACs."""
    cells: list[Callable[[Any], str]] = [
        lambda layer: layer.name,
        lambda layer: layer.type,
        lambda layer: ms(layer.time_ms),
        lambda layer: percent(layer.share),
        lambda layer: units.scaled(layer.macs) if layer.macs else "0",
        lambda layer: units.scaled(layer.flops_per_s) if layer.flops_per_s else "—",
        _relative,
    ]
    columns: list[Column[tuple[int, Any]]] = [Column("rank", "Rank", lambda r: str(r[0]), numeric=True)]
    columns += [
        Column(name, name, lambda r, cell=cell: cell(r[1]), numeric=name not in ("Layer", "Type"),
               wrap=name in ("Layer", "Type"), drop=2 if name == "Type" else (1 if name == "FLOP/s" else 0))
        for name, cell in zip(LAYER_COLUMNS[1:], cells, strict=True)
    ]  # fmt: skip

    def style(r: tuple[int, Any]) -> str | None:
        cost = r[1].relative_cost
        return "yellow" if cost is None or cost >= 2 else None

    return ColumnTable(columns, list(enumerate(breakdown.layers, 1)), row_style=style)


def print_layers(row: BenchRow, breakdown: LayerBreakdown, console: Console) -> None:
    console.print(
        f"\n{row.model}, batch {row.batch}: top {len(breakdown.layers)} of {breakdown.total_layers} "
        f"layers by time ({breakdown.source})",
        highlight=False,
        soft_wrap=True,
    )
    table.print_document(Document([layers_table(breakdown)], left_out_hint=HINT), console)
    console.print(
        f"Profiled pass: {ms(breakdown.forward_ms)} ms (the profiler adds overhead per op); outside "
        f"leaf modules (add, cat, flatten in forward): {ms(breakdown.other_ms)} ms. Time/MAC vs model = "
        "layer's share of the time / its share of the MACs: above 1 the layer is slower per MAC than "
        "the model as a whole.",
        highlight=False,
        soft_wrap=True,
    )


def row_dict(row: BenchRow, run: BenchRun) -> dict[str, Any]:
    r = row.roofline
    return {
        "model": row.model,
        "batch": row.batch,
        "input_shape": row.input_shape,
        "status": row.status,
        "error": row.error,
        "latency_ms": vars(row.stats) if row.stats else None,
        "samples_ms": row.samples_ms,
        "throughput_images_per_s": row.throughput,
        "flops": r.flops if r else None,
        "achieved_flops_per_s": r.achieved_flops if r else None,
        "peak_fraction": r.peak_fraction if r else None,
        "bytes_moved_estimate": r.bytes_moved if r else None,
        "arithmetic_intensity": r.intensity if r else None,
        "attainable_flops_per_s": r.attainable_flops if r else None,
        "attainable_fraction": r.attainable_fraction if r else None,
        "bound": row.bound,
        "roofline_bound": r.bound if r else None,
        "peak_memory_bytes": row.peak_memory_bytes,
        "resident_bytes": row.resident_bytes,
        "memory_baseline_bytes": row.memory_baseline_bytes,
        "memory_method": row.memory_method,
        "host_median_ms": row.host_median_ms,
        "host_samples_ms": row.host_samples_ms,
        "launch_bound": row.launch_bound,
        "device_state": row.device_state,
        "compile_seconds": row.compile_seconds,
        "layers": _layers_dict(row.layers) if row.layers else None,
    }


def _layers_dict(breakdown: LayerBreakdown) -> dict[str, Any]:
    data = vars(breakdown).copy()
    data["layers"] = [vars(layer) for layer in breakdown.layers]
    return data


def to_dict(run: BenchRun) -> dict[str, Any]:
    c = run.calibration
    return {
        "environment": run.environment,
        "settings": run.settings,
        "calibration": {**vars(c), "ridge_point": c.ridge_point} if c else None,
        "results": [row_dict(row, run) for row in run.rows],
        "interrupted": run.interrupted,
        "skipped": run.skipped,
        "conventions": CONVENTIONS,
    }


def to_json(run: BenchRun) -> str:
    return json.dumps(to_dict(run), indent=2)


def to_csv(run: BenchRun) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    env = run.environment
    for row in run.rows:
        d = row_dict(row, run)
        s = d["latency_ms"] or {}
        writer.writerow([
            row.model, row.batch, "x".join(map(str, row.input_shape)), row.status, row.error or "",
            s.get("n", ""), s.get("median", ""), s.get("mean", ""), s.get("p10", ""), s.get("p90", ""),
            s.get("min", ""), s.get("max", ""), s.get("iqr", ""), _blank(s.get("stdev")), _blank(s.get("cv")),
            _blank(d["throughput_images_per_s"]), _blank(d["flops"]), _blank(d["achieved_flops_per_s"]),
            _blank(d["peak_fraction"]), _blank(d["bytes_moved_estimate"]), _blank(d["arithmetic_intensity"]),
            _blank(d["bound"]), _blank(d["peak_memory_bytes"]), _blank(d["resident_bytes"]),
            _blank(d["memory_baseline_bytes"]), _blank(d["host_median_ms"]), _blank(d["launch_bound"]),
            env["device"], env["dtype"], env["threads"],
        ])  # fmt: skip
    return buffer.getvalue()


def _blank(value: object) -> object:
    return "" if value is None else value
