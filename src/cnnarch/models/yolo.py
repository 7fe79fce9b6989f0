"""YOLO v1 (Redmon, Divvala, Girshick & Farhadi 2016, "You Only Look Once: Unified, Real-Time
Object Detection"): the detection network of Fig. 3, 24 convolutional layers and 2 fully connected
layers, 448x448x3 in, a 7x7x30 tensor of predictions out.

Fig. 3 as data below: ``(kernel, filters, stride)`` for a convolution ("same" padding, kernel // 2,
as in darknet), ``"M"`` for a 2x2/2 max pool, ``("x", n, [...])`` for a group repeated n times.
Every layer but the last uses a leaky ReLU with slope 0.1; the last is linear. Dropout (rate 0.5)
follows the first connected layer (Sec. 2.2). The convolutions have biases: batch norm came with
YOLO v2. The 1470 outputs are reshaped to S x S x (B·5 + C) = 7 x 7 x 30, channels last as in
the paper; darknet's own detection layer reads the same 1470 numbers in another order (all class
probabilities first), which changes no count.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from torch import Tensor, nn

# fmt: off
DARKNET: list[Any] = [
    (7, 64, 2), "M",
    (3, 192, 1), "M",
    (1, 128, 1), (3, 256, 1), (1, 256, 1), (3, 512, 1), "M",
    ("x", 4, [(1, 256, 1), (3, 512, 1)]), (1, 512, 1), (3, 1024, 1), "M",
    ("x", 2, [(1, 512, 1), (3, 1024, 1)]), (3, 1024, 1), (3, 1024, 2),
    (3, 1024, 1), (3, 1024, 1),
]
# fmt: on


def _expand(config: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in config:
        if isinstance(item, tuple) and item[0] == "x":
            flat += list(item[2]) * item[1]
        else:
            flat.append(item)
    return flat


class YOLOv1(nn.Module):
    def __init__(
        self,
        num_classes: int = 20,
        in_channels: int = 3,
        grid: int = 7,
        boxes: int = 2,
        input_size: int = 448,
    ) -> None:
        super().__init__()
        self.grid, self.depth = grid, boxes * 5 + num_classes
        layers: list[tuple[str, nn.Module]] = []
        channels, size, conv, pool = in_channels, input_size, 0, 0
        for item in _expand(DARKNET):
            if item == "M":
                pool += 1
                layers.append((f"pool{pool}", nn.MaxPool2d(2, stride=2)))
                size //= 2
                continue
            kernel, filters, stride = item
            conv += 1
            layers.append((f"conv{conv}", nn.Conv2d(channels, filters, kernel, stride, padding=kernel // 2)))
            layers.append((f"leaky{conv}", nn.LeakyReLU(0.1, inplace=True)))
            channels = filters
            size = (size + 2 * (kernel // 2) - kernel) // stride + 1
        self.features = nn.Sequential(OrderedDict(layers))
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(channels * size * size, 4096)
        self.leaky_fc1 = nn.LeakyReLU(0.1, inplace=True)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(4096, grid * grid * self.depth)

    def forward(self, x: Tensor) -> Tensor:
        x = self.flatten(self.features(x))
        x = self.fc2(self.dropout(self.leaky_fc1(self.fc1(x))))
        return x.view(-1, self.grid, self.grid, self.depth)


def yolo_v1(num_classes: int = 20, in_channels: int = 3, boxes: int = 2) -> YOLOv1:
    """``boxes``: B, the boxes each grid cell predicts (the catalogue entry states it, so that
    explain can work the head out as S·S·(B·5 + C))."""
    return YOLOv1(num_classes, in_channels, boxes=boxes)
