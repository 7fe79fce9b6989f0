"""ResNet (He, Zhang, Ren & Sun 2016, "Deep Residual Learning for Image Recognition") for
ImageNet, laid out as in torchvision (same module names, same execution order) so the two can be
compared layer by layer. ``DEPTHS`` is Table 1 of the paper: block type and blocks per stage.

As in torchvision (and "ResNet v1.5"), a bottleneck downsamples in its 3x3 convolution; the
paper's Caffe models stride the first 1x1 (``stride_in_1x1=True``). This moves work to higher
resolution: resnet50 has 4.09 G multiply-adds here against 3.86 G with the paper's placement
(Table 1 prints 3.8). Basic blocks (18, 34 layers) are the same either way.

``shortcut="A"`` replaces the projection shortcuts ("option B", 1x1 convolution + batch norm where
the shape changes) with the paper's parameter-free option A: every second pixel, zero-padded
with the new channels. The paper's ImageNet ResNet-18/34 of Table 2 use it.

``groups`` and ``width_per_group`` give ResNeXt (Xie et al. 2017: 32 groups of 4 channels) and
Wide ResNet-50-2 (128 channels per group) exactly as torchvision builds them; ``block`` swaps in
another bottleneck with the same signature (SE-ResNet).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


def conv3x3(cin: int, cout: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, groups=groups, bias=False)


def conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class ZeroPadShortcut(nn.Module):
    """Option A: identity with stride ``stride`` and ``extra`` zero channels appended (a 1x1
    average pool of stride 2 and a concatenation of zeros in fb.resnet.torch: the same tensor)."""

    def __init__(self, stride: int, extra: int) -> None:
        super().__init__()
        self.stride, self.extra = stride, extra

    def forward(self, x: Tensor) -> Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.extra))

    def extra_repr(self) -> str:
        return f"stride={self.stride}, extra_channels={self.extra}"


def shortcut_for(kind: str, cin: int, cout: int, stride: int) -> nn.Module:
    """The shortcut of a block whose shape changes: option A (zero padding) or B (projection)."""
    if kind == "A":
        return ZeroPadShortcut(stride, cout - cin)
    if kind == "B":
        return nn.Sequential(conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))
    raise ValueError(f"shortcut must be 'A' (zero padding) or 'B' (projection), not {kind!r}")


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, width: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, stride_in_1x1: bool = False) -> None:  # fmt: skip
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError("basic blocks have neither groups nor a width per group")
        self.conv1 = conv3x3(cin, width, stride)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(width, width)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += x if self.downsample is None else self.downsample(x)
        return self.relu(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, stride_in_1x1: bool = False) -> None:  # fmt: skip
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(cin, width, stride if stride_in_1x1 else 1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, 1 if stride_in_1x1 else stride, groups)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def residual(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))

    def forward(self, x: Tensor) -> Tensor:
        out = self.residual(x)
        out += x if self.downsample is None else self.downsample(x)
        return self.relu(out)


Block = type[BasicBlock] | type[Bottleneck]

DEPTHS: dict[int, tuple[Block, list[int]]] = {
    18: (BasicBlock, [2, 2, 2, 2]),
    34: (BasicBlock, [3, 4, 6, 3]),
    50: (Bottleneck, [3, 4, 6, 3]),
    101: (Bottleneck, [3, 4, 23, 3]),
    152: (Bottleneck, [3, 8, 36, 3]),
}


def blocks_for(depth: int) -> tuple[Block, list[int]]:
    if depth not in DEPTHS:
        raise ValueError(f"no ResNet of depth {depth}; Table 1 has {sorted(DEPTHS)}")
    return DEPTHS[depth]


class ResNet(nn.Module):
    def __init__(self, depth: int = 50, num_classes: int = 1000, groups: int = 1,
                 width_per_group: int = 64, in_channels: int = 3,
                 stride_in_1x1: bool = False, block: Block | None = None,
                 shortcut: str = "B") -> None:  # fmt: skip
        super().__init__()
        default_block, counts = blocks_for(depth)
        block = block or default_block
        self.groups, self.base_width, self.stride_in_1x1 = groups, width_per_group, stride_in_1x1
        self.shortcut = shortcut
        self.inplanes = 64
        self.conv1 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._stage(block, 64, counts[0])
        self.layer2 = self._stage(block, 128, counts[1], stride=2)
        self.layer3 = self._stage(block, 256, counts[2], stride=2)
        self.layer4 = self._stage(block, 512, counts[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _stage(self, block: Block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = shortcut_for(self.shortcut, self.inplanes, planes * block.expansion, stride)
        extra = dict(groups=self.groups, base_width=self.base_width, stride_in_1x1=self.stride_in_1x1)
        layers = [block(self.inplanes, planes, stride, downsample, **extra)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, **extra) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x)
        x = x.flatten(1)
        return self.fc(x)


def resnet(depth: int = 50, num_classes: int = 1000, groups: int = 1, width_per_group: int = 64,
           in_channels: int = 3, stride_in_1x1: bool = False, shortcut: str = "B") -> ResNet:  # fmt: skip
    return ResNet(depth, num_classes, groups, width_per_group, in_channels, stride_in_1x1, shortcut=shortcut)
