"""What a model with no stated input takes, read from the first layer that consumes it.

``--input 100`` means a 3x100x100 image only for a model that starts with a 2-D convolution: an
embedding takes 100 token ids, a dense layer 100 features. Where the first layer does not say
(an LSTM, a model that starts with arithmetic), a bare size is refused and the full shape asked for.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.modules.lazy import LazyModuleMixin

from cnnarch.errors import InputSpecError

_CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def first_layer(module: nn.Module) -> nn.Module | None:
    """The first module (in definition order) that holds parameters of its own."""
    for child in module.modules():
        if isinstance(child, LazyModuleMixin) or any(p is not None for p in child._parameters.values()):
            return child
    return None


def infer_input(module: nn.Module, sizes: tuple[int, ...]) -> tuple[tuple[int, ...], torch.dtype | None]:
    """The per-sample shape (and element type, where the layer fixes it) for ``sizes`` given
    without the model stating a default input."""
    layer = first_layer(module)
    if isinstance(layer, _CONVOLUTIONS) and not isinstance(layer, LazyModuleMixin):
        spatial = len(layer.kernel_size)
        if len(sizes) == 1:
            return (layer.in_channels, *sizes * spatial), None
        if len(sizes) == spatial:
            return (layer.in_channels, *sizes), None
        return sizes, None
    if isinstance(layer, nn.Embedding | nn.EmbeddingBag):
        return sizes, torch.int64
    if len(sizes) > 1 or isinstance(layer, nn.Linear | nn.LazyLinear):
        return sizes, None
    kind = type(layer).__name__ if layer is not None else "no layer with parameters"
    raise InputSpecError(
        f"--input {sizes[0]} is ambiguous: the model's first layer ({kind}) does not say what one "
        "number means",
        "give the full per-sample shape, e.g. --input 20x10 for 20 steps of 10 features",
    )
