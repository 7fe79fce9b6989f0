"""Shading boxes by a figure: five bins on a log scale (layer costs span orders of magnitude),
a colour-blind-safe sequential palette (ColorBrewer YlOrRd), zero kept apart in grey, and a box
whose figure cnnarch cannot count (an operation without a rule) apart in blue: never shaded as
zero or as its partial count."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from cnnarch.errors import CnnarchError
from cnnarch.render import units
from cnnarch.report import Layer

PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
DARK = {"#f03b20", "#bd0026"}
"""Fills dark enough to need white text."""
ZERO = "#f2f2f2"
UNCOUNTED = "#c6dbef"
"""A box whose figure is not counted: outside the palette's hues, drawn with a dashed border."""

FIGURES: dict[str, tuple[str, Callable[[Layer], int], Callable[[float], str]]] = {
    "macs": ("MACs per layer", lambda layer: layer.macs, units.scaled),
    "params": ("parameters per layer", lambda layer: layer.params, units.scaled),
    "memory": ("output (activation) memory per layer", lambda layer: layer.activation_bytes, units.size),
}


@dataclass
class Bin:
    low: float
    high: float
    color: str
    label: str


@dataclass
class Scale:
    figure: str
    title: str
    bins: list[Bin]
    has_zero: bool
    has_uncounted: bool = False

    def fill(self, layer: Layer) -> str:
        """The box's colour: ``UNCOUNTED`` where the figure is not fully counted."""
        if not counted(self.figure, layer):
            return UNCOUNTED
        return self.color(FIGURES[self.figure][1](layer))

    def color(self, value: int) -> str:
        if value <= 0:
            return ZERO
        for b in self.bins:
            if value <= b.high:
                return b.color
        return self.bins[-1].color


def check_figure(name: str | None) -> str | None:
    if name is None:
        return None
    key = name.strip().lower()
    if key not in FIGURES:
        raise CnnarchError(f"--color {name!r} is not a figure to shade by", f"use {', '.join(FIGURES)}")
    return key


def counted(figure: str, layer: Layer) -> bool:
    """False for MACs of a layer running an operation no rule covers: its count is not known."""
    return not (figure == "macs" and layer.unknown_ops)


def scale(figure: str, layers: list[Layer]) -> Scale:
    """Bins from the smallest positive value to the largest, equal in log scale; layers whose
    figure is not counted stay out of the bins."""
    title, value_of, fmt = FIGURES[figure]
    values = [value_of(layer) for layer in layers if counted(figure, layer)]
    has_uncounted = len(values) < len(layers)
    positive = [v for v in values if v > 0]
    has_zero = len(positive) < len(values)
    if not positive:
        return Scale(figure, title, [], has_zero, has_uncounted)
    low, high = min(positive), max(positive)
    count = 1 if low == high else len(PALETTE)
    step = (math.log(high) - math.log(low)) / count
    edges = [low, *(math.exp(math.log(low) + step * (i + 1)) for i in range(count - 1)), high]
    bins = []
    for i in range(count):
        color = PALETTE[i] if count > 1 else PALETTE[2]
        label = fmt(edges[0]) if count == 1 else f"{fmt(edges[i])} – {fmt(edges[i + 1])}"
        bins.append(Bin(edges[i], edges[i + 1], color, label))
    return Scale(figure, title, bins, has_zero, has_uncounted)


def text_color(fill: str) -> str:
    return "white" if fill in DARK else "black"
