"""SSD300 (Liu, Anguelov, Erhan, Szegedy, Reed, Fu & Berg 2016, "SSD: Single Shot MultiBox
Detector"): the VGG-16 base of Fig. 2 and Sec. 3, its extra feature layers and the multibox heads.

The network as data below. ``BASE`` is VGG-16's configuration D through conv5_3, with pool3
rounding up (75 → 38, as Caffe's pools do) so that conv4_3 is 38x38; pool5 is 3x3/1 and fc6/fc7
are convolutions (fc6 3x3 with dilation 6, the "à trous" layer). ``EXTRAS`` are conv8 to conv11,
each a 1x1 reduction and a 3x3 convolution ``(channels of the 1x1, channels of the 3x3, stride,
padding)``. ``SOURCES`` names the six feature maps the heads read and the default boxes at each
location (4 where the aspect ratios 3 and 1/3 are left out). conv4_3 is L2-normalised per
location and rescaled by a learned per-channel weight (Sec. 3.1, ParseNet's layer).

Each head is a 3x3 convolution: 4·b box offsets and (C + 1)·b class scores at every location.
The forward pass returns both for every default box, offsets then scores, as one tensor
``[N, 8732, 4 + 21]``; torchvision's SSD returns the same numbers as two tensors.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import Tensor, nn

# fmt: off
# VGG-16 (configuration D) to conv5_3; "M" a 2x2/2 pool, "C" the same rounding up.
BASE: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "C",
                         512, 512, 512, "M", 512, 512, 512]
EXTRAS: list[tuple[int, int, int, int]] = [(256, 512, 2, 1), (128, 256, 2, 1), (128, 256, 1, 0),
                                           (128, 256, 1, 0)]
SOURCES: list[tuple[str, int]] = [("conv4_3", 4), ("fc7", 6), ("conv8_2", 6), ("conv9_2", 6),
                                  ("conv10_2", 4), ("conv11_2", 4)]
# fmt: on


class L2Norm(nn.Module):
    """x / ‖x‖₂ over the channels at each location, times a learned weight per channel (init 20)."""

    def __init__(self, channels: int, scale: float = 20.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), scale))

    def forward(self, x: Tensor) -> Tensor:
        # F.normalize(x, dim=1), written out: the same numbers, in operations every counter knows.
        norm = x.pow(2).sum(dim=1, keepdim=True).sqrt().clamp_min(1e-12)
        return x / norm * self.weight.view(1, -1, 1, 1)


def _base(in_channels: int) -> nn.Sequential:
    """VGG-16 to conv5_3, then pool5 3x3/1, fc6 (3x3, dilation 6) and fc7 (1x1), with their ReLUs."""
    layers: list[tuple[str, nn.Module]] = []
    channels, stage, conv = in_channels, 1, 0
    for item in BASE:
        if isinstance(item, str):
            layers.append((f"pool{stage}", nn.MaxPool2d(2, stride=2, ceil_mode=item == "C")))
            stage, conv = stage + 1, 0
            continue
        conv += 1
        layers.append((f"conv{stage}_{conv}", nn.Conv2d(channels, item, 3, padding=1)))
        layers.append((f"relu{stage}_{conv}", nn.ReLU(inplace=True)))
        channels = item
    layers += [
        ("pool5", nn.MaxPool2d(3, stride=1, padding=1)),
        ("fc6", nn.Conv2d(512, 1024, 3, padding=6, dilation=6)),
        ("relu6", nn.ReLU(inplace=True)),
        ("fc7", nn.Conv2d(1024, 1024, 1)),
        ("relu7", nn.ReLU(inplace=True)),
    ]
    return nn.Sequential(OrderedDict(layers))


def _extras(channels: int) -> nn.ModuleList:
    blocks = []
    for number, (reduce, width, stride, padding) in enumerate(EXTRAS, start=8):
        layers = [
            (f"conv{number}_1", nn.Conv2d(channels, reduce, 1)),
            (f"relu{number}_1", nn.ReLU(inplace=True)),
            (f"conv{number}_2", nn.Conv2d(reduce, width, 3, stride=stride, padding=padding)),
            (f"relu{number}_2", nn.ReLU(inplace=True)),
        ]
        blocks.append(nn.Sequential(OrderedDict(layers)))
        channels = width
    return nn.ModuleList(blocks)


class SSD300(nn.Module):
    def __init__(self, num_classes: int = 21, in_channels: int = 3) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.vgg = _base(in_channels)
        self.l2norm = L2Norm(512)
        self.extras = _extras(1024)
        widths = [512, 1024, *(width for _, width, _, _ in EXTRAS)]
        boxes = [b for _, b in SOURCES]
        self.loc = nn.ModuleList(
            nn.Conv2d(c, 4 * b, 3, padding=1) for c, b in zip(widths, boxes, strict=True)
        )
        self.conf = nn.ModuleList(
            nn.Conv2d(c, num_classes * b, 3, padding=1) for c, b in zip(widths, boxes, strict=True)
        )

    def forward(self, x: Tensor) -> Tensor:
        sources = []
        for name, layer in self.vgg.named_children():
            x = layer(x)
            if name == "relu4_3":  # the first source map, normalised; the base goes on from x
                sources.append(self.l2norm(x))
        sources.append(x)
        for block in self.extras:
            x = block(x)
            sources.append(x)
        n = x.shape[0]
        # [N, b·4, H, W] → [N, H·W·b, 4]: every location's boxes in turn, as torchvision orders them.
        locs = [
            head(s).permute(0, 2, 3, 1).reshape(n, -1, 4) for head, s in zip(self.loc, sources, strict=True)
        ]
        scores = [
            head(s).permute(0, 2, 3, 1).reshape(n, -1, self.num_classes)
            for head, s in zip(self.conf, sources, strict=True)
        ]
        return torch.cat([torch.cat(locs, dim=1), torch.cat(scores, dim=1)], dim=2)


def ssd300(num_classes: int = 21, in_channels: int = 3) -> SSD300:
    return SSD300(num_classes, in_channels)
