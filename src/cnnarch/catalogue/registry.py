"""Look up catalogue entries by name, alias or wildcard, with "did you mean" for misspellings."""

from __future__ import annotations

import difflib
import fnmatch
from pkgutil import resolve_name
from typing import TYPE_CHECKING, Any

from cnnarch.catalogue.entries import ENTRIES
from cnnarch.catalogue.spec import ModelSpec
from cnnarch.errors import CnnarchError, UnknownModelError

if TYPE_CHECKING:
    from torch import nn


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


_BY_NAME: dict[str, ModelSpec] = {}
for _spec in ENTRIES:
    for _n in (_spec.name, *_spec.aliases):
        if _key(_n) in _BY_NAME:
            raise RuntimeError(f"duplicate catalogue name {_n!r}")
        _BY_NAME[_key(_n)] = _spec


def all_specs() -> list[ModelSpec]:
    return list(ENTRIES)


def names() -> list[str]:
    return [s.name for s in ENTRIES]


def is_known(name: str) -> bool:
    return _key(name) in _BY_NAME


SUGGEST_CUTOFF = 0.6
"""Least similarity (difflib's ratio) for a "did you mean"; below it the hint lists nothing
rather than a stranger ('foo' is 0.57 from 'yolo')."""


def suggest(name: str) -> str | None:
    """The catalogue name nearest to ``name`` (prefixes count: ``resnet5`` → ``resnet50``, and
    ``rsnet`` is compared with ``resnet``, the start of ``resnet50``)."""
    key = _key(name)
    if not key:
        return None
    prefixed = sorted(c for c in _BY_NAME if c.startswith(key))
    if prefixed:
        return _BY_NAME[min(prefixed, key=len)].name

    def similarity(candidate: str) -> float:
        whole = difflib.SequenceMatcher(None, key, candidate).ratio()
        start = difflib.SequenceMatcher(None, key, candidate[: len(key) + 1]).ratio()
        return max(whole, start)

    best = max(_BY_NAME, key=lambda c: (similarity(c), -len(c)))
    return _BY_NAME[best].name if similarity(best) >= SUGGEST_CUTOFF else None


def get_spec(name: str) -> ModelSpec:
    spec = _BY_NAME.get(_key(name))
    if spec is None:
        near = suggest(name)
        hint = f"did you mean {near!r}?" if near else "run 'cnnarch list' to see the catalogue"
        raise UnknownModelError(f"unknown model {name!r}", hint)
    return spec


def find(pattern: str | None = None, family: str | None = None, task: str | None = None) -> list[ModelSpec]:
    """Entries matching a wildcard over names and aliases, a family and a task."""
    found = []
    for spec in ENTRIES:
        if pattern and not any(fnmatch.fnmatch(_key(n), _key(pattern)) for n in (spec.name, *spec.aliases)):
            continue
        if family and _key(spec.family) != _key(family):
            continue
        if task and _key(spec.task) != _key(task):
            continue
        found.append(spec)
    return found


def build(spec: ModelSpec, **overrides: Any) -> nn.Module:
    """Instantiate the entry's module (on whatever device is current: meta for analyses)."""
    factory = resolve_name(spec.builder)  # 'module:function'
    kwargs = dict(spec.kwargs)
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in spec.options:
            allowed = ", ".join(f"--{o.replace('_', '-')}" for o in spec.options) or "none"
            raise CnnarchError(
                f"{spec.name} does not take --{key.replace('_', '-')}", f"it accepts: {allowed}"
            )
        kwargs[key] = value
    return factory(**kwargs)
