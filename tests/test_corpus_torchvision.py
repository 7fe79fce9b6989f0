"""Every torchvision model (classification, quantizable, segmentation, detection, video, optical
flow) gives a result at its default input, with parameters equal to the unique ``sum(numel)`` of
the model torchvision builds and MACs equal to FlopCounterMode's.

Two oracles, each where it is affordable on CI's two cores: at the default input a meta-device
forward pass (PyTorch's own kernels' shapes, nothing computed; for the RegNets, which cannot be
built on the meta device, torchvision's published parameter count); at a reduced input a real CPU
forward pass with math attention (every model, the data-dependent detection heads included, run
from the same seed as cnnarch's own CPU pass so both see the same proposals).
"""

from __future__ import annotations

import re

import pytest
import torch

from cnnarch import analyze
from tests.corpus import (
    build,
    flop_counter_macs,
    inputs_for,
    torchvision_builder,
    unique_numel,
)

torchvision = pytest.importorskip("torchvision")
NAMES = torchvision.models.list_models()
pytestmark = pytest.mark.slow

IMAGE = (3, 64, 64)
"""The reduced input of the CPU oracle: large enough for every image classifier's downsampling."""
DETECTION = {"min_size": 128, "max_size": 128}
"""Detection models resize every image to ``min_size`` (800) first: the builder's own keyword."""


def reduced(name: str) -> tuple[list[tuple[int, ...]], dict]:
    """The CPU oracle's inputs and builder keywords for ``name``: small, but what the model accepts."""
    family = torchvision.models.get_model_builder(name).__module__
    if family.endswith("optical_flow.raft"):
        return [(3, 128, 128), (3, 128, 128)], {}  # RAFT's smallest size (min_size)
    if ".video." in family:
        if name == "s3d":
            return [(3, 14, 224, 224)], {}  # a fixed 7x7 average pool and 14 frames at least
        if name.startswith("mvit"):
            return [(3, 16, 224, 224)], {}  # position embeddings fixed at 16x224x224
        return [(3, 4, 64, 64)], {}
    if ".detection." in family:
        return [(3, 128, 128)], ({} if name.startswith("ssd") else DETECTION)
    patch = re.fullmatch(r"vit_[a-z]_(\d+)", name)
    if patch:  # a ViT's position embedding fixes its size: build it for 4 patches a side
        size = 4 * int(patch[1])
        return [(3, size, size)], {"image_size": size}
    if name == "maxvit_t":
        return [(3, 224, 224)], {}  # partitions fixed at 7x7 windows of a 224 input
    if name.endswith("inception_v3"):
        return [(3, 80, 80)], {}  # 75 at least
    return [IMAGE], {}


def _spec(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


@pytest.mark.parametrize("name", NAMES)
def test_every_torchvision_model_gives_a_result_at_its_default_input(name):
    report = analyze(f"torchvision:{name}")
    try:
        model = build(torchvision_builder(name), "meta")
    except (NotImplementedError, RuntimeError):  # a RegNet computes its widths with tensors
        published = torchvision.models.get_model_weights(name).DEFAULT.meta["num_params"]
        assert report.totals.params == published, name  # torchvision's own figure, metadata only
        return  # its MACs: the CPU oracle below, at a size a CPU forward pass affords
    assert report.totals.params == unique_numel(model), name
    if any("real CPU forward" in note for note in report.notes):
        return  # data-dependent: the reduced-size CPU oracle below checks its count
    from cnnarch.api import resolve

    source = resolve(f"torchvision:{name}")
    shapes = [source.default_input, *source.extra_inputs]
    assert list(report.input_shape[1:]) == list(shapes[0])
    assert report.totals.macs == flop_counter_macs(model, inputs_for(shapes, "meta")), name


@pytest.mark.parametrize("name", NAMES)
def test_torchvision_macs_equal_flop_counter_on_a_cpu_forward(name):
    shapes, kwargs = reduced(name)
    torch.manual_seed(0)
    report = analyze(f"torchvision:{name}", [_spec(s) for s in shapes], **kwargs)
    torch.manual_seed(0)  # the same weights and images as cnnarch's own CPU pass, where it needs one
    model = build(lambda: torchvision_builder(name)(**kwargs), "cpu")
    inputs = inputs_for(shapes, "cpu")
    assert report.totals.params == unique_numel(model), name
    assert report.totals.macs == flop_counter_macs(model, inputs), name
