"""Sliding windows in any number of spatial dimensions, and their output-size formulas.

A ``Window`` is the geometry a convolution or pooling slides over the last 1, 2 or 3 axes
(L; H×W; T×H×W or D×H×W). The general forms, per axis (input size W, kernel F, padding P,
stride S, dilation D):

* convolution and pooling: ``(W + 2P − D·(F − 1) − 1)/S + 1``, written ``(W − F + 2P)/S + 1``
  when D = 1; PyTorch floors the quotient (or ceils it for a pooling with ``ceil_mode``, where
  a last window that would start in the right padding is dropped);
* transposed convolution: ``(W − 1)·S − 2P + D·(F − 1) + output_padding + 1``.

Pure Python on plain numbers: ``cnnarch calc`` answers from here without importing torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

WindowKind = Literal["conv", "tconv", "maxpool", "avgpool"]

AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


@dataclass(frozen=True)
class Window:
    """A sliding window along each spatial axis (convolution or pooling), 1-D, 2-D or 3-D."""

    kind: WindowKind
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    ceil_mode: bool = False
    output_padding: tuple[int, ...] = ()

    @property
    def spatial(self) -> int:
        return len(self.kernel)


def expand(value: Any, n: int, default: int | None = None) -> tuple[int, ...]:
    """A window argument as one int per axis: ``3`` or ``[3]`` -> ``(3, 3)`` for n = 2."""
    if value is None or value == [] or value == ():
        if default is None:
            raise ValueError("missing window argument")
        value = default
    if isinstance(value, int):
        return (value,) * n
    values = tuple(int(v) for v in value)
    return values * n if len(values) == 1 else values


@dataclass(frozen=True)
class AxisFormula:
    axis: str
    general: str
    """The formula in letters, e.g. ``(W − F + 2P)/S + 1``."""
    substituted: str
    """The same with this layer's numbers, e.g. ``(227 − 11 + 2·0)/4 + 1``."""
    exact: Fraction
    """The value before rounding (the quotient plus one)."""
    result: int
    rounding: Literal["floor", "ceil"] | None
    """How PyTorch rounded an inexact quotient; None when the division is exact."""
    note: str | None = None

    @property
    def inexact(self) -> bool:
        return self.rounding is not None

    def text(self) -> str:
        """``(227 − 11 + 2·0)/4 + 1 = 55``, or ``... = 54.25 → floor 54`` when inexact."""
        return f"{self.substituted} = {rounded_text(self.exact, self.result, self.rounding)}"


def rounded_text(exact: Fraction | float, result: int, rounding: str | None) -> str:
    """``55``, ``54.25 → floor 54``, ``3.5 → ceil 4``, or ``3.5 → ceil 4 → 3 (last window
    dropped)`` where ceil_mode's last window would start in the right padding."""
    if rounding is None:
        return str(result)
    value = Fraction(exact)
    rounded = math.ceil(value) if rounding == "ceil" else math.floor(value)
    text = f"{format_fraction(value)} → {rounding} {rounded}"
    return text if rounded == result else f"{text} → {result} (last window dropped)"


def format_fraction(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    decimal = float(value)
    text = f"{decimal:.4f}".rstrip("0").rstrip(".")
    return text if Fraction(text) == value else f"{text}…"


def axis_names(n: int) -> tuple[str, ...]:
    return AXES.get(n, tuple(f"S{i}" for i in range(n)))


def output_size(w: Window, size: int, axis: int, axis_name: str = "W") -> AxisFormula:
    """The output size of ``w`` along one axis for an input of ``size``, with its working."""
    f, s, p, d = w.kernel[axis], w.stride[axis], w.padding[axis], w.dilation[axis]
    x = axis_name
    if w.kind == "tconv":
        op = w.output_padding[axis] if w.output_padding else 0
        result = (size - 1) * s - 2 * p + d * (f - 1) + op + 1
        general = f"({x} − 1)·S − 2P + D·(F − 1) + output_padding + 1"
        sub = f"({size} − 1)·{s} − 2·{p} + {d}·({f} − 1) + {op} + 1"
        return AxisFormula(x, general, sub, Fraction(result), result, None)
    if d == 1:
        numerator = size - f + 2 * p
        general = f"({x} − F + 2P)/S + 1"
        sub = f"({size} − {f} + 2·{p})/{s} + 1"
    else:
        numerator = size + 2 * p - d * (f - 1) - 1
        general = f"({x} + 2P − D·(F − 1) − 1)/S + 1"
        sub = f"({size} + 2·{p} − {d}·({f} − 1) − 1)/{s} + 1"
    exact = Fraction(numerator, s) + 1
    note = None
    if w.ceil_mode:
        result = math.ceil(exact)
        # PyTorch drops a last window that would start inside the right padding.
        if (result - 1) * s >= size + p:
            note = (
                f"window {result} would start at ({result} − 1)·{s} = {(result - 1) * s} "
                f"≥ {x} + P = {size + p}, inside the right padding: PyTorch drops it, {result - 1}"
            )
            result -= 1
    else:
        result = math.floor(exact)
    rounding: Literal["floor", "ceil"] | None = None
    if exact.denominator != 1:
        rounding = "ceil" if w.ceil_mode else "floor"
    return AxisFormula(x, general, sub, exact, result, rounding, note)


def output_length(w: Window, size: int, axis: int) -> int:
    """``output_size(w, size, axis).result`` in integer arithmetic, without the working: the
    trace needs it for every window, and the exact fractions and texts cost more than the op."""
    f, s, p, d = w.kernel[axis], w.stride[axis], w.padding[axis], w.dilation[axis]
    if w.kind == "tconv":
        return (size - 1) * s - 2 * p + d * (f - 1) + (w.output_padding[axis] if w.output_padding else 0) + 1
    numerator = size + 2 * p - d * (f - 1) - 1
    if not w.ceil_mode:
        return numerator // s + 1
    result = -(-numerator // s) + 1
    return result - 1 if (result - 1) * s >= size + p else result


def output_sizes(w: Window, sizes: tuple[int, ...]) -> list[AxisFormula]:
    names = axis_names(len(sizes))
    return [output_size(w, size, i, names[i]) for i, size in enumerate(sizes)]


def describe_window(w: Window) -> str:
    """Short hyper-parameter text such as ``11x11/4`` or ``3x3/1 p1 d2``."""
    kernel = "x".join(map(str, w.kernel))
    stride = w.stride[0] if len(set(w.stride)) == 1 else "x".join(map(str, w.stride))
    text = f"{kernel}/{stride}"
    if any(w.padding):
        pad = w.padding[0] if len(set(w.padding)) == 1 else "x".join(map(str, w.padding))
        text += f" p{pad}"
    if any(d != 1 for d in w.dilation):
        text += f" d{w.dilation[0]}"
    if w.ceil_mode:
        text += " ceil"
    return text


def adaptive_bounds(n: int, o: int, i: int) -> tuple[int, int]:
    """The input positions ``[start, end)`` adaptive pooling from ``n`` to ``o`` reads for output
    ``i`` (PyTorch: ``floor(i·n/o)`` to ``ceil((i + 1)·n/o)``)."""
    return (i * n) // o, -(-((i + 1) * n) // o)
