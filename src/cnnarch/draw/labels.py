"""What each box says, in the lecture's notation: the layer, its output shape as [?, H, W, C],
and the figures a user asks for with ``--label``."""

from __future__ import annotations

from cnnarch.errors import CnnarchError
from cnnarch.explain.notation import lecture_shape
from cnnarch.render import units
from cnnarch.report import Layer

FIELDS = {
    "shape": "output shape in the lecture's notation, [?, H, W, C]",
    "params": "parameters (a shared module's counted at its first call)",
    "macs": "multiply-accumulates",
    "rf": "receptive field on the input, in pixels",
}
DEFAULT = ("shape",)


def parse_fields(text: str | None) -> tuple[str, ...]:
    """``"shape,params"`` → ("shape", "params"); an unknown name is the user's mistake."""
    if text is None:
        return DEFAULT
    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise CnnarchError(
            f"--label {unknown[0]!r} is not a figure a box can show", f"use {', '.join(FIELDS)}"
        )
    return names


def title(layer: Layer, prefix: str = "") -> str:
    """``conv1 · Conv2d 11x11/4``; ``prefix`` (the enclosing module's path) is left off."""
    name = layer.name.removeprefix(prefix) if prefix and layer.name != prefix else layer.name
    text = f"{name} · {layer.type}"
    # A block's "window" is only its first convolution's: shown for single layers alone.
    return f"{text} {layer.window}" if layer.window and len(layer.ops) <= 2 else text


def input_title(index: int, count: int) -> str:
    return "input" if count == 1 else f"input {index + 1}"


def shape_text(shape: list[int]) -> str:
    return lecture_shape(shape) if shape else "[ ]"


def figure_lines(layer: Layer, fields: tuple[str, ...]) -> list[str]:
    lines = []
    for name in fields:
        if name == "shape":
            text = shape_text(layer.output_shape)
            if len(layer.output_shapes) > 1:
                text += f" +{len(layer.output_shapes) - 1} more"
            lines.append(text)
        elif name == "params":
            shared = " (shared)" if layer.shared else ""
            lines.append(f"{units.count(layer.params)} params{shared}")
        elif name == "macs":
            number = units.scaled(layer.macs) if layer.macs >= 1000 else str(layer.macs)
            lines.append(macs_text(layer, number))
        elif name == "rf" and layer.receptive_field:
            rf = "×".join(str(v) for v in _axes(layer.receptive_field))
            note = " (all)" if layer.rf_whole_input else ("~" if layer.rf_approximate else "")
            lines.append(f"RF {rf}{note}")
    return lines


def macs_text(layer: Layer, number: str) -> str:
    """``42.34K MACs``; a layer running an operation no rule covers says so instead of
    passing a partial count (or 0) for the whole: ``MACs not counted (cumsum)``."""
    if not layer.unknown_ops:
        return f"{number} MACs"
    ops = ", ".join(op.removeprefix("aten.") for op in layer.unknown_ops)
    if layer.macs == 0:
        return f"MACs not counted ({ops})"
    return f"{number} MACs + {ops} not counted"


def _axes(values: list[int | float]) -> list[str]:
    texts = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    return texts[:1] * 2 if len(set(texts)) == 1 and len(texts) == 2 else texts


def tooltip(layer: Layer) -> str:
    """Everything about the row, for a hover in the report."""
    parts = [
        title(layer),
        f"output {shape_text(layer.output_shape)}",
        f"{units.count(layer.params)} params",
        macs_text(layer, units.count(layer.macs)),
        f"{units.size(layer.activation_bytes)} output",
    ]
    if layer.receptive_field:
        parts.append(f"RF {units.per_axis(layer.receptive_field)}")
    if layer.formula_text:
        parts.append(layer.formula_text)
    return "\n".join(parts)
