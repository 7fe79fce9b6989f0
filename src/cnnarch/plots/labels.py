"""Labels beside markers that overlap neither each other nor other markers.

A greedy search, measured in display pixels once the axes are laid out: each label, largest
marker first, tries positions around its marker (16 directions, at growing distances) and keeps
the one that overlaps least (other labels weigh most, then leaving the axes, then covering a
marker), preferring the nearest. A label not beside its marker gets a thin leader line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Annotation

_ANGLES = [math.radians(a) for a in (0, 180, 90, 270, 45, 135, 315, 225, 22.5, 157.5, 337.5, 202.5,
                                      67.5, 112.5, 292.5, 247.5)]  # fmt: skip
_GAPS_PT = (3.0, 10.0, 20.0, 34.0, 52.0)
LEADER = {"arrowstyle": "-", "lw": 0.6, "color": "0.45", "shrinkA": 1, "shrinkB": 0}
"""The thin line from a label set away from its marker back to the marker."""


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlap(self, other: Box) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def outside(self, frame: Box) -> float:
        area = (self.x1 - self.x0) * (self.y1 - self.y0)
        return area - self.overlap(frame)

    def circle_overlap(self, cx: float, cy: float, r: float) -> float:
        """How far a circle reaches into the box (0 when they do not touch)."""
        nx, ny = min(max(cx, self.x0), self.x1), min(max(cy, self.y0), self.y1)
        return max(0.0, r - math.hypot(cx - nx, cy - ny))


def _align(c: float) -> float:
    """Where the anchor sits along the box: 0 at its start, 0.5 centred, 1 at its end."""
    return 0.0 if c > 0.35 else (1.0 if c < -0.35 else 0.5)


def place_labels(
    ax: Axes,
    points: Sequence[tuple[float, float]],
    texts: Sequence[str],
    radii_pt: Sequence[float],
    *,
    colours: Sequence[object] | None = None,
    fontsize: float = 9,
) -> list[Annotation]:
    """Annotate each data point with its text; ``radii_pt`` are the markers' radii in points.
    The axes' limits and position must be final: positions are worked out in pixels."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    px_per_pt = fig.dpi / 72.0
    centres = [tuple(ax.transData.transform(p)) for p in points]
    radii = [r * px_per_pt for r in radii_pt]
    frame_bbox = ax.get_window_extent(renderer)
    frame = Box(frame_bbox.x0, frame_bbox.y0, frame_bbox.x1, frame_bbox.y1)
    annotations: list[Annotation | None] = [None] * len(points)
    placed: list[Box] = []
    for i in sorted(range(len(points)), key=lambda k: -radii[k]):
        probe = ax.annotate(
            texts[i], xy=points[i], xytext=(0, 0), textcoords="offset points", fontsize=fontsize
        )
        extent = probe.get_window_extent(renderer)
        probe.remove()
        w, h = extent.width, extent.height
        (cx, cy), r = centres[i], radii[i]
        best: tuple[float, float, float, float, float, int] | None = None  # cost, dx, dy, ha, va, ring
        for ring, gap in enumerate(_GAPS_PT):
            for angle in _ANGLES:
                c, s = math.cos(angle), math.sin(angle)
                ax_, ay_ = cx + (r + gap * px_per_pt) * c, cy + (r + gap * px_per_pt) * s
                fx, fy = _align(c), _align(s)
                box = Box(ax_ - fx * w, ay_ - fy * h, ax_ - fx * w + w, ay_ - fy * h + h)
                cost = 1000.0 * sum(box.overlap(b) for b in placed) / (w * h)
                cost += 100.0 * box.outside(frame) / (w * h)
                cost += 5.0 * sum(
                    box.circle_overlap(ox, oy, orad) / max(h, 1.0)
                    for (ox, oy), orad in zip(centres, radii, strict=True)
                )
                cost += ring * 0.6 + (0.1 if fx == 0.5 else 0.0)
                if best is None or cost < best[0]:
                    best = (cost, ax_ - cx, ay_ - cy, fx, fy, ring)
            if best is not None and best[0] < ring * 0.6 + 0.2:
                break  # a clean spot in this ring: no need to look further out
        assert best is not None
        _, dx, dy, fx, fy, ring = best
        far = ring > 0  # not touching its marker: a leader line says whose label it is
        note = ax.annotate(
            texts[i],
            xy=points[i],
            xytext=(dx / px_per_pt, dy / px_per_pt),
            textcoords="offset points",
            fontsize=fontsize,
            color=colours[i] if colours is not None else "black",
            ha={0.0: "left", 0.5: "center", 1.0: "right"}[fx],
            va={0.0: "bottom", 0.5: "center", 1.0: "top"}[fy],
            arrowprops=dict(LEADER, relpos=(fx, fy)) if far else None,
        )
        x0 = cx + dx - fx * w
        y0 = cy + dy - fy * h
        placed.append(Box(x0, y0, x0 + w, y0 + h))
        annotations[i] = note
    return [a for a in annotations if a is not None]
