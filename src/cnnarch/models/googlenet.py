"""GoogLeNet (Szegedy et al. 2015, "Going Deeper with Convolutions"), as in Table 1 and
Figure 3 of the paper.

Differences from torchvision's ``googlenet``: the third branch of each Inception module is a
5x5 convolution as in the paper (torchvision uses 3x3, pytorch/vision#906); convolutions have
biases and no batch normalisation (torchvision adds BN, a later addition); local response
normalisation follows the first max pool and the second convolution, as in Figure 3. Max pools
round up (``ceil_mode``) as the Caffe reference model does, which gives Table 1's sizes.
The auxiliary classifiers (Section 5: 5x5/3 average pool, 1x1 convolution with 128 filters,
fc 1024, dropout 70%, linear) are built with ``aux_logits=True`` and then run on every forward
pass, so that their layers and cost are visible (the paper uses them only during training);
``forward`` then returns ``(logits, aux2, aux1)``.

``INCEPTION`` is Table 1's channel columns. Recomputing the table's "params" and "ops" columns
from them (weights without biases, K = 1,024, ops = multiply-adds) reproduces most rows; conv1,
4c, 4d, 5a and 5b do not match (the catalogue entry's notes give the figures).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

# Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj
INCEPTION: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def conv_relu(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2),
            relu=nn.ReLU(inplace=True),
        )
    )


class Inception(nn.Module):
    """Four parallel branches whose outputs are concatenated along the channels."""

    def __init__(self, cin: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, proj: int) -> None:
        super().__init__()
        self.branch1 = conv_relu(cin, c1, 1)
        self.branch2 = nn.Sequential(conv_relu(cin, c3r, 1), conv_relu(c3r, c3, 3))
        self.branch3 = nn.Sequential(conv_relu(cin, c5r, 1), conv_relu(c5r, c5, 5))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, padding=1, ceil_mode=True), conv_relu(cin, proj, 1))
        self.out_channels = c1 + c3 + c5 + proj

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class AuxClassifier(nn.Module):
    def __init__(self, cin: int, num_classes: int) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(5, 3)
        self.conv = conv_relu(cin, 128, 1)
        self.fc1 = nn.Linear(128 * 4 * 4, 1024)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(0.7)
        self.fc2 = nn.Linear(1024, num_classes)

    def forward(self, x):
        x = self.conv(self.pool(x)).flatten(1)
        return self.fc2(self.dropout(self.relu(self.fc1(x))))


class GoogLeNet(nn.Module):
    def __init__(self, num_classes: int = 1000, aux_logits: bool = False, in_channels: int = 3) -> None:
        super().__init__()
        self.conv1 = conv_relu(in_channels, 64, 7, stride=2)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.norm1 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75)
        self.conv2_reduce = conv_relu(64, 64, 1)
        self.conv2 = conv_relu(64, 192, 3)
        self.norm2 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        blocks: OrderedDict[str, nn.Module] = OrderedDict()
        cin = 192
        for name, widths in INCEPTION.items():
            if name in ("4a", "5a"):
                blocks[f"pool{int(name[0]) - 1}"] = nn.MaxPool2d(3, 2, ceil_mode=True)
            block = Inception(cin, *widths)
            blocks[f"inception{name}"] = block
            cin = block.out_channels
        for name, module in blocks.items():
            self.add_module(name, module)
        self.aux1 = AuxClassifier(512, num_classes) if aux_logits else None
        self.aux2 = AuxClassifier(528, num_classes) if aux_logits else None
        self.avgpool = nn.AvgPool2d(7, 1)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(1024, num_classes)

    def forward(self, x):
        x = self.pool1(self.conv1(x))
        x = self.norm1(x)
        x = self.pool2(self.norm2(self.conv2(self.conv2_reduce(x))))
        x = self.pool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None else None
        x = self.pool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.avgpool(x).flatten(1)
        x = self.fc(self.dropout(x))
        return (x, aux2, aux1) if aux1 is not None else x


def googlenet(num_classes: int = 1000, aux_logits: bool = False, in_channels: int = 3) -> GoogLeNet:
    return GoogLeNet(num_classes, aux_logits, in_channels)
