"""``cnnarch list``: the catalogue, filtered by wildcard, family or task (no torch import)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from cnnarch.cli.console import Format, out, write


def list_models(
    pattern: Annotated[
        str | None, typer.Argument(help="Wildcard over names, e.g. 'resnet*'.", show_default=False)
    ] = None,
    family: Annotated[str | None, typer.Option("--family", help="Only this family, e.g. resnet.")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Only this task, e.g. segmentation.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List the catalogued architectures with their paper, default input and published figures.

    Examples:

      cnnarch list

      cnnarch list 'vgg*'

      cnnarch list --family resnet --format json
    """
    from cnnarch.catalogue import find
    from cnnarch.render import units

    specs = find(pattern, family, task)
    if fmt is Format.json:
        rows = [
            {
                "name": s.name, "aliases": list(s.aliases), "family": s.family, "paper": s.paper,
                "year": s.year, "task": s.task, "input": list(s.input), "num_classes": s.num_classes,
                "source": s.source, "notes": s.notes, "torchvision": s.torchvision,
                "published": [vars(p) for p in s.published],
            }
            for s in specs
        ]  # fmt: skip
        write(json.dumps(rows, indent=2))
        return
    table = Table(title=f"{len(specs)} architectures", title_justify="left")
    for column in ("Name", "Family", "Year", "Task", "Input", "Published params", "Paper"):
        table.add_column(column, overflow="fold")
    for s in specs:
        params = s.published_value("params")
        table.add_row(
            s.name + (f" ({', '.join(s.aliases)})" if s.aliases else ""), s.family, str(s.year), s.task,
            "x".join(map(str, s.input)), units.scaled(params, 1) if params else "", s.paper,
        )  # fmt: skip
    out.print(table)
