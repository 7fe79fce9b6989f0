"""Every catalogue model drawn by Graphviz: no two boxes overlap, every text sits inside its box
(so no label overlaps another), every report row is a box and every data dependency the trace
records is an edge. The oracle for dependencies is the trace's operations (which op read which
tensor), not the module arguments the drawing starts from."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache

import pytest

from cnnarch.analysis.layers import build_rows
from cnnarch.analysis.summary import build_report
from cnnarch.api import resolve, trace_source
from cnnarch.catalogue import names
from cnnarch.draw.dot import to_dot
from cnnarch.draw.engine import layout
from cnnarch.draw.graph import build_diagram

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
SVG = "{http://www.w3.org/2000/svg}"
SLACK = 0.6
"""Points of rounding in Graphviz's SVG coordinates."""


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 - SLACK
            and other.x0 < self.x1 - SLACK
            and self.y0 < other.y1 - SLACK
            and other.y0 < self.y1 - SLACK
        )

    def holds(self, other: Box) -> bool:
        return (
            other.x0 >= self.x0 - SLACK
            and other.x1 <= self.x1 + SLACK
            and other.y0 >= self.y0 - SLACK
            and other.y1 <= self.y1 + SLACK
        )


@dataclass
class Picture:
    boxes: dict[str, Box] = field(default_factory=dict)
    texts: dict[str, list[tuple[str, Box]]] = field(default_factory=dict)
    other_texts: list[tuple[str, Box]] = field(default_factory=list)
    """Cluster titles and the legend."""
    edges: list[tuple[str, str, bool]] = field(default_factory=list)


@cache
def _measurer():
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    return TextToPath(), FontProperties


def text_box(element: ET.Element) -> tuple[str, Box]:
    """The box a text occupies, measured with DejaVu Sans (the font the drawing names)."""
    to_path, font = _measurer()
    content = element.text or ""
    size = float(element.get("font-size", "14"))
    weight = element.get("font-weight", "normal")
    style = element.get("font-style", "normal")
    width, _, _ = to_path.get_text_width_height_descent(
        content, font(family="DejaVu Sans", size=size, weight=weight, style=style), ismath=False
    )
    x, y = float(element.get("x")), float(element.get("y"))
    anchor = element.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return content, Box(left, y - 0.8 * size, left + width, y + 0.2 * size)


def shape_box(group: ET.Element) -> Box:
    shape = group.find(f".//{SVG}polygon")
    if shape is None:
        shape = group.find(f".//{SVG}path")
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d"))]
    else:
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("points"))]
    xs, ys = numbers[0::2], numbers[1::2]
    return Box(min(xs), min(ys), max(xs), max(ys))


def parse(svg: bytes) -> Picture:
    root = ET.fromstring(svg)
    picture = Picture()
    graph = root.find(f"{SVG}g")
    for group in graph.iter(f"{SVG}g"):
        kind = group.get("class")
        title = group.findtext(f"{SVG}title")
        if kind == "node":
            picture.boxes[title] = shape_box(group)
            picture.texts[title] = [text_box(t) for t in group.iter(f"{SVG}text")]
        elif kind == "edge":
            tail, head = title.split("->")
            dashed = any(p.get("stroke-dasharray") for p in group.iter(f"{SVG}path"))
            picture.edges.append((tail, head, dashed))
        elif kind == "cluster":
            picture.other_texts.extend(text_box(t) for t in group.findall(f"{SVG}text"))
    picture.other_texts.extend(text_box(t) for t in graph.findall(f"{SVG}text"))  # the legend
    return picture


def assert_no_overlaps(picture: Picture) -> None:
    items = sorted(picture.boxes.items(), key=lambda kv: kv[1].y0)
    for i, (name, box) in enumerate(items):  # sweep down: only boxes starting above this one's end
        for other, candidate in items[i + 1 :]:
            if candidate.y0 >= box.y1 - SLACK:
                break
            assert not box.overlaps(candidate), f"boxes {name} and {other} overlap"
    for name, texts in picture.texts.items():
        for content, box in texts:
            assert picture.boxes[name].holds(box), f"text {content!r} spills out of box {name}"
    for content, box in picture.other_texts:
        for name, node in picture.boxes.items():
            assert not node.overlaps(box), f"title {content!r} overlaps box {name}"


def dependencies(trace, depth) -> tuple[set[tuple[str, str]], set[str]]:
    """Row-level data dependencies from the operations' own inputs, and the rows that ran no
    operation (a ``Dropout`` in eval mode passes its argument through)."""
    rows, op_row = build_rows(trace, depth)
    model_input = {t: f"in{k}" for k, t in enumerate(trace.inputs)}
    found = set()
    for op in trace.ops:
        for tid in op.inputs:
            tensor = trace.tensors[tid]
            if tensor.kind not in ("input", "activation"):
                continue
            tail = f"L{op_row[tensor.producer]}" if tensor.producer is not None else model_input.get(tid)
            head = f"L{op_row[op.index]}"
            if tail is not None and tail != head:
                found.add((tail, head))
    return found, {f"L{row.index}" for row in rows if not row.ops}


def assert_dependencies_drawn(picture: Picture, trace, depth, layers: int) -> None:
    expected = {f"in{k}" for k in range(len(trace.inputs))} | {f"L{i}" for i in range(layers)}
    assert set(picture.boxes) == expected
    needed, passing = dependencies(trace, depth)
    solid: dict[str, set[str]] = {}
    inherits: dict[str, set[str]] = {}
    for tail, head, dashed in picture.edges:
        (inherits if dashed else solid).setdefault(head, set()).add(tail)

    @cache
    def reads(head: str) -> frozenset[str]:
        """Boxes ``head`` reads from: solid edges, what an inherited edge's box read, and
        through a pass-through box to the box before it."""
        found = set(solid.get(head, ()))
        for base in inherits.get(head, ()):
            found |= reads(base)
        for tail in list(found):
            if tail in passing:
                found |= reads(tail)
        return frozenset(found)

    for tail, head in needed:
        assert tail in reads(head), f"data dependency {tail} -> {head} is not drawn"
    for tail, head, dashed in picture.edges:
        if not dashed and tail not in passing and head not in passing:
            assert (tail, head) in needed, f"edge {tail} -> {head} has no data dependency"


@cache
def traced(name: str):
    return trace_source(resolve(name))


HUGE = "resnet1202"
"""4,208 layers: Graphviz takes 20-70 s on every layer (depth 3 is every layer there too), so it is
drawn at depths 1 and 2 only; the tests of every other model cover the same code."""


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in names() if n != HUGE])
def test_every_layer_drawn_without_overlaps(name):
    trace = traced(name)
    report = build_report(trace)
    picture = parse(
        layout(to_dot(build_diagram(report, trace), ("shape", "params", "macs", "rf"), "macs"), "svg")
    )
    assert_no_overlaps(picture)
    assert_dependencies_drawn(picture, trace, None, len(report.layers))


@pytest.mark.slow
@pytest.mark.parametrize("name", names())
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_blocks_drawn_without_overlaps(name, depth):
    if name == HUGE and depth > 2:
        pytest.skip(f"{HUGE} at depth {depth} is every layer: 70 s of Graphviz (see HUGE)")
    trace = traced(name)
    report = build_report(trace, depth)
    picture = parse(layout(to_dot(build_diagram(report, trace, depth), ("shape", "macs")), "svg"))
    assert_no_overlaps(picture)
    assert_dependencies_drawn(picture, trace, depth, len(report.layers))
