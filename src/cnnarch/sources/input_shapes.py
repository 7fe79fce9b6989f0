"""From what the user gave (``--input`` values, or Python values) to each input's per-sample
shape and element type.

Accepted per input: None (the model's default), ``227``, ``"227x227"``, ``"3x227x227"``,
``"16:int64"`` (a type after a colon), a shape tuple, or in Python a ``(shape, dtype)`` pair with a
``torch.dtype`` or its name: ``analyze(m, [(3, 224, 224), ((16,), torch.int64)])``.
"""

from __future__ import annotations

from typing import Any

import torch

from cnnarch.errors import CnnarchError, InputSpecError
from cnnarch.inputs import parse_extra_input, parse_input, split_dtype
from cnnarch.sources.base import Source
from cnnarch.sources.first_layer import infer_input

MAX_ELEMENTS = 2**48
"""More elements than any machine holds: larger sizes are mistakes (``--input 1000000000``)."""

INPUT_DTYPES = {
    "int64": torch.int64, "long": torch.int64, "int32": torch.int32, "int": torch.int32,
    "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool,
    "fp32": torch.float32, "float32": torch.float32, "float": torch.float32, "fp16": torch.float16,
    "float16": torch.float16, "half": torch.float16, "bf16": torch.bfloat16, "bfloat16": torch.bfloat16,
    "fp64": torch.float64, "float64": torch.float64, "double": torch.float64,
}  # fmt: skip


def input_dtype(name: str | torch.dtype | None, default: torch.dtype) -> torch.dtype:
    """An input's element type: its own (``16:int64``, ``torch.int64``) or the model's."""
    if name is None:
        return default
    if isinstance(name, torch.dtype):
        return name
    found = INPUT_DTYPES.get(str(name).lower().removeprefix("torch."))
    if found is None:
        raise CnnarchError(f"unknown input type {name!r}", f"use one of: {', '.join(INPUT_DTYPES)}")
    return found


def _pair(value: Any) -> tuple[Any, Any]:
    """``((16,), torch.int64)`` → its shape and type; anything else → (value, None)."""
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and isinstance(value[0], tuple | list)
        and (isinstance(value[1], torch.dtype | str) or value[1] is None)
    ):
        return tuple(value[0]), value[1]
    return value, None


def _checked(shape: tuple[Any, ...], given: Any) -> tuple[int, ...]:
    if not shape or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape):
        raise InputSpecError(
            f"input {given!r} is not a shape: give positive whole numbers, e.g. (3, 224, 224)"
        )
    count = 1
    for size in shape:
        count *= size
    if count > MAX_ELEMENTS:
        raise InputSpecError(
            f"input {given!r} has {count:.3g} elements per sample: too large for any machine"
        )
    return tuple(shape)


def _first(source: Source, value: Any) -> tuple[tuple[int, ...], str | torch.dtype | None]:
    value, dtype = _pair(value)
    if isinstance(value, str):
        value, dtype = split_dtype(value)
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, tuple):
        return _checked(value, value), dtype
    if source.default_input is not None:
        return _checked(parse_input(value, source.default_input), value), dtype
    if value is None:
        raise CnnarchError(
            f"{source.name} has no default input size", "give one with --input, e.g. 3x224x224"
        )
    sizes, _ = parse_extra_input(str(value))
    shape, fixed = infer_input(source.module, _checked(sizes, value))
    return _checked(shape, value), dtype if dtype is not None else fixed


def _further(value: Any) -> tuple[tuple[int, ...], str | torch.dtype | None]:
    value, dtype = _pair(value)
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, tuple):
        return _checked(value, value), dtype
    shape, named = parse_extra_input(value)
    return _checked(shape, value), dtype if dtype is not None else named


def input_specs(
    source: Source, given: Any, default_dtype: torch.dtype
) -> list[tuple[tuple[int, ...], torch.dtype]]:
    """Each input's (per-sample shape, element type). A list gives several inputs: the first as
    usual, the others as full shapes; a model with further default inputs (an optical-flow
    model's second image) gets those where only the first is given."""
    values = list(given) if isinstance(given, list) and not _is_shape(given) else [given]
    if not values:
        values = [None]
    first = _first(source, values[0])
    further = [_further(v) for v in values[1:]]
    if not further and source.extra_inputs:
        same = values[0] is not None  # a given size applies to every image of the model
        further = [(first[0] if same else shape, None) for shape in source.extra_inputs]
    return [(shape, input_dtype(dtype, default_dtype)) for shape, dtype in (first, *further)]


def _is_shape(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(v, int) for v in value)
