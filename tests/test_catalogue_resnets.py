"""The ResNet family against its papers: He et al. 2016 Table 1 (multiply-adds) and Table 6 (CIFAR
parameters), the option-A shortcut, the authors' pre-activation and Wide ResNet code, and the
SE-ResNet figures of Hu et al. 2018. Oracles: ``sum(p.numel())``, FlopCounterMode, torchvision."""

from __future__ import annotations

import pytest
import torch
import torchvision

from cnnarch import analyze
from cnnarch.api import resolve
from cnnarch.catalogue import build, get_spec
from cnnarch.catalogue.entries import resnets
from cnnarch.models.resnet import ZeroPadShortcut
from tests.conftest import flop_counter_macs, load_reference, numel, on_meta


def rounds_to(value: float, printed: str) -> bool:
    """``value`` shown with as many decimals as ``printed`` has is ``printed``."""
    decimals = len(printed.partition(".")[2])
    return round(value, decimals) == float(printed)


def built(name: str, **options: object) -> torch.nn.Module:
    return on_meta(build, get_spec(name), **options)


# He et al. 2016, Table 1 (papers.json) for the networks as the paper evaluates them.
@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("resnet18-paper", "1.8"),
        ("resnet34-paper", "3.6"),
        ("resnet101-paper", "7.6"),
        ("resnet152-paper", "11.3"),
    ],
)
def test_paper_resnets_reproduce_table1_multiply_adds(name, printed):
    table1 = load_reference("papers.json")["resnet_table1_flops"]
    assert (
        table1[name.removesuffix("-paper")] == float(printed) * 1e9 == get_spec(name).published_value("macs")
    )
    assert rounds_to(analyze(name).totals.macs / 1e9, printed)


def test_resnet50_table1_prints_3_8_where_the_network_has_3_86():
    """No convention reproduces Table 1's 3.8 together with 7.6 and 11.3 (the three differ by whole
    stages of identical blocks); Hu et al. 2018, Table 2, print 3.86 for the same network."""
    macs = analyze("resnet50-paper").totals.macs
    assert get_spec("resnet50-paper").published_value("macs") == 3.8e9
    assert rounds_to(macs / 1e9, "3.86")
    assert not rounds_to(macs / 1e9, "3.8")


def test_torchvision_stride_placement_costs_a_full_resolution_1x1_per_stage():
    """Striding the 3x3 instead of the first 1x1 runs that 1x1 at 4x the positions in the first
    block of stages 2-4: (1 − 1/4)·H²·C_in·width more multiply-adds each, 0.23 G in all."""
    extra = sum(
        3 * h * h * cin * width // 4 for h, cin, width in [(56, 256, 128), (28, 512, 256), (14, 1024, 512)]
    )
    for depth in (50, 101):
        tv = flop_counter_macs(on_meta(getattr(torchvision.models, f"resnet{depth}")), (1, 3, 224, 224))
        paper = flop_counter_macs(built(f"resnet{depth}-paper"), (1, 3, 224, 224))
        assert tv - paper == extra
        if depth == 50:
            assert rounds_to(tv / 1e9, "4.09") and rounds_to(paper / 1e9, "3.86")


def test_resnet34_table1_counts_no_projection_shortcuts():
    """3.6 G is the plain 34-layer count; torchvision's three projections add 0.02 G (3.66 G)."""
    tv = analyze("resnet34")
    projections = sum(layer.macs for layer in tv.layers if ".downsample." in layer.name)
    assert rounds_to(tv.totals.macs / 1e9, "3.66")
    assert analyze("resnet34-paper").totals.macs == tv.totals.macs - projections
    assert rounds_to((tv.totals.macs - projections) / 1e9, "3.6")


@pytest.mark.parametrize(
    ("depth", "printed"),
    [(20, "0.27"), (32, "0.46"), (44, "0.66"), (56, "0.85"), (110, "1.7"), (1202, "19.4")],
)
def test_cifar_resnets_match_table6_parameters(depth, printed):
    spec = get_spec(f"resnet{depth}")
    assert spec.input == (3, 32, 32) and spec.num_classes == 10
    assert spec.published_value("params") == pytest.approx(float(printed) * 1e6)
    model = built(spec.name)
    weighted = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert len(weighted) == depth  # 6n + 2 layers, shortcuts without parameters
    assert rounds_to(numel(model) / 1e6, printed)


def test_cifar_resnet_maps_and_zero_padded_shortcuts():
    report = analyze("resnet20")
    assert report.totals.params == numel(resolve("resnet20").module)
    assert report.totals.macs == flop_counter_macs(resolve("resnet20").module, (1, 3, 32, 32))
    convs = [layer for layer in report.layers if layer.type == "Conv2d"]
    assert {tuple(c.output_shape[1:]) for c in convs} == {(16, 32, 32), (32, 16, 16), (64, 8, 8)}
    shortcuts = [layer for layer in report.layers if layer.type == "ZeroPadShortcut"]
    assert [s.output_shape for s in shortcuts] == [[1, 32, 16, 16], [1, 64, 8, 8]]
    assert all(s.params == 0 and s.macs == 0 for s in shortcuts)
    assert report.output_shape == [1, 10]


def test_zero_pad_shortcut_is_fb_resnet_torch_option_a():
    """fb.resnet.torch: 1x1 average pooling of stride 2, then the input concatenated with zeros."""
    x = torch.randn(2, 16, 32, 32)
    expected = torch.nn.functional.avg_pool2d(x, 1, stride=2)
    expected = torch.cat([expected, torch.zeros_like(expected)], 1)
    assert torch.equal(ZeroPadShortcut(2, 16)(x), expected)


def test_preact_units_add_their_input_unchanged():
    """Identity mappings: no ReLU reads an addition (post-activation ResNets' do); a unit that
    changes the shape projects its pre-activated input (preresnet.lua 'both_preact')."""
    preact, post = analyze("preact-resnet50"), analyze("resnet50")
    adds = {layer.name for layer in preact.layers if layer.type == "add"}
    assert len(adds) == 16
    assert not [layer for layer in preact.layers if layer.type == "ReLU" and set(layer.inputs) & adds]
    post_adds = {layer.name for layer in post.layers if layer.type == "add"}
    assert [layer for layer in post.layers if layer.type == "ReLU" and set(layer.inputs) & post_adds]
    assert preact.layer("layer2.0.shortcut").inputs == ["layer2.0.relu1"]
    assert preact.layer("layer1.0.conv1").inputs == ["maxpool"]  # the first unit: no pre-activation
    assert preact.layer("final_relu").inputs == ["final_bn"]


def test_preact_resnets_have_the_convolutions_of_torchvision_resnets():
    for depth in (18, 50):
        model = built(f"preact-resnet{depth}")
        tv = on_meta(getattr(torchvision.models, f"resnet{depth}"))
        assert flop_counter_macs(model, (1, 3, 224, 224)) == flop_counter_macs(tv, (1, 3, 224, 224))
        shortcuts = [m for name, m in model.named_modules() if name.endswith("shortcut")]
        assert shortcuts and all(isinstance(m, torch.nn.Conv2d) for m in shortcuts)  # no batch norm
    report = analyze("preact-resnet50")
    assert report.totals.params == numel(resolve("preact-resnet50").module)


def test_wide_resnet_28_10_has_the_published_36_5m_parameters():
    report = analyze("wide-resnet28-10")
    model = resolve("wide-resnet28-10").module
    assert report.totals.params == numel(model)
    assert rounds_to(report.totals.params / 1e6, "36.5")
    assert report.totals.macs == flop_counter_macs(model, (1, 3, 32, 32))
    widths = {tuple(layer.output_shape[1:]) for layer in report.layers if layer.type == "Conv2d"}
    assert widths == {(16, 32, 32), (160, 32, 32), (320, 16, 16), (640, 8, 8)}
    assert numel(built("wide-resnet28-10", dropout=0.3)) == report.totals.params


def test_se_resnet50_parameters_and_multiply_adds():
    """Hu et al.: the SE modules add 2/r·Σ N·C² weights (~2.5 M, r = 16) to ResNet-50; 3.87
    GFLOPs against 3.86, matched when the squeeze (pooling) and scale (product) are counted."""
    stages = [(3, 256, 56), (4, 512, 28), (6, 1024, 14), (3, 2048, 7)]  # blocks, channels, map size
    se_weights = sum(2 * n * c * c // 16 for n, c, _ in stages)
    se_biases = sum(n * (c // 16 + c) for n, c, _ in stages)
    report = analyze("se-resnet50")
    tv = on_meta(torchvision.models.resnet50)
    assert report.totals.params == numel(resolve("se-resnet50").module) == numel(tv) + se_weights + se_biases
    assert rounds_to(se_weights / 1e6, "2.5")
    assert rounds_to(report.totals.params / 1e6, "28.09")
    assert get_spec("se-resnet50").published_value("params") == 28.09e6

    resnet50_paper = analyze("resnet50-paper").totals.macs
    assert report.totals.macs == resnet50_paper + se_weights
    assert rounds_to(report.totals.macs / 1e9, "3.86")
    squeeze_and_scale = sum(2 * n * c * s * s for n, c, s in stages)
    assert rounds_to((report.totals.macs + squeeze_and_scale) / 1e9, "3.87")
    assert get_spec("se-resnet50").published_value("macs") == 3.87e9

    assert report.layer("layer1.0.se.mul").inputs == ["layer1.0.bn3", "layer1.0.se.sigmoid"]
    assert report.layer("layer2.0.conv1").output_shape == [1, 128, 28, 28]  # stride in the first 1x1


TORCHVISION_TWINS = [spec for spec in resnets.ENTRIES if spec.torchvision]


@pytest.mark.parametrize("spec", TORCHVISION_TWINS, ids=[spec.name for spec in TORCHVISION_TWINS])
def test_module_names_are_torchvision_names(spec):
    ours, tv = built(spec.name), on_meta(getattr(torchvision.models, spec.torchvision))
    assert [(n, p.shape) for n, p in ours.named_parameters()] == [
        (n, p.shape) for n, p in tv.named_parameters()
    ]
    assert [(n, b.shape) for n, b in ours.named_buffers()] == [(n, b.shape) for n, b in tv.named_buffers()]


ONE_PER_BUILDER = [
    "resnet18-paper",
    "resnext50_32x4d",
    "resnet20",
    "preact-resnet50",
    "wide-resnet28-10",
    "se-resnet50",
]


@pytest.mark.parametrize("name", ONE_PER_BUILDER)
def test_num_classes_and_in_channels_reach_the_network(name):
    spec = get_spec(name)
    assert {"num_classes", "in_channels"} <= set(spec.options)
    model = built(name, num_classes=7, in_channels=1)
    x = torch.empty((1, 1, *spec.input[1:]), device="meta")
    with torch.no_grad():
        assert model(x).shape == (1, 7)
