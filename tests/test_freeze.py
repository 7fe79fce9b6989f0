"""``--freeze UPTO`` (transfer learning): the trainable and frozen counts are PyTorch's own after
freezing the same parameters by hand, and the training step's gradient memory is what a real
backward pass on CPU allocates for the trainable parameters."""

from __future__ import annotations

import pytest
import torch

from cnnarch.api import analyze, resolve
from cnnarch.dsl import build, parse
from cnnarch.errors import CnnarchError
from tests.conftest import run


def _counts(module: torch.nn.Module) -> tuple[int, int]:
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in module.parameters()) - trainable


@pytest.mark.parametrize(("upto", "kept"), [("layer3", ("layer4.", "fc.")), ("layer4", ("fc.",))])
def test_frozen_counts_are_pytorchs(upto, kept):
    module = resolve("resnet18").factory()
    for name, p in module.named_parameters():
        p.requires_grad_(name.startswith(kept))
    report = analyze("resnet18", freeze=upto)
    assert (report.totals.trainable_params, report.totals.frozen_params) == _counts(module)
    assert any(f"frozen (up to {upto})" in note for note in report.notes)


def test_a_number_and_a_lecture_name_freeze_the_same_layers():
    by_number = analyze("alexnet", freeze="5").totals
    by_name = analyze("alexnet", freeze="conv5").totals
    module = resolve("alexnet").factory()
    convs = [m for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
    frozen = sum(p.numel() for m in convs for p in m.parameters())
    assert by_number.frozen_params == by_name.frozen_params == frozen


def test_gradient_memory_is_a_real_backward_pass():
    program, shape = "conv 8 k3 > relu > conv 8 k3 > relu > flatten > fc 10", (3, 12, 12)
    report = analyze(program, "3x12x12", freeze="conv2", memory=True, optimizer="sgd")
    module = build(parse(program), shape)
    for name, p in module.named_parameters():
        p.requires_grad_(name.startswith("fc"))
    module(torch.randn(1, *shape)).sum().backward()
    grads = sum(p.grad.numel() * p.grad.element_size() for p in module.parameters() if p.grad is not None)
    assert report.memory.gradient_bytes == grads
    unfrozen = analyze(program, "3x12x12", memory=True, optimizer="sgd").memory
    assert report.memory.saved_bytes < unfrozen.saved_bytes  # no activations kept for frozen layers


def test_bad_freeze_is_a_clear_error():
    with pytest.raises(CnnarchError, match="no module of that name"):
        analyze("alexnet", freeze="conv9")
    code, out, err = run("summary", "alexnet", "--freeze", "99")
    assert code == 2 and out == "" and "--freeze 99: the model has 8 layers with parameters" in err
    code, out, err = run("summary", "vgg16", "--freeze", "features")
    features = sum(p.numel() for p in resolve("vgg16").module.features.parameters())
    assert code == 0 and f"{features:,} frozen" in out, err


def test_explain_states_what_freezing_saves():
    from cnnarch.explain import explain_model

    module = resolve("vgg16").module
    features = sum(p.numel() for p in module.features.parameters())
    notes = explain_model("vgg16", layers="fc8", freeze="features").notes
    saved = next(n for n in notes if "frozen (up to features)" in n)
    assert (
        saved.startswith(f"{features:,} of ")
        and f"3·{features * 4:,} = {3 * features * 4:,} bytes saved" in saved
    )
