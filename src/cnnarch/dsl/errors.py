"""Errors in a layer list: the message shows the line with a caret under the offending token."""

from __future__ import annotations

from cnnarch.errors import CnnarchError


def caret_block(source: str, line: int, column: int, width: int = 1) -> str:
    """The source line (1-based ``line``) and carets under ``column`` (1-based), both indented
    by two spaces so that they align whatever the message above them says."""
    lines = source.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    text = "".join(c if c.isprintable() else " " for c in text)  # a tab or control: one column
    width = max(1, min(width, len(text) - column + 1))
    return f"  {text}\n  {' ' * (column - 1)}{'^' * width}"


class DslError(CnnarchError):
    """A layer list that cannot be read or built. ``line`` and ``column`` are 1-based; the
    message is three lines: where and what, the source line, and a caret under the token."""

    def __init__(
        self, problem: str, source: str, line: int, column: int, width: int = 1, origin: str | None = None
    ) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        where = f"{origin}, line {line}" if origin else f"line {line}"
        super().__init__(f"{where}, column {column}: {problem}\n{caret_block(source, line, column, width)}")


class DslSyntaxError(DslError):
    """The text does not follow the grammar (an unknown word, a missing value, a stray symbol)."""
