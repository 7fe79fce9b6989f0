"""How the lectures write things: shapes as [?, H, W, C], products as 11·11·3·96, counts as 34,944."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from cnnarch.ops.letters import in_letters, kernel_letters, out_letters

__all__ = [
    "count",
    "in_letters",
    "kernel_letters",
    "lecture_shape",
    "nchw",
    "number",
    "out_letters",
    "per_axis",
    "product",
]


def lecture_shape(shape: Sequence[int]) -> str:
    """``[1, 96, 55, 55]`` (NCHW) → ``[?, 55, 55, 96]``: batch unknown, channels last."""
    dims = list(shape)
    dims = [*dims[2:], dims[1]] if len(dims) >= 3 else dims[1:]
    return "[" + ", ".join(["?", *(str(d) for d in dims)]) + "]"


def nchw(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def count(n: int | float) -> str:
    """34,944."""
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.4g}"


def product(factors: Sequence[int | str]) -> str:
    """``11·11·3·96``."""
    return "·".join(str(f) for f in factors)


def number(value: int | float | Fraction) -> str:
    """An exact value, as short as it stays exact: 7, 2.5, 1/3 → 0.3333…"""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        text = f"{float(value):.4f}".rstrip("0").rstrip(".")
        return text if Fraction(text) == value else f"{text}…"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def per_axis(values: Sequence[object]) -> str:
    """``11`` when all axes agree, ``11x7`` otherwise."""
    texts = [number(v) if isinstance(v, int | float | Fraction) else str(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else "x".join(texts)


def plural(n: int, word: str) -> str:
    """``1 channel``, ``3 channels``, ``1,024 channels``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
