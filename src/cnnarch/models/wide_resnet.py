"""Wide Residual Networks (Zagoruyko & Komodakis 2016) for CIFAR, as the authors' code builds
them (szagoruyko/wide-residual-networks ``models/wide-resnet.lua``).

WRN-d-k: a 3x3 convolution with 16 filters, then three stages of (d − 4)/6 pre-activation basic
blocks with 16k, 32k and 64k filters on 32x32, 16x16 and 8x8 maps, a final BN → ReLU, average
pooling and the classifier. Where a block changes the width its BN → ReLU runs before the split
and a 1x1 convolution (stride 2 between stages) is the shortcut; elsewhere the shortcut is the
identity. Convolutions have no bias (``utils.DisableBias``). ``dropout`` inserts the paper's
dropout between a block's two convolutions (0.3 in its dropout experiments; off by default).
The Lua code pools with a fixed 8x8 window; global average pooling is the same at 32x32 input.
"""

from __future__ import annotations

from torch import Tensor, nn

from cnnarch.models.preact_resnet import PreActBasicBlock


class WideResNet(nn.Module):
    def __init__(self, depth: int = 28, widen_factor: int = 10, num_classes: int = 10, in_channels: int = 3,
                 dropout: float = 0.0) -> None:  # fmt: skip
        super().__init__()
        if depth < 10 or (depth - 4) % 6:
            raise ValueError(f"a Wide ResNet has 6n + 4 layers (16, 22, 28, 40, ...), not {depth}")
        n = (depth - 4) // 6
        widths = [16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        self.inplanes = 16
        self.layer1 = self._stage(widths[0], n, 1, dropout)
        self.layer2 = self._stage(widths[1], n, 2, dropout)
        self.layer3 = self._stage(widths[2], n, 2, dropout)
        self.final_bn = nn.BatchNorm2d(widths[2])
        self.final_relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[2], num_classes)

    def _stage(self, planes: int, count: int, stride: int, dropout: float) -> nn.Sequential:
        layers = [PreActBasicBlock(self.inplanes, planes, stride, dropout=dropout)]
        self.inplanes = planes
        layers += [PreActBasicBlock(planes, planes, dropout=dropout) for _ in range(1, count)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.avgpool(self.final_relu(self.final_bn(x)))
        x = x.flatten(1)
        return self.fc(x)


def wide_resnet(depth: int = 28, widen_factor: int = 10, num_classes: int = 10, in_channels: int = 3,
                dropout: float = 0.0) -> WideResNet:  # fmt: skip
    return WideResNet(depth, widen_factor, num_classes, in_channels, dropout)
