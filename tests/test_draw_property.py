"""Random layer-list networks (nested residual blocks and concatenations) drawn at every depth:
no overlaps, and every data dependency of the trace an arrow (the checks of
test_draw_geometry.py, on networks nobody wrote by hand)."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnarch.analysis.summary import build_report
from cnnarch.api import resolve, trace_source
from cnnarch.draw.dot import to_dot
from cnnarch.draw.engine import layout
from cnnarch.draw.graph import build_diagram
from tests.test_draw_geometry import assert_dependencies_drawn, assert_no_overlaps, parse

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


@st.composite
def sequence(draw, channels: int, depth: int, keep: bool = False) -> tuple[str, int]:
    """Layers that keep the spatial size; ``keep``: end with ``channels`` channels (a residual
    body)."""
    parts, current = [], channels
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["conv", "relu", "bn", "pool"] + (["res", "cat"] if depth < 2 else [])))
        if kind == "conv":
            current = draw(st.sampled_from([2, 4, 6]))
            parts.append(f"conv {current} " + draw(st.sampled_from(["k1", "k3 p1"])))
        elif kind in ("relu", "bn"):
            parts.append(kind)
        elif kind == "pool":
            parts.append("maxpool k3 s1 p1")
        elif kind == "res":
            body, _ = draw(sequence(current, depth + 1, keep=True))
            parts.append(f"residual( {body} )")
        else:
            branches = [draw(sequence(current, depth + 1)) for _ in range(draw(st.integers(2, 3)))]
            parts.append("concat( " + " | ".join(text for text, _ in branches) + " )")
            current = sum(out for _, out in branches)
    if keep and current != channels:
        parts.append(f"conv {channels} k1")
        current = channels
    return " > ".join(parts), current


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network=sequence(3, 0), depth=st.sampled_from([None, 1, 2, 3]))
def test_random_networks_draw_cleanly(network, depth):
    text, _ = network
    trace = trace_source(resolve(f"{text} > flatten > fc 5"), "3x6x6")
    report = build_report(trace, depth)
    picture = parse(layout(to_dot(build_diagram(report, trace, depth), ("shape", "params"), "macs"), "svg"))
    assert_no_overlaps(picture)
    assert_dependencies_drawn(picture, trace, depth, len(report.layers))
