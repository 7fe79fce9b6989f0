"""The catalogue of architectures: metadata as data (no torch), builders imported on demand."""

from cnnarch.catalogue.registry import all_specs, build, find, get_spec, is_known, names, suggest
from cnnarch.catalogue.spec import ModelSpec, Published

__all__ = [
    "ModelSpec",
    "Published",
    "all_specs",
    "build",
    "find",
    "get_spec",
    "is_known",
    "names",
    "suggest",
]
