"""SqueezeNet (Iandola et al. 2016, "SqueezeNet: AlexNet-level accuracy with 50x fewer
parameters and <0.5MB model size"), v1.0 as in Table 1 of the paper and v1.1 as in the authors'
repository (DeepScale/SqueezeNet: 3x3 conv1 with 64 filters, pooling moved earlier, 2.4x less
computation). Laid out as torchvision builds them, so the two can be compared layer by layer.

A fire module squeezes with 1x1 filters, then expands with 1x1 and 3x3 filters side by side and
concatenates them. The rows of ``FEATURES`` are the paper's table: an int is a fire module's
(squeeze, expand1x1, expand3x3) triple index into ``FIRES``; ``"M"`` a 3x3/2 max-pool (ceil mode,
as in Caffe).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

# fire modules: (squeeze 1x1, expand 1x1, expand 3x3) filters
FIRES = {2: (16, 64, 64), 3: (16, 64, 64), 4: (32, 128, 128), 5: (32, 128, 128),
         6: (48, 192, 192), 7: (48, 192, 192), 8: (64, 256, 256), 9: (64, 256, 256)}  # fmt: skip

# version: (conv1 filters, conv1 kernel, layers after conv1 + ReLU)
VERSIONS: dict[str, tuple[int, int, list[int | str]]] = {
    "1_0": (96, 7, ["M", 2, 3, 4, "M", 5, 6, 7, 8, "M", 9]),
    "1_1": (64, 3, ["M", 2, 3, "M", 4, 5, "M", 6, 7, 8, 9]),
}


class Fire(nn.Module):
    def __init__(self, cin: int, squeeze: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1
        )


class SqueezeNet(nn.Module):
    def __init__(self, version: str = "1_0", num_classes: int = 1000, in_channels: int = 3) -> None:
        super().__init__()
        if version not in VERSIONS:
            raise ValueError(f"SqueezeNet version must be one of {sorted(VERSIONS)}, not {version!r}")
        filters, kernel, layers = VERSIONS[version]
        modules: list[nn.Module] = [nn.Conv2d(in_channels, filters, kernel, stride=2), nn.ReLU(inplace=True)]
        channels = filters
        for layer in layers:
            if layer == "M":
                modules.append(nn.MaxPool2d(3, stride=2, ceil_mode=True))
            else:
                squeeze, e1, e3 = FIRES[int(layer)]
                modules.append(Fire(channels, squeeze, e1, e3))
                channels = e1 + e3
        self.features = nn.Sequential(*modules)
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            nn.Conv2d(channels, num_classes, 1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.classifier(self.features(x))
        return torch.flatten(x, 1)


def squeezenet(version: str = "1_0", num_classes: int = 1000, in_channels: int = 3) -> SqueezeNet:
    return SqueezeNet(version, num_classes, in_channels)
