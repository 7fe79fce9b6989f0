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


def test_memory_figure_is_the_bytes_of_real_outputs():
    import torch

    module = resolve("alexnet").factory().eval()
    held = []

    def hook(m, inputs, out):  # a new tensor (not an in-place result or a view of the input)
        if out.untyped_storage().data_ptr() != inputs[0].untyped_storage().data_ptr():
            held.append(out.numel() * out.element_size())

    for m in module.modules():
        if not list(m.children()):
            m.register_forward_hook(hook)
    with torch.no_grad():
        module(torch.zeros(1, 3, 227, 227))
    activations, params = figures(analyze("alexnet"), ["memory"], analyze).verdict
    assert activations.value == sum(held)
    weights = list(module.parameters())
    for name, dtype in (("fp32", torch.float32), ("fp16", torch.float16), ("int8", torch.int8)):
        assert params.value[name] == sum(
            p.numel() * torch.empty(0, dtype=dtype).element_size() for p in weights
        )


@pytest.mark.parametrize(
    ("name", "paper"), [("googlenet", 22), ("resnet18", 18), ("resnet50", 50), ("vgg16", 16)]
)
def test_depth_is_the_papers_longest_path(name, paper):
    """The papers name the depth: GoogLeNet's 22 layers (Szegedy et al. 2015), ResNet-N's N,
    VGG-16's 16; it is also what compare prints."""
    from cnnarch.compare.figures import depth

    report = analyze(name)
    (step,) = figures(report, ["depth"], analyze).verdict
    assert step.value == paper == depth(report)
