"""Network in Network (Lin, Chen & Yan 2014): stacked *mlpconv* layers (a convolution followed by
two 1x1 convolutions, "cccp" layers, each with ReLU; Section 3.1, Figure 2) and global average
pooling over one map per class instead of dense layers (Section 3.2).

The paper gives no layer table; the configurations are those its first author released:

- ``IMAGENET``: the ImageNet model of the Caffe Model Zoo (mavenlin's ``nin_imagenet``
  prototxt): four mlpconv layers, 11x11/4 then 5x5 then 3x3 convolutions, 3x3/2 max pools,
  dropout before the last mlpconv, whose last 1x1 convolution has one map per class. This is
  the NiN the lectures draw (as in d2l.ai, whose version pools without rounding up).
- ``CIFAR10``: the CIFAR-10 model of the paper's experiments (Section 4.2; the cuda-convnet
  configuration in mavenlin/cuda-convnet ``NIN``): three mlpconv layers (192-160-96,
  192-192-192, 192-192-10), a max and an average 3x3/2 pool, each followed by dropout.

Pools round up as in Caffe and cuda-convnet (54 → 27 and 32 → 16), which gives the released
models' map sizes. The final global average pool is adaptive here; at the default input it is
the released 6x6 (ImageNet) or 8x8 (CIFAR-10) average pool.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

# ("mlp", conv filters, kernel, stride, padding, (cccp widths; None = one map per class))
# ("max" | "avg", kernel, stride) pools rounding up; ("drop", p).
Layer = tuple
IMAGENET: list[Layer] = [
    ("mlp", 96, 11, 4, 0, (96, 96)),
    ("max", 3, 2),
    ("mlp", 256, 5, 1, 2, (256, 256)),
    ("max", 3, 2),
    ("mlp", 384, 3, 1, 1, (384, 384)),
    ("max", 3, 2),
    ("drop", 0.5),
    ("mlp", 1024, 3, 1, 1, (1024, None)),
]
CIFAR10: list[Layer] = [
    ("mlp", 192, 5, 1, 2, (160, 96)),
    ("max", 3, 2),
    ("drop", 0.5),
    ("mlp", 192, 5, 1, 2, (192, 192)),
    ("avg", 3, 2),
    ("drop", 0.5),
    ("mlp", 192, 3, 1, 1, (192, None)),
]
CONFIGS: dict[str, list[Layer]] = {"imagenet": IMAGENET, "cifar10": CIFAR10}


def mlpconv(
    cin: int, filters: int, kernel: int, stride: int, padding: int, cccp: tuple[int, ...]
) -> nn.Sequential:
    layers: OrderedDict[str, nn.Module] = OrderedDict(
        conv=nn.Conv2d(cin, filters, kernel, stride, padding), relu=nn.ReLU(inplace=True)
    )
    for i, width in enumerate(cccp, start=1):
        layers[f"cccp{i}"] = nn.Conv2d(filters if i == 1 else cccp[i - 2], width, 1)
        layers[f"relu{i}"] = nn.ReLU(inplace=True)
    return nn.Sequential(layers)


def nin(config: str = "imagenet", num_classes: int | None = None, in_channels: int = 3) -> nn.Sequential:
    """``num_classes`` defaults to 1000 (ImageNet) or 10 (CIFAR-10)."""
    classes = num_classes or (1000 if config == "imagenet" else 10)
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    channels, counts = in_channels, {"mlp": 0, "pool": 0, "drop": 0}
    for kind, *args in CONFIGS[config]:
        if kind == "mlp":
            filters, kernel, stride, padding, widths = args
            cccp = tuple(classes if w is None else w for w in widths)
            counts["mlp"] += 1
            layers[f"mlpconv{counts['mlp']}"] = mlpconv(channels, filters, kernel, stride, padding, cccp)
            channels = cccp[-1]
        elif kind == "drop":
            counts["drop"] += 1
            layers[f"drop{counts['drop']}"] = nn.Dropout(args[0])
        else:
            counts["pool"] += 1
            pool = nn.MaxPool2d if kind == "max" else nn.AvgPool2d
            layers[f"pool{counts['pool']}"] = pool(args[0], args[1], ceil_mode=True)
    layers["gap"] = nn.AdaptiveAvgPool2d(1)
    layers["flatten"] = nn.Flatten()
    return nn.Sequential(layers)
