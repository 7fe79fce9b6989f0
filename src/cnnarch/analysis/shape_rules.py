"""Moved to the op records (``OpFamily.meta``), bound by ``cnnarch.ops.aten``; kept for imports."""

from cnnarch.ops.aten import SHORTCUTS

__all__ = ["SHORTCUTS"]
