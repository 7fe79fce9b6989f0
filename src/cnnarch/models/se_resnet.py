"""SE-ResNet (Hu, Shen, Albanie, Sun & Wu 2018, "Squeeze-and-Excitation Networks").

A squeeze-and-excitation module recalibrates the residual branch of every bottleneck before the
addition (paper Fig. 3): global average pooling ("squeeze"), a fully connected layer to C/r
channels, ReLU, a fully connected layer back to C, a sigmoid ("excitation"), and a channel-wise
product with the branch ("scale"), with r = 16. The two fully connected layers act on the pooled
1x1 map and are written as 1x1 convolutions with bias (the authors' Caffe models use
InnerProduct layers with bias: the same weights and multiply-adds).

The backbone is the ResNet of the authors' Caffe models, which stride the first 1x1 convolution
of a bottleneck (``stride_in_1x1=True``), not torchvision's 3x3; module names follow
``cnnarch.models.resnet``.
"""

from __future__ import annotations

from torch import Tensor, nn

from cnnarch.models.resnet import Bottleneck, ResNet


class SqueezeExcitation(nn.Module):
    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        scale = self.sigmoid(self.fc2(self.relu(self.fc1(self.pool(x)))))
        return x * scale


class SEBottleneck(Bottleneck):
    reduction = 16

    def __init__(self, cin: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, stride_in_1x1: bool = False) -> None:  # fmt: skip
        super().__init__(cin, planes, stride, downsample, groups, base_width, stride_in_1x1)
        self.se = SqueezeExcitation(planes * self.expansion, self.reduction)

    def residual(self, x: Tensor) -> Tensor:
        return self.se(super().residual(x))


def se_resnet(
    depth: int = 50, num_classes: int = 1000, in_channels: int = 3, stride_in_1x1: bool = True
) -> ResNet:
    if depth < 50:
        raise ValueError("SE-ResNets here are built on bottleneck ResNets (50, 101, 152)")
    return ResNet(
        depth, num_classes, in_channels=in_channels, stride_in_1x1=stride_in_1x1, block=SEBottleneck
    )
