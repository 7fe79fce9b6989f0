"""``explain --figure``: derived figures worked from the report, each equal to PyTorch's own
count on the real module (parameters of nn.Linear / nn.Conv2d by numel)."""

from __future__ import annotations

import pytest
from torch import nn

from cnnarch.api import analyze, resolve
from cnnarch.errors import CnnarchError
from cnnarch.explain.figures import figures
from tests.conftest import run


def _params(module: nn.Module, kind: type) -> int:
    return sum(
        p.numel() for m in module.modules() if isinstance(m, kind) for p in m.parameters(recurse=False)
    )


def test_dense_share_depth_and_ratio_are_pytorchs():
    module = resolve("alexnet").module
    total = sum(p.numel() for p in module.parameters())
    answer = figures(analyze("alexnet"), ["dense-share", "conv-share", "depth", "fewer-than:vgg16"], analyze)
    dense, conv, depth, fewer = answer.verdict
    assert dense.value == pytest.approx(_params(module, nn.Linear) / total)
    assert conv.value == pytest.approx(_params(module, nn.Conv2d) / total)
    layers = [m for m in module.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    assert depth.value == len(layers)
    vgg = sum(p.numel() for p in resolve("vgg16").module.parameters())
    assert fewer.value == pytest.approx(vgg / total)
    assert f"{vgg:,} / {total:,}" in fewer.line


def test_cli_and_bad_figure():
    code, out, err = run("explain", "alexnet", "--figure", "dense-share")
    assert code == 0, err
    assert "Σ dense = " in out and "%" in out
    with pytest.raises(CnnarchError, match="is not a figure"):
        figures(analyze("alexnet"), ["width"], analyze)
