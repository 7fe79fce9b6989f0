"""A module object handed to the Python API: ``analyze(my_model)``.

The user's object is never changed: cnnarch traces a copy whose parameters and buffers are
meta tensors, made without copying any weight data (``copy.deepcopy`` with a memo that maps each
tensor to its meta twin). The memo keeps shared (tied) weights shared and copies pruned modules
(``weight_orig`` + ``weight_mask``, whose computed ``weight`` plain ``deepcopy`` refuses).
TorchScript modules cannot live on the meta device: they are traced with a real CPU forward pass.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from cnnarch.errors import CnnarchError
from cnnarch.sources.base import Source
from cnnarch.sources.building import tensor_memo


def is_scripted(module: nn.Module) -> bool:
    return any(isinstance(m, torch.jit.ScriptModule) for m in module.modules())


def meta_copy(module: nn.Module) -> nn.Module:
    """A copy of ``module`` on the meta device; no weight data is read or copied."""
    try:
        return copy.deepcopy(module, tensor_memo(module, meta=True))
    except Exception as error:
        raise CnnarchError(
            f"cannot copy the {type(module).__name__} object: {type(error).__name__}: {error}",
            "pass a module that copy.deepcopy can copy, or a file.py:Class cnnarch can build",
        ) from None


def _real_copy(module: nn.Module) -> nn.Module:
    """A CPU copy with real weights, for a forward pass that needs values."""
    return copy.deepcopy(module, tensor_memo(module, meta=False)).to("cpu")


def masked_out(module: nn.Module) -> tuple[int, str] | None:
    """How many weights ``torch.nn.utils.prune`` masks out (``weight_orig`` times
    ``weight_mask``), with a note, read from the user's real mask before the meta copy drops
    its values."""
    masked = total = 0
    for owner in module.modules():
        for key, mask in owner._buffers.items():
            if key.endswith("_mask") and mask is not None and f"{key[:-5]}_orig" in owner._parameters:
                if mask.device.type == "meta":
                    return None
                total += mask.numel()
                masked += int((mask == 0).sum())
    if not total:
        return None
    return masked, (
        f"pruned: {masked:,} of {total:,} masked weights are zero ({masked / total:.1%}); parameters "
        "count each *_orig tensor in full, as torchinfo, fvcore, thop and ptflops do"
    )


def from_module(module: nn.Module) -> Source:
    name = type(module).__name__
    default = getattr(module, "default_input", None)
    default = tuple(default) if default else None
    masked, note = masked_out(module) or (0, None)
    notes = [note] if note else []
    if is_scripted(module):
        return Source(
            _real_copy(module), name, default, origin="module", factory=lambda: _real_copy(module),
            real="a TorchScript module cannot move to the meta device: analysed with a real CPU forward pass",
            notes=notes, masked_weights=masked,
        )  # fmt: skip
    return Source(
        meta_copy(module), name, default, origin="module", factory=lambda: _real_copy(module), notes=notes,
        masked_weights=masked,
    )  # fmt: skip
