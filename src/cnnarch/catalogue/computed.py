"""cnnarch's own counts for a catalogue entry at its default input (``cnnarch list --computed``).

The record is plain data; only ``compute`` imports torch (through ``cnnarch.api``), so the
catalogue and its renderers stay torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cnnarch.catalogue.spec import ModelSpec


@dataclass(frozen=True)
class Computed:
    params: int = 0
    macs: int = 0
    input_shape: list[int] = field(default_factory=list)
    """The traced input, batch first."""
    output_shape: list[int] = field(default_factory=list)
    error: str | None = None
    """Why the entry could not be analysed (its counts are then not zero but unknown)."""


def compute(spec: ModelSpec) -> Computed:
    """Trace the entry on the meta device at its default input, batch 1."""
    from cnnarch.api import analyze
    from cnnarch.errors import CnnarchError

    try:
        report = analyze(spec.name)
    except CnnarchError as error:
        return Computed(error=str(error))
    return Computed(report.totals.params, report.totals.macs, report.input_shape, report.output_shape)
