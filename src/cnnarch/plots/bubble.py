"""The lectures' closing chart (Canziani et al. 2016, Fig. 2): top-1 accuracy against
operations, each network a bubble whose area is proportional to its parameters.

Models without a published top-1 cannot sit on that chart: they are named under it. When fewer
than two models (or none of one) have a top-1, the chart plots parameters against MACs instead.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from cnnarch.plots.files import save
from cnnarch.plots.labels import place_labels
from cnnarch.render import units

if TYPE_CHECKING:
    from cnnarch.compare import Comparison

MAX_AREA_PT2 = 2400.0
"""Area of the largest model's bubble, in square points (a radius of about 0.38 inch)."""
PLAIN_AREA_PT2 = 60.0
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 5.6, 150


def _nice_references(low: float, high: float) -> list[float]:
    """Up to three round parameter counts spanning [low, high] for the size legend."""
    steps = [1e6, 2e6, 5e6, 10e6, 25e6, 50e6, 100e6, 150e6, 250e6, 500e6, 1e9]
    inside = [s for s in steps if low * 0.8 <= s <= high * 1.2] or [high]
    if len(inside) <= 3:
        return inside
    return [inside[0], inside[len(inside) // 2], inside[-1]]


def _log_limits(values: list[float], pad: float = 1.9) -> tuple[float, float]:
    low, high = min(values), max(values)
    return low / pad, high * pad


def _number(value: float, _: object = None) -> str:
    return f"{value:g}"


def compare_bubble(comparison: Comparison, path: str | Path | None = None) -> Figure:
    """Draw the chart (and write it to ``path`` when given); returns the figure."""
    models = comparison.models
    per_image = comparison.batch or 1
    macs = [v / per_image / 1e9 if v else None for v in comparison.row("macs").values]
    params = comparison.row("params").values
    top1 = comparison.row("top1").values if comparison.has("top1") else [None] * len(models)
    with_top1 = [i for i, v in enumerate(top1) if v is not None and macs[i]]
    accuracy = len(with_top1) >= 2 or (len(models) == 1 and len(with_top1) == 1)

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.09, right=0.77, top=0.86, bottom=0.17)
    ax = fig.add_subplot()
    cmap = colormaps["tab10" if len(models) <= 10 else "tab20"]
    colours = [cmap(i % cmap.N) for i in range(len(models))]

    shown = with_top1 if accuracy else [i for i in range(len(models)) if macs[i] and params[i]]
    largest = max((params[i] for i in shown), default=1) or 1
    xs = [macs[i] for i in shown]
    if accuracy:
        ys = [top1[i] for i in shown]
        areas = [MAX_AREA_PT2 * params[i] / largest for i in shown]
    else:
        ys = [params[i] / 1e6 for i in shown]
        areas = [PLAIN_AREA_PT2] * len(shown)

    ax.scatter(
        xs, ys, s=areas, c=[colours[i] for i in shown], alpha=0.55, edgecolors="0.2", linewidths=0.8, zorder=3
    )
    ax.set_xscale("log")
    if xs:
        ax.set_xlim(*_log_limits(xs))
    for axis in [ax.xaxis] + ([ax.yaxis] if not accuracy else []):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(_number))
        axis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", color="0.88", zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel("Operations (GMACs per image, log scale)")
    inputs = sorted({"x".join(map(str, comparison.inputs[i][1:])) for i in shown})
    at = f"at {' / '.join(inputs)} input" if inputs else ""
    if accuracy:
        ax.set_ylabel("Published top-1 accuracy (%)")
        if ys:
            span = max(max(ys) - min(ys), 4.0)
            ax.set_ylim(min(ys) - 0.22 * span, max(ys) + 0.22 * span)
        fig.suptitle("Top-1 accuracy against operations", fontsize=13, x=0.43)
        ax.set_title(f"bubble area ∝ parameters; MACs {at}", fontsize=9, color="0.3")
        references = _nice_references(min(params[i] for i in shown), largest) if shown else []
        handles = [
            ax.scatter([], [], s=MAX_AREA_PT2 * p / largest, color="0.6", alpha=0.55, edgecolors="0.2")
            for p in references
        ]
        widest_pt = 2 * math.sqrt(MAX_AREA_PT2 * max(references, default=1) / largest / math.pi)
        ax.legend(
            handles, [units.scaled(p, 0) for p in references], title="Parameters", loc="upper left",
            bbox_to_anchor=(1.03, 1.0), frameon=False, labelspacing=2.6, borderpad=1.2, handletextpad=0.8,
            handlelength=max(2.0, widest_pt / 10.0), scatterpoints=1,
        )  # fmt: skip
    else:
        ax.set_yscale("log")
        ax.set_ylabel("Parameters (millions, log scale)")
        if ys:
            ax.set_ylim(*_log_limits(ys, 2.2))
        fig.suptitle("Parameters against operations", fontsize=13, x=0.43)
        ax.set_title(f"no published top-1 to plot; MACs {at}", fontsize=9, color="0.3")
        ax.legend(
            [ax.scatter([], [], s=PLAIN_AREA_PT2, color="0.6", alpha=0.55, edgecolors="0.2")],
            ["one model"], loc="upper left", bbox_to_anchor=(1.03, 1.0), frameon=False,
        )  # fmt: skip
    radii = [math.sqrt(a / math.pi) for a in areas]
    dark = [tuple(0.6 * c for c in colours[i][:3]) for i in shown]  # the bubble's colour, darker
    place_labels(ax, list(zip(xs, ys, strict=True)), [models[i] for i in shown], radii, colours=dark)
    missing = [models[i] for i in range(len(models)) if i not in shown]
    if missing:
        reason = "no published top-1" if accuracy else "no MACs or parameters"
        fig.text(0.09, 0.03, f"Not shown ({reason}): {', '.join(missing)}", fontsize=8, color="0.3")
    if path is not None:
        save(fig, path)
    return fig
