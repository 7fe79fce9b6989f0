"""How the lectures write things: shapes as [?, H, W, C], products as 11·11·3·96, counts as 34,944."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


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


def kernel_letters(kernel: Sequence[int]) -> list[str]:
    """``F·F`` for a square kernel, ``F_h·F_w`` for a rectangular one."""
    if len(set(kernel)) == 1:
        return ["F"] * len(kernel)
    names = {1: ["F"], 2: ["F_h", "F_w"], 3: ["F_d", "F_h", "F_w"]}
    return names.get(len(kernel), [f"F_{i}" for i in range(len(kernel))])


def out_letters(n: int) -> list[str]:
    return {1: ["L_out"], 2: ["H_out", "W_out"], 3: ["D_out", "H_out", "W_out"]}.get(
        n, [f"S{i}_out" for i in range(n)]
    )


def in_letters(n: int) -> list[str]:
    return {1: ["L_in"], 2: ["H_in", "W_in"], 3: ["D_in", "H_in", "W_in"]}.get(
        n, [f"S{i}_in" for i in range(n)]
    )


def plural(n: int, word: str) -> str:
    """``1 channel``, ``3 channels``, ``1,024 channels``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
