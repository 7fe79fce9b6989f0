"""One output path for every command: a column table (key, header, numeric, cell) and the notes
around it, written as a terminal table, CSV or Markdown by the same few functions.

A command describes what it prints as a ``Document``: tables (one ``Column`` per column, each
turning a row into its text, its raw CSV value and its styled terminal cell) and note lines. A
new column is one ``Column`` entry; every format reads it. JSON is the plain data's own
``to_dict`` (a nested record, not a grid), handed over as ``Document.json``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:  # rich is imported where a table is drawn: JSON, CSV and Markdown need none
    from rich.console import Console
    from rich.text import Text

Item = TypeVar("Item")
Output = Literal["table", "csv", "markdown"]
EVERYWHERE: frozenset[Output] = frozenset(("table", "csv", "markdown"))


@dataclass(frozen=True)
class Column(Generic[Item]):
    key: str
    """The CSV header."""
    header: str
    """The terminal and Markdown header."""
    cell: Callable[[Item], str]
    """The text shown (terminal and Markdown)."""
    numeric: bool = False
    """Right-aligned; like every column that does not ``wrap``, never broken across lines."""
    value: Callable[[Item], Any] | None = None
    """The raw CSV value (exact counts, bytes); by default the ``cell`` text."""
    styled: Callable[[Item], Text] | None = None
    """The terminal cell with its styles; by default the ``cell`` text."""
    markdown: Callable[[Item], str] | None = None
    """The Markdown cell; by default the ``cell`` text."""
    outputs: frozenset[Output] = EVERYWHERE
    wrap: bool = False
    """Text that may break at spaces when the terminal is narrow (names, formulas, labels)."""
    fold: bool = True
    """A wrapping cell may cut a word longer than a line (False: words stay whole)."""
    drop: int = 0
    """Left out of a terminal too narrow for it, the highest first; 0: always shown."""
    style: str | None = None


@dataclass
class ColumnTable(Generic[Item]):
    columns: Sequence[Column[Item]]
    rows: Sequence[Item]
    title: str = ""
    """Above the terminal table."""
    heading: str | None = None
    """Above the Markdown table (``### alexnet``)."""
    row_style: Callable[[Item], str | None] | None = None
    align_markdown: bool = False
    """Right-align numeric Markdown columns (``---:``)."""
    outputs: frozenset[Output] = EVERYWHERE
    """Where the table appears (a terminal view and a Markdown view may pick different columns)."""
    pad_title: bool = True
    """Fill the title line to the table's width, as rich's ``Table`` does."""

    def shown(self, output: Output) -> list[Column[Item]]:
        return [c for c in self.columns if output in c.outputs]


@dataclass
class Notes:
    lines: list[str]
    style: str | None = None
    outputs: frozenset[Output] = frozenset(("table", "markdown"))
    wrap: bool = False
    """The terminal breaks long lines at spaces (False: a line is printed whole)."""


Block = ColumnTable[Any] | Notes


@dataclass
class Document:
    blocks: list[Block]
    json: Callable[[], str] | None = None
    csv_table: int = 0
    """Which of the tables for CSV it writes (CSV holds one grid)."""
    markdown_end: str = "\n"
    """What ends the Markdown text."""
    left_out_hint: str = "--format markdown or json shows everything"

    @property
    def tables(self) -> list[ColumnTable[Any]]:
        return [b for b in self.blocks if isinstance(b, ColumnTable)]

    def csv(self) -> ColumnTable[Any]:
        return [t for t in self.tables if "csv" in t.outputs][self.csv_table]


# -- CSV -------------------------------------------------------------------------------------


def to_csv(table: ColumnTable[Any]) -> str:
    columns = table.shown("csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in columns])
    for row in table.rows:
        writer.writerow([(c.value or c.cell)(row) for c in columns])
    return buffer.getvalue()


# -- Markdown --------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(table: ColumnTable[Any]) -> list[str]:
    columns = table.shown("markdown")
    lines = [f"{table.heading}", ""] if table.heading else []
    lines.append("| " + " | ".join(c.header for c in columns) + " |")
    lines.append("|" + "".join("---:|" if table.align_markdown and c.numeric else "---|" for c in columns))
    for row in table.rows:
        lines.append("| " + " | ".join(_md((c.markdown or c.cell)(row)) for c in columns) + " |")
    return lines


def to_markdown(document: Document) -> str:
    out: list[str] = []
    previous: Block | None = None
    for block in document.blocks:
        if isinstance(block, Notes):
            if "markdown" not in block.outputs:
                continue
            if out and not isinstance(previous, Notes):
                out.append("")
            out += [f"- {line}" for line in block.lines]
        elif "markdown" in block.outputs:
            if out:
                out.append("")
            out += markdown_table(block)
        previous = block
    return "\n".join(out) + document.markdown_end


# -- terminal --------------------------------------------------------------------------------


def terminal_table(table: ColumnTable[Any], width: int) -> tuple[Text, list[str]]:
    """The box table fitted to ``width``, and the headers of the columns it left out."""
    from cnnarch.render import grid

    columns = table.shown("table")
    boxes = [
        grid.Column(c.header, "right" if c.numeric else "left", c.wrap, c.fold, c.drop, c.style)
        for c in columns
    ]
    rows = [[c.styled(r) if c.styled else c.cell(r) for c in columns] for r in table.rows]
    styles = [table.row_style(r) for r in table.rows] if table.row_style else None
    fit = grid.layout(boxes, rows, width)
    text = grid.box_table(table.title, boxes, rows, width, styles, fit, pad_title=table.pad_title)
    return text, [columns[i].header.replace("\n", " ") for i in fit.dropped]


def _left_out_note(document: Document, width: int, left_out: list[str]) -> str:
    return f"A console {width} columns wide leaves out {', '.join(left_out)}: {document.left_out_hint}."


def renderables(document: Document, width: int) -> list[Text]:
    """The terminal view as rich renderables (``rich.print(report)``, notebooks): tables fitted
    to ``width``, each with the note naming what it left out, and the notes."""
    from rich.text import Text

    parts: list[Text] = []
    for block in document.blocks:
        if isinstance(block, Notes):
            if "table" in block.outputs:
                parts += [Text(line, style=block.style or "") for line in block.lines]
        elif "table" in block.outputs:
            text, left_out = terminal_table(block, width)
            parts.append(text)
            if left_out:
                parts.append(Text(_left_out_note(document, width, left_out)))
    return parts


def print_document(document: Document, console: Console) -> None:
    """Tables fitted to the console, then their notes; a column left out is named, with where
    to see it."""
    from rich.text import Text

    for block in document.blocks:
        if isinstance(block, Notes):
            if "table" in block.outputs:
                for line in block.lines:
                    console.print(Text(line, style=block.style or ""), soft_wrap=not block.wrap)
            continue
        if "table" not in block.outputs:
            continue
        text, left_out = terminal_table(block, console.width)
        console.print(text, soft_wrap=True, highlight=False)
        if left_out:
            console.print(
                _left_out_note(document, console.width, left_out),
                soft_wrap=True,
                highlight=False,
                markup=False,
            )


def write(
    document: Document, output: str, console: Callable[[], Console], stdout: Callable[[str], None]
) -> None:
    """The one place a command's output format is chosen. ``console`` gives the terminal's
    console, made (and rich imported) only for a table."""
    if output == "json":
        if document.json is None:
            raise ValueError("this document has no JSON form")
        stdout(document.json())
    elif output == "csv":
        stdout(to_csv(document.csv()))
    elif output == "markdown":
        stdout(to_markdown(document))
    else:
        print_document(document, console())
