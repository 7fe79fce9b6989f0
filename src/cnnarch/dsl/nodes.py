"""The parsed form of a layer list: plain data with the token of every layer, for error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnnarch.dsl.layers import LayerDef
from cnnarch.dsl.lexer import Token


@dataclass
class LayerNode:
    token: Token
    """The layer's keyword as written."""
    definition: LayerDef
    values: dict[str, Any]
    """Every option of the layer, defaults filled in, by the option's canonical name."""
    tokens: dict[str, Token] = field(default_factory=dict)
    """Where each option given explicitly was written."""


@dataclass
class ResidualNode:
    token: Token
    body: list[Node]
    shortcut: list[Node] | None
    """None: the identity shortcut."""


@dataclass
class ConcatNode:
    token: Token
    branches: list[list[Node]]


Node = LayerNode | ResidualNode | ConcatNode


@dataclass
class Program:
    source: str
    body: list[Node]
    input: tuple[int, ...] | None = None
    """From an ``input 3x227x227`` line (C, H, W) or ``input 9216`` (features), if present."""
    origin: str | None = None
    """The file name, for error messages."""
