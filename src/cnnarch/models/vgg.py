"""VGG (Simonyan & Zisserman 2015, "Very Deep Convolutional Networks for Large-Scale Image
Recognition"): Table 1 of the paper as data, one builder.

Numbers are 3x3 convolutions (padding 1) with that many filters, ``"1x1-N"`` a 1x1 convolution
(configuration C), ``"M"`` a 2x2/2 max pool and ``"LRN"`` local response normalisation (A-LRN,
with AlexNet's constants as Section 2.1 says). The classifier is fc-4096, fc-4096, fc-1000 with
dropout after the first two (Section 3.1).

The paper configurations ``vgg-a``…``vgg-e`` take a fixed 224x224 input (Section 2.1): their
first dense layer reads 512·7·7 features. ``vgg11``…``vgg19`` (and ``_bn``) are torchvision's
builders (A, B, D, E), which add an adaptive average pool to 7x7 before the classifier so that
any input size reaches the dense layers, and batch normalisation after every convolution in the
``_bn`` variants; at 224 the pool is an identity and the parameters are the paper's.
"""

from __future__ import annotations

from torch import nn

# fmt: off
# Table 1, columns A to E.
CONFIGS: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "A-LRN": [64, "LRN", "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, "1x1-256", "M",
          512, 512, "1x1-512", "M", 512, 512, "1x1-512", "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
          512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}
# fmt: on


def make_layers(config: list[int | str], batch_norm: bool = False, in_channels: int = 3) -> nn.Sequential:
    layers: list[nn.Module] = []
    channels = in_channels
    for item in config:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        elif item == "LRN":
            layers.append(nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0))
        else:
            kernel, width = (1, int(item.split("-")[1])) if isinstance(item, str) else (3, item)
            layers.append(nn.Conv2d(channels, width, kernel_size=kernel, padding=kernel // 2))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.ReLU(inplace=True))
            channels = width
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(
        self,
        config: str,
        num_classes: int = 1000,
        batch_norm: bool = False,
        adaptive_pool: bool = True,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        self.features = make_layers(CONFIGS[config], batch_norm, in_channels)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7)) if adaptive_pool else nn.Identity()
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = x.flatten(1)
        return self.classifier(x)


def vgg(config: str = "D", num_classes: int = 1000, batch_norm: bool = False,
        adaptive_pool: bool = True, in_channels: int = 3) -> VGG:  # fmt: skip
    return VGG(config, num_classes, batch_norm, adaptive_pool, in_channels)
