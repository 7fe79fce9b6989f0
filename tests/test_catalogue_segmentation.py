"""The dense-prediction entries against their papers' figures and reference implementations:
U-Net's Fig. 1 stage by stage, FCN's crops and Table 1, SegNet's un-pooling, YOLO v1's Fig. 3."""

from __future__ import annotations

import functools
import itertools
import json
import math
from fractions import Fraction

import pytest
import torch
from torch import nn

from cnnarch.api import analyze
from cnnarch.catalogue import build, get_spec
from cnnarch.errors import CnnarchError
from cnnarch.models.crop import Crop
from cnnarch.report import Report
from tests.conftest import load_reference, numel, on_meta
from tests.test_list import cli


@functools.cache
def default_report(name: str) -> Report:
    """The entry's report at its default input, traced once for this module's tests."""
    return analyze(name)


def built(name: str, **options: object) -> nn.Module:
    return on_meta(build, get_spec(name), **options)


def pytorch_output(module: nn.Module, shape: tuple[int, ...]) -> list[int]:
    with torch.no_grad():
        return list(module(torch.empty(shape, device="meta")).shape)


def caffe_size(size: int, kernel: int, stride: int = 1, pad: int = 0, ceil: bool = False) -> int:
    """Caffe's output size: convolutions floor, pooling layers round up."""
    exact = Fraction(size + 2 * pad - kernel, stride)
    return (math.ceil(exact) if ceil else math.floor(exact)) + 1


# ---------------------------------------------------------------------------------------- U-Net

# Fig. 1, top to bottom and back up: (layer, channels, side of the square map).
UNET_FIG1 = [
    ("down1.conv1", 64, 570), ("down1.conv2", 64, 568), ("pool1", 64, 284),
    ("down2.conv1", 128, 282), ("down2.conv2", 128, 280), ("pool2", 128, 140),
    ("down3.conv1", 256, 138), ("down3.conv2", 256, 136), ("pool3", 256, 68),
    ("down4.conv1", 512, 66), ("down4.conv2", 512, 64), ("pool4", 512, 32),
    ("down5.conv1", 1024, 30), ("down5.conv2", 1024, 28),
    ("upconv4", 512, 56), ("crop4", 512, 56), ("cat", 1024, 56),
    ("up4.conv1", 512, 54), ("up4.conv2", 512, 52),
    ("upconv3", 256, 104), ("crop3", 256, 104), ("up3.conv1", 256, 102), ("up3.conv2", 256, 100),
    ("upconv2", 128, 200), ("crop2", 128, 200), ("up2.conv1", 128, 198), ("up2.conv2", 128, 196),
    ("upconv1", 64, 392), ("crop1", 64, 392), ("up1.conv1", 64, 390), ("up1.conv2", 64, 388),
    ("classifier", 2, 388),
]  # fmt: skip


def test_unet_maps_572_to_388_as_in_the_paper():
    figure = load_reference("papers.json")["unet"]
    module = built("unet")
    assert pytorch_output(module, (1, *figure["input"])) == [1, *figure["output"]]
    report = default_report("unet")
    assert report.input_shape == [1, *figure["input"]] and report.output_shape == [1, *figure["output"]]


def test_unet_every_stage_has_the_shape_of_figure_1():
    report = default_report("unet")
    for name, channels, side in UNET_FIG1:
        assert report.layer(name).output_shape == [1, channels, side, side], name


def test_unet_parameters_are_those_of_figure_1s_layers():
    widths = [1, 64, 128, 256, 512, 1024]
    convs = []  # (kernel, in, out) for every convolution drawn in Fig. 1
    for c_in, c_out in itertools.pairwise(widths):
        convs += [(3, c_in, c_out), (3, c_out, c_out)]
    for c_in, c_out in itertools.pairwise(widths[:0:-1]):  # 1024 → 512, ..., 128 → 64
        convs += [(2, c_in, c_out), (3, 2 * c_out, c_out), (3, c_out, c_out)]
    convs.append((1, 64, 2))
    expected = sum(k * k * c_in * c_out + c_out for k, c_in, c_out in convs)
    assert len(convs) == 23  # the paper: "In total the network has 23 convolutional layers"
    report = default_report("unet")
    assert report.totals.params == numel(built("unet")) == expected
    assert round(expected / 1e6, 1) == 31.0


def test_unet_takes_in_channels_and_num_classes_from_the_command_line():
    code, out, err = cli("summary", "unet", "--in-channels", "3", "--num-classes", "5", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["input_shape"] == [1, 3, 572, 572] and data["output_shape"] == [1, 5, 388, 388]


def test_unet_too_small_input_is_a_user_error():
    with pytest.raises(CnnarchError):
        analyze("unet", 100)


# ------------------------------------------------------------------------------------------ FCN

FCN_VARIANTS = ["fcn32s", "fcn16s", "fcn8s"]
REFERENCE_CROPS = {  # crop_param offsets in fcn.berkeleyvision.org voc-fcn*s/train.prototxt
    "fcn32s": {"score": 19},
    "fcn16s": {"score_pool4c": 5, "score": 27},
    "fcn8s": {"score_pool4c": 5, "score_pool3c": 9, "score": 31},
}


def coordinate_map(model: nn.Module, names: list[str], start=(Fraction(1), Fraction(0))):
    """Caffe's ``coord_map``: (a, b) such that pixel x of the last layer's output is centred on
    input coordinate a·x + b. A window maps x to stride·x + (kernel − 1)/2 − pad; a transposed
    convolution inverts that."""
    a, b = start
    for name in names:
        layer = getattr(model, name)
        if isinstance(layer, nn.ConvTranspose2d):
            (k,), (s,), (p,) = layer.kernel_size[:1], layer.stride[:1], layer.padding[:1]
            a, b = a / s, b - a * (Fraction(k - 1, 2) - p) / s
        elif isinstance(layer, nn.Conv2d | nn.MaxPool2d):
            k, s, p = (
                v if isinstance(v, int) else v[0] for v in (layer.kernel_size, layer.stride, layer.padding)
            )
            a, b = a * s, b + a * (Fraction(k - 1, 2) - p)
    return a, b


def derived_crops(model: nn.Module, variant: str) -> dict[str, Fraction]:
    backbone = model.backbone
    upto = {tap: backbone[: backbone.index(tap) + 1] for tap in ("pool3", "pool4")}
    score = coordinate_map(model, [*backbone, "score_fr"])
    crops = {}
    for tap, upsampling in (("pool4", "upscore2"), ("pool3", "upscore_pool4")):
        if not hasattr(model, f"score_{tap}"):
            break
        up = coordinate_map(model, [upsampling], score)
        skip = coordinate_map(model, [*upto[tap], f"score_{tap}"])
        assert up[0] == skip[0]  # same resolution
        crops[f"score_{tap}c"] = (up[1] - skip[1]) / skip[0]
        score = up  # the sum keeps the upsampled scores' coordinates
    final = {"fcn32s": "upscore", "fcn16s": "upscore16", "fcn8s": "upscore8"}[variant]
    a, b = coordinate_map(model, [final], score)
    assert a == 1
    crops["score"] = -b
    return crops


@pytest.mark.parametrize("variant", FCN_VARIANTS)
def test_fcn_crop_offsets_centre_every_output_pixel_on_its_input_pixel(variant):
    model = built(variant)
    offsets = {name: m.offset for name, m in model.named_children() if isinstance(m, Crop)}
    assert offsets == derived_crops(model, variant) == REFERENCE_CROPS[variant]


@pytest.mark.parametrize("variant", FCN_VARIANTS)
@pytest.mark.parametrize("size", [(500, 500), (224, 224), (375, 500), (37, 53), (1, 4)])
def test_fcn_output_has_the_input_size(variant, size):
    model = built(variant)
    assert pytorch_output(model, (1, 3, *size)) == [1, 21, *size]


@pytest.mark.parametrize("variant", FCN_VARIANTS)
def test_fcn_skips_are_cropped_to_the_upsampled_scores(variant):
    report = analyze(variant, "3x375x500")
    assert report.output_shape == [1, 21, 375, 500]
    skips = {"score_pool4c": "upscore2", "score_pool3c": "upscore_pool4"}
    for crop, upsampled in list(skips.items())[: {"fcn32s": 0, "fcn16s": 1, "fcn8s": 2}[variant]]:
        assert report.layer(crop).output_shape == report.layer(upsampled).output_shape
        tap = crop.removeprefix("score_").removesuffix("c")
        assert report.layer(f"score_{tap}").output_shape[2:] == report.layer(tap).output_shape[2:]


def test_fcn_backbone_rounds_up_like_caffe_and_has_table_1s_receptive_field():
    report = default_report("fcn8s")  # 500x500
    side = caffe_size(500, 3, pad=100)
    assert report.layer("conv1_1").output_shape[2:] == [side, side]
    for block in range(1, 6):
        side = caffe_size(side, 2, 2, ceil=True)
        assert report.layer(f"pool{block}").output_shape[2:] == [side, side], block
    assert [report.layer(f"pool{b}").output_shape[2] for b in range(1, 6)] == [349, 175, 88, 44, 22]
    assert report.layer("fc6").output_shape == [1, 4096, 16, 16]
    # Table 1, FCN-VGG16: rf size 404, max stride 32.
    assert report.layer("score_fr").receptive_field == [404, 404]
    assert report.layer("score_fr").effective_stride == [32, 32]


def test_fcn_table_1_parameters_and_frozen_upsampling():
    model = built("fcn8s")
    backbone = sum(p.numel() for name in model.backbone for p in getattr(model, name).parameters())
    assert round(backbone / 1e6) == 134  # Table 1 counts the backbone with fc6/fc7: 134M
    report = default_report("fcn8s")
    frozen = 21 * 21 * (4 * 4 + 4 * 4 + 16 * 16)  # upscore2, upscore_pool4, upscore8: no bias
    assert report.totals.frozen_params == frozen
    assert report.totals.params == numel(model) == report.totals.trainable_params + frozen


def test_fcn_takes_num_classes():
    assert analyze("fcn16s", "3x100x120", num_classes=2).output_shape == [1, 2, 100, 120]


# --------------------------------------------------------------------------------------- SegNet


@pytest.mark.parametrize("size", [(360, 480), (224, 224), (97, 131)])
def test_segnet_output_has_the_input_size_and_11_classes(size):
    assert pytorch_output(built("segnet"), (1, 3, *size)) == [1, 11, *size]


def test_segnet_unpools_with_the_pooling_indices_to_each_stage_size():
    report = default_report("segnet")
    assert report.output_shape == [1, 11, 360, 480]
    # SegNet-Tutorial segnet_train.prototxt: upsample5 23x30, upsample4 45x60 (Caffe rounds up).
    assert report.layer("upsample5").output_shape == [1, 512, 23, 30]
    assert report.layer("upsample4").output_shape == [1, 512, 45, 60]
    assert report.layer("pool5").output_shape == [1, 512, 12, 15]
    for stage in range(1, 6):
        unpool = report.layer(f"upsample{stage}")
        assert unpool.type == "MaxUnpool2d" and "max_unpool2d" in unpool.ops
        pooled = report.layer(f"pool{stage}")
        assert unpool.output_shape[2:] == pooled.input_shapes[0][2:]
        # Each output pixel receives at most one input value, from input floor(o/2): the field's
        # size stays but where it lies depends on the position, so cnnarch gives the bound that
        # covers both positions of a 2x2 window (half an input step wider) and marks it.
        source = report.layer(unpool.inputs[0])
        assert unpool.rf_approximate
        assert unpool.receptive_field == [
            r + j / 2 for r, j in zip(source.receptive_field, source.effective_stride, strict=True)
        ]
        assert unpool.effective_stride == [j // 2 for j in source.effective_stride]
    assert report.layer("upsample5").inputs == ["pool5"]


def test_segnet_encoder_is_vgg16s_13_convolutions_with_the_papers_14_7m_parameters():
    model = built("segnet")
    encoder = [m for name, m in model.named_modules() if name.startswith("encoder")]
    convs = [m for m in encoder if isinstance(m, nn.Conv2d)]
    assert len(convs) == 13
    assert round(sum(p.numel() for m in convs for p in m.parameters()) / 1e6, 1) == 14.7
    decoder_convs = [
        m for name, m in model.named_modules() if name.startswith("decoder") and isinstance(m, nn.Conv2d)
    ]
    assert len(decoder_convs) == 13 and decoder_convs[-1].out_channels == 11


# ------------------------------------------------------------------------------------- YOLO v1


def test_yolo_v1_is_figure_3():
    model = built("yolo-v1")
    assert sum(isinstance(m, nn.Conv2d) for m in model.modules()) == 24
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(7 * 7 * 1024, 4096), (4096, 7 * 7 * 30)]
    assert {m.negative_slope for m in model.modules() if isinstance(m, nn.LeakyReLU)} == {0.1}
    assert pytorch_output(model, (1, 3, 448, 448)) == [1, 7, 7, 30]
    report = default_report("yolo-v1")
    assert report.output_shape == [1, 7, 7, 30]
    assert report.layer("features.conv1").output_shape == [1, 64, 224, 224]
    assert report.layer("features.conv2").output_shape == [1, 192, 112, 112]
    assert report.layer("features.pool4").output_shape == [1, 1024, 14, 14]
    assert report.layer("features.conv22").output_shape == [1, 1024, 7, 7]
    assert report.layer("features.conv24").output_shape == [1, 1024, 7, 7]
    assert report.layer("fc2").output_shape == [1, 1470]


def test_yolo_v1_dense_layers_fix_the_input_at_448():
    code, out, err = cli("summary", "yolo-v1", "--input", "224")
    assert code == 2 and out == "" and "fc1" in err and "448" in err


def test_yolo_v1_num_classes_changes_the_prediction_depth():
    assert analyze("yolo-v1", num_classes=80).output_shape == [1, 7, 7, 2 * 5 + 80]
