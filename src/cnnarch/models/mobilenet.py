"""MobileNets.

v1 (Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
Applications"): ``V1_BODY`` is Table 1, a full 3x3 convolution then 13 depthwise separable
layers (3x3 depthwise, then 1x1 pointwise), each convolution followed by batch norm and ReLU,
7x7 average pooling and a fully connected layer. Table 1 prints stride 2 for the last depthwise
layer, but its input and the next layer's are both 7x7 and the 7x7 pooling needs a 7x7 map: the
authors' TF-slim code (``mobilenet_v1.py``) uses stride 1 there, as here. ``width`` is the
paper's width multiplier α (channels ``int(c·α)``, at least 8, as in TF-slim). Padding is
symmetric (1 pixel); TF-slim's "SAME" pads stride-2 layers on the bottom/right only, which moves
receptive-field centres by half a pixel but changes no shape, parameter or multiply-add.

v2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks"): ``V2_BODY``
is Table 2 (expansion t, channels c, repeats n, stride s), laid out as torchvision builds it
(same module names and order) so the two can be compared layer by layer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Table 1 after the first convolution: (depthwise stride, pointwise output channels)
V1_BODY: list[tuple[int, int]] = [
    (1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512),
    (1, 512), (1, 512), (1, 512), (1, 512), (1, 512),
    (2, 1024), (1, 1024),
]  # fmt: skip


class ConvBNReLU(nn.Sequential):
    """Convolution (no bias) → batch norm → ReLU (``ReLU6`` for v2), as torchvision's
    ``Conv2dNormActivation``."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, groups: int = 1,
                 activation: type[nn.Module] = nn.ReLU) -> None:  # fmt: skip
        super().__init__(
            nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
            activation(inplace=True),
        )


class DepthwiseSeparable(nn.Sequential):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.depthwise = ConvBNReLU(cin, cin, 3, stride, groups=cin)
        self.pointwise = ConvBNReLU(cin, cout, 1)


class MobileNetV1(nn.Module):
    def __init__(self, num_classes: int = 1000, in_channels: int = 3, width: float = 1.0) -> None:
        super().__init__()

        def scaled(c: int) -> int:
            return max(int(c * width), 8)

        channels = scaled(32)
        layers: list[nn.Module] = [ConvBNReLU(in_channels, channels, 3, 2)]
        for stride, cout in V1_BODY:
            layers.append(DepthwiseSeparable(channels, scaled(cout), stride))
            channels = scaled(cout)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        x = x.flatten(1)
        return self.fc(x)


def mobilenet_v1(num_classes: int = 1000, in_channels: int = 3, width: float = 1.0) -> MobileNetV1:
    return MobileNetV1(num_classes, in_channels, width)


# Table 2 after the first convolution: expansion t, output channels c, repeats n, first stride s
V2_BODY: list[tuple[int, int, int, int]] = [
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
]  # fmt: skip


class InvertedResidual(nn.Module):
    """1x1 expansion (ReLU6) → 3x3 depthwise (ReLU6) → 1x1 linear projection; the input is added
    back when the stride is 1 and the channels match."""

    def __init__(self, cin: int, cout: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = round(cin * expansion)
        self.use_res_connect = stride == 1 and cin == cout
        layers: list[nn.Module] = []
        if expansion != 1:
            layers.append(ConvBNReLU(cin, hidden, 1, activation=nn.ReLU6))
        layers += [
            ConvBNReLU(hidden, hidden, 3, stride, groups=hidden, activation=nn.ReLU6),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 1000, in_channels: int = 3) -> None:
        super().__init__()
        channels = 32
        layers: list[nn.Module] = [ConvBNReLU(in_channels, channels, 3, 2, activation=nn.ReLU6)]
        for t, c, n, s in V2_BODY:
            for i in range(n):
                layers.append(InvertedResidual(channels, c, s if i == 0 else 1, t))
                channels = c
        layers.append(ConvBNReLU(channels, 1280, 1, activation=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(p=0.2), nn.Linear(1280, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


def mobilenet_v2(num_classes: int = 1000, in_channels: int = 3) -> MobileNetV2:
    return MobileNetV2(num_classes, in_channels)
