"""cnnarch: analyze and explain convolutional network architectures.

``analyze`` and ``list_models`` are imported lazily so that ``import cnnarch`` (and the CLI's
``--help`` and ``list``) do not pay for importing torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cnnarch.api import analyze
    from cnnarch.catalogue import names as list_models

__all__ = ["__version__", "analyze", "list_models"]


def __getattr__(name: str) -> Any:
    if name == "analyze":
        from cnnarch.api import analyze

        return analyze
    if name == "list_models":
        from cnnarch.catalogue import names

        return names
    raise AttributeError(f"module 'cnnarch' has no attribute {name!r}")
