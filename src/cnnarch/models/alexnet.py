"""AlexNet (Krizhevsky, Sutskever & Hinton 2012, "ImageNet Classification with Deep
Convolutional Neural Networks").

The paper trains on two GPUs; conv2, conv4 and conv5 see only the maps of their own GPU, which
is a grouped convolution with two groups, while conv3 and the dense layers connect across.
Response normalisation follows conv1 and conv2, max pooling follows both normalisations and
conv5. The paper says 224x224 inputs, but (224 − 11)/4 + 1 is not an integer: 227 gives the
55x55 maps of its Figure 2, so 227 is the default here.

``alexnet_owt`` is torchvision's ``alexnet``, layer for layer (same module names): the one-tower
network of Krizhevsky's "One weird trick for parallelizing convolutional neural networks"
(2014) as configured in cuda-convnet2's ``layers-imagenet-1gpu.cfg``: 64, 192, 384, 256, 256
filters (the paper's footnote says 384 for conv4, pytorch/vision#463), no response
normalisation, padded convolutions for a 224 input, dropout before (not after) fc6 and fc7
(pytorch/vision#549), and an adaptive average pool to 6x6 before the classifier.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn


def _lrn() -> nn.LocalResponseNorm:
    # Section 3.3: k = 2, n = 5, alpha = 1e-4, beta = 0.75.
    return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)


def alexnet(num_classes: int = 1000, in_channels: int = 3, towers: int = 2) -> nn.Sequential:
    """``towers=1`` gives the single-tower network the lectures draw (62.4M parameters)."""
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(in_channels, 96, 11, stride=4),
            relu1=nn.ReLU(inplace=True),
            norm1=_lrn(),
            pool1=nn.MaxPool2d(3, 2),
            conv2=nn.Conv2d(96, 256, 5, padding=2, groups=towers),
            relu2=nn.ReLU(inplace=True),
            norm2=_lrn(),
            pool2=nn.MaxPool2d(3, 2),
            conv3=nn.Conv2d(256, 384, 3, padding=1),
            relu3=nn.ReLU(inplace=True),
            conv4=nn.Conv2d(384, 384, 3, padding=1, groups=towers),
            relu4=nn.ReLU(inplace=True),
            conv5=nn.Conv2d(384, 256, 3, padding=1, groups=towers),
            relu5=nn.ReLU(inplace=True),
            pool5=nn.MaxPool2d(3, 2),
            flatten=nn.Flatten(),
            drop6=nn.Dropout(0.5),
            fc6=nn.Linear(256 * 6 * 6, 4096),
            relu6=nn.ReLU(inplace=True),
            drop7=nn.Dropout(0.5),
            fc7=nn.Linear(4096, 4096),
            relu7=nn.ReLU(inplace=True),
            fc8=nn.Linear(4096, num_classes),
        )
    )


class AlexNetOWT(nn.Module):
    """torchvision's ``AlexNet``: ``features``, ``avgpool``, ``classifier`` with the same indices."""

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def alexnet_owt(num_classes: int = 1000, in_channels: int = 3) -> AlexNetOWT:
    return AlexNetOWT(num_classes, in_channels)
