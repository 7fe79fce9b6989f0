"""Moved to ``cnnarch.ops.window`` (sliding windows, N-d); these names stay importable from here."""

from cnnarch.ops.window import (
    AXES,
    AxisFormula,
    axis_names,
    describe_window,
    format_fraction,
    output_length,
    output_size,
    output_sizes,
)

__all__ = [
    "AXES",
    "AxisFormula",
    "axis_names",
    "describe_window",
    "format_fraction",
    "output_length",
    "output_size",
    "output_sizes",
]
