"""LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning applied to document
recognition", Section II.B and Fig. 2), in two forms.

``lenet5`` is the common modern form: every C3 map sees all six S2 maps (dense C3), sub-sampling
is plain average pooling, tanh activations, a 10-way linear output: 61,706 parameters.

``lenet5_1998`` is the paper's network, layer by layer:

- C1 (156 parameters), C3 (1,516), C5 (48,120) and F6 (10,164) as in Section II.B;
- S2 and S4 add each 2x2 window, multiply by a trainable coefficient and add a trainable bias,
  one pair per map (12 and 32 parameters): an average pool (the 1/4 folds into the
  coefficient) followed by a per-map 1x1 scale, i.e. a depthwise 1x1 convolution;
- C3 follows the connection table (Table I): maps 0-5 see three S2 maps, 6-14 four, 15 all
  six. Maps with the same fan-in form one grouped convolution over the S2 maps they read, which
  gives exactly the paper's 60 x 25 + 16 = 1,516 parameters and 150,000 multiply-adds;
- the squashing function is f(a) = 1.7159 tanh(2a/3) (Appendix A);
- the output layer is 10 Euclidean RBF units (eq. 7), y_i = sum_j (x_j - w_ij)^2, whose 840
  centres the paper chose by hand and kept fixed: frozen parameters here.

Total 60,840 parameters, of which 60,000 trainable: the paper's "about 60,000".
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

# Table I: the S2 maps each C3 map reads (column j of the table lists C3 map j's inputs).
C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip


def lenet5(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            c1=nn.Conv2d(in_channels, 6, 5),
            tanh1=nn.Tanh(),
            s2=nn.AvgPool2d(2, 2),
            c3=nn.Conv2d(6, 16, 5),
            tanh3=nn.Tanh(),
            s4=nn.AvgPool2d(2, 2),
            c5=nn.Conv2d(16, 120, 5),
            tanh5=nn.Tanh(),
            flatten=nn.Flatten(),
            f6=nn.Linear(120, 84),
            tanh6=nn.Tanh(),
            output=nn.Linear(84, num_classes),
        )
    )


class ScaledTanh(nn.Module):
    """The paper's squashing function A·tanh(S·a), A = 1.7159, S = 2/3 (Appendix A)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1.7159 * torch.tanh(x * (2.0 / 3.0))


class Subsampling(nn.Module):
    """S2/S4: sum of each 2x2 window times a trainable coefficient plus a trainable bias, per map."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(2, 2)
        self.scale = nn.Conv2d(channels, channels, 1, groups=channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale(self.pool(x))


class ChannelGather(nn.Module):
    """The listed input maps, in order, as one tensor (copied as contiguous runs of channels)."""

    def __init__(self, indices: tuple[int, ...]) -> None:
        super().__init__()
        runs: list[tuple[int, int]] = []
        for i in indices:
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
        self.runs = runs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x[:, start:stop] for start, stop in self.runs], 1)


class TableConv2d(nn.Module):
    """A convolution in which output map j sees only the input maps ``table[j]`` lists.

    Consecutive output maps with the same fan-in share one grouped convolution (``from3``,
    ``from4``, ...) over their gathered inputs; a group that reads every input map needs no gather.
    """

    def __init__(self, in_channels: int, table: tuple[tuple[int, ...], ...], kernel_size: int) -> None:
        super().__init__()
        groups: list[list[tuple[int, ...]]] = []
        for inputs in table:
            if groups and len(groups[-1][0]) == len(inputs):
                groups[-1].append(inputs)
            else:
                groups.append([inputs])
        fan_ins = [len(g[0]) for g in groups]
        if len(set(fan_ins)) != len(fan_ins):
            raise ValueError("maps with the same fan-in must be consecutive in the connection table")
        for group in groups:
            fan_in, maps = len(group[0]), len(group)
            layers: OrderedDict[str, nn.Module] = OrderedDict()
            flat = tuple(i for inputs in group for i in inputs)
            if flat != tuple(range(in_channels)):
                layers["gather"] = ChannelGather(flat)
            layers["conv"] = nn.Conv2d(fan_in * maps, maps, kernel_size, groups=maps)
            self.add_module(f"from{fan_in}", nn.Sequential(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([group(x) for group in self.children()], 1)


class RBFOutput(nn.Module):
    """Euclidean RBF units (eq. 7): y_i = sum_j (x_j − w_ij)², with fixed centres w (frozen).

    Written as ||x||² − 2·x·w_i + ||w_i||² so that the 84 x 10 multiply-accumulates show as a
    matrix product.
    """

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.centres = nn.Parameter(torch.empty(num_classes, in_features), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.centres
        return (x * x).sum(1, keepdim=True) - 2 * (x @ w.t()) + (w * w).sum(1)


def lenet5_1998(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            c1=nn.Conv2d(in_channels, 6, 5),
            act1=ScaledTanh(),
            s2=Subsampling(6),
            act2=ScaledTanh(),
            c3=TableConv2d(6, C3_TABLE, 5),
            act3=ScaledTanh(),
            s4=Subsampling(16),
            act4=ScaledTanh(),
            c5=nn.Conv2d(16, 120, 5),
            act5=ScaledTanh(),
            flatten=nn.Flatten(),
            f6=nn.Linear(120, 84),
            act6=ScaledTanh(),
            output=RBFOutput(84, num_classes),
        )
    )
