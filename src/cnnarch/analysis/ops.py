"""Moved to ``cnnarch.ops`` (one record per op family); these names stay importable from here."""

from cnnarch.ops import CATEGORY, Category, Window, bias_elements, category, expand, macs, short_name, window

__all__ = [
    "CATEGORY",
    "Category",
    "Window",
    "bias_elements",
    "category",
    "expand",
    "macs",
    "short_name",
    "window",
]
