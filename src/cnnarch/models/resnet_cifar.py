"""The CIFAR-10 ResNets of He et al. 2016, "Deep Residual Learning for Image Recognition",
section 4.2: a 3x3 convolution with 16 filters, three stages of n basic blocks (2n layers) on
32x32, 16x16 and 8x8 maps with 16, 32 and 64 filters (the first convolution of stages 2 and 3
has stride 2), global average pooling and a 10-way fully connected layer: 6n + 2 weighted
layers (resnet20: n = 3, ... resnet1202: n = 200).

The paper uses identity shortcuts everywhere on CIFAR ("option A"): where a stage halves the
map and doubles the channels, the shortcut takes every second pixel and pads the new channels
with zeros, so it has no parameters (the networks have "exactly the same number of parameters
as the plain counterparts"). fb.resnet.torch builds this as a 1x1 average pool of stride 2 and a
concatenation of zeros; ``resnet.ZeroPadShortcut`` slices ``x[:, :, ::2, ::2]`` and pads the
channel axis, which computes the same tensor. ``shortcut="B"`` gives 1x1 projections (+ batch norm) instead.
"""

from __future__ import annotations

from torch import Tensor, nn

from cnnarch.models.resnet import BasicBlock, shortcut_for

WIDTHS = (16, 32, 64)


class CifarResNet(nn.Module):
    def __init__(
        self, depth: int = 20, num_classes: int = 10, in_channels: int = 3, shortcut: str = "A"
    ) -> None:
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"a CIFAR ResNet has 6n + 2 layers (20, 32, 44, 56, 110, 1202), not {depth}")
        n = (depth - 2) // 6
        self.shortcut = shortcut
        self.conv1 = nn.Conv2d(in_channels, WIDTHS[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(WIDTHS[0])
        self.relu = nn.ReLU(inplace=True)
        self.inplanes = WIDTHS[0]
        self.layer1 = self._stage(WIDTHS[0], n, stride=1)
        self.layer2 = self._stage(WIDTHS[1], n, stride=2)
        self.layer3 = self._stage(WIDTHS[2], n, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(WIDTHS[2], num_classes)

    def _stage(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = shortcut_for(self.shortcut, self.inplanes, planes, stride)
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.avgpool(x)
        x = x.flatten(1)
        return self.fc(x)


def cifar_resnet(
    depth: int = 20, num_classes: int = 10, in_channels: int = 3, shortcut: str = "A"
) -> CifarResNet:
    return CifarResNet(depth, num_classes, in_channels, shortcut)
