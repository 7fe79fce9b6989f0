"""The one table engine of cnnarch: a box-drawn table laid out in one pass.

Why not rich's ``Table``: it measures and renders every cell as a renderable of its own, about
0.1 ms each; the catalogue has some 900 cells, which made ``cnnarch list`` slower than its
start-up budget. And when a table is wider than the terminal it folds any column, so a figure
could be cut across lines (``34,94`` / ``4``). Here every cell is text (a ``str`` or a styled
``Text``), widths are string lengths, and the output is one ``Text`` with rich's look (its
heavy-head box, bold headers, an italic title) that rich prints as it is, in colour or not.

Fitting a terminal: the widest wrapping column narrows first (as rich collapses columns), to
``READABLE``; if the table is still too wide, the columns marked ``drop`` are left out, highest
first (``layout`` says which, so the caller can say so and how to see them); then the wrapping
columns narrow on, down to ``MIN_WRAP`` or, for a column that must not fold, its longest word.
Figures never wrap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.text import Text

MIN_WRAP = 8
"""Narrowest a wrapping column gets when the table must shrink to fit."""

Cell = str | Text


@dataclass(frozen=True)
class Column:
    header: str
    """May hold line breaks (``"Published\\nparams"``)."""
    justify: Literal["left", "right"] = "left"
    wrap: bool = False
    """Break long cells into lines at spaces when the table must narrow; a column that does
    not wrap (a figure) is never broken."""
    fold: bool = True
    """A wrapping column may cut a word longer than a line; False: it keeps words whole (a
    formula's numbers), so it narrows no further than its longest word."""
    drop: int = 0
    """Left out when the table cannot fit otherwise: the highest first; 0: always shown."""
    style: str | None = None
    """Style of the column's cells (``dim``)."""


@dataclass
class Layout:
    widths: list[int]
    """Per column; 0 for a column left out."""
    dropped: list[int]
    """Indices of the columns left out."""
    natural: int
    """Width of the table with every column at its natural width."""

    @property
    def shown(self) -> list[int]:
        return [i for i, w in enumerate(self.widths) if w > 0]


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else [""]


def _natural(column: Column, cells: list[str]) -> int:
    return max(cell_len(line) for text in (column.header, *cells) for line in _lines(text))


_WORD = re.compile(r"\S+")


def _floor(column: Column, cells: list[str]) -> int:
    """Narrowest the column may get: ``MIN_WRAP``, or its longest word where words are kept."""
    if not column.wrap:
        return _natural(column, cells)
    if column.fold:
        return min(MIN_WRAP, _natural(column, cells))
    return max([MIN_WRAP, *(cell_len(w) for text in (column.header, *cells) for w in _WORD.findall(text))])


def _table_width(widths: Sequence[int]) -> int:
    shown = [w for w in widths if w > 0]
    return sum(shown) + 3 * len(shown) + 1  # a border and two spaces per column


def layout(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int) -> Layout:
    """Natural widths; if the table is too wide, the wrapping columns narrow (the widest first)
    to ``READABLE``, then droppable columns go (highest ``drop`` first), then the wrapping
    columns narrow on down to their floors."""
    texts = [[_plain(row[i]) for row in rows] for i in range(len(columns))]
    widths = [_natural(c, texts[i]) for i, c in enumerate(columns)]
    floors = [_floor(c, texts[i]) for i, c in enumerate(columns)]
    natural = _table_width(widths)
    _narrow(columns, widths, [max(f, min(w, READABLE)) for f, w in zip(floors, widths, strict=True)], width)
    dropped: list[int] = []
    for i in sorted((i for i, c in enumerate(columns) if c.drop), key=lambda k: -columns[k].drop):
        if _table_width(widths) <= width:
            break
        widths[i] = 0
        dropped.append(i)
    natural_widths = [_natural(c, texts[i]) for i, c in enumerate(columns)]
    for i, c in enumerate(columns):  # room a dropped column left goes back to the narrowed ones
        if c.wrap and widths[i] > 0:
            widths[i] += max(min(width - _table_width(widths), natural_widths[i] - widths[i]), 0)
    _narrow(columns, widths, floors, width)
    return Layout(widths, sorted(dropped), natural)


READABLE = 24
"""Wrapping columns narrow to this before a column is left out."""


def _narrow(columns: Sequence[Column], widths: list[int], floors: list[int], width: int) -> None:
    excess = _table_width(widths) - width
    shrinkable = [i for i, c in enumerate(columns) if c.wrap and widths[i] > 0]
    while excess > 0 and shrinkable:
        i = max(shrinkable, key=lambda k: widths[k] - floors[k])
        if widths[i] <= floors[i]:
            break
        widths[i] -= 1
        excess -= 1


def _spans(text: str, width: int, fold: bool) -> list[tuple[int, int]]:
    """Where each line of ``text`` starts and ends when words go on lines of at most ``width``
    cells; a word longer than a line is cut where ``fold`` allows. Leading spaces (an indented
    name) stay on the first line."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in _lines(text):
        start = end = offset
        for match in _WORD.finditer(paragraph):
            w0, w1 = offset + match.start(), offset + match.end()
            if cell_len(text[start:w1]) <= width or end == start:
                end = w1
            else:
                spans.append((start, end))
                start, end = w0, w1
            while fold and cell_len(text[start:end]) > width:
                spans.append((start, start + width))
                start += width
        spans.append((start, max(end, start)))
        offset += len(paragraph) + 1
    return spans


def _cell_lines(cell: Cell, width: int, column: Column) -> list[Text]:
    plain = cell.plain if isinstance(cell, Text) else cell
    if "\n" not in plain and (not column.wrap or (not plain.endswith(" ") and cell_len(plain) <= width)):
        # one line as it is (most cells): what the spans below give, without slicing a Text
        # (a third of a warm `summary resnet50`'s time went to rich's Text.divide)
        return [cell if isinstance(cell, Text) else Text(cell)]
    text = cell if isinstance(cell, Text) else Text(cell)
    if not column.wrap:
        return [text[a:b] for a, b in _line_spans(text.plain)]
    return [text[a:b] for a, b in _spans(text.plain, width, column.fold)]


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, offset = [], 0
    for line in _lines(text):
        spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def _pad(text: Text, width: int, justify: str) -> Text:
    space = " " * max(width - cell_len(text.plain), 0)
    return Text(space).append_text(text) if justify == "right" else text.copy().append(space)


def box_table(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    width: int,
    row_styles: Sequence[str | None] | None = None,
    fitted: Layout | None = None,
    pad_title: bool = False,
) -> Text:
    """The table as one ``Text`` no wider than ``width`` where wrapping and dropping allow.
    ``fitted`` is a ``layout`` already made for these rows (to say what it dropped);
    ``pad_title`` fills the title line to the table's width, as rich's ``Table`` does."""
    fit = fitted or layout(columns, rows, width)
    shown = fit.shown
    widths = [fit.widths[i] for i in shown]
    kept = [columns[i] for i in shown]

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (w + 2) for w in widths) + right

    out = Text()
    if title:  # rich's Table prints no line for no title
        out.append(title, style="italic")
        if pad_title:
            out.append(" " * max(_table_width(widths) - cell_len(title), 0))
        out.append("\n")
    out.append(rule("┏", "━", "┳", "┓") + "\n")
    headers = [
        _cell_lines(c.header, w, Column(c.header, wrap=True)) for c, w in zip(kept, widths, strict=True)
    ]
    height = max(len(h) for h in headers)
    for k in range(height):  # headers sit on the bottom line, as rich puts them
        out.append("┃")
        for column, lines, w in zip(kept, headers, widths, strict=True):
            line = lines[k - (height - len(lines))] if k >= height - len(lines) else Text()
            out.append(" ")
            out.append_text(_pad(line, w, column.justify).copy())
            out.stylize("bold", len(out) - w, len(out))
            out.append(" ┃")
        out.append("\n")
    out.append(rule("┡", "━", "╇", "┩") + "\n")
    for r, row in enumerate(rows):
        style = row_styles[r] if row_styles else None
        cells = [_cell_lines(row[i], w, c) for i, c, w in zip(shown, kept, widths, strict=True)]
        for k in range(max(len(lines) for lines in cells)):
            out.append("│ ")
            for j, (column, lines, w) in enumerate(zip(kept, cells, widths, strict=True)):
                if j:
                    out.append(" │ ")
                part = _pad(lines[k] if k < len(lines) else Text(), w, column.justify)
                start = len(out)
                out.append_text(part)
                for base in (style, column.style):  # under the cell's own styles, as in rich
                    if base:
                        out.stylize_before(base, start, len(out))
            out.append(" │\n")
    out.append(rule("└", "─", "┴", "┘"))
    return out
