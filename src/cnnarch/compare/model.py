"""A comparison as plain data: the models, the input each ran at, one row per figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Better = Literal["lower", "higher"]
Unit = Literal["count", "bytes", "percent", "share", "integer", "pixels", "text"]
"""How a renderer formats a row: ``count`` 138.36M, ``bytes`` 527.79 MiB, ``percent`` a
published accuracy in %, ``share`` a fraction 0..1, ``pixels`` a receptive field per axis."""

RATIO_UNITS = ("count", "bytes")
"""Rows whose values are compared as ratios to the first model (percent rows as differences)."""


@dataclass
class FigureRow:
    """One figure across the models: ``parameters`` 61.1M (alexnet), 138.36M (vgg16) ..."""

    key: str
    label: str
    unit: Unit
    values: list[Any]
    """One per model, in the comparison's order; None where there is no figure."""
    better: Better | None = None
    """Which way is better; None for rows that are context, not a score (depth, input)."""
    best: list[int] = field(default_factory=list)
    """Indices of the models holding the best value (ties all marked); empty when fewer than
    two models have a value or the row has no direction."""
    ratios: list[float | None] = field(default_factory=list)
    """Count and byte rows: value / the reference model's value (the first, or ``--against``)."""
    differences: list[float | None] = field(default_factory=list)
    """Percent rows: value − the reference model's value, in percentage points."""
    against: int = 0
    """Index of the reference model of ``ratios`` and ``differences``."""
    notes: list[str | None] = field(default_factory=list)
    """Per model: where a published figure comes from, why a figure is missing, which layer."""
    description: str = ""


@dataclass
class Comparison:
    models: list[str]
    inputs: list[list[int]]
    """The per-sample input (C, H, W) each model ran at."""
    input_given: bool
    """``--input`` was given; otherwise each model ran at its own default."""
    batch: int
    dtype: str
    optimizer: str | None
    """The optimizer of the training-step row; None when that row was not computed."""
    convention: str | None
    rows: list[FigureRow]
    notes: list[str] = field(default_factory=list)
    against: int = 0
    """Index of the model every ratio is set against (``--against``; the first by default)."""

    def row(self, key: str) -> FigureRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    def has(self, key: str) -> bool:
        return any(row.key == key for row in self.rows)


def mark_best(row: FigureRow, against: int = 0) -> None:
    """Best values, and each value against the reference model's (the first by default)."""
    numbers = [v if isinstance(v, int | float) and not isinstance(v, bool) else None for v in row.values]
    present = [(i, v) for i, v in enumerate(numbers) if v is not None]
    if row.better is not None and len(present) >= 2:
        pick = min if row.better == "lower" else max
        best = pick(v for _, v in present)
        row.best = [i for i, v in present if v == best]
    row.against = against
    first = numbers[against] if numbers else None
    if row.unit in RATIO_UNITS:
        row.ratios = [v / first if v is not None and first else None for v in numbers]
    elif row.unit == "percent":
        row.differences = [v - first if v is not None and first is not None else None for v in numbers]
    if not row.notes:
        row.notes = [None] * len(row.values)
