"""Everything an HTML report shows, from one trace of the model (and a training-mode trace for
the training-step memory): the report rows, the drawing, the activation liveness through the
forward pass, every FLOP convention's total and the catalogue's provenance."""

from __future__ import annotations

import re
from typing import Any

from cnnarch.analysis import conventions
from cnnarch.analysis.breakdown import LABELS, ORDER
from cnnarch.analysis.layers import build_rows
from cnnarch.analysis.liveness import walk
from cnnarch.analysis.memory_report import build_memory
from cnnarch.api import analysis_of, freeze_note, trace_source
from cnnarch.catalogue.spec import ModelSpec
from cnnarch.draw.dot import to_dot
from cnnarch.draw.engine import layout
from cnnarch.draw.graph import build_diagram
from cnnarch.errors import CnnarchError
from cnnarch.html_report.page import (
    ComparePage,
    ConventionTotal,
    Liveness,
    ModelPage,
    Provenance,
    PublishedFigure,
)
from cnnarch.trace.records import Trace

DIAGRAM_FIGURES = ("shape", "params", "macs")


def model_page(
    model: Any,
    input_size: Any = None,
    *,
    depth: int | None = None,
    batch: int = 1,
    dtype: str = "fp32",
    optimizer: str | None = "adam",
    diagram: bool = True,
    key: str | None = None,
    **options: Any,
) -> ModelPage:
    """Analyse ``model`` and gather its page. ``optimizer=None`` leaves out the training step
    (it needs a second, training-mode trace); ``diagram=False`` leaves out the drawing."""
    analysis = analysis_of(
        model, input_size, batch=batch, depth=depth, dtype=dtype, memory=True, optimizer=None, **options
    )
    source, trace, report = analysis.source, analysis.trace, analysis.report
    freeze = options.get("freeze")
    if (
        freeze is not None and optimizer is not None
    ):  # the note states plain SGD's saving; this page's is optimizer's
        sgd = freeze_note(report, freeze, "sgd")
        report.notes = [freeze_note(report, freeze, optimizer) if n == sgd else n for n in report.notes]
    memory_note = None
    if optimizer is not None:
        try:
            training = trace_source(source, input_size, batch, dtype, training=True)
        except CnnarchError as problem:  # e.g. batch norm on a 1x1 map needs a batch above 1
            memory_note = f"The training step was not analysed: {problem}."
        else:
            report.memory = build_memory(report, training, optimizer, batch=batch)
    key = key or slug(report.model)
    svg = None
    if diagram:
        dot = to_dot(build_diagram(report, trace, depth), DIAGRAM_FIGURES, "macs", links=f"{key}-layer-")
        svg = inline_svg(layout(dot, "svg").decode(), key)
    return ModelPage(
        key=key,
        report=report,
        depth=depth,
        origin=source.origin,
        diagram_svg=svg,
        diagram_note=None if diagram else "the diagram was left out (--no-diagram)",
        liveness=_liveness(trace, depth),
        conventions=_conventions(trace),
        categories={key: LABELS[key] for key in ORDER},
        provenance=_provenance(source.spec) if source.spec else None,
        memory_note=memory_note,
    )


def compare_page(comparison: Any, pages: list[ModelPage]) -> ComparePage:
    return ComparePage(comparison, pages)


def slug(text: str) -> str:
    """An id-safe version of a model name (``file.py:Net`` → ``file-py-Net``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "model"


def inline_svg(svg: str, key: str) -> str:
    """Graphviz's SVG without its XML prolog and doctype, ready to sit in HTML; its element
    ids (``graph0``, ``L12``, ``edge3``) prefixed with ``key`` so that several diagrams share a
    page without clashing."""
    start = svg.find("<svg")
    body = svg[start:].strip() if start >= 0 else svg
    return re.sub(r'(\s)id="', rf'\1id="{key}-svg-', body)


def _liveness(trace: Trace, depth: int | None) -> Liveness:
    rows, op_row = build_rows(trace, depth)
    result = walk(trace)
    layer_of_op = [op_row[op.index] for op in trace.ops]
    peak_layer = rows[op_row[result.peak_op]].name if result.peak_op is not None else None
    return Liveness(result.live_after, result.peak_bytes, result.peak_op, peak_layer, layer_of_op)


def _conventions(trace: Trace) -> list[ConventionTotal]:
    counts = conventions.evaluate_all(trace, conventions.NAMES)
    found = []
    for name in conventions.NAMES:
        convention = conventions.get(name)
        count = counts[convention.name]
        found.append(
            ConventionTotal(
                name=convention.name,
                label=convention.label,
                tool=convention.tool,
                summary=convention.summary,
                total=count.total,
                by_category=dict(count.by_category),
                notes=list(convention.notes),
            )
        )
    return found


def _provenance(spec: ModelSpec) -> Provenance:
    return Provenance(
        name=spec.name,
        paper=spec.paper,
        year=spec.year,
        family=spec.family,
        task=spec.task,
        follows=spec.source,
        notes=spec.notes,
        torchvision=spec.torchvision,
        published=[
            PublishedFigure(p.source, p.params, p.macs, p.top1, p.top5, p.note) for p in spec.published
        ],
    )
