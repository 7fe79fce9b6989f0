"""FCN-32s, FCN-16s, FCN-8s (Long, Shelhamer & Darrell 2015, "Fully Convolutional Networks for
Semantic Segmentation"), layer for layer as the reference Caffe nets (fcn.berkeleyvision.org,
``voc-fcn{32,16,8}s/net.py``).

- The backbone is VGG-16 (configuration D of ``cnnarch.models.vgg.CONFIGS``) with its dense
  layers turned into convolutions: fc6 is 7x7 (4096), fc7 1x1 (4096), each with ReLU and dropout.
- conv1_1 pads by 100 so that any input, however small, leaves fc6 at least 1x1; the pools round
  up (Caffe's pooling, ``ceil_mode=True``).
- ``score_fr`` (1x1, one map per class) is upsampled by transposed convolutions without bias,
  fixed to bilinear interpolation in the reference (``lr_mult: 0``): their weights are frozen
  here. FCN-16s adds ``score_pool4`` (1x1 on pool4) after a 2x upsampling, FCN-8s also
  ``score_pool3``.
- The crops are ``Crop`` modules (slices), named and placed as in the reference, with its offsets
  (Caffe's ``coord_map`` works them out so that output pixel i is centred on input pixel i): the
  output has the input's size.
"""

from __future__ import annotations

from torch import Tensor, nn

from cnnarch.models.crop import Crop
from cnnarch.models.vgg import CONFIGS

SKIPS: dict[str, tuple[str, ...]] = {"fcn32s": (), "fcn16s": ("pool4",), "fcn8s": ("pool4", "pool3")}
"""The pooling outputs each variant fuses, coarsest first."""

CROPS: dict[str, dict[str, int]] = {
    "fcn32s": {"score": 19},
    "fcn16s": {"score_pool4c": 5, "score": 27},
    "fcn8s": {"score_pool4c": 5, "score_pool3c": 9, "score": 31},
}
"""Crop offsets of the reference prototxts (``crop_param { axis: 2 offset: N }``)."""

FINAL_UPSAMPLING: dict[str, tuple[str, int]] = {
    "fcn32s": ("upscore", 32),
    "fcn16s": ("upscore16", 16),
    "fcn8s": ("upscore8", 8),
}
"""The last transposed convolution of each variant: its reference name and stride (kernel 2x)."""

SKIP_UPSAMPLING = {"pool4": "upscore2", "pool3": "upscore_pool4"}
"""The 2x upsampling (kernel 4, stride 2) that brings the coarser scores to each skip's scale."""


def _frozen(layer: nn.ConvTranspose2d) -> nn.ConvTranspose2d:
    layer.weight.requires_grad_(False)
    return layer


class FCN(nn.Module):
    def __init__(self, variant: str = "fcn8s", num_classes: int = 21, in_channels: int = 3) -> None:
        super().__init__()
        if variant not in SKIPS:
            raise ValueError(f"unknown FCN variant {variant!r}")
        self.variant = variant
        self.backbone: list[str] = []
        self._add_backbone(in_channels)
        self.score_fr = nn.Conv2d(4096, num_classes, kernel_size=1)
        widths = {"pool4": 512, "pool3": 256}
        for tap in SKIPS[variant]:
            self.add_module(SKIP_UPSAMPLING[tap], _frozen(self._upsampling(num_classes, 2)))
            self.add_module(f"score_{tap}", nn.Conv2d(widths[tap], num_classes, kernel_size=1))
            self.add_module(f"score_{tap}c", Crop(CROPS[variant][f"score_{tap}c"]))
        name, stride = FINAL_UPSAMPLING[variant]
        self.add_module(name, _frozen(self._upsampling(num_classes, stride)))
        self.score = Crop(CROPS[variant]["score"])

    @staticmethod
    def _upsampling(num_classes: int, stride: int) -> nn.ConvTranspose2d:
        return nn.ConvTranspose2d(num_classes, num_classes, kernel_size=2 * stride, stride=stride, bias=False)

    def _add(self, name: str, layer: nn.Module) -> None:
        self.add_module(name, layer)
        self.backbone.append(name)

    def _add_backbone(self, in_channels: int) -> None:
        block, index, channels = 1, 1, in_channels
        for item in CONFIGS["D"]:
            if item == "M":
                self._add(f"pool{block}", nn.MaxPool2d(2, stride=2, ceil_mode=True))
                block, index = block + 1, 1
                continue
            assert isinstance(item, int)
            padding = 100 if (block, index) == (1, 1) else 1
            self._add(f"conv{block}_{index}", nn.Conv2d(channels, item, kernel_size=3, padding=padding))
            self._add(f"relu{block}_{index}", nn.ReLU(inplace=True))
            channels, index = item, index + 1
        self._add("fc6", nn.Conv2d(channels, 4096, kernel_size=7))
        self._add("relu6", nn.ReLU(inplace=True))
        self._add("drop6", nn.Dropout(0.5))
        self._add("fc7", nn.Conv2d(4096, 4096, kernel_size=1))
        self._add("relu7", nn.ReLU(inplace=True))
        self._add("drop7", nn.Dropout(0.5))

    def forward(self, x: Tensor) -> Tensor:
        height, width = x.shape[-2:]
        taps: dict[str, Tensor] = {}
        h = x
        for name in self.backbone:
            h = getattr(self, name)(h)
            if name in ("pool3", "pool4"):
                taps[name] = h
        score = self.score_fr(h)
        for tap in SKIPS[self.variant]:
            up = getattr(self, SKIP_UPSAMPLING[tap])(score)
            skip = getattr(self, f"score_{tap}")(taps[tap])
            score = up + getattr(self, f"score_{tap}c")(skip, up.shape[-2], up.shape[-1])
        upscore = getattr(self, FINAL_UPSAMPLING[self.variant][0])(score)
        return self.score(upscore, height, width)


def fcn(variant: str = "fcn8s", num_classes: int = 21, in_channels: int = 3) -> FCN:
    return FCN(variant, num_classes, in_channels)
