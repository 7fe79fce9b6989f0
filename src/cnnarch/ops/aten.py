"""The records' shape shortcuts keyed by ATen overload, as the tracer takes them.

PyTorch's meta kernels for several common ops are Python decompositions (batch norm costs about
2 ms on ``meta``, more than the real CPU kernel at small sizes). The tracer asks this table
first and only falls back to the meta kernel when an op is missing or a shortcut declines
(returns ``NotImplemented``). A test traces every catalogue model both ways and compares every
tensor, so a shortcut that disagrees with PyTorch cannot go unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cnnarch.ops import FAMILIES


def shortcuts() -> dict[str, Callable[..., Any]]:
    """``aten.convolution.default`` -> its record's shortcut, for every record that has one."""
    return {f"aten.{overload}": fn for family in FAMILIES.values() for overload, fn in family.meta.items()}


SHORTCUTS = shortcuts()
