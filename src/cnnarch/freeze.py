"""Transfer learning: freeze a model's parameters up to a layer (``--freeze UPTO``).

Freezing sets ``requires_grad = False`` on the parameters of every module up to and including
``UPTO`` (in the order the model registers them), before the trace. Everything else follows
from the trace: the report counts trainable and frozen parameters, and the training-step memory
(``analysis/training_memory.py``) keeps no gradients or optimizer state for frozen weights and
no saved activations that only their gradients would need.

``UPTO`` is a module name (``features``: all of it; ``features.10``: everything up to that
layer), a number N (the first N layers with parameters), or a lecture name (``conv5``, ``fc6``:
the same rule as ``explain --layers``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnnarch.errors import CnnarchError
from cnnarch.explain.select import _alias, _nearest

if TYPE_CHECKING:
    from torch import nn


def freeze(module: nn.Module, upto: str) -> list[str]:
    """Freeze ``module``'s parameters up to ``upto``; the names of the frozen ones, in order."""
    modules = list(module.named_modules())
    paths = [path for path, _ in modules]
    layers = [
        (path, m) for path, m in modules if path and next(m.parameters(recurse=False), None) is not None
    ]
    text = upto.strip()
    if text.isdigit():
        n = int(text)
        if not 1 <= n <= len(layers):
            raise CnnarchError(
                f"--freeze {text}: the model has {len(layers)} layers with parameters",
                "give 1 to that number",
            )
        target = layers[n - 1][0]
    elif text in paths and text:
        target = text
    else:
        found = _alias(text, [type(m).__name__ for _, m in layers])
        if found is None:
            named = [p for p in paths if p]
            near = _nearest(text, named).split("; or e.g.")[0]
            raise CnnarchError(
                f"--freeze {text!r}: no module of that name", f"{near}; or a number, or conv5, fc6"
            )
        target = layers[found][0]
    cut = max(i for i, path in enumerate(paths) if path == target or path.startswith(target + "."))
    frozen = []
    seen: set[int] = set()
    for i, (path, m) in enumerate(modules):
        for name, p in m.named_parameters(recurse=False):
            if id(p) in seen:
                continue
            seen.add(id(p))
            if i <= cut:
                p.requires_grad_(False)
                frozen.append(f"{path}.{name}" if path else name)
    return frozen
