"""Catalogue names (``alexnet``, ``vgg-d``, ``resnet50``)."""

from __future__ import annotations

from typing import Any

from cnnarch.catalogue import build, get_spec, is_known
from cnnarch.sources.base import Source
from cnnarch.sources.building import build_on_meta, call_builder


def resolve(text: str, options: dict[str, Any]) -> Source | None:
    if not is_known(text):
        return None
    spec = get_spec(text)
    options = {k: v for k, v in options.items() if v is not None}  # null: the entry's own default

    def factory() -> Any:
        return call_builder(spec.name, lambda **kw: build(spec, **kw), options, {})

    module, note = build_on_meta(factory, spec.name)
    default_input = spec.input
    if isinstance(options.get("in_channels"), int):  # --in-channels changes the default input too
        default_input = (options["in_channels"], *spec.input[1:])
    return Source(
        module,
        spec.name,
        default_input,
        spec,
        origin="catalogue",
        factory=factory,
        notes=[note] if note else [],
    )
