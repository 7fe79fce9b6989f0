"""Two inputs of different ranks, given as exact shapes (no batch axis added):

cnnarch summary examples/matmul.py:MatMul --input =20x10 --input =10x100
"""

import torch
from torch import nn


class MatMul(nn.Module):
    """``a @ b``: a (20, 10) matrix times a (10, 100) one, no batch axis."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a @ b
