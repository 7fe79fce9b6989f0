"""The ``Memory`` section of a report: the inference peak (from the summary's own trace) and,
when a training trace is given, what a training step needs."""

from __future__ import annotations

from cnnarch.analysis.layers import build_rows
from cnnarch.analysis.training_memory import training_memory
from cnnarch.report import Memory, Report
from cnnarch.trace.records import Trace


def build_memory(
    report: Report, training: Trace | None = None, optimizer: str = "adam", *, batch: int | None = 1
) -> Memory:
    """``batch`` is the batch the trace added (None: exact input shapes, no batch axis added, so
    the first axis of an input is not a batch: a matrix's rows, say)."""
    t = report.totals
    memory = Memory(
        batch=batch,
        dtype=report.dtype,
        param_bytes=t.param_bytes,
        buffer_bytes=t.buffer_bytes,
        activation_sum_bytes=t.activation_bytes,
        inference_peak_bytes=t.peak_activation_bytes,
        inference_peak_layer=t.peak_layer,
        inference_total_bytes=t.param_bytes + t.buffer_bytes + t.peak_activation_bytes,
    )
    if training is None:
        return memory
    step = training_memory(training, optimizer)
    rows, op_row = build_rows(training)
    memory.optimizer = optimizer
    memory.gradient_bytes = step.gradient_bytes
    memory.optimizer_state_bytes = step.optimizer_state_bytes
    memory.saved_bytes = step.saved_bytes
    memory.forward_peak_bytes = step.forward_peak_bytes
    memory.backward_peak_bytes = step.backward_peak_bytes
    if step.backward_peak_op is not None:
        memory.backward_peak_layer = rows[op_row[step.backward_peak_op]].name
    memory.training_total_bytes = step.peak_bytes
    return memory
