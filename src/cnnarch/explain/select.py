"""``--layers 1-5``, ``--layers conv1,pool1``, ``--layers 'inception3a*'``: which layers to explain."""

from __future__ import annotations

import fnmatch
import re

from cnnarch.errors import CnnarchError

_RANGE = re.compile(r"^(\d+)\s*(?:-\s*(\d+))?$")
_ALIAS = re.compile(r"^(conv|fc|pool)(\d+)$")
EXAMPLES = "e.g. --layers 1-5, --layers conv1,pool1 or --layers 'inception3a*'"
SHOWN = 8
"""Layer names listed in an error, nearest first."""


def select(names: list[str], spec: str | None, types: list[str] | None = None) -> list[int]:
    """Indices (0-based) of the layers ``spec`` names, in network order.

    Items are separated by commas: a number or range (1-based, as in the summary's ``#``), a
    layer name, a wildcard, or a module such as ``inception3a`` (every layer inside it). With
    the layers' ``types``, the names a student types work where the model names its layers
    otherwise (``features.0``): ``conv1`` is the first convolution, ``fc6`` a dense layer as
    Caffe numbers them (the first after five convolutions' worth of numbers), ``pool5`` the
    fifth pooling or else the one after conv5.
    """
    if spec is None or not spec.strip():
        return list(range(len(names)))
    chosen: set[int] = set()
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            raise CnnarchError(f"--layers {spec!r} has an empty item", EXAMPLES)
        chosen |= _one(names, item, spec, types)
    return sorted(chosen)


def _one(names: list[str], item: str, spec: str, types: list[str] | None) -> set[int]:
    match = _RANGE.match(item)
    if match:
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not 1 <= first <= last <= len(names):
            raise CnnarchError(
                f"--layers {item}: layers are numbered 1 to {len(names)}",
                "a range goes from low to high, e.g. 1-5",
            )
        return set(range(first - 1, last))
    if any(c in item for c in "*?["):
        found = {i for i, n in enumerate(names) if fnmatch.fnmatchcase(n, item)}
    else:
        found = {i for i, n in enumerate(names) if n == item or n.startswith(item + ".")}
    if not found and types is not None:
        alias = _alias(item, types)
        if alias is not None:
            return {alias}
    if not found:
        hint = _nearest(item, names)
        if types is not None and _ALIAS.match(item.lower()):
            counts = {k: sum(1 for t in types if _kind(t) == k) for k in ("conv", "fc", "pool")}
            hint = (
                f"this model has {counts['conv']} convolutions (conv1 …), {counts['fc']} dense layers "
                f"(fc1 …, or Caffe's fc6 …) and {counts['pool']} poolings (pool1 …); {hint}"
            )
        raise CnnarchError(f"--layers {spec!r}: no layer named {item!r}", hint)
    return found


def _kind(layer_type: str) -> str | None:
    if layer_type.startswith("Conv") and "Transpose" not in layer_type:
        return "conv"
    if layer_type in ("Linear", "LazyLinear"):
        return "fc"
    if "Pool" in layer_type and not layer_type.startswith("Adaptive"):
        return "pool"
    return None


def _alias(item: str, types: list[str]) -> int | None:
    """The row ``conv2``, ``fc6`` or ``pool5`` means, as the lectures number layers."""
    match = _ALIAS.match(item.lower())
    if match is None:
        return None
    kind, n = match.group(1), int(match.group(2))
    rows = {k: [i for i, t in enumerate(types) if _kind(t) == k] for k in ("conv", "fc", "pool")}
    of_kind = rows[kind]
    if 1 <= n <= len(of_kind):
        return of_kind[n - 1]
    if kind == "fc" and 6 <= n < 6 + len(of_kind):  # Caffe: fc6, fc7, fc8 after conv1-conv5
        return of_kind[n - 6]
    if kind == "pool" and 1 <= n <= len(rows["conv"]):  # Caffe: pool5 follows conv5
        after = rows["conv"][n - 1]
        later = [i for i in of_kind if i > after]
        following = rows["conv"][n] if n < len(rows["conv"]) else len(types)
        if later and later[0] < following:
            return later[0]
    return None


def _nearest(item: str, names: list[str]) -> str:
    """``did you mean ...?`` and the model's layer names, nearest first."""
    import difflib  # deferred: only an unknown layer name needs it (~2 ms of every `cnnarch calc`)

    unique = list(dict.fromkeys(names))
    ranked = sorted(unique, key=lambda n: -difflib.SequenceMatcher(None, item, n).ratio())
    listed = ", ".join(ranked[:SHOWN]) + (f" … ({len(unique)} in all)" if len(unique) > SHOWN else "")
    near = ranked and difflib.SequenceMatcher(None, item, ranked[0]).ratio() >= 0.6
    head = f"did you mean {ranked[0]!r}? " if near else ""
    return f"{head}its layers, nearest first: {listed}; or {EXAMPLES}"
