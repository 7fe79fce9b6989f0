"""Dense prediction: semantic segmentation (FCN, U-Net, SegNet) and detection (YOLO v1, SSD300,
the Faster R-CNN heads).

Each entry follows the paper's figure or the authors' reference implementation where the paper
leaves details out; the note says which, and what differs. Builders: ``cnnarch.models.fcn``,
``unet``, ``segnet``, ``yolo``, ``ssd``, ``faster_rcnn``.
"""

from __future__ import annotations

from cnnarch.catalogue.spec import ModelSpec, Published

FCN_PAPER = "Fully Convolutional Networks for Semantic Segmentation (Long, Shelhamer & Darrell)"
FCN_REFERENCE = "reference Caffe nets (fcn.berkeleyvision.org voc-fcn*s)"
FCN_TABLE1 = Published(
    "Long et al. 2015, Table 1",
    params=134e6,
    note="FCN-VGG16: 134M parameters counting the backbone and fc6/fc7 only; receptive field 404, stride 32",
)
FCN_COMMON = (
    "Reference Caffe net: conv1_1 pads by 100 and the pools round up (Caffe), so any input leaves "
    "fc6 at least 1x1; the crops restore the input's size. The upsampling layers have no bias and "
    "are frozen as in the reference (fixed bilinear, lr_mult 0): their weights count as frozen "
    "parameters. Default input 500x500, the reference's deploy size (PASCAL VOC images are at "
    "most 500 on a side); 21 classes = 20 VOC classes + background."
)


def _fcn(name: str, stride: int, crops: str, published: Published) -> ModelSpec:
    return ModelSpec(
        name=name,
        builder="cnnarch.models.fcn:fcn",
        kwargs={"variant": name},
        family="fcn",
        paper=FCN_PAPER,
        year=2015,
        task="segmentation",
        input=(3, 500, 500),
        num_classes=21,
        aliases=(f"fcn-{stride}s",),
        source=FCN_REFERENCE,
        published=(FCN_TABLE1, published),
        notes=f"{FCN_COMMON} Crops: {crops}.",
        options=("num_classes", "in_channels"),
    )


ENTRIES: list[ModelSpec] = [
    _fcn(
        "fcn32s",
        32,
        "score at offset 19",
        Published("Long et al. 2015, Table 2", note="59.4 mean IU, PASCAL VOC 2011 validation subset"),
    ),
    _fcn(
        "fcn16s",
        16,
        "score_pool4c at 5, score at 27",
        Published("Long et al. 2015, Table 2", note="62.4 mean IU, PASCAL VOC 2011 validation subset"),
    ),
    _fcn(
        "fcn8s",
        8,
        "score_pool4c at 5, score_pool3c at 9, score at 31",
        Published(
            "Long et al. 2015, Tables 2-3",
            note="62.7 mean IU on the VOC 2011 validation subset; 62.2 on VOC 2012 test",
        ),
    ),
    ModelSpec(
        name="unet",
        builder="cnnarch.models.unet:unet",
        family="unet",
        paper="U-Net: Convolutional Networks for Biomedical Image Segmentation (Ronneberger et al.)",
        year=2015,
        task="segmentation",
        input=(1, 572, 572),
        num_classes=2,
        aliases=("u-net",),
        source="paper, Fig. 1",
        published=(
            Published(
                "Ronneberger et al. 2015, Fig. 1",
                note="1x572x572 tile in, 2x388x388 map out; no parameter or operation count printed",
            ),
        ),
        notes="Fig. 1: valid 3x3 convolutions, centre crops of the contracting maps, no batch norm, "
        "no ReLU after the up-convolutions (none drawn). Dropout 0.5 after levels 4 and 5: the "
        "text places dropout at the end of the contracting path without drawing it. Inputs whose "
        "pooled maps are all even (572 is one) keep the crops exactly centred.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="segnet",
        builder="cnnarch.models.segnet:segnet",
        family="segnet",
        paper="SegNet: A Deep Convolutional Encoder-Decoder Architecture for Image Segmentation "
        "(Badrinarayanan, Kendall & Cipolla)",
        year=2017,
        task="segmentation",
        input=(3, 360, 480),
        num_classes=11,
        source="authors' Caffe model (SegNet-Tutorial segnet_train.prototxt)",
        published=(
            Published(
                "Badrinarayanan et al. 2017, Sec. 3",
                note="encoder (the 13 VGG-16 convolutions): 14.7M parameters, against 134M with "
                "VGG-16's dense layers",
            ),
        ),
        notes="CamVid input 360x480 and its 11 classes (the 12th label, void, is ignored by the "
        "loss, not predicted). Pools round up as in Caffe (45 → 23 → 12 rows) and each "
        "max-unpooling returns to its encoder stage's exact size. The last decoder convolution "
        "(3x3 to the classes) has no batch norm or ReLU; the soft-max is not a layer here.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="yolo-v1",
        builder="cnnarch.models.yolo:yolo_v1",
        kwargs={"boxes": 2},
        family="yolo",
        paper="You Only Look Once: Unified, Real-Time Object Detection (Redmon et al.)",
        year=2016,
        task="detection",
        input=(3, 448, 448),
        num_classes=20,
        aliases=("yolov1", "yolo"),
        source="paper, Fig. 3",
        published=(
            Published(
                "Redmon et al. 2016, Table 1",
                note="63.4 mAP on PASCAL VOC 2007 test, 45 fps; no parameter count printed",
            ),
        ),
        notes="Fig. 3: 24 convolutions with biases and leaky ReLU 0.1 (no batch norm: that came "
        "with v2), 'same' padding as in darknet, so the 3x3/2 convolution on 14x14 rounds "
        "7.5 down to 7; fc1 4096 with leaky ReLU and dropout 0.5, fc2 linear with "
        "7·7·(2·5 + 20) = 1470 outputs viewed as 7x7x30 (channels last, as the paper writes "
        "it). The dense layers fix the input at 448.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="ssd300",
        builder="cnnarch.models.ssd:ssd300",
        family="ssd",
        paper="SSD: Single Shot MultiBox Detector (Liu et al.)",
        year=2016,
        task="detection",
        input=(3, 300, 300),
        num_classes=21,
        aliases=("ssd", "ssd300-vgg16"),
        source="paper, Fig. 2 and Sec. 3 (VGG-16 base)",
        published=(
            Published(
                "Liu et al. 2016, Table 7",
                note="SSD300: 8,732 default boxes at 300x300, 74.3 mAP on PASCAL VOC 2007 test, "
                "46 fps at batch 1; no parameter count printed",
            ),
        ),
        notes="VGG-16 (D) to conv5_3 with pool3 rounding up (75 → 38), conv4_3 L2-normalised "
        "with a learned scale per channel (512 parameters); pool5 3x3/1, fc6 a 3x3 convolution "
        "with dilation 6 (1024), fc7 1x1 (1024); extra layers conv8 to conv11 (1x1 then 3x3). "
        "A 3x3 head per source map (conv4_3, fc7, conv8_2 ... conv11_2: 38², 19², 10², 5², 3², "
        "1²) predicts 4·b offsets and 21·b scores with b = 4, 6, 6, 6, 4, 4 boxes per location: "
        "explain ssd300 --figure default-boxes works the 8,732 out. The output is [N, 8732, "
        "4 + 21] (offsets then scores); the default boxes themselves, decoding and "
        "non-maximum suppression have no weights and are not layers here. 21 classes = 20 VOC "
        "classes + background; the parameters equal torchvision's ssd300_vgg16 at 21 classes.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="faster-rcnn-head",
        builder="cnnarch.models.faster_rcnn:faster_rcnn_head",
        family="faster-rcnn",
        paper="Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks (Ren et al.)",
        year=2015,
        task="detection",
        input=(512, 38, 50),
        num_classes=21,
        aliases=("faster-rcnn",),
        source="paper, Sec. 3 (VGG-16 conv5_3 features); layers as torchvision's RPNHead and TwoMLPHead",
        published=(
            Published(
                "Ren et al. 2015, Sec. 3.1.1, Sec. 3.3 and Table 2",
                note="k = 9 anchors per location (3 scales x 3 aspect ratios); about 20,000 anchors "
                "(≈ 60 × 40 × 9) for a 1000x600 image; 300 proposals at test time",
            ),
        ),
        notes="The heads only, on a VGG-16 conv5_3 map (512x38x50, a 600x800 image at stride 16). "
        "RPN: a 3x3 convolution (512) and sibling 1x1s, k = 3·3 = 9 objectness logits (the paper's "
        "softmax has 2k) and 4k = 36 box offsets per location. Proposals are data-dependent and "
        "cannot be traced on the meta device, so the detector pools a fixed 300 regions (the "
        "paper's test-time proposals), each here the whole map: RoI pooling gives 7x7x512 per "
        "region wherever it lies, so no shape or count depends on that choice. Then fc6 and fc7 "
        "(4096, ReLU; no dropout, as torchvision's TwoMLPHead) and sibling dense layers, 21 "
        "scores and 84 box offsets per region. Outputs: [300, 21 + 84] (the one summary shows), "
        "then the RPN's objectness [1, 9, 38, 50] and offsets [1, 36, 38, 50]. explain "
        "faster-rcnn-head --figure default-boxes works the anchors out.",
        options=("num_classes", "in_channels"),
    ),
]
