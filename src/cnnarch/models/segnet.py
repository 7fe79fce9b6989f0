"""SegNet (Badrinarayanan, Kendall & Cipolla 2017, "SegNet: A Deep Convolutional Encoder-Decoder
Architecture for Image Segmentation"), layer for layer as the authors' Caffe model
(SegNet-Tutorial ``Models/segnet_train.prototxt``).

Encoder: the 13 convolutions of VGG-16 (configuration D of ``cnnarch.models.vgg.CONFIGS``), each
with batch norm and ReLU, and five 2x2/2 max pools that keep their indices; Caffe's pooling rounds
up (``ceil_mode=True``), so 360x480 goes 180x240, 90x120, 45x60, 23x30, 12x15. Decoder: the
mirror image; each stage un-pools with the indices of its encoder stage back to that stage's size
(``max_unpool2d``: values go where the maxima were, zeros elsewhere, nothing learnt), then 3x3
convolutions with batch norm and ReLU. The last convolution (``conv1_1_D``) gives one map per
class, without batch norm or ReLU: the soft-max classifier follows it.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import Tensor, nn

from cnnarch.models.vgg import CONFIGS


def _stages(config: list[int | str]) -> list[list[int]]:
    """VGG configuration as the widths of its stages: ``[[64, 64], [128, 128], ...]``."""
    stages: list[list[int]] = [[]]
    for item in config:
        if item == "M":
            stages.append([])
        else:
            assert isinstance(item, int)
            stages[-1].append(item)
    return [s for s in stages if s]


def _conv_bn_relu(name: str, in_channels: int, out_channels: int) -> list[tuple[str, nn.Module]]:
    return [
        (name, nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)),
        (f"{name}_bn", nn.BatchNorm2d(out_channels)),
        (f"relu{name.removeprefix('conv')}", nn.ReLU(inplace=True)),
    ]


class SegNet(nn.Module):
    def __init__(self, num_classes: int = 11, in_channels: int = 3, config: str = "D") -> None:
        super().__init__()
        stages = _stages(CONFIGS[config])
        self.stages = len(stages)
        channels = in_channels
        inputs: list[int] = []
        for s, widths in enumerate(stages, start=1):
            inputs.append(channels)
            layers: list[tuple[str, nn.Module]] = []
            for i, width in enumerate(widths, start=1):
                layers += _conv_bn_relu(f"conv{s}_{i}", channels, width)
                channels = width
            self.add_module(f"encoder{s}", nn.Sequential(OrderedDict(layers)))
            self.add_module(f"pool{s}", nn.MaxPool2d(2, stride=2, ceil_mode=True, return_indices=True))
        # Decoder stage s mirrors encoder stage s: its convolutions run in reverse order, the last
        # one going back to the stage's input width (conv5_1_D: 512, conv4_1_D: 256, ...).
        for s in range(self.stages, 0, -1):
            widths = stages[s - 1]
            self.add_module(f"upsample{s}", nn.MaxUnpool2d(2, stride=2))
            layers = []
            for i in range(len(widths), 0, -1):
                last = i == 1
                if s == 1 and last:
                    layers.append(
                        (f"conv{s}_{i}_D", nn.Conv2d(channels, num_classes, kernel_size=3, padding=1))
                    )
                    continue
                width = inputs[s - 1] if last else widths[i - 1]
                layers += _conv_bn_relu(f"conv{s}_{i}_D", channels, width)
                channels = width
            self.add_module(f"decoder{s}", nn.Sequential(OrderedDict(layers)))

    def forward(self, x: Tensor) -> Tensor:
        indices: list[tuple[Tensor, tuple[int, ...]]] = []
        for s in range(1, self.stages + 1):
            x = getattr(self, f"encoder{s}")(x)
            size = tuple(x.shape[-2:])
            x, index = getattr(self, f"pool{s}")(x)
            indices.append((index, size))
        for s in range(self.stages, 0, -1):
            index, size = indices.pop()
            x = getattr(self, f"upsample{s}")(x, index, output_size=size)
            x = getattr(self, f"decoder{s}")(x)
        return x


def segnet(num_classes: int = 11, in_channels: int = 3) -> SegNet:
    return SegNet(num_classes, in_channels)
