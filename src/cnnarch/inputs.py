"""Parsing of input sizes such as ``227``, ``227x227`` or ``3x227x227`` (no torch needed)."""

from __future__ import annotations

import re

from cnnarch.errors import InputSpecError

_SEPARATORS = re.compile(r"\s*[x×X,]\s*")
_DIGITS = re.compile(r"[0-9]{1,18}")
"""Plain ASCII digits ("²" and "３" pass ``str.isdigit`` but are no size); 19 digits or more overflow."""
EXAMPLES = "e.g. 227, 227x227 or 3x227x227"


def parse_input(spec: str | int | None, default: tuple[int, ...]) -> tuple[int, ...]:
    """Turn an --input value into a full per-sample shape (C, H, W, ...).

    ``default`` is the model's own per-sample input shape; a value with fewer numbers than it
    fills the missing leading dimensions from it (``227`` keeps the channels, repeats the size
    over every spatial axis).
    """
    if spec is None:
        return tuple(default)
    text = str(spec).strip()
    parts = _SEPARATORS.split(text) if text else []
    if not parts or not all(_DIGITS.fullmatch(p) for p in parts):
        raise InputSpecError(
            f"--input {text!r} is not a size: give positive integers separated by 'x', {EXAMPLES}"
        )
    sizes = tuple(int(p) for p in parts)
    if any(s < 1 for s in sizes):
        raise InputSpecError(f"--input {text!r} has a zero size: every dimension must be >= 1")
    spatial = len(default) - 1
    if len(sizes) == 1 and spatial >= 1:
        return (default[0],) + sizes * spatial
    if len(sizes) == spatial:
        return (default[0], *sizes)
    if len(sizes) == len(default):
        return sizes
    raise InputSpecError(
        f"--input {text!r} has {len(sizes)} numbers, but this model takes "
        f"{len(default)}-dimensional samples like {format_shape(default)}: {EXAMPLES}"
    )


def split_dtype(spec: str | int) -> tuple[str, str | None]:
    """``"16:int64"`` → ``("16", "int64")``: an input's own element type after a colon."""
    text = str(spec).strip()
    shape, sep, dtype = text.partition(":")
    return (shape, dtype.strip() or None) if sep else (text, None)


def parse_extra_input(spec: str | int | tuple[int, ...]) -> tuple[tuple[int, ...], str | None]:
    """A further input of a multi-input model: its full per-sample shape (``16``, ``10x4``),
    optionally with its element type (``16:int64``)."""
    if isinstance(spec, tuple):
        return spec, None
    text, dtype = split_dtype(spec)
    parts = _SEPARATORS.split(text) if text else []
    if not parts or not all(_DIGITS.fullmatch(p) and int(p) > 0 for p in parts):
        raise InputSpecError(
            f"--input {spec!r} is not a size: give positive integers separated by 'x', "
            "optionally with a type, e.g. 16 or 16:int64"
        )
    return tuple(int(p) for p in parts), dtype


def format_shape(shape: tuple[int, ...] | list[int]) -> str:
    return "x".join(str(s) for s in shape)
