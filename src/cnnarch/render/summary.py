"""A summary ``Report`` as a ``Document``: the layer table, its footer and the memory breakdown,
which ``render/table.py`` writes as a terminal table, CSV or Markdown (JSON is the report's own)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnnarch.render import memory, table, units
from cnnarch.render.table import Block, Column, ColumnTable, Document, Notes

if TYPE_CHECKING:  # rich only where a table is drawn (``render/table.py``)
    from rich.console import Console
    from rich.text import Text

    from cnnarch.report import Layer, Report


def _formula(layer: Layer) -> str:
    return layer.formula_text + (" *" if layer.inexact else "")


def _params(layer: Layer) -> str:
    return units.count(layer.params) if layer.params else ("shared" if layer.shared else "0")


def _rf(layer: Layer) -> str:
    return (
        units.per_axis(layer.receptive_field)
        + ("~" if layer.rf_approximate else "")
        + (" (all)" if layer.rf_whole_input else "")
    )


def _name(layer: Layer) -> Text:
    from rich.text import Text

    return Text("  " * max(layer.depth - 1, 0) + layer.name)


TABLE, CSV = frozenset({"table", "markdown"}), frozenset({"csv"})


def layer_columns(report: Report) -> list[Column[Layer]]:
    """The summary's columns: terminal and Markdown show the text, CSV the raw values. The count
    column counts under the report's convention (MACs by default). A narrow terminal leaves out
    the jump, then the activation memory, the type and the receptive field (``drop``)."""
    count = (lambda x: x.macs) if report.convention == "macs" else (lambda x: x.ops_count)
    return [
        Column("index", "#", lambda x: str(x.index + 1), numeric=True, value=lambda x: x.index),
        Column("name", "Layer", lambda x: x.name, styled=_name, wrap=True),
        Column("type", "Type", lambda x: x.type, wrap=True, drop=2),
        Column("output_shape", "Output shape", lambda x: units.shape(x.output_shape),
               value=lambda x: "x".join(map(str, x.output_shape))),
        Column("formula", "Output size: formula", _formula, value=lambda x: x.formula_text, wrap=True,
               fold=False),
        Column("params", "Params", _params, numeric=True, value=lambda x: x.params),
        Column("trainable_params", "Trainable", _params, outputs=CSV, value=lambda x: x.trainable_params),
        Column("macs", report.count_label, lambda x: units.scaled(count(x)) if count(x) else "0",
               numeric=True, value=lambda x: x.macs),
        Column("flops", "FLOPs", str, outputs=CSV, value=lambda x: x.flops),
        Column("receptive_field", "RF", _rf, numeric=True, value=lambda x: units.per_axis(x.receptive_field),
               drop=1),
        Column("effective_stride", "Jump", lambda x: units.per_axis(x.effective_stride), numeric=True,
               drop=4),
        Column("activation_bytes", "Act. mem",
               lambda x: units.size(x.activation_bytes) if x.activation_bytes else "0",
               numeric=True, value=lambda x: x.activation_bytes, drop=3),
        Column("inexact", "Inexact", str, outputs=CSV, value=lambda x: x.inexact),
        Column("ops_count", "Count", str, outputs=CSV, value=lambda x: x.ops_count),
    ]  # fmt: skip


def _row_style(layer: Layer) -> str | None:
    return "yellow" if layer.inexact else ("red" if layer.unknown_ops else None)


def _inputs(report: Report) -> str:
    """Every input's shape: ``[20, 10] + [10, 100]`` for a model with two."""
    return " + ".join(units.shape(shape) for shape in report.input_shapes or [report.input_shape])


def layer_table(report: Report) -> ColumnTable[Layer]:
    return ColumnTable(
        layer_columns(report),
        report.layers,
        title=f"{report.model} — input {_inputs(report)}",
        heading=f"### {report.model}",
        row_style=_row_style,
    )


def document(report: Report) -> Document:
    """Everything ``summary`` prints, in every format."""
    blocks: list[Block] = [
        layer_table(report),
        Notes(footer_lines(report), wrap=True),
        Notes([report.conventions["macs"]], style="dim", wrap=True),
    ]
    if report.memory is not None:
        blocks += memory.blocks(report.memory)
    return Document(blocks, json=report.to_json, markdown_end="\n\n" if report.memory is not None else "\n")


def to_dict(report: Report) -> dict[str, Any]:
    return report.to_dict()


def to_json(report: Report) -> str:
    return report.to_json()


def to_csv(report: Report) -> str:
    return table.to_csv(layer_table(report))


def to_markdown(report: Report) -> str:
    return table.to_markdown(document(report))


def footer_lines(report: Report) -> list[str]:
    t = report.totals
    lines = [
        f"Input {_inputs(report)} {report.dtype} → output {units.shape(report.output_shape)}",
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
    if t.masked_weights:
        share = f" ({t.masked_weights / t.params:.1%} of the parameters)" if t.params else ""
        lines.append(f"Pruned: {units.count(t.masked_weights)} weights masked out to zero{share}")
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


def renderables(report: Report, width: int = 160) -> list[Any]:
    """The summary as rich renderables (for ``rich.print(report)`` and notebooks)."""
    return table.renderables(document(report), width)


def print_table(report: Report, console: Console) -> None:
    table.print_document(document(report), console)
