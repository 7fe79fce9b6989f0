"""DenseNet and the efficient networks against their papers' tables: MobileNet v1 Tables 1, 2, 6-8
(``tests/data/papers.json``), MobileNet v2 Tables 2 and 4, ShuffleNet V2 Table 5,
SqueezeNet Table 1, DenseNet Table 1. Oracles: ``sum(p.numel())``, FlopCounterMode, torchvision."""

from __future__ import annotations

import pytest
import torch
import torchvision

from cnnarch import analyze
from cnnarch.api import resolve
from cnnarch.catalogue import build, get_spec
from cnnarch.catalogue.entries import efficient
from tests.conftest import flop_counter_macs, load_reference, numel, on_meta


def rounds_to(value: float, printed: str) -> bool:
    """``value`` shown with as many decimals as ``printed`` has is ``printed``."""
    decimals = len(printed.partition(".")[2])
    return round(value, decimals) == float(printed)


def test_mobilenet_v1_matches_table8():
    published = load_reference("papers.json")["mobilenet_v1"]
    spec = get_spec("mobilenet-v1")
    assert spec.published_value("macs") == published["mult_adds"]
    assert spec.published_value("params") == published["params"]
    report = analyze("mobilenet-v1")
    model = resolve("mobilenet-v1").module
    assert report.totals.params == numel(model)
    assert report.totals.macs == flop_counter_macs(model, (1, 3, 224, 224))
    assert round(report.totals.macs / 1e6) == published["mult_adds"] / 1e6 == 569
    assert rounds_to(report.totals.params / 1e6, "4.2")


@pytest.mark.parametrize(
    ("width", "size", "mult_adds", "params"),
    [(0.75, 224, "325", "2.6"), (0.5, 224, "149", "1.3"), (0.25, 224, "41", "0.5"), (1.0, 192, "418", "4.2"),
     (1.0, 128, "186", "4.2")],
)  # fmt: skip
def test_mobilenet_v1_width_and_resolution_multipliers_match_tables_6_and_7(width, size, mult_adds, params):
    report = analyze("mobilenet-v1", size, width=width)
    assert rounds_to(report.totals.macs / 1e6, mult_adds)
    assert rounds_to(report.totals.params / 1e6, params)


def test_mobilenet_v1_at_160_recomputes_to_291_not_the_printed_290():
    macs = analyze("mobilenet-v1", 160).totals.macs / 1e6
    assert rounds_to(macs, "290.7") and not rounds_to(macs, "290")


def test_mobilenet_v1_layers_follow_table1():
    """28 layers counting depthwise and pointwise separately; the last depthwise layer keeps 7x7
    (Table 1 prints s2 but lists 7x7 in and out)."""
    report = analyze("mobilenet-v1")
    weighted = [layer for layer in report.layers if layer.type in ("Conv2d", "Linear")]
    assert len(weighted) == 28
    depthwise = [layer for layer in weighted if ".depthwise." in layer.name]
    assert [d.output_shape[2] for d in depthwise] == [112, 56, 56, 28, 28, 14, 14, 14, 14, 14, 14, 7, 7]
    assert weighted[-2].output_shape == [1, 1024, 7, 7]


def test_mobilenet_v1_resource_shares_match_table2():
    """Table 2 counts weights (no biases, no batch norm). Its 1.19% of multiply-adds for the 3x3
    convolution is 1.91% transposed: the printed column sums to 99.29%, the recomputed one to 100%."""
    report = analyze("mobilenet-v1")
    model = resolve("mobilenet-v1").module
    weights = {name: p.numel() for name, p in model.named_parameters() if p.dim() > 1}

    def kind(name: str) -> str:
        return (
            "dw"
            if ".depthwise." in name
            else "1x1"
            if ".pointwise." in name
            else "fc"
            if "fc" in name
            else "3x3"
        )

    macs: dict[str, int] = {}
    for layer in report.layers:
        if layer.macs:
            macs[kind(layer.name)] = macs.get(kind(layer.name), 0) + layer.macs
    params: dict[str, int] = {}
    for name, count in weights.items():
        params[kind(name)] = params.get(kind(name), 0) + count
    share = {k: round(100 * v / report.totals.macs, 2) for k, v in macs.items()}
    assert share == {"1x1": 94.86, "dw": 3.06, "3x3": 1.91, "fc": 0.18}
    weight_share = {k: round(100 * v / sum(weights.values()), 2) for k, v in params.items()}
    assert weight_share == {"1x1": 74.59, "dw": 1.06, "3x3": 0.02, "fc": 24.33}


def test_mobilenet_v2_follows_table2_and_truncates_table4():
    """Table 2's operator inputs; Table 4 prints 300 M multiply-adds and 3.4 M parameters where the
    network has 300.8 M and 3.47 M weights (3.50 M with batch norm): both truncated."""
    report = analyze("mobilenet-v2", depth=2)
    blocks = [tuple(layer.output_shape[1:3]) for layer in report.layers if layer.name.startswith("features.")]
    stages = list(dict.fromkeys(blocks))
    assert stages == [
        (32, 112),
        (16, 112),
        (24, 56),
        (32, 28),
        (64, 14),
        (96, 14),
        (160, 7),
        (320, 7),
        (1280, 7),
    ]
    assert [c for c, _ in blocks].count(32) == 1 + 3  # the stem, then n = 3 bottlenecks of 32
    assert int(report.totals.macs / 1e6) == 300
    weights = sum(p.numel() for p in resolve("mobilenet-v2").module.parameters() if p.dim() > 1)
    assert rounds_to(weights / 1e6, "3.47") and int(weights / 1e5) == 34
    assert rounds_to(report.totals.params / 1e6, "3.50")


def test_shufflenet_v2_follows_table5():
    report = analyze("shufflenet-v2", depth=1)
    shapes = {layer.name: layer.output_shape[1:] for layer in report.layers}
    assert shapes["conv1"] == [24, 112, 112]
    assert shapes["maxpool"] == [24, 56, 56]
    assert [shapes[f"stage{i}"] for i in (2, 3, 4)] == [[116, 28, 28], [232, 14, 14], [464, 7, 7]]
    assert shapes["conv5"] == [1024, 7, 7]
    assert rounds_to(report.totals.params / 1e6, "2.3")
    assert round(report.totals.macs / 1e6) == 145  # Table 5 prints 146
    units = [
        name
        for name, m in resolve("shufflenet-v2").module.named_modules()
        if type(m).__name__ == "ShuffleUnit"
    ]
    assert len(units) == 4 + 8 + 4


def test_squeezenet_v1_0_at_227_has_table1_sizes():
    """Table 1's sizes belong to the 227x227 crop of the released Caffe model."""
    report = analyze("squeezenet1_0", 227)
    pools = [layer.output_shape[1:] for layer in report.layers if layer.type == "MaxPool2d"]
    assert report.layer("features.0").output_shape[1:] == [96, 111, 111]
    assert pools == [[96, 55, 55], [256, 27, 27], [512, 13, 13]]
    fires = [layer.output_shape[1:] for layer in report.layers if layer.type == "cat"]
    assert [f[0] for f in fires] == [128, 128, 256, 256, 384, 384, 512, 512]
    assert report.layer("classifier.1").output_shape[1:] == [1000, 13, 13]
    assert report.totals.params == get_spec("squeezenet1_0").published_value("params") == 1_248_424


@pytest.mark.parametrize(
    ("depth", "growth", "stem", "blocks"), [(121, 32, 64, (6, 12, 24, 16)), (161, 48, 96, (6, 12, 36, 24))]
)
def test_densenet_channels_grow_by_k_per_layer(depth, growth, stem, blocks):
    """Block i ends with c_in + layers·k channels; transitions halve channels and map size."""
    report = analyze(f"densenet{depth}", depth=2)
    shapes = {layer.name: layer.output_shape[1:] for layer in report.layers}
    channels, size = stem, 56
    for i, layers in enumerate(blocks, start=1):
        channels += layers * growth
        assert shapes[f"features.denseblock{i}"] == [channels, size, size]
        if i < len(blocks):
            channels, size = channels // 2, size // 2
            assert shapes[f"features.transition{i}"] == [channels, size, size]


TORCHVISION_TWINS = [spec for spec in efficient.ENTRIES if spec.torchvision]


@pytest.mark.parametrize("spec", TORCHVISION_TWINS, ids=[spec.name for spec in TORCHVISION_TWINS])
def test_module_names_are_torchvision_names(spec):
    ours, tv = on_meta(build, spec), on_meta(getattr(torchvision.models, spec.torchvision))
    assert [(n, p.shape) for n, p in ours.named_parameters()] == [
        (n, p.shape) for n, p in tv.named_parameters()
    ]
    assert [(n, b.shape) for n, b in ours.named_buffers()] == [(n, b.shape) for n, b in tv.named_buffers()]


@pytest.mark.parametrize(
    "name", ["densenet121", "squeezenet1_1", "mobilenet-v1", "mobilenet-v2", "shufflenet-v2"]
)
def test_num_classes_and_in_channels_reach_the_network(name):
    spec = get_spec(name)
    model = on_meta(build, spec, num_classes=7, in_channels=1)
    with torch.no_grad():
        assert model(torch.empty((1, 1, *spec.input[1:]), device="meta")).shape == (1, 7)
