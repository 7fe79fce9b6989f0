"""A ``Comparison`` as a ``Document``: one row per figure, one column per model, the best value
marked; ``render/table.py`` writes it as a terminal table, CSV or Markdown (JSON: ``to_dict``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cnnarch.render import table, units
from cnnarch.render.table import Column, ColumnTable, Document, Notes

if TYPE_CHECKING:  # rich only where a table is drawn (``render/table.py``)
    from rich.console import Console
    from rich.text import Text

    from cnnarch.compare import Comparison, FigureRow

BEST = "★"
MISSING = "—"

_MORE_LESS = {"count": ("more", "fewer"), "bytes": ("larger", "smaller")}


def value_text(row: FigureRow, value: Any) -> str:
    """One figure as a reader wants it: 138.36M, 527.79 MiB, 71.592%, 89.4%, 212."""
    if value is None:
        return MISSING
    if row.unit == "count":
        return units.scaled(value) if abs(value) >= 1000 else units.count(value)
    if row.unit == "bytes":
        return units.size(value)
    if row.unit == "percent":
        return f"{value:g}%"
    if row.unit == "share":
        return share_text(value)
    if row.unit == "pixels":
        return units.per_axis(value)
    return str(value)


def share_text(share: float) -> str:
    """89.4%; 99.97% rather than a rounded 100.0% that is not all (and 0.03% rather than 0.0%)."""
    text = f"{100 * share:.1f}%"
    if text in ("100.0%", "0.0%") and share not in (0, 1):
        text = f"{100 * share:.2f}%"
        if text in ("100.00%", "0.00%"):
            text = ">99.99%" if share > 0.5 else "<0.01%"
    return text


def factor(ratio: float) -> str:
    """12x, 2.3x, 1.04x: enough digits that a ratio near 1 does not read as 1.0x."""
    f = ratio if ratio >= 1 else 1 / ratio
    if f >= 10:
        return f"{f:.0f}x"
    text = f"{f:.1f}x"
    return f"{f:.2f}x" if text == "1.0x" else text


def relative_text(row: FigureRow, i: int) -> str:
    """Against the reference model (the first, or ``--against``): ``12x fewer``, ``2.3x larger``,
    ``+16.8 pts``; empty for the reference itself and for rows that are context."""
    if i == row.against:
        return ""
    if row.ratios and row.ratios[i] is not None:
        ratio = row.ratios[i]
        if abs(ratio - 1) < 0.005:
            return "same"
        more, fewer = _MORE_LESS[row.unit]
        return f"{factor(ratio)} {more if ratio > 1 else fewer}"
    if row.differences and row.differences[i] is not None:
        return f"{row.differences[i]:+.1f} pts"
    return ""


def legend_lines(comparison: Comparison) -> list[str]:
    """What the marks mean, the notes, and where published figures come from."""
    reference = comparison.models[comparison.against]
    which = "the first model, " if comparison.against == 0 else ""
    lines = []
    if len(comparison.models) > 1:
        lines.append(
            f"{BEST} best in its row (fewest parameters and operations, least memory, highest published "
            f"accuracy); (Nx fewer), (+N pts): against {which}{reference}"
        )
    lines += comparison.notes
    for key in ("top1", "top5"):
        if comparison.has(key):
            row = comparison.row(key)
            by_source: dict[str, list[str]] = {}
            for model, value, source in zip(comparison.models, row.values, row.notes, strict=True):
                if value is not None and source:
                    by_source.setdefault(source, []).append(model)
            sources = "; ".join(f"{', '.join(m)}: {s}" for s, m in by_source.items())
            missing = [m for m, v in zip(comparison.models, row.values, strict=True) if v is None]
            if missing:
                sources += f"; none published for {', '.join(missing)}"
            lines.append(f"{row.label} from {sources}")
    lines += [f"{row.label} = {row.description}" for row in comparison.rows if row.key.startswith("ops_")]
    if comparison.has("training_total_bytes") and comparison.optimizer:
        lines.append(
            f"memory at batch {comparison.batch}, {comparison.dtype}; the training step holds "
            f"parameters, gradients, {comparison.optimizer} state and the larger activation peak"
        )
    lines += [
        "depth counts the convolutions and dense layers on the longest path from input to output "
        "(parallel branches and projection shortcuts do not add to it); weight layers counts all",
        "receptive field at the last layer whose output is larger than 1x1, in input pixels",
        "MACs = multiply-accumulates of convolutions and matrix products, bias additions excluded; "
        "FLOPs = 2 x MACs",
    ]
    return lines


def _styled(row: FigureRow, i: int) -> Text:
    from rich.text import Text

    cell = Text(value_text(row, row.values[i]), style="bold green" if i in row.best else "")
    relative = relative_text(row, i)
    if relative:
        cell.append(f" ({relative})", style="dim")
    if i in row.best:
        cell.append(f" {BEST}", style="bold green")
    return cell


def _cell(row: FigureRow, i: int, bold: bool = False) -> str:
    text = value_text(row, row.values[i])
    if bold and i in row.best:
        text = f"**{text}**"
    relative = relative_text(row, i)
    if relative:
        text += f" ({relative})"
    return f"{text} {BEST}" if i in row.best else text


def _raw(row: FigureRow, i: int) -> Any:
    value = row.values[i]
    return units.per_axis(value) if row.unit == "pixels" else ("" if value is None else value)


def _model_column(name: str, i: int) -> Column[FigureRow]:
    return Column(
        name, name, lambda r: _cell(r, i), numeric=True, value=lambda r: _raw(r, i),
        styled=lambda r: _styled(r, i), markdown=lambda r: _cell(r, i, bold=True), wrap=True, fold=False,
    )  # fmt: skip


CSV = frozenset({"csv"})


def figure_table(comparison: Comparison) -> ColumnTable[FigureRow]:
    """One row per figure, one column per model: the text with its ratio to the first model and
    the best marked; CSV gives the raw values (counts, bytes, percent, shares 0..1) and the best."""
    models = comparison.models
    columns: list[Column[FigureRow]] = [
        Column("key", "Key", lambda r: r.key, outputs=CSV),
        Column("label", "Figure", lambda r: r.label, wrap=True),
        Column("unit", "Unit", lambda r: r.unit, outputs=CSV),
        Column("better", "Better", lambda r: r.better or "", outputs=CSV),
        *(_model_column(name, i) for i, name in enumerate(models)),
        Column("best", "Best", lambda r: ";".join(models[i] for i in r.best), outputs=CSV),
    ]
    title = f"Comparison — batch {comparison.batch}, {comparison.dtype}"
    return ColumnTable(columns, comparison.rows, title=title, align_markdown=True)


def document(comparison: Comparison) -> Document:
    return Document(
        [figure_table(comparison), Notes(legend_lines(comparison))],
        json=lambda: to_json(comparison),
        left_out_hint="--format markdown or json shows everything",
    )


def print_table(comparison: Comparison, console: Console) -> None:
    table.print_document(document(comparison), console)


def to_markdown(comparison: Comparison) -> str:
    return table.to_markdown(document(comparison))


def to_dict(comparison: Comparison) -> dict[str, Any]:
    models = comparison.models

    def per_model(values: list[Any]) -> dict[str, Any]:
        return dict(zip(models, values, strict=True)) if values else {}

    return {
        "models": models,
        "inputs": per_model(comparison.inputs),
        "input_given": comparison.input_given,
        "batch": comparison.batch,
        "dtype": comparison.dtype,
        "optimizer": comparison.optimizer,
        "convention": comparison.convention,
        "against": models[comparison.against],
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "unit": row.unit,
                "better": row.better,
                "values": per_model(row.values),
                "best": [models[i] for i in row.best],
                "ratio_to_first": per_model(row.ratios),
                "difference_to_first": per_model(row.differences),
                "notes": {m: n for m, n in zip(models, row.notes, strict=True) if n},
                "description": row.description,
            }
            for row in comparison.rows
        ],
        "notes": comparison.notes,
    }


def to_json(comparison: Comparison) -> str:
    return json.dumps(to_dict(comparison), indent=2)


def to_csv(comparison: Comparison) -> str:
    return table.to_csv(figure_table(comparison))
