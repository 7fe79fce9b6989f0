"""What the catalogue knows about an architecture, without building it (no torch import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Published:
    """Figures printed by a source, for comparison with what cnnarch recomputes."""

    source: str
    params: float | None = None
    macs: float | None = None
    """Multiply-adds, as printed (papers say "FLOPs" or "mult-adds" for the same thing)."""
    top1: float | None = None
    """ImageNet (or the task's) top-1 accuracy, percent."""
    top5: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    name: str
    builder: str
    """``module:function`` that returns the ``nn.Module``; imported only when building."""
    family: str
    paper: str
    year: int
    task: str
    input: tuple[int, ...]
    """Default per-sample input, channels first."""
    num_classes: int | None = 1000
    kwargs: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    published: tuple[Published, ...] = ()
    source: str = "paper"
    """What the entry follows: the paper, a lecture, or a library's builder."""
    notes: str = ""
    """Deviations from the paper, and why."""
    torchvision: str | None = None
    """The identical torchvision builder, where one exists (checked by the tests)."""
    options: tuple[str, ...] = ("num_classes",)
    """Builder keywords a user may set from the command line."""

    def published_value(self, key: str) -> float | None:
        for p in self.published:
            value = getattr(p, key)
            if value is not None:
                return value
        return None
