"""Assemble the per-layer report from one trace: each figure comes from its own small analysis."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cnnarch.analysis import conventions
from cnnarch.analysis.breakdown import LABELS, breakdown
from cnnarch.analysis.layers import Row, build_rows
from cnnarch.analysis.liveness import walk
from cnnarch.analysis.memory import activation_bytes
from cnnarch.analysis.params import attribute_params
from cnnarch.analysis.receptive_field import ReceptiveFields, receptive_fields
from cnnarch.ops import category, macs, short_name, window
from cnnarch.ops.window import describe_window, output_sizes
from cnnarch.report import Counting, Formula, Layer, Report, Totals, number
from cnnarch.trace.records import Trace


def _formula(row: Row, trace: Trace) -> tuple[str | None, list[Formula], list[str]]:
    # Only a window that reads the layer's input or writes its output explains its shape
    # (not, say, the channel-wise pooling inside LocalResponseNorm).
    windows = [
        (op, w)
        for op in (trace.ops[i] for i in row.ops)
        if (w := window(op, trace)) is not None
        and (op.outputs[0] in row.outputs or op.inputs[0] in row.inputs)
    ]
    if len(windows) != 1:
        return None, [], []
    op, w = windows[0]
    x = trace.tensors[op.inputs[0]]
    formulas = [
        Formula(
            f.axis,
            f.general,
            f.substituted,
            number(f.exact),
            f.result,
            f.rounding,
            f.text(),
            f.note,
        )
        for f in output_sizes(w, x.shape[-w.spatial :])
    ]
    notes = []
    if row.call is not None:
        config = trace.modules.get(trace.calls[row.call].path)
        if config is not None and config.config.get("padding") == "same":
            notes.append("padding='same': PyTorch pads D·(F − 1) in total, so the size is kept")
    return describe_window(w), formulas, notes


def _rf(row: Row, rfs: ReceptiveFields, trace: Trace) -> dict[str, Any]:
    for t in row.outputs:
        rf = rfs.by_tensor.get(t)
        if rf:
            whole = all(n == 1 for n in rfs.extents.get(t, ())) and all(
                a.low <= 0 and a.high >= n - 1 for a, n in zip(rf, rfs.input_size, strict=True)
            )
            return {
                "receptive_field": [number(a.size) for a in rf],
                "effective_stride": [number(a.jump) for a in rf],
                "rf_start": [number(a.start) for a in rf],
                "rf_approximate": t in rfs.approximate,
                "rf_whole_input": whole,
            }
    return {"receptive_field": None, "effective_stride": None, "rf_start": None}


def _grouped_activation_bytes(
    trace: Trace, rows: list[Row], op_row: dict[int, int], depth: int | None
) -> dict[int, int]:
    """Activation memory is defined on the finest rows; a grouped row sums the rows inside it,
    so the total does not depend on ``depth``."""
    if depth is None:
        return activation_bytes(trace, rows, op_row)
    leaves, leaf_of_op = build_rows(trace, None)
    leaf_bytes = activation_bytes(trace, leaves, leaf_of_op)
    grouped = dict.fromkeys((row.index for row in rows), 0)
    for leaf in leaves:
        if leaf.ops:
            grouped[op_row[leaf.ops[0]]] += leaf_bytes[leaf.index]
    return grouped


def build_report(
    trace: Trace,
    depth: int | None = None,
    source: str | None = None,
    convention: str = "macs",
    *,
    grouped: tuple[list[Row], dict[int, int]] | None = None,
    rfs: ReceptiveFields | None = None,
) -> Report:
    """The report of ``trace``; ``grouped`` (``build_rows(trace, depth)``) and ``rfs``
    (``receptive_fields(trace)``) are computed here unless the caller already has them."""
    rows, op_row = grouped if grouped is not None else build_rows(trace, depth)
    if rfs is None:
        rfs = receptive_fields(trace)
    params = attribute_params(trace, rows)
    act = _grouped_activation_bytes(trace, rows, op_row, depth)
    work = breakdown(trace, rows)
    counts = conventions.evaluate(trace, convention, rows, op_row)

    def producer_name(tid: int) -> str:
        t = trace.tensors[tid]
        return rows[op_row[t.producer]].name if t.producer is not None else "input"

    layers: list[Layer] = []
    unknown: Counter[str] = Counter()
    for row in rows:
        ops = [trace.ops[i] for i in row.ops]
        row_unknown = [op.packet for op in ops if category(op) is None]
        unknown.update(row_unknown)
        row_macs = sum(macs(op, trace) for op in ops)
        win, formulas, notes = _formula(row, trace)
        outputs = [list(trace.tensors[t].shape) for t in row.outputs]
        shared = row.call is not None and trace.calls[row.call].call_number > 1
        notes.extend(params.by_row[row.index].shared)  # a tied weight: counted where first used
        if shared:
            notes.append(
                f"call {trace.calls[row.call].call_number} of a shared module: parameters counted once"
            )
        layers.append(
            Layer(
                index=row.index,
                name=row.name,
                type=row.type,
                depth=row.depth,
                inputs=list(dict.fromkeys(producer_name(t) for t in row.inputs)),
                input_shapes=[list(trace.tensors[t].shape) for t in row.inputs],
                output_shape=outputs[0] if outputs else [],
                output_shapes=outputs,
                params=params.by_row[row.index].params,
                trainable_params=params.by_row[row.index].trainable,
                buffers=params.by_row[row.index].buffers,
                macs=row_macs,
                flops=2 * row_macs,
                activation_bytes=act[row.index],
                window=win,
                formula=formulas,
                inexact=any(f.rounding is not None for f in formulas),
                **_rf(row, rfs, trace),
                shared=shared,
                ops=[short_name(op.packet) for op in ops],
                unknown_ops=row_unknown,
                notes=notes,
                breakdown=work.by_row[row.index],
                ops_count=counts.row_total(row.index),
                ops_by_category=counts.by_row.get(row.index, {}),
            )
        )
    peak = walk(trace)
    total_macs = sum(layer.macs for layer in layers)
    totals = Totals(
        params=params.total,
        trainable_params=params.trainable,
        frozen_params=params.total - params.trainable,
        buffers=params.buffers,
        buffer_bytes=params.buffer_bytes,
        param_bytes=params.param_bytes,
        macs=total_macs,
        flops=2 * total_macs,
        activation_bytes=sum(act.values()),
        layers=len(layers),
        unknown_ops=dict(unknown),
        unused_params=params.unused,
        unused_modules=params.unused_modules,
        breakdown=work.total,
        ops_count=counts.total,
        ops_by_category=counts.by_category,
        peak_activation_bytes=peak.peak_bytes,
        peak_layer=rows[op_row[peak.peak_op]].name if peak.peak_op is not None else None,
    )
    first_input = trace.tensors[trace.inputs[0]].shape if trace.inputs else ()
    first_output = trace.tensors[trace.outputs[0]].shape if trace.outputs else ()
    return Report(
        model=trace.model_name,
        input_shape=list(first_input),
        output_shape=list(first_output),
        dtype=trace.dtype,
        layers=layers,
        totals=totals,
        source=source,
        convention=counts.convention,
        counting=_counting(counts.convention),
        notes=list(trace.notes),
        input_shapes=[list(trace.tensors[t].shape) for t in trace.inputs],
    )


def _counting(name: str) -> Counting:
    spec = conventions.get(name)
    return Counting(spec.name, spec.label, spec.tool, spec.summary, dict(LABELS))
