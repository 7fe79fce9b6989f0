"""Caffe's ``Crop`` layer as a module, so that a crop reads as one named row (FCN's
``score_pool4c``, U-Net's "copy and crop") rather than two bare ``slice`` operations."""

from __future__ import annotations

from torch import Tensor, nn


class Crop(nn.Module):
    """The ``height x width`` window of the last two axes starting at ``offset`` on both, or
    centred (rounding towards the top left) when ``offset`` is None."""

    def __init__(self, offset: int | None = None) -> None:
        super().__init__()
        self.offset = offset

    def forward(self, x: Tensor, height: int, width: int) -> Tensor:
        if self.offset is None:
            top, left = (x.shape[-2] - height) // 2, (x.shape[-1] - width) // 2
        else:
            top = left = self.offset
        if top < 0 or left < 0 or top + height > x.shape[-2] or left + width > x.shape[-1]:
            raise ValueError(
                f"cannot crop {height}x{width} at ({top}, {left}) from {x.shape[-2]}x{x.shape[-1]}"
            )
        return x[..., top : top + height, left : left + width]

    def extra_repr(self) -> str:
        return "centre" if self.offset is None else f"offset={self.offset}"
