"""Helpers for the records' shape shortcuts (``OpFamily.meta``). Shortcuts run only inside a
trace, where torch is loaded; importing it here, in each call, keeps ``cnnarch.ops`` torch-free."""

from __future__ import annotations

from typing import Any


def empty(shape: Any, like: Any, dtype: Any = None) -> Any:
    """A meta tensor of ``shape`` on ``like``'s device, of ``like``'s dtype unless given."""
    import torch

    return torch.empty(shape, dtype=dtype or like.dtype, device=like.device)


def int64() -> Any:
    import torch

    return torch.int64


def statistics_dtype(like: Any) -> Any:
    """Batch norm keeps its statistics in float32 for half-precision inputs."""
    import torch

    return torch.float32 if like.dtype in (torch.float16, torch.bfloat16) else like.dtype


def is_tensor(value: Any) -> bool:
    import torch

    return isinstance(value, torch.Tensor)


def broadcast_shapes(*shapes: Any) -> Any:
    """``torch.broadcast_shapes`` in plain Python: torch's own imports sympy on its first call
    (``torch._refs`` → ``symbolic_shapes``), a quarter of ``import torch`` again."""
    import torch

    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        for axis, size in enumerate(shape, ndim - len(shape)):
            if size != 1 and result[axis] != size:
                if result[axis] != 1:
                    raise RuntimeError(
                        f"Shape mismatch: objects cannot be broadcast to a single shape: {list(shapes)}"
                    )
                result[axis] = size
    return torch.Size(result)


def result_type(a: Any, b: Any) -> Any:
    import torch

    return torch.result_type(a, b)


def same_shape(self: Any, *args: Any, **kwargs: Any) -> Any:
    """The shortcut of an op whose output has its first input's shape and dtype."""
    return empty(self.shape, self)
