"""A box-drawn table laid out in one pass: what ``cnnarch list`` prints.

Rich's ``Table`` measures and renders every cell as a renderable of its own, about 0.1 ms each;
the catalogue has some 900 cells, which made ``cnnarch list`` slower than its start-up budget.
Here every cell is plain text, so the widths are string lengths and the output is one ``Text``
with the same look (rich's heavy-head box, bold headers, an italic title) that rich prints as
it is, in colour or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.text import Text

MIN_WRAP = 8
"""Narrowest a wrapping column gets when the table must shrink to fit."""


@dataclass(frozen=True)
class Column:
    header: str
    """May hold line breaks (``"Published\\nparams"``)."""
    justify: Literal["left", "right"] = "left"
    wrap: bool = False
    """Break long cells into lines (at spaces, long words folded) when the table must narrow."""


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else [""]


def _natural(column: Column, cells: list[str]) -> int:
    return max(cell_len(line) for text in (column.header, *cells) for line in _lines(text))


def _widths(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Natural widths; if the table is too wide, the widest wrapping column narrows first (as
    rich collapses columns), down to ``MIN_WRAP``."""
    widths = [_natural(c, [row[i] for row in rows]) for i, c in enumerate(columns)]
    excess = sum(widths) + 3 * len(columns) + 1 - width  # a border and two spaces per column
    shrinkable = [i for i, c in enumerate(columns) if c.wrap]
    while excess > 0 and shrinkable:
        i = max(shrinkable, key=lambda k: widths[k])
        if widths[i] <= MIN_WRAP:
            break
        widths[i] -= 1
        excess -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    """Words on lines of at most ``width`` cells; a word that does not fit starts a new line,
    and one longer than a line is folded."""
    lines: list[str] = []
    for paragraph in _lines(text):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if cell_len(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while cell_len(word) > width:
                lines.append(word[:width])
                word = word[width:]
            line = word
        lines.append(line)
    return lines


def _pad(text: str, width: int, justify: str) -> str:
    space = " " * max(width - cell_len(text), 0)
    return space + text if justify == "right" else text + space


def box_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> Text:
    """The table as one ``Text`` no wider than ``width`` where the wrapping columns allow."""
    widths = _widths(columns, rows, width)

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (w + 2) for w in widths) + right

    out = Text()
    out.append(title, style="italic")
    out.append("\n" + rule("┏", "━", "┳", "┓") + "\n")
    headers = [_wrap(c.header, w) for c, w in zip(columns, widths, strict=True)]
    height = max(len(h) for h in headers)
    for k in range(height):  # headers sit on the bottom line, as rich puts them
        out.append("┃")
        for column, lines, w in zip(columns, headers, widths, strict=True):
            line = lines[k - (height - len(lines))] if k >= height - len(lines) else ""
            out.append(" ")
            out.append(_pad(line, w, column.justify), style="bold")
            out.append(" ┃")
        out.append("\n")
    out.append(rule("┡", "━", "╇", "┩") + "\n")
    for row in rows:
        cells = [
            _wrap(text, w) if c.wrap else _lines(text)
            for c, text, w in zip(columns, row, widths, strict=True)
        ]
        for k in range(max(len(lines) for lines in cells)):
            parts = [_pad(lines[k] if k < len(lines) else "", w, c.justify)
                     for c, lines, w in zip(columns, cells, widths, strict=True)]  # fmt: skip
            out.append("│ " + " │ ".join(parts) + " │\n")
    out.append(rule("└", "─", "┴", "┘"))
    return out
