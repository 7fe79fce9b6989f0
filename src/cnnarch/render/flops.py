"""``cnnarch flops``: each tool's total beside cnnarch's under its rules, and the totals by kind
of operation, as a ``Document`` (``render/table.py``); JSON is ``to_dict``."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.text import Text

from cnnarch.render import units
from cnnarch.render.table import Column, ColumnTable, Document, Notes

if TYPE_CHECKING:
    from cnnarch.peers.compare import CounterTotals, Kind, ToolCount


def to_dict(comparison: CounterTotals) -> dict[str, Any]:
    data = asdict(comparison)
    data.pop("kinds")
    for row, tool in zip(data["tools"], comparison.tools, strict=True):
        row["equal"] = tool.equal
    return data


def to_json(comparison: CounterTotals) -> str:
    return json.dumps(to_dict(comparison), indent=2)


def _total(n: int | None) -> str:
    return "" if n is None else f"{units.count(n)} ({units.scaled(n)})"


def _equal(tool: ToolCount) -> str:
    return "" if tool.equal is None else ("yes" if tool.equal else "NO")


def _equal_styled(tool: ToolCount) -> Text:
    return Text(_equal(tool), style="" if tool.equal is None else ("green" if tool.equal else "bold red"))


def _own(tool: ToolCount) -> str:
    return _total(tool.total) if tool.status == "ok" else f"{tool.status}: {tool.error}"


def _own_styled(tool: ToolCount) -> Text:
    return Text(_own(tool), style="" if tool.status == "ok" else "yellow")


TOOL_COLUMNS: list[Column[ToolCount]] = [
    Column("tool", "Tool", lambda t: t.tool, wrap=True),
    Column("version", "Version", lambda t: t.version or "", wrap=True),
    Column("total", "Tool's total", _own, numeric=True, styled=_own_styled, wrap=True, fold=False),
    Column("cnnarch", "cnnarch, tool's rules", lambda t: _total(t.cnnarch), numeric=True),
    Column("equal", "Equal", _equal, styled=_equal_styled),
    Column("time", "Time", lambda t: f"{t.seconds:.2f} s" if t.status == "ok" else "", numeric=True, drop=2),
    Column("reason", "Why it differs from cnnarch's macs", lambda t: t.reason, wrap=True, fold=False, drop=1),
]


def tools_table(comparison: CounterTotals) -> ColumnTable[ToolCount]:
    title = (
        f"{comparison.model} — input {units.shape(comparison.input_shape)}: "
        f"cnnarch macs {_total(comparison.macs)}"
    )
    return ColumnTable(TOOL_COLUMNS, comparison.tools, title=title)


def _scaled(value: int) -> str:
    return units.scaled(value) if value else "0"


def categories_table(comparison: CounterTotals) -> ColumnTable[Kind]:
    """One row per kind of operation that any count includes."""

    def counted(kind: Kind) -> list[int]:
        return [comparison.macs_by_category.get(kind.key, 0)] + [
            tool.by_category.get(kind.key, 0) for tool in comparison.tools
        ]

    kinds = [k for k in comparison.kinds if comparison.breakdown.get(k.key, 0) or any(counted(k))]
    columns: list[Column[Kind]] = [
        Column("kind", "Kind", lambda k: k.label, wrap=True),
        Column("work", "Work", lambda k: _scaled(comparison.breakdown.get(k.key, 0)), numeric=True),
        Column("macs", "macs", lambda k: _scaled(comparison.macs_by_category.get(k.key, 0)), numeric=True),
        *(
            Column(tool.tool, tool.tool, lambda k, t=tool: _scaled(t.by_category.get(k.key, 0)), numeric=True)
            for tool in comparison.tools
        ),
        Column("unit", "Work is counted in", lambda k: k.unit, wrap=True),
    ]
    return ColumnTable(columns, kinds, title="By kind of operation (cnnarch under each tool's rules)")


def document(comparison: CounterTotals) -> Document:
    if comparison.cnnarch_cached:
        timing = (
            "cnnarch's counts came from the result cache: no trace ran in this run (tracing and "
            f"counting took {comparison.cnnarch_seconds:.2f} s when they were first computed; "
            "--no-cache traces afresh)"
        )
    else:
        timing = (
            f"cnnarch traced and counted under every rule set in {comparison.cnnarch_seconds:.2f} s "
            "(like each tool's time above, a first call in this process: imports and set-up included)"
        )
    notes = [timing]
    if comparison.unknown_ops:
        ops = ", ".join(f"{k} x{v}" for k, v in sorted(comparison.unknown_ops.items()))
        notes.append(f"Ops without a rule (not counted, not zero): {ops}")
    differences = [
        f"{tool.tool}: {note}"
        for tool in comparison.tools
        if tool.status == "ok" and not tool.equal
        for note in tool.notes
    ]
    ending = (
        "Each tool ran on a CPU copy of the model with random weights and a random input of the "
        "same shape; each tool's rules are on the documentation's Conventions page."
    )
    return Document(
        [
            tools_table(comparison),
            categories_table(comparison),
            Notes(notes, wrap=True),
            Notes(differences, style="dim", wrap=True),
            Notes([ending], style="dim", wrap=True),
        ],
        json=lambda: to_json(comparison),
        left_out_hint="--format json shows everything",
    )
