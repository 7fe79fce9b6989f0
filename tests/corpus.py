"""Oracles for the model corpus tests: each model built independently of cnnarch (weights None,
nothing downloaded), its parameters counted by identity and its MACs by PyTorch's
``FlopCounterMode``, either on a real CPU forward pass with math attention forced (fused
attention kernels are not counted on CPU) or on a meta-device forward pass (no arithmetic at all:
cheap at a model's full default size)."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode


def unique_numel(model: nn.Module) -> int:
    """Every parameter once, by identity (``parameters()`` already skips repeats)."""
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())


def torchvision_builder(name: str) -> Callable[..., nn.Module]:
    import torchvision

    builder = torchvision.models.get_model_builder(name)
    weights = {p: None for p in inspect.signature(builder).parameters if p.startswith("weights")}
    return lambda **kwargs: builder(**weights, **kwargs)


def build(factory: Callable[[], nn.Module], device: str) -> nn.Module:
    with torch.device(device):
        return factory().eval()


def on_meta_or_cpu(factory: Callable[[], nn.Module]) -> nn.Module:
    """Built on the meta device where the builder allows it, on the CPU otherwise (RegNets
    compute their widths with tensors)."""
    try:
        return build(factory, "meta")
    except (NotImplementedError, RuntimeError):
        return build(factory, "cpu")


def flop_counter_macs(model: nn.Module, inputs: list[torch.Tensor]) -> int:
    """FlopCounterMode's total / 2 for one forward pass, attention in its math form: no fused
    scaled-dot-product kernel, and no ``nn.MultiheadAttention`` fast path (one fused op on CPU
    that FlopCounterMode does not count)."""
    for param in model.parameters():  # FlopCounterMode's module tracker hooks tensors needing grad
        param.requires_grad_(False)  # (a latent query passed as a module input breaks it)
    fast_path = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
            model(*inputs)
    finally:
        torch.backends.mha.set_fastpath_enabled(fast_path)
    return counter.get_total_flops() // 2


def inputs_for(shapes: list[tuple[int, ...]], device: str) -> list[torch.Tensor]:
    return [torch.randn(1, *shape, device=device) for shape in shapes]
