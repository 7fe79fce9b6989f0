"""Where a network spends its weights, its compute and its memory: per-layer bars of
parameters, MACs and activation memory (``cnnarch summary NAME --plot FILE``).

Layers with no parameters, no MACs and no activation memory of their own (in-place ReLUs,
views, dropout in eval mode) are left out; bars are coloured by layer type.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import EngFormatter

from cnnarch.plots.files import save
from cnnarch.render import units
from cnnarch.report import Report

MIB = 1024 * 1024
MAX_TYPES = 9
"""Legend entries by layer type; rarer types share the colour of ``other``."""
TICK_FONT_PT = 6.5


def _width_in(n: int) -> float:
    return min(max(8.0, 3.0 + 0.13 * n), 18.0)


def layer_bars(report: Report, path: str | Path | None = None, *, log: bool = False) -> Figure:
    """Draw the three panels (and write them to ``path`` when given); returns the figure."""
    layers = [layer for layer in report.layers if layer.params or layer.macs or layer.activation_bytes]
    n = len(layers)
    width = _width_in(n)
    fig = Figure(figsize=(width, 8.0), dpi=120)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.8 / width, right=1 - 1.9 / width, top=0.9, bottom=0.2, hspace=0.32)
    axes = fig.subplots(3, 1, sharex=True)

    counts = Counter(layer.type for layer in layers)
    kinds = [t for t, _ in counts.most_common(MAX_TYPES)]
    if len(counts) > MAX_TYPES:
        kinds = kinds[: MAX_TYPES - 1]
    cmap = colormaps["tab10"]
    colour = {kind: cmap(i) for i, kind in enumerate(kinds)}
    other = (0.6, 0.6, 0.6, 1.0)
    bar_colours = [colour.get(layer.type, other) for layer in layers]

    t = report.totals
    panels = [
        (
            [layer.params for layer in layers],
            "Parameters",
            f"total {units.count(t.params)}",
            EngFormatter(sep=""),
        ),
        ([layer.macs for layer in layers], "MACs", f"total {units.scaled(t.macs)}", EngFormatter(sep="")),
        (
            [layer.activation_bytes / MIB for layer in layers],
            "Activation memory (MiB)",
            f"sum of layer outputs {units.size(t.activation_bytes)} ({report.dtype})",
            None,
        ),
    ]
    xs = list(range(n))
    for ax, (values, label, total, formatter) in zip(axes, panels, strict=True):
        ax.bar(xs, values, color=bar_colours, width=0.8, zorder=3)
        ax.set_ylabel(label + (", log scale" if log else ""))
        ax.set_title(f"{label.split(' (')[0]} per layer: {total}", fontsize=10, loc="left")
        if log and any(v > 0 for v in values):
            ax.set_yscale("log")
        elif formatter is not None:
            ax.yaxis.set_major_formatter(formatter)
        ax.grid(True, axis="y", color="0.9", zorder=0)
        ax.set_xlim(-0.7, n - 0.3)
    bottom = axes[-1]
    step = _tick_step(fig, bottom, n)
    ticks = xs[::step]
    bottom.set_xticks(ticks)
    bottom.set_xticklabels([layers[i].name for i in ticks], rotation=90, fontsize=TICK_FONT_PT)
    bottom.set_xlabel("Layer, in execution order" + (f" (every {step}th of {n} named)" if step > 1 else ""))
    shape = "x".join(map(str, report.input_shape))
    fig.suptitle(f"{report.model}: parameters, MACs and activation memory per layer (input {shape})")
    handles = [Patch(color=colour[k], label=k) for k in kinds]
    if len(counts) > len(kinds):
        handles.append(Patch(color=other, label="other"))
    axes[0].legend(
        handles=handles, title="Layer type", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
        fontsize=8,
    )  # fmt: skip
    if path is not None:
        save(fig, path)
    return fig


def _tick_step(fig: Figure, ax: object, n: int) -> int:
    """Name every layer when the names fit side by side (rotated), else every k-th."""
    if n == 0:
        return 1
    width_pt = ax.get_position().width * fig.get_figwidth() * 72  # type: ignore[attr-defined]
    per_label_pt = TICK_FONT_PT * 1.35
    return max(1, math.ceil(n * per_label_pt / width_pt))
