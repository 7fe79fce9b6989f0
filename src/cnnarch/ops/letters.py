"""The letters worked answers use for sizes along the spatial axes (L; H, W; D, H, W)."""

from __future__ import annotations

from collections.abc import Sequence


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
