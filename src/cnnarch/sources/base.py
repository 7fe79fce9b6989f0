"""A model ready to trace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn

    from cnnarch.catalogue.spec import ModelSpec


@dataclass
class Source:
    """The module (on the meta device), its display name and its default per-sample input."""

    module: nn.Module
    name: str
    default_input: tuple[int, ...] | None
    spec: ModelSpec | None = None
    origin: str = "catalogue"
    """catalogue, layer-list, file, torchvision, timm, module ..."""
    factory: Callable[[], nn.Module] | None = None
    """Builds the module again on the current device (a real CPU copy when an operation cannot
    run on the meta device)."""
    user_file: Path | None = None
    """The user's own source file, whose frames a traceback shows."""
    build_for: Callable[[tuple[int, ...]], nn.Module] | None = None
    """Rebuilds the module for a per-sample input shape before a trace (a layer list infers its
    channel and feature counts from the input); None: the module fits any input."""
    real: str | None = None
    """Why this module is traced with a real CPU forward pass from the start (a TorchScript
    module cannot move to the meta device); None: it is traced on the meta device."""
    notes: list[str] = field(default_factory=list)
    """What was done to build it (shown with the report's notes)."""
    masked_weights: int = 0
    """Weights a pruning mask zeroes, read from the user's real masks (``module_object.masked_out``)."""
    extra_inputs: list[tuple[int, ...]] = field(default_factory=list)
    """Default per-sample shapes of further inputs (an optical-flow model takes two images)."""
