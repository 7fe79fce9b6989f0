"""The classic classification networks: LeNet-5, AlexNet, ZFNet, VGG, Network in Network, the
All-CNN family and GoogLeNet / Inception v2 / v3 (pure data: no torch import).

Published figures keep the precision their source printed. Papers that report errors are given
as accuracies (100 − error). Where a printed figure and the recomputation from the paper's own
layer table differ, the entry's notes say which figure, by how much and why; the tests in
``tests/test_catalogue_classic*.py`` assert both.
"""

from __future__ import annotations

from cnnarch.catalogue.spec import ModelSpec, Published

TV = "torchvision 0.29 weights metadata (ImageNet-1k)"
IMAGENET = (3, 224, 224)
CIFAR = (3, 32, 32)
OPTIONS = ("num_classes", "in_channels")

LECUN = "Gradient-based learning applied to document recognition (LeCun, Bottou, Bengio & Haffner)"
VGG = "Very Deep Convolutional Networks for Large-Scale Image Recognition (Simonyan & Zisserman)"
NIN = "Network In Network (Lin, Chen & Yan)"
ALLCNN = "Striving for Simplicity: The All Convolutional Net (Springenberg, Dosovitskiy, Brox & Riedmiller)"

# ---------------------------------------------------------------------------------------- LeNet
LENET = [
    ModelSpec(
        name="lenet5",
        builder="cnnarch.models.lenet:lenet5",
        family="lenet",
        paper=LECUN,
        year=1998,
        task="classification",
        input=(1, 32, 32),
        num_classes=10,
        aliases=("lenet-5",),
        source="common modern form",
        notes="Dense C3 (every C3 map sees all six S2 maps), average pooling without the paper's "
        "trainable coefficients, tanh, linear output instead of RBF units: 61,706 parameters. "
        "lenet5-1998 is the paper's network.",
        published=(Published("LeCun et al. 1998", params=60_000, note="about 60,000 (paper network)"),),
        options=OPTIONS,
    ),
    ModelSpec(
        name="lenet5-1998",
        builder="cnnarch.models.lenet:lenet5_1998",
        family="lenet",
        paper=LECUN,
        year=1998,
        task="classification",
        input=(1, 32, 32),
        num_classes=10,
        aliases=("lenet-5-1998",),
        published=(
            Published(
                "LeCun et al. 1998, Section II.B",
                params=60_000,
                note="trainable parameters: C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164",
            ),
        ),
        notes="C3 follows Table I's connection table as three grouped convolutions over the S2 maps "
        "each group reads (1,516 parameters); S2/S4 are a 2x2 average pool and a per-map trainable "
        "coefficient and bias (a depthwise 1x1 convolution); squashing 1.7159·tanh(2a/3); the output "
        "is 10 Euclidean RBF units whose 840 hand-set centres are frozen. 60,840 parameters, "
        "60,000 trainable. Not modelled: the input normalisation and the loss (eq. 9).",
        options=OPTIONS,
    ),
]

# ------------------------------------------------------------------------------ AlexNet, ZFNet
ALEXNET = [
    ModelSpec(
        name="alexnet",
        builder="cnnarch.models.alexnet:alexnet",
        family="alexnet",
        paper="ImageNet Classification with Deep Convolutional Neural Networks (Krizhevsky et al.)",
        year=2012,
        task="classification",
        input=(3, 227, 227),
        published=(
            Published(
                "Krizhevsky et al. 2012",
                params=60e6,
                top1=59.3,
                top5=81.8,
                note="about 60M parameters; 40.7%/18.2% top-1/top-5 error, one CNN",
            ),
        ),
        notes="The two GPU towers are grouped convolutions (conv2, conv4, conv5: groups=2); towers=1 "
        "gives the one-tower network the lectures draw (62,378,344 parameters). Input 227, not the "
        "paper's 224: (224 − 11)/4 + 1 = 54.25 is not an integer.",
        options=(*OPTIONS, "towers"),
    ),
    ModelSpec(
        name="alexnet-owt",
        builder="cnnarch.models.alexnet:alexnet_owt",
        family="alexnet",
        paper="One weird trick for parallelizing convolutional neural networks (Krizhevsky)",
        year=2014,
        task="classification",
        input=IMAGENET,
        source="torchvision alexnet",
        torchvision="alexnet",
        published=(Published(TV, params=61_100_840, macs=0.714e9, top1=56.522, top5=79.066),),
        notes="torchvision's alexnet: one tower with 64, 192, 384, 256, 256 filters as in cuda-convnet2's "
        "layers-imagenet-1gpu.cfg (the paper's footnote says 384 for conv4, pytorch/vision#463), no "
        "LRN, padded convolutions for a 224 input, dropout before fc6/fc7 (pytorch/vision#549), an "
        "adaptive average pool to 6x6.",
        options=OPTIONS,
    ),
    ModelSpec(
        name="zfnet",
        builder="cnnarch.models.zfnet:zfnet",
        family="alexnet",
        paper="Visualizing and Understanding Convolutional Networks (Zeiler & Fergus)",
        year=2014,
        task="classification",
        input=IMAGENET,
        aliases=("zf-net",),
        notes="Figure 3: conv1 96 7x7/2, conv2 256 5x5/2, dense conv3-5 (384, 384, 256), 3x3/2 max "
        "pools each followed by contrast normalisation (AlexNet's LRN constants), fc 4096-4096. Input "
        "224 as in the paper; Figure 3 prints no padding, so conv1 pads by 1 and the pools round up "
        "(Caffe), which reproduces every printed size: 224 → 110 → 55 → 26 → 13 → 6.",
        options=OPTIONS,
    ),
]

# ------------------------------------------------------------------------------------------ VGG
VGG_TABLE2 = {"A": 133, "A-LRN": 133, "B": 133, "C": 134, "D": 138, "E": 144}
VGG19_FLOPS = Published(
    "He et al. 2016, Section 3.3", macs=19.6e9, note="VGG-19: 19.6 billion FLOPs (multiply-adds)"
)


def _vgg_paper(config: str, aliases: tuple[str, ...], notes: str) -> ModelSpec:
    published = [Published("Simonyan & Zisserman 2015, Table 2", params=VGG_TABLE2[config] * 1e6)]
    if config == "E":
        published.append(VGG19_FLOPS)
    return ModelSpec(
        name=f"vgg-{config.lower()}",
        builder="cnnarch.models.vgg:vgg",
        kwargs={"config": config, "adaptive_pool": False},
        family="vgg",
        paper=VGG,
        year=2015,
        task="classification",
        input=IMAGENET,
        aliases=aliases,
        published=tuple(published),
        notes=f"Table 1, configuration {config}{notes}; fixed 224x224 input (no adaptive pool), "
        "as in the paper.",
        options=OPTIONS,
    )


TV_VGG = {  # name: (config, params, gmacs, top1, top5)
    "vgg11": ("A", 132_863_336, 7.609, 69.02, 88.628),
    "vgg11_bn": ("A", 132_868_840, 7.609, 70.37, 89.81),
    "vgg13": ("B", 133_047_848, 11.308, 69.928, 89.246),
    "vgg13_bn": ("B", 133_053_736, 11.308, 71.586, 90.374),
    "vgg16": ("D", 138_357_544, 15.47, 71.592, 90.382),
    "vgg16_bn": ("D", 138_365_992, 15.47, 73.36, 91.516),
    "vgg19": ("E", 143_667_240, 19.632, 72.376, 90.876),
    "vgg19_bn": ("E", 143_678_248, 19.632, 74.218, 91.842),
}


def _vgg_torchvision(name: str) -> ModelSpec:
    config, params, gmacs, top1, top5 = TV_VGG[name]
    bn = name.endswith("_bn")
    published = [Published(TV, params=params, macs=gmacs * 1e9, top1=top1, top5=top5)]
    if not bn:
        published.append(Published("Simonyan & Zisserman 2015, Table 2", params=VGG_TABLE2[config] * 1e6))
    if config == "E":
        published.append(VGG19_FLOPS)
    return ModelSpec(
        name=name,
        builder="cnnarch.models.vgg:vgg",
        kwargs={"config": config, "batch_norm": bn},
        family="vgg",
        paper=VGG,
        year=2015,
        task="classification",
        input=IMAGENET,
        source=f"torchvision {name}",
        torchvision=name,
        published=tuple(published),
        notes=f"Configuration {config}"
        + (" with batch norm after every convolution (not in the paper)" if bn else "")
        + "; an adaptive average pool to 7x7 before the classifier (torchvision) lets any input size "
        "reach the dense layers.",
        options=OPTIONS,
    )


VGG_ENTRIES = [
    _vgg_paper("A", ("vgg11-paper",), " (11 weight layers)"),
    _vgg_paper("A-LRN", (), ": A with local response normalisation after the first layer"),
    _vgg_paper("B", ("vgg13-paper",), " (13 weight layers)"),
    _vgg_paper("C", (), ": B with a 1x1 convolution ending each of the last three stages"),
    _vgg_paper("D", ("vgg16-paper",), " (16 weight layers)"),
    _vgg_paper("E", ("vgg19-paper",), " (19 weight layers)"),
    *(_vgg_torchvision(name) for name in TV_VGG),
]

# ------------------------------------------------------------------------------------------ NiN
NIN_ENTRIES = [
    ModelSpec(
        name="nin",
        builder="cnnarch.models.nin:nin",
        kwargs={"config": "imagenet"},
        family="nin",
        paper=NIN,
        year=2014,
        task="classification",
        input=IMAGENET,
        aliases=("nin-imagenet", "network-in-network"),
        source="the authors' ImageNet model (Caffe Model Zoo, nin_imagenet)",
        notes="The paper has no ImageNet layer table; this is its first author's released ImageNet "
        "model, the NiN the lectures draw: four mlpconv layers (11x11/4, 5x5, 3x3, 3x3 convolutions, "
        "each with two 1x1 'cccp' layers), 3x3/2 max pools rounding up (54 → 27 → 13 → 6), dropout, "
        "the last 1x1 layer with one map per class and global average pooling. nin-cifar10 is the "
        "paper's CIFAR-10 network.",
        options=OPTIONS,
    ),
    ModelSpec(
        name="nin-cifar10",
        builder="cnnarch.models.nin:nin",
        kwargs={"config": "cifar10"},
        family="nin",
        paper=NIN,
        year=2014,
        task="classification",
        input=CIFAR,
        num_classes=10,
        source="the authors' cuda-convnet configuration (mavenlin/cuda-convnet NIN)",
        published=(
            Published(
                "Lin et al. 2014, Table 2", top1=89.59, note="10.41% CIFAR-10 test error, NIN + dropout"
            ),
        ),
        notes="Three mlpconv layers (5x5 192-160-96, 5x5 192-192-192, 3x3 192-192-10), a 3x3/2 max and "
        "a 3x3/2 average pool rounding up (32 → 16 → 8), dropout after each, global average pooling.",
        options=OPTIONS,
    ),
]

# -------------------------------------------------------------------------------------- All-CNN
# Table 3 (CIFAR-10 without augmentation): error %, parameters as printed.
ALLCNN_TABLE3 = {
    ("A", "base"): ("Model A", 12.47, "0.9M"),
    ("A", "strided"): ("Strided-CNN-A", 13.46, "0.9M"),
    ("A", "convpool"): ("ConvPool-CNN-A", 10.21, "1.28M"),
    ("A", "allconv"): ("All-CNN-A", 10.30, "1.28M"),
    ("B", "base"): ("Model B", 10.20, "1M"),
    ("B", "strided"): ("Strided-CNN-B", 10.98, "1M"),
    ("B", "convpool"): ("ConvPool-CNN-B", 9.33, "1.35M"),
    ("B", "allconv"): ("All-CNN-B", 9.10, "1.35M"),
    ("C", "base"): ("Model C", 9.74, "1.3M"),
    ("C", "strided"): ("Strided-CNN-C", 10.19, "1.3M"),
    ("C", "convpool"): ("ConvPool-CNN-C", 9.31, "1.4M"),
    ("C", "allconv"): ("All-CNN-C", 9.08, "1.4M"),
}
# Parameters recomputed from Tables 1 and 2 (the tests check the built modules against them).
ALLCNN_RECOMPUTED = {"A": 839_242, "B": 885_610, "C": 954_730}
ALLCNN_ADDED = 415_008  # 3x3 96→96 (83,040) + 3x3 192→192 (331,968): ConvPool and All-CNN variants
ALLCNN_NAMES = {"base": "allcnn-model-{m}", "strided": "strided-cnn-{m}", "convpool": "convpool-cnn-{m}",
                "allconv": "all-cnn-{m}"}  # fmt: skip
ALLCNN_WHAT = {
    "base": "Table 1, max pooling 3x3/2",
    "strided": "model {M} without max pooling, the convolution before each pool at stride 2 (Section 3.1)",
    "convpool": "model {M} with a 3x3 convolution before each max pool (Section 3.1)",
    "allconv": "model {M} with each max pool replaced by a 3x3/2 convolution (Section 3.1, Table 2)",
}


def _printed_millions(text: str) -> float:
    return float(text.removesuffix("M"))


def _allcnn_notes(model: str, kind: str) -> str:
    label, _, printed = ALLCNN_TABLE3[(model, kind)]
    params = ALLCNN_RECOMPUTED[model] + (ALLCNN_ADDED if kind in ("convpool", "allconv") else 0)
    decimals = len(printed.removesuffix("M").partition(".")[2])
    shown = f"{params / 1e6:.{decimals}f}M"
    what = ALLCNN_WHAT[kind].format(M=model)
    if shown == printed:
        check = f"{params:,} parameters, {printed} as Table 3 prints."
    else:
        check = (
            f"{params:,} parameters ({shown}) where Table 3 prints {printed}: the printed figure cannot be "
            "reproduced from Tables 1-2. The ConvPool and All-CNN variants add the same two layers "
            f"(3x3 96→96 and 3x3 192→192, {ALLCNN_ADDED:,} parameters) to each base model, yet Table 3's "
            "increments are 0.38M (A), 0.35M (B) and 0.1M (C), so Table 3's counts are not all "
            "computed from these layers."
        )
    return (
        f"{label}: {what}. 'Same' padding except the 3x3 convolution after the last pool (8 → 6); "
        f"pools and their replacements pad by 1 (32 → 16 → 8); ReLU after every convolution, global "
        f"average pooling over 6x6; dropout 20% on the input, 50% after each pool. {check}"
    )


def _allcnn(model: str, kind: str) -> ModelSpec:
    label, error, printed = ALLCNN_TABLE3[(model, kind)]
    return ModelSpec(
        name=ALLCNN_NAMES[kind].format(m=model.lower()),
        builder="cnnarch.models.allcnn:allcnn",
        kwargs={"model": model, "kind": kind},
        family="allcnn",
        paper=ALLCNN,
        year=2015,
        task="classification",
        input=CIFAR,
        num_classes=10,
        published=(
            Published(
                "Springenberg et al. 2015, Table 3",
                params=_printed_millions(printed) * 1e6,
                top1=round(100 - error, 2),
                note=f"{label}: {printed} parameters, {error}% CIFAR-10 error without augmentation",
            ),
        ),
        notes=_allcnn_notes(model, kind),
        options=OPTIONS,
    )


ALLCNN_ENTRIES = [_allcnn(m, k) for m in "ABC" for k in ("base", "strided", "convpool", "allconv")]

# ------------------------------------------------------------------------------------ Inception
GOOGLENET_NOTES = (
    "Paper network (Table 1, Figure 3): 5x5 convolutions in the third branch, biases and no batch norm, "
    "LRN after pool1 and conv2, max pools rounding up (Caffe), which gives Table 1's output sizes. "
    "torchvision's googlenet differs: 3x3 in the '5x5' branch (pytorch/vision#906), batch norm and no "
    "biases, no LRN, a 2x2 max pool before 5a, dropout 0.2 (paper 0.4), auxiliary heads with an "
    "adaptive 4x4 pool and fc 2048→1024 built by default and run only in training; 6,624,904 parameters "
    "and 1.50 G multiply-adds without aux heads against 6,998,552 and 1.58 G here. aux_logits=True adds "
    "the paper's two auxiliary classifiers (after 4a and 4d: 5x5/3 average pool, 1x1 conv 128, fc 1024, "
    "dropout 0.7, linear), which then run on every pass so that their layers and cost show. "
    "Table 1 rows recomputed from its own channel columns (weights without biases, K = 1,024 as the "
    "printed conv2 112K = 114,688 and linear 1000K show; M = 10^6 multiply-adds) agree within 1% "
    "except: conv1 printed 2.7K / 34M, recomputed 9,408 (9.2K) / 118M — the two printed figures agree "
    "with each other (2.7K x 112² ≈ 34M) but no 7x7 convolution from 3 to 64 maps has 2.7K weights; "
    "4c printed 463K, recomputed 509,440 (497.5K) while its printed 100M ops match (99.9M); 4d printed "
    "580K, recomputed 604,672 (590.5K), ops match (118.5M vs 119M); 5a printed 1072K / 54M, recomputed "
    "1,042,432 (1018K) / 51.1M — the printed figures agree with each other (1072K x 49 ≈ 54M) but "
    "not with the row's widths; 5b printed 1388K, recomputed 1,442,816 (1409K, 1.5%), ops match (70.7M vs "
    "71M). The printed totals (6.8M, 1.5G) are the column sums."
)

INCEPTION = [
    ModelSpec(
        name="googlenet",
        builder="cnnarch.models.googlenet:googlenet",
        family="inception",
        paper="Going Deeper with Convolutions (Szegedy et al.)",
        year=2015,
        task="classification",
        input=IMAGENET,
        aliases=("inception-v1",),
        published=(
            Published(
                "Szegedy et al. 2015, Table 1",
                params=6.8e6,
                macs=1.5e9,
                top5=89.93,
                note="sums of Table 1's columns; 10.07% top-5 error, one model, 144 crops",
            ),
        ),
        notes=GOOGLENET_NOTES,
        options=(*OPTIONS, "aux_logits"),
    ),
    ModelSpec(
        name="inception-v2",
        builder="cnnarch.models.inception:bn_inception",
        family="inception",
        paper="Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate "
        "Shift (Ioffe & Szegedy)",
        year=2015,
        task="classification",
        input=IMAGENET,
        aliases=("bn-inception",),
        source="paper (Figure 5): BN-Inception, the Inception-v2 of Szegedy et al. 2017 and TF-slim",
        published=(
            Published("Ioffe & Szegedy 2015, Appendix", params=13.6e6, note="printed 13.6·10^6 parameters"),
        ),
        notes="BN-Inception, Figure 5 of the batch-normalisation paper (not the 'Inception-v2' row of "
        "Szegedy et al. 2016, Table 3): GoogLeNet with batch norm after every convolution (no conv "
        "biases), two 3x3 in place of each 5x5, modules 3a-3c, 4a-4e, 5a-5b, stride-2 modules 3c "
        "and 4e whose pool branch passes through. Figure 5's columns give 608 maps after 4c and 4d and "
        "1,056 after 4e (as the Caffe release; TF-slim keeps 576 with 96-wide pool projections in 4c/4d). "
        "Recomputed from Figure 5: 11,285,224 parameters, not the printed 13.6M, which the figure's "
        "columns cannot reproduce. TF-slim pads asymmetrically ('SAME'), so its effective padding at "
        "Mixed_5c is 25 px less than here (conv1 pads 2 before, not 3; the stride-2 3x3 convolutions "
        "of 3c and 4e pad 0 before, not 1); receptive fields and strides agree.",
        options=OPTIONS,
    ),
    ModelSpec(
        name="inception-v3",
        builder="cnnarch.models.inception:inception_v3",
        family="inception",
        paper="Rethinking the Inception Architecture for Computer Vision (Szegedy et al.)",
        year=2016,
        task="classification",
        input=(3, 299, 299),
        source="torchvision inception_v3",
        torchvision="inception_v3",
        published=(
            Published(TV, params=27_161_264, macs=5.713e9, top1=77.294, top5=93.45),
            Published(
                "Szegedy et al. 2016, abstract",
                params=25e6,
                macs=5e9,
                note="'less than 25 million parameters', '5 billion multiply-adds'",
            ),
        ),
        notes="torchvision's inception_v3 layer for layer (the TensorFlow release of Table 1; its 35x35 "
        "modules keep a 5x5 branch where Figure 5 draws two 3x3). The auxiliary classifier is built "
        "by default (aux_logits) and, as in torchvision, runs only in training: its 3,326,696 "
        "parameters are counted (27,161,264 in all, as torchvision's metadata) and reported as not "
        "executed, and its multiply-adds are not (5.713 G, as torchvision's metadata). Without it: "
        "23,834,568 parameters, under the paper's 25 million.",
        options=(*OPTIONS, "aux_logits"),
    ),
]

ENTRIES: list[ModelSpec] = [*LENET, *ALEXNET, *VGG_ENTRIES, *NIN_ENTRIES, *ALLCNN_ENTRIES, *INCEPTION]
