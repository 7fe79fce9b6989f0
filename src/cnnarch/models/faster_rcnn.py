"""The heads of Faster R-CNN (Ren, He, Girshick & Sun 2015, "Faster R-CNN: Towards Real-Time Object
Detection with Region Proposal Networks") over a VGG-16 conv5_3 feature map: the region proposal
network (Sec. 3.1, Fig. 3) and the Fast R-CNN detector that reads each proposal's RoI pooling.

``ANCHORS`` are the paper's 3 scales × 3 aspect ratios: k = 9 anchors at every location of the map.
The RPN is a 3x3 convolution (512, ReLU) and two sibling 1x1 convolutions: k objectness scores
(torchvision's one logit per anchor; the paper's softmax has 2k) and 4k box offsets. The detector
max-pools each region to 7x7 (RoI pooling), then fc6 and fc7 (4096 each, ReLU; VGG-16's dropout is
left out as in torchvision's ``TwoMLPHead``) and two sibling dense layers: C + 1 class scores and
4·(C + 1) box offsets.

Proposals are data: which regions the RPN proposes depends on the image, so the trace on the meta
device cannot follow that step. This head therefore pools a fixed number of regions, ``rois``
(300, the proposals kept at test time in Sec. 4.1), each here the whole feature map. Where the
regions lie changes no shape and no count: RoI pooling always gives 7x7xC per region, and every
layer after it sees ``rois`` rows.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

ANCHORS = {"scales": (128, 256, 512), "ratios": (0.5, 1.0, 2.0)}
ROI_SIZE = 7


class RegionProposalNetwork(nn.Module):
    """torchvision's ``RPNHead`` for one feature map: 3x3 convolution, objectness and box offsets."""

    def __init__(self, channels: int, anchors: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.cls_logits = nn.Conv2d(channels, anchors, 1)
        self.bbox_pred = nn.Conv2d(channels, 4 * anchors, 1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = self.relu(self.conv(x))
        return self.cls_logits(x), self.bbox_pred(x)


class WholeMapRoIPool(nn.Module):
    """RoI max pooling of ``rois`` regions that each cover the whole map: ``torchvision.ops.roi_pool``
    with the box (0, 0, W − 1, H − 1) gives the same numbers (bins from ⌊i·n/7⌋ to ⌈(i+1)·n/7⌉)."""

    def __init__(self, rois: int, size: int = ROI_SIZE) -> None:
        super().__init__()
        self.rois = rois
        self.pool = nn.AdaptiveMaxPool2d(size)

    def forward(self, x: Tensor) -> Tensor:
        pooled = self.pool(x)  # [N, C, 7, 7] → [N·R, C, 7, 7], each image's regions in turn
        return pooled.unsqueeze(1).expand(-1, self.rois, -1, -1, -1).flatten(0, 1)


class DetectorHead(nn.Module):
    """torchvision's ``TwoMLPHead`` (fc6, fc7) and ``FastRCNNPredictor`` (scores, box offsets)."""

    def __init__(self, channels: int, num_classes: int, hidden: int = 4096) -> None:
        super().__init__()
        self.fc6 = nn.Linear(channels * ROI_SIZE * ROI_SIZE, hidden)
        self.relu6 = nn.ReLU(inplace=True)
        self.fc7 = nn.Linear(hidden, hidden)
        self.relu7 = nn.ReLU(inplace=True)
        self.cls_score = nn.Linear(hidden, num_classes)
        self.bbox_pred = nn.Linear(hidden, 4 * num_classes)

    def forward(self, regions: Tensor) -> tuple[Tensor, Tensor]:
        x = self.relu7(self.fc7(self.relu6(self.fc6(regions.flatten(1)))))
        return self.cls_score(x), self.bbox_pred(x)


class FasterRCNNHead(nn.Module):
    def __init__(self, num_classes: int = 21, in_channels: int = 512, rois: int = 300) -> None:
        super().__init__()
        anchors = len(ANCHORS["scales"]) * len(ANCHORS["ratios"])
        self.rpn = RegionProposalNetwork(in_channels, anchors)
        self.roi_pool = WholeMapRoIPool(rois)
        self.roi_heads = DetectorHead(in_channels, num_classes)

    def forward(self, features: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """[R, (C + 1) + 4·(C + 1)]: each region's class scores, then its box offsets; and the RPN's
        objectness [N, k, H, W] and offsets [N, 4k, H, W], from which a full detector would choose
        the proposals (data-dependent: the regions pooled here are fixed)."""
        objectness, offsets = self.rpn(features)
        scores, boxes = self.roi_heads(self.roi_pool(features))
        return torch.cat([scores, boxes], dim=1), objectness, offsets


def faster_rcnn_head(num_classes: int = 21, in_channels: int = 512) -> FasterRCNNHead:
    return FasterRCNNHead(num_classes, in_channels)
