"""The two block modules of the layer-list language. Their ``forward`` does the merge itself
(``+`` and ``torch.cat``), so a trace shows it as an ``add`` or ``cat`` row after the branches."""

from __future__ import annotations

import torch
from torch import nn


class Residual(nn.Module):
    """``body(x) + shortcut(x)``; the shortcut is the identity when there is none."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return out + (x if self.shortcut is None else self.shortcut(x))


class Concat(nn.Module):
    """Parallel branches on the same input, concatenated along the channels (Inception)."""

    def __init__(self, branches: list[nn.Module]) -> None:
        super().__init__()
        for i, branch in enumerate(branches, 1):
            self.add_module(f"branch{i}", branch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.children()], 1)


class Unbuilt(nn.Module):
    """Stands in for a layer list whose input size is not known yet (no ``input`` line)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from cnnarch.errors import CnnarchError

        raise CnnarchError(
            f"{self.name} needs an input size", "give --input CxHxW or start it with 'input CxHxW'"
        )
