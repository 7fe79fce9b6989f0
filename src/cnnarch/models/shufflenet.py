"""ShuffleNet V2 (Ma, Zhang, Zheng & Sun 2018, "ShuffleNet V2: Practical Guidelines for Efficient
CNN Architecture Design"), laid out as torchvision builds it (same module names and order) so
the two can be compared layer by layer. ``WIDTHS`` is Table 5 of the paper (output channels of
conv1, stages 2-4 and conv5 for each width); stages repeat their unit 4, 8 and 4 times.

A unit of stride 1 splits the channels in half, transforms one half (1x1 → 3x3 depthwise → 1x1)
and concatenates it with the other untouched; a unit of stride 2 transforms two copies of the
input (one through a depthwise 3x3/2 + 1x1, one as above) and concatenates them. Both end with a
channel shuffle of two groups (view, transpose, view).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

REPEATS = (4, 8, 4)
WIDTHS: dict[str, tuple[int, int, int, int, int]] = {
    "0.5": (24, 48, 96, 192, 1024),
    "1.0": (24, 116, 232, 464, 1024),
    "1.5": (24, 176, 352, 704, 1024),
    "2.0": (24, 244, 488, 976, 2048),
}


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(n, c, h, w)


def depthwise(channels: int, stride: int) -> nn.Conv2d:
    return nn.Conv2d(channels, channels, 3, stride, 1, bias=False, groups=channels)


def pointwise(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, bias=False)


class ShuffleUnit(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        half = cout // 2
        if stride > 1:
            self.branch1 = nn.Sequential(
                depthwise(cin, stride), nn.BatchNorm2d(cin),
                pointwise(cin, half), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
            )  # fmt: skip
        self.branch2 = nn.Sequential(
            pointwise(cin if stride > 1 else half, half), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
            depthwise(half, stride), nn.BatchNorm2d(half),
            pointwise(half, half), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    def __init__(self, width: str = "1.0", num_classes: int = 1000, in_channels: int = 3) -> None:
        super().__init__()
        if width not in WIDTHS:
            raise ValueError(f"ShuffleNet V2 width must be one of {sorted(WIDTHS)}, not {width!r}")
        stem, *stages, last = WIDTHS[width]
        self.conv1 = nn.Sequential(
            nn.Conv2d(in_channels, stem, 3, 2, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True)
        )
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        channels = stem
        for name, repeats, cout in zip(("stage2", "stage3", "stage4"), REPEATS, stages, strict=True):
            units = [ShuffleUnit(channels, cout, 2)] + [
                ShuffleUnit(cout, cout, 1) for _ in range(repeats - 1)
            ]
            setattr(self, name, nn.Sequential(*units))
            channels = cout
        self.conv5 = nn.Sequential(pointwise(channels, last), nn.BatchNorm2d(last), nn.ReLU(inplace=True))
        self.fc = nn.Linear(last, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.conv1(x))
        x = self.stage4(self.stage3(self.stage2(x)))
        x = self.conv5(x)
        x = x.mean([2, 3])  # global average pooling
        return self.fc(x)


def shufflenet_v2(width: str = "1.0", num_classes: int = 1000, in_channels: int = 3) -> ShuffleNetV2:
    return ShuffleNetV2(width, num_classes, in_channels)
