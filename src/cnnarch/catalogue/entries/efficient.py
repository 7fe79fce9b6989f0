"""DenseNet and the efficient networks: SqueezeNet, MobileNet v1/v2, ShuffleNet V2 (pure data:
no torch import).

Published figures keep the precision their source printed; where a printed figure and the
recomputation differ, the entry's notes say by how much and why (the tests assert both).
"""

from __future__ import annotations

from cnnarch.catalogue.spec import ModelSpec, Published

TV = "torchvision 0.29 weights metadata (ImageNet-1k)"
IMAGENET = (3, 224, 224)
DENSENET = "Densely Connected Convolutional Networks (Huang, Liu, van der Maaten & Weinberger)"
DENSENET_AUTHORS = "Huang et al., authors' Torch models (liuzhuang13/DenseNet README)"
SQUEEZENET = (
    "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size (Iandola et al.)"
)


def _densenet(depth: int, tv: tuple[int, float, float, float], authors_top1: float, config: str) -> ModelSpec:
    """torchvision's densenet{depth}; ``tv`` = its published (params, GMACs, top-1, top-5)."""
    params, gmacs, top1, top5 = tv
    return ModelSpec(
        name=f"densenet{depth}",
        builder="cnnarch.models.densenet:densenet",
        kwargs={"depth": depth},
        family="densenet",
        paper=DENSENET,
        year=2017,
        task="classification",
        input=IMAGENET,
        source=f"torchvision densenet{depth}",
        torchvision=f"densenet{depth}",
        published=(
            Published(TV, params=params, macs=gmacs * 1e9, top1=top1, top5=top5),
            Published(DENSENET_AUTHORS, top1=authors_top1, note="224x224 1-crop top-1 error as accuracy"),
        ),
        notes=f"DenseNet-BC {config}: bottleneck layers (BN-ReLU-1x1 to 4k, BN-ReLU-3x3 to k) concatenated "
        "within each block, transitions halving channels and map (compression 0.5). Each layer "
        "concatenates all earlier features ('cat' rows), as torchvision does.",
        options=("num_classes", "in_channels"),
    )


ENTRIES: list[ModelSpec] = [
    _densenet(121, (7_978_856, 2.834, 74.434, 91.972), 75.0, "(Table 1; k = 32, blocks 6-12-24-16)"),
    _densenet(
        161,
        (28_681_000, 7.728, 77.138, 93.56),
        77.8,
        "(the authors' released model, not in Table 1: k = 48, 96-filter stem, blocks 6-12-36-24)",
    ),
    _densenet(169, (14_149_480, 3.36, 75.6, 92.806), 76.4, "(Table 1; k = 32, blocks 6-12-32-32)"),
    _densenet(201, (20_013_928, 4.291, 76.896, 93.37), 77.5, "(Table 1; k = 32, blocks 6-12-48-32)"),
    ModelSpec(
        name="squeezenet1_0",
        builder="cnnarch.models.squeezenet:squeezenet",
        kwargs={"version": "1_0"},
        family="squeezenet",
        paper=SQUEEZENET,
        year=2016,
        task="classification",
        input=IMAGENET,
        aliases=("squeezenet",),
        source="torchvision squeezenet1_0",
        torchvision="squeezenet1_0",
        published=(
            Published(TV, params=1_248_424, macs=0.819e9, top1=58.092, top5=80.42),
            Published("Iandola et al. 2016, Tables 1-2", params=1_248_424, top1=57.5, top5=80.3),
        ),
        notes="Table 1 of the paper: conv1 96x7x7/2, fire2-9, max-pools (ceil mode, as in Caffe) after "
        "conv1, "
        "fire4 and fire8, conv10 1x1 to the classes, global average pooling; no batch norm. Table 1's sizes "
        "(conv1 111x111 ... 13x13) are those of the released Caffe model's 227x227 crop: at torchvision's "
        "224, conv1 gives (224 − 7)/2 + 1 = 109.5 → 109 and the last maps are 13x13 as well.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="squeezenet1_1",
        builder="cnnarch.models.squeezenet:squeezenet",
        kwargs={"version": "1_1"},
        family="squeezenet",
        paper=SQUEEZENET,
        year=2016,
        task="classification",
        input=IMAGENET,
        source="torchvision squeezenet1_1",
        torchvision="squeezenet1_1",
        published=(Published(TV, params=1_235_496, macs=0.349e9, top1=58.178, top5=80.624),),
        notes="SqueezeNet v1.1 from the authors' repository (DeepScale/SqueezeNet), not in the paper: conv1 "
        "64x3x3/2 and the max-pools moved earlier (after conv1, fire3, fire5): 0.35 G multiply-adds against "
        "v1.0's 0.82 G at 224, with about the same parameters.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="mobilenet-v1",
        builder="cnnarch.models.mobilenet:mobilenet_v1",
        family="mobilenet",
        paper="MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications "
        "(Howard et al.)",
        year=2017,
        task="classification",
        input=IMAGENET,
        aliases=("mobilenet",),
        source="paper",
        published=(
            Published(
                "Howard et al. 2017, Tables 4, 6-8 (1.0 MobileNet-224)",
                params=4.2e6,
                macs=569e6,
                top1=70.6,
            ),
        ),
        notes="Table 1: 3x3/2 convolution, 13 depthwise separable layers, each convolution followed by batch "
        "norm and ReLU, average pooling, FC. The last depthwise layer has stride 1, not Table 1's 's2' (its "
        "input and the next layer's are both 7x7; the authors' TF-slim code uses 1). Symmetric padding "
        "(TF-slim's 'SAME' pads stride-2 layers bottom/right only: same shapes and counts, receptive-field "
        "centres half a pixel apart). 568.7 M multiply-adds, 4.21 M weights (4.23 M with batch norm): "
        "Tables 6-7 (α = 0.75/0.5/0.25, 192/128 px) reproduce to their printed precision; 160 px gives "
        "290.7 M against the printed 290. Table 2's 1.19% of multiply-adds for the 3x3 convolution "
        "recomputes as 1.91% (its column then sums to 100%).",
        options=("num_classes", "in_channels", "width"),
    ),
    ModelSpec(
        name="mobilenet-v2",
        builder="cnnarch.models.mobilenet:mobilenet_v2",
        family="mobilenet",
        paper="MobileNetV2: Inverted Residuals and Linear Bottlenecks (Sandler et al.)",
        year=2018,
        task="classification",
        input=IMAGENET,
        source="torchvision mobilenet_v2",
        torchvision="mobilenet_v2",
        published=(
            Published(TV, params=3_504_872, macs=0.301e9, top1=71.878, top5=90.286),
            Published("Sandler et al. 2018, Table 4", params=3.4e6, macs=300e6, top1=72.0),
        ),
        notes="Table 2: 3x3/2 convolution, 17 inverted residual bottlenecks (1x1 expansion t, 3x3 depthwise, "
        "linear 1x1 projection; the input added back where stride 1 and channels match), 1x1 to 1280, "
        "pooling, FC. 300.8 M multiply-adds (Table 4: 300 M). Table 4's 3.4 M parameters is below the "
        "recomputation: 3.47 M weights (the authors' TF-slim model card lists 3.47 M), 3.50 M with batch "
        "norm.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="shufflenet-v2",
        builder="cnnarch.models.shufflenet:shufflenet_v2",
        kwargs={"width": "1.0"},
        family="shufflenet",
        paper="ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design "
        "(Ma, Zhang, Zheng & Sun)",
        year=2018,
        task="classification",
        input=IMAGENET,
        aliases=("shufflenet_v2_x1_0", "shufflenet-v2-1x"),
        source="torchvision shufflenet_v2_x1_0",
        torchvision="shufflenet_v2_x1_0",
        published=(
            Published(TV, params=2_278_604, macs=0.145e9, top1=69.362, top5=88.316),
            Published("Ma et al. 2018, Tables 5 and 8 (1x)", params=2.3e6, macs=146e6, top1=69.4),
        ),
        notes="Table 5, width 1x: conv1 24, max-pool, stages of 4/8/4 units with 116/232/464 channels, conv5 "
        "1024, global pooling, FC. Units split the channels (stride 1) or duplicate the input (stride 2), "
        "concatenate and shuffle (view-transpose-view rows). 144.9 M multiply-adds against Table 5's 146 M.",
        options=("num_classes", "in_channels"),
    ),
]
