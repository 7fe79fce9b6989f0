"""Render a ``peers.compare.Comparison``: each tool's total beside cnnarch's under its rules."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cnnarch.analysis.breakdown import LABELS, ORDER, UNITS
from cnnarch.peers.compare import Comparison
from cnnarch.render import units


def to_dict(comparison: Comparison) -> dict[str, Any]:
    data = asdict(comparison)
    for row, tool in zip(data["tools"], comparison.tools, strict=True):
        row["equal"] = tool.equal
    return data


def to_json(comparison: Comparison) -> str:
    return json.dumps(to_dict(comparison), indent=2)


def _total(n: int | None) -> str:
    return "" if n is None else f"{units.count(n)} ({units.scaled(n)})"


def _equal(tool: Any) -> Text:
    if tool.equal is None:
        return Text("")
    return Text("yes", style="green") if tool.equal else Text("NO", style="bold red")


def tools_table(comparison: Comparison) -> Table:
    table = Table(
        title=f"{comparison.model} — input {units.shape(comparison.input_shape)}: "
        f"cnnarch macs {_total(comparison.macs)}",
        title_justify="left",
    )
    for name, right in (
        ("Tool", False),
        ("Version", False),
        ("Tool's total", True),
        ("cnnarch, tool's rules", True),
        ("Equal", False),
        ("Time", True),
        ("Why it differs from cnnarch's macs", False),
    ):
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for tool in comparison.tools:
        if tool.status == "ok":
            own, time = _total(tool.total), f"{tool.seconds:.2f} s"
        else:
            own, time = Text(f"{tool.status}: {tool.error}", style="yellow"), ""
        table.add_row(
            tool.tool, tool.version or "", own, _total(tool.cnnarch), _equal(tool), time, tool.reason
        )
    return table


def categories_table(comparison: Comparison) -> Table:
    table = Table(title="By kind of operation (cnnarch under each tool's rules)", title_justify="left")
    table.add_column("Kind", overflow="fold")
    table.add_column("Work", justify="right")
    table.add_column("macs", justify="right")
    for tool in comparison.tools:
        table.add_column(tool.tool, justify="right")
    table.add_column("Work is counted in", overflow="fold")
    for category in ORDER:
        values = [comparison.macs_by_category.get(category, 0)]
        values += [tool.by_category.get(category, 0) for tool in comparison.tools]
        work = comparison.breakdown.get(category, 0)
        if not work and not any(values):
            continue
        cells = [units.scaled(v) if v else "0" for v in values]
        table.add_row(LABELS[category], units.scaled(work) if work else "0", *cells, UNITS[category])
    return table


def print_comparison(comparison: Comparison, console: Console) -> None:
    console.print(tools_table(comparison))
    console.print(categories_table(comparison))
    console.print(
        f"cnnarch traced and counted under every rule set in {comparison.cnnarch_seconds:.2f} s "
        "(like each tool's time above, a first call in this process: imports and set-up included)"
    )
    if comparison.unknown_ops:
        ops = ", ".join(f"{k} x{v}" for k, v in sorted(comparison.unknown_ops.items()))
        console.print(f"Ops without a rule (not counted, not zero): {ops}", highlight=False)
    for tool in comparison.tools:
        if tool.status == "ok" and not tool.equal:
            for note in tool.notes:
                console.print(Text(f"{tool.tool}: {note}", style="dim"))
    console.print(
        Text(
            "Each tool ran on a CPU copy of the model with random weights and a random input of the "
            "same shape; the rules are in cnnarch/analysis/conventions.py.",
            style="dim",
        )
    )
