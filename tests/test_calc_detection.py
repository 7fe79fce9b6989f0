"""Detection-head arithmetic against the papers and torchvision's own generators: SSD300's 8,732
default boxes (Liu et al. 2016) and torchvision's DefaultBoxGenerator on the same six maps;
Faster R-CNN's 9 anchors per location and torchvision's AnchorGenerator; RoI pooling's output by
torchvision.ops.roi_pool on a real CPU tensor."""

from __future__ import annotations

import torch
from torchvision.models.detection.anchor_utils import AnchorGenerator, DefaultBoxGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.ops import roi_pool

from cnnarch import calc
from tests.conftest import run

SSD300_MAPS = [38, 19, 10, 5, 3, 1]


def test_ssd300_has_8732_default_boxes_as_torchvision_generates_them():
    answer = calc.anchors()
    generator = DefaultBoxGenerator([[2], [2, 3], [2, 3], [2, 3], [2], [2]])
    maps = [torch.zeros(1, 1, n, n) for n in SSD300_MAPS]
    images = ImageList(torch.zeros(1, 3, 300, 300), [(300, 300)])
    boxes = generator(images, maps)[0]
    assert answer.verdict[0].value == boxes.shape[0] == 8_732  # the paper's count
    assert generator.num_anchors_per_location() == [4, 6, 6, 6, 4, 4]
    assert "38·38·4 + 19·19·6 + 10·10·6 + 5·5·6 + 3·3·4 + 1·1·4" in answer.verdict[0].line


def test_rpn_anchors_and_roi_pooling_are_torchvisions():
    answer = calc.anchors("38x50", None, scales=3, ratios=3, roi=7, channels=512)
    generator = AnchorGenerator(sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),))
    images = ImageList(torch.zeros(1, 3, 600, 800), [(600, 800)])
    anchors = generator(images, [torch.zeros(1, 512, 38, 50)])[0]
    per, total, pooled = answer.verdict
    assert per.value == generator.num_anchors_per_location()[0] == 9
    assert total.value == anchors.shape[0] == 38 * 50 * 9
    out = roi_pool(torch.zeros(1, 512, 38, 50), [torch.tensor([[0.0, 0.0, 20.0, 10.0]])], output_size=7)
    assert pooled.value == out[0].numel() == 25_088


def test_cli():
    code, out, err = run("calc", "anchors")
    assert code == 0, err
    assert "= 8,732" in out
    code, _, err = run("calc", "anchors", "--maps", "3,2", "--boxes", "1,2,3")
    assert code == 2 and "--boxes gives 3 counts for 2 feature maps" in err
