"""The classic classification entries against their papers' printed figures and torchvision:
LeNet-5 (Section II.B, Table I), AlexNet and its one-tower variant, ZFNet (Figure 3), VGG
(Tables 1-2), Network in Network and the All-CNN family (Tables 1-3)."""

from __future__ import annotations

import pytest
import torch
import torchvision

from cnnarch import analyze
from cnnarch.api import resolve
from cnnarch.catalogue import get_spec
from cnnarch.catalogue.entries import classic
from cnnarch.models.lenet import lenet5_1998
from tests.conftest import load_reference, numel, on_meta

CLASSIC = [spec.name for spec in classic.ENTRIES]


def params_under(report, prefix: str) -> int:
    return sum(
        layer.params for layer in report.layers if layer.name == prefix or layer.name.startswith(prefix + ".")
    )


# ---------------------------------------------------------------------------------------- every entry
@pytest.mark.parametrize("name", CLASSIC)
def test_entry_summarizes_and_takes_its_own_num_classes_and_in_channels(name):
    spec = get_spec(name)
    report = analyze(name)
    assert report.input_shape == [1, *spec.input]
    assert report.output_shape == [1, spec.num_classes]
    assert report.totals.params == numel(resolve(name).module)
    assert report.totals.unknown_ops == {}

    other = analyze(name, (1, *spec.input[1:]), num_classes=7, in_channels=1)
    assert other.input_shape == [1, 1, *spec.input[1:]]
    assert other.output_shape == [1, 7]
    assert other.totals.params < report.totals.params  # fewer classes, one input channel


# --------------------------------------------------------------------------------------------- LeNet
def test_lenet5_modern_form_has_61706_parameters():
    report = analyze("lenet5")
    # C1 6·(25+1), C3 16·(6·25+1), C5 120·(16·25+1), F6 84·121, output 10·85
    assert report.totals.params == 156 + 2416 + 48_120 + 10_164 + 850 == 61_706


def test_lenet5_1998_has_the_papers_trainable_parameters_per_layer():
    report = analyze("lenet5-1998")
    # LeCun et al. 1998, Section II.B: trainable parameters of each layer
    printed = {"c1": 156, "s2": 12, "c3": 1_516, "s4": 32, "c5": 48_120, "f6": 10_164}
    assert {name: params_under(report, name) for name in printed} == printed
    assert report.totals.trainable_params == sum(printed.values()) == 60_000
    # the RBF output: 84 hand-set components per class, kept fixed
    assert params_under(report, "output") == report.totals.frozen_params == 840
    assert report.totals.params == numel(resolve("lenet5-1998").module) == 60_840
    # C3 has 1,516 · 100 = 151,600 connections, of which the 16 · 100 bias additions are not MACs
    assert sum(layer.macs for layer in report.layers if layer.name.startswith("c3.")) == 151_600 - 1_600
    shapes = {layer.name: layer.output_shape for layer in report.layers}
    assert shapes["c1"] == [1, 6, 28, 28] and shapes["c3.cat"] == [1, 16, 10, 10]
    assert shapes["c5"] == [1, 120, 1, 1] and shapes["output"] == [1, 10]


# LeCun et al. 1998, Table I: row i = S2 map, column j = C3 map, "X" = connected.
TABLE_I = """
X   XXX  XXXX XX
XX   XXX  XXXX X
XXX   XXX  X XXX
 XXX  XXXX  X XX
  XXX  XXXX XX X
   XXX  XXXX XXX
"""


def test_lenet5_1998_c3_follows_table_i():
    rows = TABLE_I.strip("\n").splitlines()
    expected = {i: {j for j, mark in enumerate(row.ljust(16)) if mark == "X"} for i, row in enumerate(rows)}
    c3 = lenet5_1998().c3
    with torch.no_grad():
        base = c3(torch.zeros(1, 6, 14, 14))
        for i in range(6):  # excite one S2 map: the C3 maps that change are the ones connected to it
            x = torch.zeros(1, 6, 14, 14)
            x[0, i] = torch.rand(14, 14) + 0.5
            changed = (c3(x) - base).abs().sum(dim=(2, 3))[0]
            assert {j for j in range(16) if changed[j] > 0} == expected[i], f"S2 map {i}"


# ------------------------------------------------------------------------------------ AlexNet, ZFNet
def test_alexnet_one_tower_option_ungroups_conv2_conv4_conv5():
    two = resolve("alexnet").module
    one = resolve("alexnet", towers=1).module
    grouped = sum(getattr(two, f"conv{i}").weight.numel() for i in (2, 4, 5))
    assert numel(one) - numel(two) == grouped  # each grouped weight doubles
    assert analyze("alexnet", towers=1).totals.params == numel(one)
    assert f"{numel(one):,}" in get_spec("alexnet").notes


def test_zfnet_reproduces_every_size_of_figure_3():
    shapes = {layer.name: layer.output_shape[1:] for layer in analyze("zfnet").layers}
    # Zeiler & Fergus 2014, Figure 3 (224 input)
    assert shapes["conv1"] == [96, 110, 110] and shapes["pool1"] == [96, 55, 55]
    assert shapes["conv2"] == [256, 26, 26] and shapes["pool2"] == [256, 13, 13]
    assert shapes["conv3"] == [384, 13, 13] and shapes["conv4"] == [384, 13, 13]
    assert shapes["conv5"] == [256, 13, 13] and shapes["pool5"] == [256, 6, 6]
    assert shapes["fc6"] == [4096] and shapes["fc7"] == [4096]


# ----------------------------------------------------------------------------------- torchvision twins
TWINS = {"alexnet-owt": "alexnet", **{name: name for name in classic.TV_VGG}, "inception-v3": "inception_v3"}


@pytest.mark.parametrize("name", TWINS)
def test_entry_is_torchvisions_network(name):
    spec = get_spec(name)
    assert spec.torchvision == TWINS[name]
    kwargs = {"init_weights": False} if name == "inception-v3" else {}
    tv = on_meta(getattr(torchvision.models, TWINS[name]), **kwargs)
    ours = resolve(name).module
    # same parameter and buffer names and shapes: torchvision's weights would load
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: v.shape for k, v in tv.state_dict().items()
    }
    mine, theirs = analyze(name), analyze(tv, spec.input)
    assert mine.totals.params == numel(tv)
    assert [layer.output_shape for layer in mine.layers] == [layer.output_shape for layer in theirs.layers]
    published = load_reference("torchvision.json")["models"][TWINS[name]]
    assert mine.totals.params == published["num_params"]
    assert round(mine.totals.macs / 1e9, 3) == published["gmacs"]


# ----------------------------------------------------------------------------------------------- VGG
@pytest.mark.parametrize("config", ["A", "A-LRN", "B", "C", "D", "E"])
def test_vgg_configuration_matches_table_2(config):
    printed = load_reference("papers.json")["vgg_table2_params_millions"][config]
    name = f"vgg-{config.lower()}"
    report = analyze(name)
    assert report.totals.params == numel(resolve(name).module)
    assert round(report.totals.params / 1e6) == printed  # Table 2 prints whole millions
    assert get_spec(name).published_value("params") == printed * 1e6
    # the paper's form has no adaptive pool: the dense layers fix the input at 224
    assert not any(layer.type == "AdaptiveAvgPool2d" for layer in report.layers)


def test_vgg_c_has_its_three_1x1_convolutions_and_a_lrn_its_normalisation():
    kernels = [layer.window for layer in analyze("vgg-c").layers if layer.type == "Conv2d"]
    assert len(kernels) == 13 and sum("1x1" in (w or "") for w in kernels) == 3
    types = [layer.type for layer in analyze("vgg-a-lrn").layers]
    assert types[:3] == ["Conv2d", "ReLU", "LocalResponseNorm"]


def test_vgg_a_pool5_receptive_field_matches_tf_slim():
    size, stride, padding = load_reference("receptive_field.json")["end_points"]["vgg_a/pool5"]
    pool5 = [layer for layer in analyze("vgg-a").layers if layer.type == "MaxPool2d"][-1]
    assert pool5.receptive_field == [size, size]
    assert pool5.effective_stride == [stride, stride]
    assert [(size - 1) / 2 - s for s in pool5.rf_start] == [padding, padding]


# ----------------------------------------------------------------------------------------------- NiN
@pytest.mark.parametrize("name", ["nin", "nin-cifar10"])
def test_nin_has_no_dense_layer_and_ends_in_one_map_per_class(name):
    report = analyze(name)
    assert not any(layer.type == "Linear" for layer in report.layers)
    gap = report.layer("gap")
    classes = get_spec(name).num_classes
    assert gap.input_shapes[0][1] == classes and gap.output_shape == [1, classes, 1, 1]


# ------------------------------------------------------------------------------------------- All-CNN
# Springenberg et al. 2015, Table 1 (Models A, B, C) as (kernel, filters) per stage; the third
# stage ends in a 1x1 convolution with one map per class.
STAGES = {
    "A": ([(5, 96)], [(5, 192)], [(3, 192), (1, 192), (1, 10)]),
    "B": ([(5, 96), (1, 96)], [(5, 192), (1, 192)], [(3, 192), (1, 192), (1, 10)]),
    "C": ([(3, 96), (3, 96)], [(3, 192), (3, 192)], [(3, 192), (1, 192), (1, 10)]),
}
TABLE3_NAMES = {"Model": "allcnn-model", "Strided-CNN": "strided-cnn", "ConvPool-CNN": "convpool-cnn",
                "All-CNN": "all-cnn"}  # fmt: skip


def paper_params(model: str, adds_conv: bool) -> int:
    """Σ k²·C_in·C_out + C_out over the paper's layers; ConvPool and All-CNN add a 3x3
    convolution with the stage's width at the end of stages 1 and 2 (Section 3.1, Table 2)."""
    total, cin = 0, 3
    for i, stage in enumerate(STAGES[model]):
        layers = [*stage, (3, stage[-1][1])] if adds_conv and i < 2 else stage
        for k, cout in layers:
            total += k * k * cin * cout + cout
            cin = cout
    return total


TABLE3_ROWS = [
    (f"{kind} {m}" if kind == "Model" else f"{kind}-{m}", f"{prefix}-{m.lower()}", m, kind)
    for m in "ABC"
    for kind, prefix in TABLE3_NAMES.items()
]


@pytest.mark.parametrize("row", TABLE3_ROWS, ids=[row[0] for row in TABLE3_ROWS])
def test_allcnn_parameters_against_table_3(row):
    key, name, model, kind = row
    error, printed = load_reference("papers.json")["allcnn"][key]
    report = analyze(name)
    recomputed = paper_params(model, kind in ("ConvPool-CNN", "All-CNN"))
    assert report.totals.params == numel(resolve(name).module) == recomputed
    assert report.layer("gap").input_shapes[0] == [1, 10, 6, 6]  # "global averaging over 6 × 6"
    decimals = len(printed.removesuffix("M").partition(".")[2])
    shown = f"{recomputed / 1e6:.{decimals}f}M"
    spec = get_spec(name)
    assert spec.published[0].params == float(printed.removesuffix("M")) * 1e6
    assert spec.published[0].top1 == pytest.approx(100 - error)
    if shown == printed:
        assert key in MATCHING
        assert "cannot be reproduced" not in spec.notes
    else:
        assert key not in MATCHING
        assert f"{recomputed:,} parameters ({shown}) where Table 3 prints {printed}" in spec.notes


# The printed counts that the layer tables reproduce at the printed precision.
MATCHING = {"Model B", "Strided-CNN-B", "ConvPool-CNN-C", "All-CNN-C"}


@pytest.mark.parametrize("model", "ABC")
def test_allcnn_variants_replace_pooling_as_section_3_1_says(model):
    pools = {name: [layer for layer in analyze(name).layers if layer.type == "MaxPool2d"]
             for name in (f"allcnn-model-{model.lower()}", f"strided-cnn-{model.lower()}",
                          f"convpool-cnn-{model.lower()}", f"all-cnn-{model.lower()}")}  # fmt: skip
    assert [len(p) for p in pools.values()] == [2, 0, 2, 0]
    convs = [layer for layer in analyze(f"all-cnn-{model.lower()}").layers if layer.type == "Conv2d"]
    strided = [layer.window for layer in convs if "/2" in (layer.window or "")]
    assert strided == [pool.window for pool in pools[f"allcnn-model-{model.lower()}"]]  # the pools' windows
