"""``cnnarch calc``: one computation, worked. Each question is a small network written in the
layer-list language and analysed by the same pipeline as ``cnnarch summary``."""

from __future__ import annotations

from cnnarch.calc.questions import (
    anchors,
    bottleneck,
    conv,
    factorize,
    fc,
    fire,
    gap,
    group,
    head,
    memory,
    pool,
    residual,
    rf,
    separable,
    stack,
    tconv,
)

__all__ = [
    "anchors", "bottleneck", "conv", "factorize", "fc", "fire", "gap", "group", "head", "memory", "pool",
    "residual", "rf", "separable", "stack", "tconv",
]  # fmt: skip
