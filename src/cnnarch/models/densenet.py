"""DenseNet-BC (Huang, Liu, van der Maaten & Weinberger 2017, "Densely Connected Convolutional
Networks") for ImageNet, laid out as torchvision builds it (same module names, same operations in
the same order) so the two can be compared layer by layer.

``CONFIGS`` is Table 1 of the paper (layers per dense block, growth rate k, stem width);
DenseNet-161 (k = 48, 96-filter stem) is the authors' released model, not in Table 1. Each layer
is BN-ReLU-conv1x1 (4k filters, the "bottleneck") then BN-ReLU-conv3x3 (k filters) on the
concatenation of everything before it in its block; transitions halve the channels
(compression 0.5) and the map (2x2 average pooling).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# depth: (layers per block, growth rate k, stem filters)
CONFIGS: dict[int, tuple[tuple[int, int, int, int], int, int]] = {
    121: ((6, 12, 24, 16), 32, 64),
    161: ((6, 12, 36, 24), 48, 96),
    169: ((6, 12, 32, 32), 32, 64),
    201: ((6, 12, 48, 32), 32, 64),
}


class DenseLayer(nn.Module):
    def __init__(self, cin: int, growth_rate: int, bn_size: int = 4) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(cin, bn_size * growth_rate, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)

    def forward(self, features: list[Tensor]) -> Tensor:
        out = self.conv1(self.relu1(self.norm1(torch.cat(features, 1))))
        return self.conv2(self.relu2(self.norm2(out)))


class DenseBlock(nn.ModuleDict):
    def __init__(self, layers: int, cin: int, growth_rate: int) -> None:
        super().__init__()
        for i in range(layers):
            self.add_module(f"denselayer{i + 1}", DenseLayer(cin + i * growth_rate, growth_rate))

    def forward(self, x: Tensor) -> Tensor:
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class Transition(nn.Sequential):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.pool = nn.AvgPool2d(2, stride=2)


class DenseNet(nn.Module):
    def __init__(self, depth: int = 121, num_classes: int = 1000, in_channels: int = 3) -> None:
        super().__init__()
        if depth not in CONFIGS:
            raise ValueError(f"no DenseNet of depth {depth}; known: {sorted(CONFIGS)}")
        blocks, growth_rate, stem = CONFIGS[depth]
        self.features = nn.Sequential(
            OrderedDict(
                conv0=nn.Conv2d(in_channels, stem, 7, stride=2, padding=3, bias=False),
                norm0=nn.BatchNorm2d(stem),
                relu0=nn.ReLU(inplace=True),
                pool0=nn.MaxPool2d(3, stride=2, padding=1),
            )
        )
        channels = stem
        for i, layers in enumerate(blocks, start=1):
            self.features.add_module(f"denseblock{i}", DenseBlock(layers, channels, growth_rate))
            channels += layers * growth_rate
            if i < len(blocks):
                self.features.add_module(f"transition{i}", Transition(channels, channels // 2))
                channels //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.features(x), inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        return self.classifier(out)


def densenet(depth: int = 121, num_classes: int = 1000, in_channels: int = 3) -> DenseNet:
    return DenseNet(depth, num_classes, in_channels)
