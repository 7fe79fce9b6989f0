"""torchinfo: ``summary(model, input_data=x).total_mult_adds`` (module hooks, from parameters)."""

from __future__ import annotations

import torch


def count(model: torch.nn.Module, x: torch.Tensor) -> int:
    from torchinfo import summary

    return int(summary(model, input_data=x, verbose=0).total_mult_adds)
