"""Split a layer list into tokens, each with its line and column for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cnnarch.dsl.errors import DslSyntaxError

Kind = Literal["word", "number", "size", "arrow", "bar", "lparen", "rparen", "equals", "newline", "end"]

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\f\v]+)
  | (?P<comment>\#[^\n]*)
  | (?P<newline>\n|;)
  | (?P<arrow>->|→|>)
  | (?P<bar>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<equals>=)
  | (?P<size>\d+(?:[xX×]\d+)+(?![\w.]))
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<word>[A-Za-z_][A-Za-z0-9_×]*)
  | (?P<bad>[\d.][\w.×]*)
    """,
    re.VERBOSE,
)

DESCRIBE = {
    "arrow": "'>'",
    "bar": "'|'",
    "lparen": "'('",
    "rparen": "')'",
    "equals": "'='",
    "newline": "the end of the line",
    "end": "the end of the text",
}


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    line: int
    column: int
    """1-based, counted in characters."""

    def describe(self) -> str:
        return DESCRIBE.get(self.kind) or repr(self.text)


def tokenize(source: str, origin: str | None = None) -> list[Token]:
    """Tokens of ``source`` ending with an ``end`` token. Comments (``#`` to the end of the line)
    and spaces are dropped; ``;`` counts as a line break."""
    tokens: list[Token] = []
    line, line_start, pos = 1, 0, 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        column = pos - line_start + 1
        if match is None:
            bad = source[pos]
            raise DslSyntaxError(
                f"unexpected character {bad!r}: expected a layer name, a number, '>', '|', '(' or ')'",
                source,
                line,
                column,
                origin=origin,
            )
        kind = match.lastgroup
        text = match.group()
        if kind == "bad":
            raise DslSyntaxError(
                f"{text!r} is not a number or a size: expected e.g. 64, 0.5, 1e-4 or 3x3",
                source,
                line,
                column,
                len(text),
                origin=origin,
            )
        if kind == "newline":
            tokens.append(Token("newline", text, line, column))
            if text == "\n":
                line, line_start = line + 1, match.end()
        elif kind not in ("space", "comment"):
            tokens.append(Token(kind, text, line, column))  # type: ignore[arg-type]
        pos = match.end()
    tokens.append(Token("end", "", line, pos - line_start + 1))
    return tokens
