"""fvcore: ``FlopCountAnalysis(model, inputs).total()`` (a JIT trace; one multiply-add = 1)."""

from __future__ import annotations

import torch


def count(model: torch.nn.Module, x: torch.Tensor) -> int:
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, x)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return int(analysis.total())
