"""Where a model comes from. ``resolve`` asks each resolver in turn; the first that recognises
the text builds the model (on the meta device) and returns a ``Source``.

A resolver is ``(text, options) -> Source | None``: None means "not mine". Resolvers are named
as ``module:function`` strings and imported only when asked, so no source costs start-up time.
"""

from __future__ import annotations

from pkgutil import resolve_name
from typing import Any

from cnnarch.sources.base import Source

RESOLVERS: list[str] = [
    "cnnarch.sources.catalogue:resolve",
    "cnnarch.sources.hub:resolve",
    "cnnarch.sources.python_file:resolve",
    "cnnarch.sources.layer_list:resolve",
]


def resolve_text(text: str, options: dict[str, Any]) -> Source:
    for path in RESOLVERS:
        found = resolve_name(path)(text, options)
        if found is not None:
            return found
    from cnnarch.catalogue import get_spec

    get_spec(text)  # raises the unknown-name error with the nearest catalogue name
    raise AssertionError("unreachable")


__all__ = ["RESOLVERS", "Source", "resolve_text"]
