"""Where a model comes from. ``resolve`` asks each resolver in turn; the first that recognises
the text builds the model (on the meta device) and returns a ``Source``.

A resolver is ``(text, options) -> Source | None``: None means "not mine". Resolvers are named
as ``module:function`` strings and imported only when asked, so no source costs start-up time.
"""

from __future__ import annotations

from pkgutil import resolve_name
from typing import Any

from cnnarch.sources.base import Source

RESOLVERS: dict[str, str] = {
    "cnnarch.sources.catalogue:resolve": "a catalogue name (see 'cnnarch list')",
    "cnnarch.sources.hub:resolve": "torchvision:NAME, timm:NAME",
    "cnnarch.sources.python_file:resolve": "path/to/file.py:Class",
    "cnnarch.sources.layer_list:resolve": 'a layer list ("conv 96 k11 s4 > relu > fc 10") or layer-list file',
}
"""Resolver (``module:function``, asked in this order) → how a user names such a model (for help)."""


def resolve_text(text: str, options: dict[str, Any]) -> Source:
    for path in RESOLVERS:
        found = resolve_name(path)(text, options)
        if found is not None:
            return found
    from cnnarch.catalogue import get_spec

    get_spec(text)  # raises the unknown-name error with the nearest catalogue name
    raise AssertionError("unreachable")


def check_name(text: str) -> None:
    """Fail on a model name no source knows, without building anything or running a user's file:
    ``compare file.py:Net resnt50`` reports the typo before the file runs."""
    from cnnarch.catalogue import get_spec, is_known

    if is_known(text):  # before importing the other sources: they import torch
        return
    from cnnarch.sources import hub, layer_list, python_file

    if layer_list.claims(text) or hub.check_name(text):
        return
    match = python_file._PATTERN.match(text.strip())
    if match is not None:
        from pathlib import Path

        from cnnarch.errors import CnnarchError

        if not Path(match["path"]).expanduser().is_file():
            raise CnnarchError(f"no such file: {match['path']}", "give path/to/file.py:ClassOrFactory")
        return
    get_spec(text)  # raises the unknown-name error with the nearest catalogue name


__all__ = ["RESOLVERS", "Source", "check_name", "resolve_text"]
