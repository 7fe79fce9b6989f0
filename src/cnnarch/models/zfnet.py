"""ZFNet (Zeiler & Fergus 2014, "Visualizing and Understanding Convolutional Networks"), the
network of Figure 3 of the paper.

AlexNet changed as Section 4.1 describes: conv1 has 7x7 filters at stride 2 (not 11x11 at 4),
conv2 has stride 2, and conv3-conv5 are dense (one tower, no grouped convolutions). Contrast
normalisation across maps follows the first two max pools, in Figure 3's order (AlexNet's LRN
constants); fc6 and fc7 have 4096 units with dropout.

Figure 3 prints the sizes 224 → 110 → 55 → 26 → 13 → 13 → 13 → 6 but no padding. Here conv1
pads by 1 (⌊(224 + 2 − 7)/2⌋ + 1 = 110) and the max pools round up as in Caffe
(⌈(110 − 3)/2⌉ + 1 = 55, ⌈(26 − 3)/2⌉ + 1 = 13): with these choices every printed size holds
at the paper's 224 input.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn


def _lrn() -> nn.LocalResponseNorm:
    return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)


def zfnet(num_classes: int = 1000, in_channels: int = 3) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(in_channels, 96, 7, stride=2, padding=1),
            relu1=nn.ReLU(inplace=True),
            pool1=nn.MaxPool2d(3, 2, ceil_mode=True),
            norm1=_lrn(),
            conv2=nn.Conv2d(96, 256, 5, stride=2),
            relu2=nn.ReLU(inplace=True),
            pool2=nn.MaxPool2d(3, 2, ceil_mode=True),
            norm2=_lrn(),
            conv3=nn.Conv2d(256, 384, 3, padding=1),
            relu3=nn.ReLU(inplace=True),
            conv4=nn.Conv2d(384, 384, 3, padding=1),
            relu4=nn.ReLU(inplace=True),
            conv5=nn.Conv2d(384, 256, 3, padding=1),
            relu5=nn.ReLU(inplace=True),
            pool5=nn.MaxPool2d(3, 2, ceil_mode=True),
            flatten=nn.Flatten(),
            fc6=nn.Linear(256 * 6 * 6, 4096),
            relu6=nn.ReLU(inplace=True),
            drop6=nn.Dropout(0.5),
            fc7=nn.Linear(4096, 4096),
            relu7=nn.ReLU(inplace=True),
            drop7=nn.Dropout(0.5),
            fc8=nn.Linear(4096, num_classes),
        )
    )
