"""The detection entries against torchvision's own detectors, built on the CPU without weights
(``weights=None, weights_backbone=None``: nothing is downloaded): SSD300's parameters, source maps,
heads and default boxes against ``ssd300_vgg16``; MACs against FlopCounterMode."""

from __future__ import annotations

import functools

import pytest
import torch
from torchvision.models.detection import ssd300_vgg16
from torchvision.models.detection.image_list import ImageList

from cnnarch.api import analyze
from cnnarch.catalogue import build, get_spec
from cnnarch.explain.figures import figures
from cnnarch.report import Report
from tests.conftest import flop_counter_macs, numel, on_meta, run

SSD_SOURCES = ["conv4.relu4_3", "conv7.relu7", *(f"extras.{k}.relu{k + 8}_2" for k in range(4))]


@functools.cache
def report(name: str) -> Report:
    return analyze(name)


@functools.cache
def torchvision_ssd300() -> tuple[torch.nn.Module, list[torch.Tensor], dict[str, torch.Tensor]]:
    """torchvision's SSD300 at the VOC's 21 classes, its backbone and head run on a real 300x300 input."""
    model = ssd300_vgg16(weights=None, weights_backbone=None, num_classes=21).eval()
    with torch.no_grad():
        maps = list(model.backbone(torch.zeros(1, 3, 300, 300)).values())
        heads = model.head(maps)
    return model, maps, heads


def test_ssd300_has_torchvisions_parameters():
    model, _, _ = torchvision_ssd300()
    ours = on_meta(build, get_spec("ssd300"))
    assert numel(ours) == numel(model) == report("ssd300").totals.params
    assert numel(ours.l2norm) == model.backbone.scale_weight.numel() == 512  # conv4_3's L2Norm scale


def test_ssd300_source_maps_and_heads_have_torchvisions_shapes():
    model, maps, heads = torchvision_ssd300()
    traced = report("ssd300")
    assert [traced.layer(name).output_shape for name in SSD_SOURCES] == [list(m.shape) for m in maps]
    assert [m.shape[-1] for m in maps] == [38, 19, 10, 5, 3, 1]
    for k, conv in enumerate(model.head.regression_head.module_list):
        assert traced.layer(f"loc.{k}").output_shape == [1, conv.out_channels, *maps[k].shape[-2:]]
    for k, conv in enumerate(model.head.classification_head.module_list):
        assert traced.layer(f"conf.{k}").output_shape == [1, conv.out_channels, *maps[k].shape[-2:]]
    boxes, scores = heads["bbox_regression"].shape, heads["cls_logits"].shape
    assert traced.output_shape == [1, boxes[1], boxes[2] + scores[2]] == [1, 8732, 25]


def test_ssd300_macs_are_flop_counter_modes():
    ours = on_meta(build, get_spec("ssd300"))
    assert report("ssd300").totals.macs == flop_counter_macs(ours, (1, 3, 300, 300))


def test_ssd300_default_boxes_are_worked_from_the_traced_heads_as_torchvision_generates_them():
    model, maps, _ = torchvision_ssd300()
    per, total = figures(report("ssd300"), ["default-boxes"], analyze).verdict
    generated = model.anchor_generator(ImageList(torch.zeros(1, 3, 300, 300), [(300, 300)]), maps)[0]
    assert per.value == model.anchor_generator.num_anchors_per_location() == [4, 6, 6, 6, 4, 4]
    assert total.value == generated.shape[0] == 8_732  # Liu et al. 2016, Table 7
    assert "38·38·4 + 19·19·6 + 10·10·6 + 5·5·6 + 3·3·4 + 1·1·4" in total.line
    assert "loc.0 16/4 = 4" in per.line


def test_default_boxes_of_a_classifier_is_a_clear_error():
    code, out, err = run("explain", "alexnet", "--figure", "default-boxes")
    assert code == 2 and not out
    assert "no box-regression convolution" in err and "Traceback" not in err


@pytest.mark.parametrize("classes", [2, 81])
def test_ssd300_num_classes_sets_the_score_depth(classes):
    assert analyze("ssd300", num_classes=classes).output_shape == [1, 8732, 4 + classes]
