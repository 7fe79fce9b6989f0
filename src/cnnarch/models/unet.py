"""U-Net (Ronneberger, Fischer & Brox 2015, "U-Net: Convolutional Networks for Biomedical Image
Segmentation"), as drawn in Fig. 1: a 1x572x572 tile in, a 2x388x388 map out.

Contracting path: at each of five levels two unpadded ("valid") 3x3 convolutions with ReLU, then a
2x2 max pool (stride 2) between levels, doubling the channels from 64 to 1024. Expanding path: a
2x2 up-convolution (transposed, stride 2) that halves the channels, the contracting path's map of
that level cropped to the same size (centre crop) and concatenated, then two valid 3x3
convolutions with ReLU. A 1x1 convolution maps the 64 channels to the classes.

Dropout: the paper puts "drop-out layers at the end of the contracting path" (Sec. 3.1) without
drawing them; here p = 0.5 after the last convolution of levels 4 and 5, as in the authors' Caffe
release. Fig. 1 draws no ReLU after the up-convolutions, so there is none.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import Tensor, nn

from cnnarch.models.crop import Crop

WIDTHS = (64, 128, 256, 512, 1024)
"""Channels of the five levels of Fig. 1, top to bottom."""

DROPOUT_LEVELS = (4, 5)


def double_conv(in_channels: int, out_channels: int, dropout: bool = False) -> nn.Sequential:
    layers: OrderedDict[str, nn.Module] = OrderedDict(
        conv1=nn.Conv2d(in_channels, out_channels, kernel_size=3),
        relu1=nn.ReLU(inplace=True),
        conv2=nn.Conv2d(out_channels, out_channels, kernel_size=3),
        relu2=nn.ReLU(inplace=True),
    )
    if dropout:
        layers["drop"] = nn.Dropout(0.5)
    return nn.Sequential(layers)


class UNet(nn.Module):
    def __init__(self, in_channels: int = 1, num_classes: int = 2, widths: tuple[int, ...] = WIDTHS) -> None:
        super().__init__()
        self.levels = len(widths)
        channels = in_channels
        for level, width in enumerate(widths, start=1):
            self.add_module(f"down{level}", double_conv(channels, width, level in DROPOUT_LEVELS))
            if level < self.levels:
                self.add_module(f"pool{level}", nn.MaxPool2d(2, stride=2))
            channels = width
        for level in range(self.levels - 1, 0, -1):
            width = widths[level - 1]
            self.add_module(f"upconv{level}", nn.ConvTranspose2d(channels, width, kernel_size=2, stride=2))
            self.add_module(f"crop{level}", Crop())  # "copy and crop": the centre of down{level}
            self.add_module(f"up{level}", double_conv(2 * width, width))
            channels = width
        self.classifier = nn.Conv2d(channels, num_classes, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        skips: list[Tensor] = []
        for level in range(1, self.levels + 1):
            x = getattr(self, f"down{level}")(x)
            if level < self.levels:
                skips.append(x)
                x = getattr(self, f"pool{level}")(x)
        for level in range(self.levels - 1, 0, -1):
            x = getattr(self, f"upconv{level}")(x)
            skip = getattr(self, f"crop{level}")(skips.pop(), x.shape[-2], x.shape[-1])
            x = getattr(self, f"up{level}")(torch.cat([skip, x], dim=1))
        return self.classifier(x)


def unet(in_channels: int = 1, num_classes: int = 2) -> UNet:
    return UNet(in_channels, num_classes)
