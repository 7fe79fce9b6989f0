"""``--layers 1-5``, ``--layers conv1,pool1``, ``--layers 'inception3a*'``: which layers to explain."""

from __future__ import annotations

import difflib
import fnmatch
import re

from cnnarch.errors import CnnarchError

_RANGE = re.compile(r"^(\d+)\s*(?:-\s*(\d+))?$")
EXAMPLES = "e.g. --layers 1-5, --layers conv1,pool1 or --layers 'inception3a*'"


def select(names: list[str], spec: str | None) -> list[int]:
    """Indices (0-based) of the layers ``spec`` names, in network order.

    Items are separated by commas: a number or range (1-based, as in the summary's ``#``), a
    layer name, a wildcard, or a module such as ``inception3a`` (every layer inside it).
    """
    if spec is None or not spec.strip():
        return list(range(len(names)))
    chosen: set[int] = set()
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            raise CnnarchError(f"--layers {spec!r} has an empty item", EXAMPLES)
        chosen |= _one(names, item, spec)
    return sorted(chosen)


def _one(names: list[str], item: str, spec: str) -> set[int]:
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
    if not found:
        close = difflib.get_close_matches(item, list(dict.fromkeys(names)), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else EXAMPLES
        raise CnnarchError(f"--layers {spec!r}: no layer named {item!r}", hint)
    return found
