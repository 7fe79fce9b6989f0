"""Catalogue names (``alexnet``, ``vgg-d``, ``resnet50``)."""

from __future__ import annotations

from typing import Any

import torch

from cnnarch.catalogue import build, get_spec, is_known
from cnnarch.sources.base import Source


def resolve(text: str, options: dict[str, Any]) -> Source | None:
    if not is_known(text):
        return None
    spec = get_spec(text)
    with torch.device("meta"):
        module = build(spec, **options)
    default_input = spec.input
    if options.get("in_channels"):  # --in-channels changes the default input's channels too
        default_input = (options["in_channels"], *spec.input[1:])
    return Source(
        module, spec.name, default_input, spec, origin="catalogue", factory=lambda: build(spec, **options)
    )
