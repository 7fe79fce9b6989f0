"""The layer-list language: networks written as ``conv 96 k11 s4 > relu > maxpool k3 s2 > ...``.

``parse`` (no torch) checks the text and returns a ``Program``; ``build`` turns it into an
``nn.Sequential`` for an input shape. The grammar is ``parser.GRAMMAR``, the vocabulary the
table in ``layers.py``; the documentation's page "The layer-list language" shows both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnnarch.dsl.errors import DslError, DslSyntaxError
from cnnarch.dsl.nodes import Program
from cnnarch.dsl.parser import parse

if TYPE_CHECKING:
    from cnnarch.dsl.builder import build

__all__ = ["DslError", "DslSyntaxError", "Program", "build", "parse"]


def __getattr__(name: str) -> Any:
    if name == "build":  # imports torch
        from cnnarch.dsl.builder import build

        return build
    raise AttributeError(f"module 'cnnarch.dsl' has no attribute {name!r}")
