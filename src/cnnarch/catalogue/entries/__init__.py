"""Catalogue entries, one module per group of families (pure data: no torch import).

Each module defines ``ENTRIES: list[ModelSpec]``; the catalogue is their concatenation in the
order listed here.
"""

from __future__ import annotations

from cnnarch.catalogue.entries import classic, dense, efficient, resnets
from cnnarch.catalogue.spec import ModelSpec

ENTRIES: list[ModelSpec] = [
    *classic.ENTRIES,
    *dense.ENTRIES,
    *resnets.ENTRIES,
    *efficient.ENTRIES,
]
