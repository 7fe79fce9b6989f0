"""Inception v2 and v3.

``bn_inception`` (catalogue ``inception-v2``) is the network of Ioffe & Szegedy 2015, "Batch
Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
Appendix, Figure 5 — the network that "Inception-v4" (Szegedy et al. 2017) and TF-slim call
Inception-v2. GoogLeNet's layout with batch normalisation after every convolution (without
conv biases, Section 3.2), each 5x5 convolution replaced by two 3x3 ("double 3x3"), a third
28x28 module, average or max pooling inside the modules, and stride-2 modules 3c and 4e whose
pool branch passes its input through instead of the pooling layers between stages. ``BN_INCEPTION``
is Figure 5 as data. Max pools round up as in the released Caffe model (112 → 56 → 28,
28 → 14 and 14 → 7 in the pass-through branches).

The columns of Figure 5 sum to 608 output maps after 4c and 4d and 1,056 after 4e; the
Caffe release follows the columns. TF-slim's ``inception_v2`` keeps 576 maps through stage 4
by giving 4c and 4d (its Mixed_4d, Mixed_4e) 96-wide pool projections, and its first layer is
a depthwise-separable 7x7; neither changes the receptive field.

``Inception3`` (catalogue ``inception-v3``) is torchvision's ``inception_v3`` layer for layer,
with the same module names: the network of Szegedy et al. 2016, "Rethinking the Inception
Architecture for Computer Vision", Table 1, as released in TensorFlow. Its 35x35 modules
(``InceptionA``, Figure 5) keep a 5x5 branch where Figure 5 draws two 3x3; the 17x17 modules
(``InceptionC``) factor 7x7 into 1x7 and 7x1 (Figure 6); the 8x8 modules (``InceptionE``)
split into 1x3 and 3x1 (Figure 7); ``InceptionB`` and ``InceptionD`` reduce the grid
(Figure 10). The auxiliary classifier on the 17x17 grid (Section 7) is built with
``aux_logits=True`` and, as in torchvision, runs only in training mode: an analysis (eval mode)
counts its parameters and reports them as not executed, and its multiply-adds are not counted.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False),
            bn=nn.BatchNorm2d(cout),
            relu=nn.ReLU(inplace=True),
        )
    )


# Figure 5: #1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3, pool ("avg"/"max"),
# pool projection (0: pass through), stride.
BN_INCEPTION: dict[str, tuple[int, int, int, int, int, str, int, int]] = {
    "3a": (64, 64, 64, 64, 96, "avg", 32, 1),
    "3b": (64, 64, 96, 64, 96, "avg", 64, 1),
    "3c": (0, 128, 160, 64, 96, "max", 0, 2),
    "4a": (224, 64, 96, 96, 128, "avg", 128, 1),
    "4b": (192, 96, 128, 96, 128, "avg", 128, 1),
    "4c": (160, 128, 160, 128, 160, "avg", 128, 1),
    "4d": (96, 128, 192, 160, 192, "avg", 128, 1),
    "4e": (0, 128, 192, 192, 256, "max", 0, 2),
    "5a": (352, 192, 320, 160, 224, "avg", 128, 1),
    "5b": (352, 192, 320, 192, 224, "max", 128, 1),
}


class BNInceptionBlock(nn.Module):
    """1x1 | 1x1 → 3x3 | 1x1 → 3x3 → 3x3 | pool → 1x1, concatenated; a stride-2 block has no
    1x1 branch and passes the pooled input through."""

    def __init__(self, cin: int, c1: int, c3r: int, c3: int, d3r: int, d3: int, pool: str, proj: int,
                 stride: int) -> None:  # fmt: skip
        super().__init__()
        self.branch1 = conv_bn(cin, c1, 1) if c1 else None
        self.branch3 = nn.Sequential(conv_bn(cin, c3r, 1), conv_bn(c3r, c3, 3, stride))
        self.double3 = nn.Sequential(conv_bn(cin, d3r, 1), conv_bn(d3r, d3, 3), conv_bn(d3, d3, 3, stride))
        if stride == 2:
            window: nn.Module = nn.MaxPool2d(3, 2, ceil_mode=True)
        elif pool == "max":
            window = nn.MaxPool2d(3, 1, padding=1, ceil_mode=True)
        else:
            window = nn.AvgPool2d(3, 1, padding=1, ceil_mode=True)
        self.pool = nn.Sequential(window, conv_bn(cin, proj, 1)) if proj else window
        self.out_channels = c1 + c3 + d3 + (proj or cin)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch3(x), self.double3(x), self.pool(x)]
        if self.branch1 is not None:
            branches.insert(0, self.branch1(x))
        return torch.cat(branches, 1)


class BNInception(nn.Module):
    def __init__(self, num_classes: int = 1000, in_channels: int = 3) -> None:
        super().__init__()
        self.conv1 = conv_bn(in_channels, 64, 7, stride=2)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2_reduce = conv_bn(64, 64, 1)
        self.conv2 = conv_bn(64, 192, 3)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        cin = 192
        for name, row in BN_INCEPTION.items():
            block = BNInceptionBlock(cin, *row)
            self.add_module(f"inception{name}", block)
            cin = block.out_channels
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.conv1(x))
        x = self.pool2(self.conv2(self.conv2_reduce(x)))
        for name in BN_INCEPTION:
            x = getattr(self, f"inception{name}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def bn_inception(num_classes: int = 1000, in_channels: int = 3) -> BNInception:
    return BNInception(num_classes, in_channels)


class BasicConv2d(nn.Module):
    """Convolution without bias, batch norm (eps 0.001), ReLU: torchvision's ``BasicConv2d``."""

    def __init__(self, cin: int, cout: int, kernel_size: int | tuple[int, int], stride: int = 1,
                 padding: int | tuple[int, int] = 0) -> None:  # fmt: skip
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)), inplace=True)


class InceptionA(nn.Module):
    """35x35 module: 1x1 | 1x1 → 5x5 | 1x1 → 3x3 → 3x3 | avg pool → 1x1."""

    def __init__(self, cin: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, 1)
        self.branch5x5_1 = BasicConv2d(cin, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([b1, b5, b3, bp], 1)


class InceptionB(nn.Module):
    """35 → 17 grid reduction: 3x3/2 | 1x1 → 3x3 → 3x3/2 | max pool 3x3/2."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([b3, bd, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionC(nn.Module):
    """17x17 module: 1x1 | 1x1 → 1x7 → 7x1 | 1x1 → 7x1 → 1x7 → 7x1 → 1x7 | avg pool → 1x1."""

    def __init__(self, cin: int, channels_7x7: int) -> None:
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(cin, 192, 1)
        self.branch7x7_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = layer(bd)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([b1, b7, bd, bp], 1)


class InceptionD(nn.Module):
    """17 → 8 grid reduction: 1x1 → 3x3/2 | 1x1 → 1x7 → 7x1 → 3x3/2 | max pool 3x3/2."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_1(x)
        for layer in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b7 = layer(b7)
        return torch.cat([b3, b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(nn.Module):
    """8x8 module: 1x1 | 1x1 → (1x3, 3x1) | 1x1 → 3x3 → (1x3, 3x1) | avg pool → 1x1."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 320, 1)
        self.branch3x3_1 = BasicConv2d(cin, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([b1, b3, bd, bp], 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier on the 17x17 grid: avg pool 5x5/3, 1x1 conv, 5x5 conv, linear."""

    def __init__(self, cin: int, num_classes: int) -> None:
        super().__init__()
        self.conv0 = BasicConv2d(cin, 128, 1)
        self.conv1 = BasicConv2d(128, 768, 5)
        self.fc = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(self.conv0(F.avg_pool2d(x, kernel_size=5, stride=3)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))


class Inception3(nn.Module):
    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, in_channels: int = 3,
                 dropout: float = 0.5) -> None:  # fmt: skip
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(in_channels, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.AuxLogits = InceptionAux(768, num_classes) if aux_logits else None
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        for name in ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1",
                     "Conv2d_4a_3x3", "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a",
                     "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):  # fmt: skip
            x = getattr(self, name)(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        x = self.fc(torch.flatten(self.dropout(self.avgpool(x)), 1))
        return (x, aux) if aux is not None else x


def inception_v3(num_classes: int = 1000, aux_logits: bool = True, in_channels: int = 3) -> Inception3:
    return Inception3(num_classes, aux_logits, in_channels)
