"""Render a summary ``Report`` as a rich table, JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cnnarch.render import memory, units

if TYPE_CHECKING:
    from cnnarch.report import Report

COLUMNS = [
    "#",
    "Layer",
    "Type",
    "Output shape",
    "Output size: formula",
    "Params",
    "MACs",
    "RF",
    "Jump",
    "Act. mem",
]


CSV_COLUMNS = [
    "index", "name", "type", "output_shape", "formula", "params", "trainable_params",
    "macs", "flops", "receptive_field", "effective_stride", "activation_bytes", "inexact", "ops_count",
]  # fmt: skip


def columns(report: Report) -> list[str]:
    """``COLUMNS`` with the count column named after the report's convention."""
    return [report.count_label if c == "MACs" else c for c in COLUMNS]


def to_dict(report: Report) -> dict[str, Any]:
    return report.to_dict()


def to_json(report: Report) -> str:
    return report.to_json()


def _cells(layer: Any, convention: str = "macs") -> list[str]:
    formula = layer.formula_text
    count = layer.macs if convention == "macs" else layer.ops_count
    if layer.inexact:
        formula += " *"
    return [
        str(layer.index + 1),
        layer.name,
        layer.type,
        units.shape(layer.output_shape),
        formula,
        units.count(layer.params) if layer.params else ("shared" if layer.shared else "0"),
        units.scaled(count) if count else "0",
        units.per_axis(layer.receptive_field)
        + ("~" if layer.rf_approximate else "")
        + (" (all)" if layer.rf_whole_input else ""),
        units.per_axis(layer.effective_stride),
        units.size(layer.activation_bytes) if layer.activation_bytes else "0",
    ]


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for layer in report.layers:
        writer.writerow([
            layer.index, layer.name, layer.type, "x".join(map(str, layer.output_shape)), layer.formula_text,
            layer.params, layer.trainable_params, layer.macs, layer.flops,
            units.per_axis(layer.receptive_field), units.per_axis(layer.effective_stride),
            layer.activation_bytes, layer.inexact, layer.ops_count,
        ])  # fmt: skip
    return buffer.getvalue()


def footer_lines(report: Report) -> list[str]:
    t = report.totals
    lines = [
        f"Input {' + '.join(units.shape(shape) for shape in report.input_shapes or [report.input_shape])} "
        f"{report.dtype} → output {units.shape(report.output_shape)}",
        f"Parameters: {units.count(t.params)} ({units.count(t.trainable_params)} trainable, "
        f"{units.count(t.frozen_params)} frozen) = {units.size(t.param_bytes)}; "
        f"buffers: {units.count(t.buffers)} = {units.size(t.buffer_bytes)}",
        f"MACs: {units.count(t.macs)} ({units.scaled(t.macs)}); FLOPs = 2 x MACs = {units.scaled(t.flops)}",
        f"Activation memory (layer outputs): {units.size(t.activation_bytes)}",
    ]
    if report.convention != "macs":
        lines += convention_lines(report)
    if any(layer.inexact for layer in report.layers):
        lines.append("* the division is not exact: PyTorch rounds it as shown")
    if any(layer.rf_approximate for layer in report.layers):
        lines.append(
            "~ receptive field is a bound (transposed conv, upsampling or an op without an exact rule)"
        )
    if any(layer.rf_whole_input for layer in report.layers):
        lines.append("(all): every output value sees the whole input; the size includes the padding")
    if t.unused_params:
        lines.append(
            f"Not executed: {units.count(t.unused_params)} parameters in {', '.join(t.unused_modules)}"
        )
    if t.unknown_ops:
        ops = ", ".join(f"{k} x{v}" for k, v in sorted(t.unknown_ops.items()))
        lines.append(f"Ops without a rule (not counted, not zero): {ops}")
    return lines


def convention_lines(report: Report) -> list[str]:
    """The total under the report's convention, split by kind of operation, and its rules."""
    convention = report.counting
    assert convention is not None, "a report built under a convention names it"
    t = report.totals
    labels = convention.category_labels
    split = " + ".join(f"{labels.get(c, c)} {units.scaled(v)}" for c, v in t.ops_by_category.items())
    return [
        f"{convention.label}: {units.count(t.ops_count)} ({units.scaled(t.ops_count)})"
        + (f" = {split}" if split else ""),
        f"{convention.label} = {convention.summary} (as {convention.tool})",
    ]


def to_markdown(report: Report) -> str:
    header = columns(report)
    out = [
        f"### {report.model}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for layer in report.layers:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(layer, report.convention)) + " |")
    out.append("")
    out += [f"- {line}" for line in footer_lines(report)]
    out.append(f"- {report.conventions['macs']}")
    if report.memory is not None:
        out += ["", memory.markdown(report.memory)]
    return "\n".join(out) + "\n"


def renderables(report: Report) -> list[Any]:
    """The table, its footer lines and the memory breakdown, as rich renderables."""
    table = Table(title=f"{report.model} — input {units.shape(report.input_shape)}", title_justify="left")
    header = columns(report)
    for name, base in zip(header, COLUMNS, strict=True):
        numeric = base in ("#", "Params", "MACs", "RF", "Jump", "Act. mem")
        table.add_column(name, justify="right" if numeric else "left", overflow="fold")
    for layer in report.layers:
        cells = _cells(layer, report.convention)
        style = "yellow" if layer.inexact else ("red" if layer.unknown_ops else None)
        name = Text("  " * max(layer.depth - 1, 0) + cells[1])
        table.add_row(cells[0], name, *cells[2:], style=style)
    parts: list[Any] = [table]
    parts += [Text(line) for line in footer_lines(report)]
    parts.append(Text(report.conventions["macs"], style="dim"))
    if report.memory is not None:
        parts += memory.renderables(report.memory)
    return parts


def print_table(report: Report, console: Console) -> None:
    for part in renderables(report):
        console.print(part)
