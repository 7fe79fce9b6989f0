"""What ``cnnarch bench`` runs when no model is named (no torch here: ``--help`` shows it)."""

from __future__ import annotations

DEFAULT_MODELS = (
    "alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "densenet121", "squeezenet1_0", "mobilenet-v2",
    "shufflenet-v2",
)  # fmt: skip
"""The lectures' milestones; names not (yet) in the catalogue are skipped."""
