"""An HTML page from a ``ModelPage`` or ``ComparePage``: Jinja2 templates shipped with the
package, styles and script inlined, the drawing as inline SVG, so the one file works offline."""

from __future__ import annotations

from functools import cache
from typing import Any

from cnnarch.explain.notation import lecture_shape
from cnnarch.html_report.page import ComparePage, Liveness, ModelPage
from cnnarch.render import units

CHART_WIDTH, CHART_HEIGHT = 720, 200


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("cnnarch.html_report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        count=units.count,
        scaled=units.scaled,
        size=units.size,
        axes=units.per_axis,
        lecture=lambda shape: lecture_shape(shape) if shape else "",
        share=lambda part, whole: f"{100 * part / whole:.1f}%" if whole else "",
    )
    env.globals.update(chart=liveness_chart, cell=compare_cell, version=_version())
    return env


def _version() -> str:
    from cnnarch import __version__

    return __version__


def model_html(page: ModelPage) -> str:
    return (
        _environment()
        .get_template("report.html.j2")
        .render(page=page, title=f"{page.report.model} · cnnarch")
    )


def compare_html(page: ComparePage) -> str:
    names = ", ".join(page.comparison.models)
    return _environment().get_template("compare.html.j2").render(page=page, title=f"{names} · cnnarch")


def liveness_chart(liveness: Liveness, layers: list[Any]) -> dict[str, Any]:
    """Coordinates for the inline SVG area chart of live activation memory over the pass."""
    values = liveness.live_after or [0]
    top = max(max(values), liveness.peak_bytes, 1)
    step = CHART_WIDTH / max(len(values) - 1, 1)

    def y(v: int) -> float:
        return round(CHART_HEIGHT - CHART_HEIGHT * v / top, 1)

    points = [f"{round(i * step, 1)},{y(v)}" for i, v in enumerate(values)]
    area = f"0,{CHART_HEIGHT} " + " ".join(points) + f" {round((len(values) - 1) * step, 1)},{CHART_HEIGHT}"
    peak_x = round((liveness.peak_op or 0) * step, 1)
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "line": " ".join(points),
        "area": area,
        "peak_x": peak_x,
        "peak_y": y(liveness.peak_bytes),
        "top": units.size(top),
        "peak": units.size(liveness.peak_bytes),
        "ops": len(values),
        "anchor": "end" if peak_x > CHART_WIDTH * 0.6 else "start",
    }


def compare_cell(row: Any, i: int) -> Any:
    """A comparison figure with its ratio to the first model (``render.compare``'s wording)."""
    from markupsafe import Markup, escape

    from cnnarch.render.compare import relative_text, value_text

    text = escape(value_text(row, row.values[i]))
    relative = relative_text(row, i)
    return Markup(f'{text}<br><span class="sub">{escape(relative)}</span>') if relative else text
