"""The CIFAR-10 networks of Springenberg, Dosovitskiy, Brox & Riedmiller 2015, "Striving for
Simplicity: The All Convolutional Net".

``BASE`` is Table 1 (Models A, B, C); ``variant()`` derives the networks of Section 3.1 and
Table 2 from a base model by what it does with each 3x3/2 max pool:

- ``strided``  (Strided-CNN): removes the pool and gives the preceding convolution stride 2;
- ``convpool`` (ConvPool-CNN): keeps the pool and inserts before it a 3x3 convolution with the
  preceding layer's width (a dense convolution with the pool's window);
- ``allconv``  (All-CNN): replaces the pool by a 3x3/2 convolution with the preceding width.

Every convolution is followed by ReLU (the last, 1x1 with one map per class, too), then global
averaging over the 6x6 maps. Dropout (Section 3.2.1): 20% on the input, 50% after each pool
or the layer that replaces it. Table 1 prints no padding; the 6x6 of its last rows fixes it:
"same" padding everywhere except the 3x3 convolution after the second pool (8 → 6), pools and
their replacements padded by 1 (32 → 16 → 8).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Literal

from torch import nn

Variant = Literal["base", "strided", "convpool", "allconv"]
# A convolution is (filters, kernel) or (filters, kernel, padding); "P" is a 3x3/2 max pool.
Item = tuple[int, ...] | str
BASE: dict[str, list[Item]] = {
    "A": [(96, 5), "P", (192, 5), "P", (192, 3, 0), (192, 1), (10, 1)],
    "B": [(96, 5), (96, 1), "P", (192, 5), (192, 1), "P", (192, 3, 0), (192, 1), (10, 1)],
    "C": [(96, 3), (96, 3), "P", (192, 3), (192, 3), "P", (192, 3, 0), (192, 1), (10, 1)],
}


def variant(model: str, kind: Variant = "base") -> list[tuple[int, int, int, int] | str]:
    """Layers of ``model`` (A, B or C) as (filters, kernel, stride, padding) and "P"/"D"
    (pool, dropout after pooling)."""
    layers: list[tuple[int, int, int, int] | str] = []
    for item in BASE[model]:
        if isinstance(item, tuple):
            filters, kernel, *pad = item
            layers.append((filters, kernel, 1, pad[0] if pad else kernel // 2))
            continue
        filters, kernel, _, padding = layers[-1]  # type: ignore[misc]
        if kind == "strided":
            layers[-1] = (filters, kernel, 2, padding)
        elif kind == "allconv":
            layers.append((filters, 3, 2, 1))
        else:
            if kind == "convpool":
                layers.append((filters, 3, 1, 1))
            layers.append("P")
        layers.append("D")
    return layers


def allcnn(
    model: str = "C", kind: Variant = "base", num_classes: int = 10, in_channels: int = 3
) -> nn.Sequential:
    modules: OrderedDict[str, nn.Module] = OrderedDict(drop0=nn.Dropout(0.2))
    layers = variant(model, kind)
    last_conv = max(i for i, layer in enumerate(layers) if isinstance(layer, tuple))
    channels, convs, pools, drops = in_channels, 0, 0, 0
    for i, layer in enumerate(layers):
        if layer == "P":
            pools += 1
            modules[f"pool{pools}"] = nn.MaxPool2d(3, 2, padding=1)
        elif layer == "D":
            drops += 1
            modules[f"drop{drops}"] = nn.Dropout(0.5)
        else:
            filters, kernel, stride, padding = layer  # type: ignore[misc]
            filters = num_classes if i == last_conv else filters
            convs += 1
            modules[f"conv{convs}"] = nn.Conv2d(channels, filters, kernel, stride, padding)
            modules[f"relu{convs}"] = nn.ReLU(inplace=True)
            channels = filters
    modules["gap"] = nn.AdaptiveAvgPool2d(1)
    modules["flatten"] = nn.Flatten()
    return nn.Sequential(modules)
