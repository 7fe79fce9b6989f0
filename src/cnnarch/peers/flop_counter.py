"""torch: ``FlopCounterMode().get_total_flops()`` (a dispatch mode: 2 per multiply-add)."""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode


def count(model: torch.nn.Module, x: torch.Tensor) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return int(counter.get_total_flops())
