"""Pre-activation ResNet (He, Zhang, Ren & Sun 2016, "Identity Mappings in Deep Residual
Networks"), ImageNet form, as the authors' released code builds it (fb.resnet.torch
``preresnet.lua``, which Kaiming He's resnet-1k-layers follows).

Each unit is BN → ReLU → conv (x2 for basic blocks, x3 for bottlenecks) and adds its input
unchanged: nothing follows the addition. Where a unit changes the channel count, the 1x1
projection shortcut (no batch norm) reads the *pre-activated* input, so the BN → ReLU sits before
the split ("both_preact" in the Lua code). The very first unit skips its pre-activation, because
conv1 → BN → ReLU → max-pool has just run ("no_preact"). After the last stage a final BN → ReLU
precedes global average pooling and the classifier. As in that code, a bottleneck strides its
3x3 convolution, and convolutions have no bias.
"""

from __future__ import annotations

from torch import Tensor, nn

from cnnarch.models.resnet import blocks_for, conv1x1, conv3x3


class PreActBasicBlock(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-conv3x3 plus a shortcut; ``dropout`` between the two convolutions
    (Wide ResNets)."""

    expansion = 1

    def __init__(
        self, cin: int, planes: int, stride: int = 1, preact: bool = True, dropout: float = 0.0
    ) -> None:
        super().__init__()
        if preact:
            self.bn1 = nn.BatchNorm2d(cin)
            self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = conv3x3(cin, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu2 = nn.ReLU(inplace=True)
        if dropout > 0:
            self.dropout = nn.Dropout(dropout)
        self.conv2 = conv3x3(planes, planes)
        self.shortcut = conv1x1(cin, planes, stride) if stride != 1 or cin != planes else None

    def residual(self, x: Tensor) -> Tensor:
        out = self.relu2(self.bn2(self.conv1(x)))
        if hasattr(self, "dropout"):
            out = self.dropout(out)
        return self.conv2(out)

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu1(self.bn1(x)) if hasattr(self, "bn1") else x
        identity = x if self.shortcut is None else self.shortcut(pre)
        return self.residual(pre) + identity


class PreActBottleneck(PreActBasicBlock):
    """BN-ReLU-conv1x1-BN-ReLU-conv3x3(stride)-BN-ReLU-conv1x1 (4x the width) plus a shortcut."""

    expansion = 4

    def __init__(
        self, cin: int, planes: int, stride: int = 1, preact: bool = True, dropout: float = 0.0
    ) -> None:
        nn.Module.__init__(self)
        cout = planes * self.expansion
        if preact:
            self.bn1 = nn.BatchNorm2d(cin)
            self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = conv1x1(cin, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes)
        self.relu3 = nn.ReLU(inplace=True)
        self.conv3 = conv1x1(planes, cout)
        self.shortcut = conv1x1(cin, cout, stride) if stride != 1 or cin != cout else None

    def residual(self, x: Tensor) -> Tensor:
        out = self.relu2(self.bn2(self.conv1(x)))
        out = self.relu3(self.bn3(self.conv2(out)))
        return self.conv3(out)


class PreActResNet(nn.Module):
    def __init__(self, depth: int = 50, num_classes: int = 1000, in_channels: int = 3) -> None:
        super().__init__()
        plain, counts = blocks_for(depth)
        block = PreActBottleneck if plain.expansion == 4 else PreActBasicBlock
        self.conv1 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.inplanes = 64
        self.layer1 = self._stage(block, 64, counts[0], stride=1, first=True)
        self.layer2 = self._stage(block, 128, counts[1], stride=2)
        self.layer3 = self._stage(block, 256, counts[2], stride=2)
        self.layer4 = self._stage(block, 512, counts[3], stride=2)
        self.final_bn = nn.BatchNorm2d(self.inplanes)
        self.final_relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.inplanes, num_classes)

    def _stage(self, block: type[PreActBasicBlock], planes: int, count: int, stride: int,
               first: bool = False) -> nn.Sequential:  # fmt: skip
        layers = [block(self.inplanes, planes, stride, preact=not first)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, count)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(self.final_relu(self.final_bn(x)))
        x = x.flatten(1)
        return self.fc(x)


def preact_resnet(depth: int = 50, num_classes: int = 1000, in_channels: int = 3) -> PreActResNet:
    return PreActResNet(depth, num_classes, in_channels)
