"""Tensor creation: new tensors from sizes, not from other tensors' values."""

from __future__ import annotations

from cnnarch.ops import _meta
from cnnarch.ops.record import OpFamily, aten, register


def _meta_empty_like(self, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None):
    """Dropout's mask in training mode: torch's meta kernel for ``empty_like`` is a Python reference
    that imports sympy on its first call. Only the plain case (same device, contiguous)."""
    if layout is not None or (device is not None and str(device) != str(self.device)):
        return NotImplemented
    if memory_format is not None or not self.is_contiguous():
        return NotImplemented
    return _meta.empty(self.shape, self, dtype)


CREATION = register(
    OpFamily(
        name="creation",
        category="creation",
        packets=aten(
            "empty empty_like zeros zeros_like ones ones_like full full_like fill_ zero_ arange "
            "scalar_tensor new_empty new_zeros new_ones empty_strided rand randn normal_ uniform_"
        ),
        summary="a new tensor (zeros, ones, random, a range)",
        meta={"empty_like.default": _meta_empty_like},
    )
)
