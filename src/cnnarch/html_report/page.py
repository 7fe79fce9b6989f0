"""What an HTML report shows, as plain data: ``build.py`` fills it from a trace, ``render.py``
turns it into a page. Nothing here imports torch or an analysis module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnnarch.report import Report


@dataclass
class Liveness:
    """Activation bytes alive after each operation of the forward pass (inputs included)."""

    live_after: list[int]
    peak_bytes: int
    peak_op: int | None
    peak_layer: str | None
    layer_of_op: list[int]
    """The report row each operation belongs to."""


@dataclass
class ConventionTotal:
    name: str
    label: str
    tool: str
    summary: str
    total: int
    by_category: dict[str, int]
    notes: list[str] = field(default_factory=list)


@dataclass
class PublishedFigure:
    source: str
    params: float | None
    macs: float | None
    top1: float | None
    top5: float | None
    note: str | None


@dataclass
class Provenance:
    """What the catalogue says about an entry: where it comes from and what was published."""

    name: str
    paper: str
    year: int
    family: str
    task: str
    follows: str
    notes: str
    torchvision: str | None
    published: list[PublishedFigure]


@dataclass
class ModelPage:
    key: str
    """A prefix for the page's element ids (several models share a compare page)."""
    report: Report
    depth: int | None
    origin: str
    """catalogue, layer-list, file, torchvision, timm, module."""
    diagram_svg: str | None
    """The drawing, an ``<svg>`` element laid out by Graphviz; None when not drawn."""
    liveness: Liveness
    conventions: list[ConventionTotal]
    categories: dict[str, str]
    """Category key → column header, in the order the conventions table shows them."""
    provenance: Provenance | None = None
    diagram_note: str | None = None
    """Why there is no diagram, when there is none."""
    memory_note: str | None = None
    """Why the training step is missing, when it is."""


@dataclass
class ComparePage:
    comparison: Any
    """A ``cnnarch.compare.Comparison``."""
    models: list[ModelPage]
