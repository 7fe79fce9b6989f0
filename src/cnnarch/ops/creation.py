"""Tensor creation: new tensors from sizes, not from other tensors' values."""

from __future__ import annotations

from cnnarch.ops.record import OpFamily, aten, register

CREATION = register(
    OpFamily(
        name="creation",
        category="creation",
        packets=aten(
            "empty empty_like zeros zeros_like ones ones_like full full_like fill_ zero_ arange "
            "scalar_tensor new_empty new_zeros new_ones empty_strided rand randn normal_ uniform_"
        ),
        summary="a new tensor (zeros, ones, random, a range)",
    )
)
