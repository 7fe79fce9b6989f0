"""The detection entries against torchvision's own detectors, built on the CPU without weights
(``weights=None, weights_backbone=None``: nothing is downloaded): SSD300's parameters, source maps,
heads and default boxes against ``ssd300_vgg16``; the Faster R-CNN heads against ``RPNHead``,
``TwoMLPHead``, ``FastRCNNPredictor``, ``roi_pool`` and ``AnchorGenerator``; MACs against
FlopCounterMode."""

from __future__ import annotations

import functools

import pytest
import torch
from torchvision.models.detection import ssd300_vgg16
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.rpn import RPNHead
from torchvision.ops import roi_pool

from cnnarch.api import analyze
from cnnarch.catalogue import build, get_spec
from cnnarch.explain.figures import figures
from cnnarch.models.faster_rcnn import ANCHORS, WholeMapRoIPool
from cnnarch.report import Report
from tests.conftest import flop_counter_macs, numel, on_meta, run

SSD_SOURCES = ["vgg.relu4_3", "vgg.relu7", *(f"extras.{k}.relu{k + 8}_2" for k in range(4))]


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


def test_faster_rcnn_head_pools_300_regions_per_image_at_any_batch():
    assert analyze("faster-rcnn-head", batch=2).output_shape == [600, 105]


@pytest.mark.parametrize("classes", [2, 81])
def test_ssd300_num_classes_sets_the_score_depth(classes):
    assert analyze("ssd300", num_classes=classes).output_shape == [1, 8732, 4 + classes]


# ---------------------------------------------------------------------------- Faster R-CNN heads


def test_faster_rcnn_head_has_torchvisions_rpn_and_detector_heads():
    rpn = RPNHead(512, 9)
    box_head, predictor = TwoMLPHead(512 * 7 * 7, 4096), FastRCNNPredictor(4096, 21)
    ours = on_meta(build, get_spec("faster-rcnn-head"))
    assert numel(ours.rpn) == numel(rpn)
    assert numel(ours.roi_heads) == numel(box_head) + numel(predictor)
    assert report("faster-rcnn-head").totals.params == numel(rpn) + numel(box_head) + numel(predictor)
    traced = report("faster-rcnn-head")
    with torch.no_grad():
        features = torch.randn(1, 512, 38, 50)
        (objectness,), (offsets,) = rpn([features])
        boxes = torch.tensor([[0.0, 0.0, 49.0, 37.0]] * 300)  # x1, y1, x2, y2: the whole map
        regions = roi_pool(features, [boxes], output_size=7)
        scores, deltas = predictor(box_head(regions))
    assert traced.layer("rpn.cls_logits").output_shape == list(objectness.shape) == [1, 9, 38, 50]
    assert traced.layer("rpn.bbox_pred").output_shape == list(offsets.shape) == [1, 36, 38, 50]
    pooled = [x for x in traced.layers if x.name.startswith("roi_pool.")][-1]
    assert pooled.output_shape == list(regions.shape) == [300, 512, 7, 7]
    assert traced.layer("roi_heads.fc7").output_shape == list(box_head(regions).shape)
    assert traced.output_shape == [300, scores.shape[1] + deltas.shape[1]] == [300, 21 + 84]
    with torch.no_grad():
        outputs = ours(torch.empty(1, 512, 38, 50, device="meta"))
    assert [list(t.shape) for t in outputs[1:]] == [list(objectness.shape), list(offsets.shape)]


def test_faster_rcnn_whole_map_roi_pooling_is_torchvisions_roi_pool():
    """Same numbers, not only the same shape, on a real CPU tensor whose sides 7 does not divide."""
    pool = WholeMapRoIPool(rois=3)
    x = torch.randn(2, 8, 38, 50)
    boxes = [torch.tensor([[0.0, 0.0, 49.0, 37.0]] * 3)] * 2
    torch.testing.assert_close(pool(x), roi_pool(x, boxes, output_size=7), rtol=0, atol=0)


def test_faster_rcnn_head_macs_are_flop_counter_modes():
    ours = on_meta(build, get_spec("faster-rcnn-head"))
    assert report("faster-rcnn-head").totals.macs == flop_counter_macs(ours, (1, 512, 38, 50))


def test_faster_rcnn_anchors_are_worked_from_the_rpn_as_torchvision_generates_them():
    per, total, pooled = figures(report("faster-rcnn-head"), ["default-boxes"], analyze).verdict
    generator = AnchorGenerator(sizes=(ANCHORS["scales"],), aspect_ratios=(ANCHORS["ratios"],))
    images = ImageList(torch.zeros(1, 3, 600, 800), [(600, 800)])
    anchors = generator(images, [torch.zeros(1, 512, 38, 50)])[0]
    assert per.value == generator.num_anchors_per_location() == [9]
    assert total.value == anchors.shape[0] == 38 * 50 * 9
    assert "rpn.bbox_pred 36/4 = 9" in per.line and "38·50·9" in total.line
    region = roi_pool(torch.zeros(1, 512, 38, 50), [torch.tensor([[0.0, 0.0, 20.0, 10.0]])], output_size=7)
    assert pooled.value == region[0].numel() == 7 * 7 * 512
