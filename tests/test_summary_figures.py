"""Figures from the lectures, the papers and torchvision, checked against independent oracles."""

from __future__ import annotations

import pytest
import torch
import torchvision

from cnnarch import analyze
from cnnarch.api import resolve
from tests.conftest import flop_counter_macs, load_reference, numel, on_meta


def test_alexnet_conv1_worked_example():
    report = analyze("alexnet", 227)
    conv1 = report.layer("conv1")
    assert conv1.output_shape == [1, 96, 55, 55]
    assert conv1.formula_text == "(227 − 11 + 2·0)/4 + 1 = 55"
    assert conv1.params == 11 * 11 * 3 * 96 + 96 == 34_944
    pool1 = report.layer("pool1")
    assert pool1.output_shape == [1, 96, 27, 27]
    assert pool1.params == 0
    assert pool1.formula_text == "(55 − 3 + 2·0)/2 + 1 = 27"


def test_inexact_division_shows_the_exact_value_and_the_floor():
    conv1 = analyze("resnet50", 224).layer("conv1")
    assert conv1.inexact
    assert conv1.formula_text == "(224 − 7 + 2·3)/2 + 1 = 112.5 → floor 112"
    assert conv1.output_shape == [1, 64, 112, 112]
    assert not analyze("resnet50", 224).layer("layer1.0.conv1").inexact


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "vgg16", "googlenet", "resnet50"])
def test_params_and_macs_match_pytorch_oracles(name):
    report = analyze(name)
    source = resolve(name)
    assert report.totals.params == numel(source.module)
    assert report.totals.macs == flop_counter_macs(source.module, tuple(report.input_shape))
    assert sum(layer.params for layer in report.layers) + report.totals.unused_params == report.totals.params
    assert sum(layer.macs for layer in report.layers) == report.totals.macs
    assert report.totals.flops == 2 * report.totals.macs


def test_vgg16_params_macs_and_receptive_field():
    report = analyze("vgg16", 224)
    assert report.totals.params == 138_357_544
    tv = on_meta(torchvision.models.vgg16)
    assert report.totals.macs == flop_counter_macs(tv, (1, 3, 224, 224))
    published = load_reference("torchvision.json")["models"]["vgg16"]
    assert round(report.totals.macs / 1e9, 3) == published["gmacs"]
    pools = [layer for layer in report.layers if layer.type == "MaxPool2d"]
    rf = load_reference("receptive_field.json")["end_points"]
    for pool, key in zip(pools, ["pool1", "pool2", "pool3", "pool4", "pool5"], strict=True):
        size, stride, padding = rf[f"vgg_16/{key}"]
        assert pool.receptive_field == [size, size]
        assert pool.effective_stride == [stride, stride]
        # effective padding = how far the first region reaches before pixel 0
        assert [(size - 1) / 2 - s for s in pool.rf_start] == [padding, padding]


def test_resnet50_matches_torchvision():
    report = analyze("resnet50", 224)
    tv = on_meta(torchvision.models.resnet50)
    assert report.totals.params == numel(tv) == 25_557_032
    assert report.totals.macs == flop_counter_macs(tv, (1, 3, 224, 224))
    tv_report = analyze(tv, (3, 224, 224))
    assert [layer.output_shape for layer in report.layers] == [
        layer.output_shape for layer in tv_report.layers
    ]


def test_buffers_are_not_parameters():
    totals = analyze("resnet50").totals
    tv = on_meta(torchvision.models.resnet50)
    assert totals.buffers == sum(b.numel() for b in tv.buffers())
    assert totals.params == sum(p.numel() for p in tv.parameters())


def test_frozen_parameters_are_reported():
    model = torchvision.models.resnet18()
    for p in model.layer1.parameters():
        p.requires_grad_(False)
    totals = analyze(model, (3, 64, 64)).totals
    frozen = sum(p.numel() for p in model.layer1.parameters())
    assert totals.frozen_params == frozen
    assert totals.trainable_params == totals.params - frozen


def test_shared_module_is_counted_once():
    class Shared(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(4, 4, 3, padding=1)
            self.unused = torch.nn.Linear(3, 3)

        def forward(self, x):
            return self.conv(self.conv(x))

    report = analyze(Shared(), (4, 8, 8))
    convs = [layer for layer in report.layers if layer.name == "conv"]
    assert [c.params for c in convs] == [148, 0]
    assert convs[1].shared
    assert report.totals.params == 148 + 12
    assert report.totals.unused_params == 12
    assert report.totals.unused_modules == ["unused"]
    assert report.totals.macs == 2 * 8 * 8 * 4 * 4 * 9


def test_activation_memory_counts_each_tensor_once():
    report = analyze("resnet50")
    by_type = {}
    for layer in report.layers:
        by_type.setdefault(layer.type, []).append(layer.activation_bytes)
    assert set(by_type["ReLU"]) == {0}  # in place
    assert set(by_type["add"]) == {0}  # out += identity
    assert by_type["flatten"] == [0]  # a view
    conv1 = report.layer("conv1")
    assert conv1.activation_bytes == 64 * 112 * 112 * 4
    fp16 = analyze("resnet50", dtype="fp16").layer("conv1")
    assert fp16.activation_bytes == conv1.activation_bytes // 2


def test_depth_groups_layers_without_changing_totals():
    full = analyze("resnet50")
    grouped = analyze("resnet50", depth=1)
    assert [layer.name for layer in grouped.layers] == [
        "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten", "fc",
    ]  # fmt: skip
    for figure in ("params", "macs", "activation_bytes", "buffers", "unused_params"):
        assert getattr(grouped.totals, figure) == getattr(full.totals, figure)
    assert grouped.layer("layer2").params == sum(
        p.numel() for p in on_meta(torchvision.models.resnet50).layer2.parameters()
    )


def test_batch_scales_macs_and_activations_not_params():
    one, eight = analyze("lenet5"), analyze("lenet5", batch=8)
    assert eight.totals.macs == 8 * one.totals.macs
    assert eight.totals.activation_bytes == 8 * one.totals.activation_bytes
    assert eight.totals.params == one.totals.params


def test_unknown_ops_are_listed_not_counted_as_zero():
    class Odd(torch.nn.Module):
        def forward(self, x):
            return torch.cumsum(x, 1)

    report = analyze(Odd(), (3, 4, 4))
    assert report.totals.unknown_ops == {"aten.cumsum": 1}
    assert report.layers[0].unknown_ops == ["aten.cumsum"]
