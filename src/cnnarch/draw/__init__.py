"""Pictures of a network from its own trace: ``diagram()`` gives the topology (plain data),
``dot.to_dot`` writes it as Graphviz DOT and ``engine.layout`` lays it out as SVG, PNG or PDF."""

from __future__ import annotations

from typing import Any

from cnnarch.draw.graph import Cluster, Diagram, Edge, Node

__all__ = ["Cluster", "Diagram", "Edge", "Node", "diagram"]


def diagram(
    model: Any,
    input_size: Any = None,
    *,
    depth: int | None = None,
    batch: int = 1,
    dtype: str = "fp32",
    **options: Any,
) -> Diagram:
    """Trace ``model`` (anything ``cnnarch.api.analyze`` takes) and return its diagram at
    ``depth`` (None: every layer); each node carries its report row."""
    from cnnarch.api import analysis_of
    from cnnarch.draw.graph import build_diagram

    analysis = analysis_of(model, input_size, batch=batch, depth=depth, dtype=dtype, **options)
    return build_diagram(analysis.report, analysis.trace, depth)
