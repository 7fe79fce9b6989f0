"""LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning applied to document
recognition"), in the common modern form: every C3 map sees all six S2 maps (dense C3),
sub-sampling as plain average pooling, tanh activations, a 10-way linear output."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn


def lenet5(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            c1=nn.Conv2d(in_channels, 6, 5),
            tanh1=nn.Tanh(),
            s2=nn.AvgPool2d(2, 2),
            c3=nn.Conv2d(6, 16, 5),
            tanh3=nn.Tanh(),
            s4=nn.AvgPool2d(2, 2),
            c5=nn.Conv2d(16, 120, 5),
            tanh5=nn.Tanh(),
            flatten=nn.Flatten(),
            f6=nn.Linear(120, 84),
            tanh6=nn.Tanh(),
            output=nn.Linear(84, num_classes),
        )
    )
