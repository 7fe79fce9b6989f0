"""The ResNet family: He et al.'s ImageNet and CIFAR ResNets, pre-activation ResNets, Wide ResNets,
ResNeXt and SE-ResNet (pure data: no torch import).

Published figures keep the precision their source printed. He et al. 2016 report 10-crop top-1
and top-5 *errors*; they are given here as accuracies (100 − error). Where a printed figure and
the recomputation differ, the entry's notes say by how much and why (the tests assert both).
"""

from __future__ import annotations

from cnnarch.catalogue.spec import ModelSpec, Published

TV = "torchvision 0.29 weights metadata (ImageNet-1k)"
HE = "Deep Residual Learning for Image Recognition (He, Zhang, Ren & Sun)"
HE_V2 = "Identity Mappings in Deep Residual Networks (He, Zhang, Ren & Sun)"
IMAGENET = (3, 224, 224)
MULT_ADDS = 'multiply-adds ("FLOPs")'
CIFAR = (3, 32, 32)

SHORTCUT_B = "Projection shortcuts (1x1 convolution + batch norm, option B) where a stage changes the shape."
V15 = (
    "{tv} G multiply-adds against Table 1's {printed} G: each bottleneck strides its 3x3 convolution "
    "(torchvision, 'ResNet v1.5'), so the first 1x1 of a stage's first block runs at 4x the positions; the "
    "paper's Caffe models stride that 1x1 instead: {paper} G ({name}-paper). "
)


def _imagenet_resnet(depth: int, tv: tuple[int, float, float, float], table1: float, notes: str) -> ModelSpec:
    """torchvision's resnet{depth}; ``tv`` = its published (params, GMACs, top-1, top-5)."""
    params, gmacs, top1, top5 = tv
    return ModelSpec(
        name=f"resnet{depth}",
        builder="cnnarch.models.resnet:resnet",
        kwargs={"depth": depth},
        family="resnet",
        paper=HE,
        year=2016,
        task="classification",
        input=IMAGENET,
        aliases=(f"resnet-{depth}",),
        source=f"torchvision resnet{depth}",
        torchvision=f"resnet{depth}",
        published=(
            Published(TV, params=params, macs=gmacs * 1e9, top1=top1, top5=top5),
            Published("He et al. 2016, Table 1", macs=table1, note=MULT_ADDS),
        ),
        notes=notes,
        options=("num_classes", "in_channels"),
    )


def _paper_resnet(
    depth: int, kwargs: dict[str, object], table1: float, accuracy: Published, notes: str
) -> ModelSpec:
    return ModelSpec(
        name=f"resnet{depth}-paper",
        builder="cnnarch.models.resnet:resnet",
        kwargs={"depth": depth, **kwargs},
        family="resnet",
        paper=HE,
        year=2016,
        task="classification",
        input=IMAGENET,
        source="paper",
        published=(Published("He et al. 2016, Table 1", macs=table1, note=MULT_ADDS), accuracy),
        notes=notes,
        options=("num_classes", "in_channels"),
    )


def _cifar_resnet(depth: int, params_m: float) -> ModelSpec:
    n = (depth - 2) // 6
    return ModelSpec(
        name=f"resnet{depth}",
        builder="cnnarch.models.resnet_cifar:cifar_resnet",
        kwargs={"depth": depth},
        family="resnet-cifar",
        paper=HE,
        year=2016,
        task="classification",
        input=CIFAR,
        num_classes=10,
        aliases=(f"resnet{depth}-cifar",),
        published=(Published("He et al. 2016, Table 6", params=params_m * 1e6, note="CIFAR-10"),),
        notes=f"Section 4.2: 6n + 2 = {depth} layers (n = {n}), 16/32/64 filters on 32/16/8 maps, global "
        "average pooling, 10-way FC. Identity shortcuts everywhere (option A): where a stage halves the map "
        "and doubles the channels the shortcut takes every second pixel and appends zero channels, so it "
        "has no parameters (a 'ZeroPadShortcut' row: slice + pad). The builder's shortcut='B' gives 1x1 "
        "projections instead.",
        options=("num_classes", "in_channels", "shortcut"),
    )


ENTRIES: list[ModelSpec] = [
    _imagenet_resnet(
        18,
        tv=(11_689_512, 1.814, 69.758, 89.078),
        table1=1.8e9,
        notes="1.81 G multiply-adds (Table 1: 1.8 G); basic blocks, so stride placement does not arise. "
        f"{SHORTCUT_B} The paper's own ResNet-18 (Table 2) has zero-padding shortcuts: resnet18-paper.",
    ),
    _imagenet_resnet(
        34,
        tv=(21_797_672, 3.664, 73.314, 91.42),
        table1=3.6e9,
        notes="3.66 G multiply-adds against Table 1's 3.6 G: without the three projection shortcuts "
        "(0.02 G) the count is 3.64 G, that of the paper's plain and option-A networks ('our 34-layer "
        f"baseline has 3.6 billion FLOPs'). {SHORTCUT_B} resnet34-paper is the option-A network.",
    ),
    _imagenet_resnet(
        50,
        tv=(25_557_032, 4.089, 76.13, 92.862),
        table1=3.8e9,
        notes=V15.format(tv="4.09", paper="3.86", name="resnet50", printed="3.8") + SHORTCUT_B,
    ),
    _imagenet_resnet(
        101,
        tv=(44_549_160, 7.801, 77.374, 93.546),
        table1=7.6e9,
        notes=V15.format(tv="7.80", paper="7.57", name="resnet101", printed="7.6") + SHORTCUT_B,
    ),
    _imagenet_resnet(
        152,
        tv=(60_192_808, 11.514, 78.312, 94.046),
        table1=11.3e9,
        notes=V15.format(tv="11.51", paper="11.28", name="resnet152", printed="11.3") + SHORTCUT_B,
    ),
    _paper_resnet(
        18,
        {"shortcut": "A"},
        table1=1.8e9,
        accuracy=Published("He et al. 2016, Table 2", top1=72.12, note="27.88% top-1 error, 10-crop"),
        notes="1.79 G multiply-adds (Table 1: 1.8 G). The ResNet-18 of Table 2: identity shortcuts, "
        "zero-padded where a stage doubles the channels (option A, no parameters).",
    ),
    _paper_resnet(
        34,
        {"shortcut": "A"},
        table1=3.6e9,
        accuracy=Published(
            "He et al. 2016, Table 3", top1=74.97, top5=92.24, note="ResNet-34 A: 25.03/7.76% error, 10-crop"
        ),
        notes="3.64 G multiply-adds (Table 1: 3.6 G). The ResNet-34 of Table 2 (Table 3's 'ResNet-34 A'): "
        "identity shortcuts, zero-padded where a stage doubles the channels (option A, no parameters).",
    ),
    _paper_resnet(
        50,
        {"stride_in_1x1": True},
        table1=3.8e9,
        accuracy=Published(
            "He et al. 2016, Table 3", top1=77.15, top5=93.29, note="22.85/6.71% error, 10-crop"
        ),
        notes="3.86 G multiply-adds where Table 1 prints 3.8: no counting convention reproduces 3.8 together "
        "with its 7.6 and 11.3 (3.86 rounds to 3.9); Hu et al. 2018 (Table 2) print 3.86 for this network. "
        "The first 1x1 convolution of a bottleneck carries the stride, as in the authors' Caffe models. "
        + SHORTCUT_B,
    ),
    _paper_resnet(
        101,
        {"stride_in_1x1": True},
        table1=7.6e9,
        accuracy=Published(
            "He et al. 2016, Table 3", top1=78.25, top5=93.95, note="21.75/6.05% error, 10-crop"
        ),
        notes="7.57 G multiply-adds (Table 1: 7.6 G). The first 1x1 convolution of a bottleneck carries the "
        f"stride, as in the authors' Caffe models. {SHORTCUT_B}",
    ),
    _paper_resnet(
        152,
        {"stride_in_1x1": True},
        table1=11.3e9,
        accuracy=Published(
            "He et al. 2016, Table 3", top1=78.57, top5=94.29, note="21.43/5.71% error, 10-crop"
        ),
        notes="11.28 G multiply-adds (Table 1: 11.3 G). The first 1x1 convolution of a bottleneck carries "
        f"the stride, as in the authors' Caffe models. {SHORTCUT_B}",
    ),
    _cifar_resnet(20, 0.27),
    _cifar_resnet(32, 0.46),
    _cifar_resnet(44, 0.66),
    _cifar_resnet(56, 0.85),
    _cifar_resnet(110, 1.7),
    _cifar_resnet(1202, 19.4),
    ModelSpec(
        name="preact-resnet18",
        builder="cnnarch.models.preact_resnet:preact_resnet",
        kwargs={"depth": 18},
        family="preact-resnet",
        paper=HE_V2,
        year=2016,
        task="classification",
        input=IMAGENET,
        aliases=("preresnet18", "resnet18-v2"),
        source="authors' code (fb.resnet.torch preresnet.lua)",
        notes="Full pre-activation units (BN → ReLU → conv, nothing after the addition) on the ImageNet "
        "ResNet-18 layout, as the released preresnet.lua builds them: the first unit skips its "
        "pre-activation (the stem's BN-ReLU has just run), a unit that changes the shape pre-activates "
        "before the split and projects with a 1x1 convolution without batch norm, and a final BN-ReLU "
        "precedes pooling. The paper reports ImageNet results only for 152 and 200 layers: no published "
        "figures for this depth.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="preact-resnet50",
        builder="cnnarch.models.preact_resnet:preact_resnet",
        kwargs={"depth": 50},
        family="preact-resnet",
        paper=HE_V2,
        year=2016,
        task="classification",
        input=IMAGENET,
        aliases=("preresnet50", "resnet50-v2"),
        source="authors' code (fb.resnet.torch preresnet.lua)",
        notes="Full pre-activation bottleneck units on the ImageNet ResNet-50 layout, as the released "
        "preresnet.lua builds them: the first unit skips its pre-activation, a unit that changes the shape "
        "pre-activates before the split and projects with a 1x1 convolution without batch norm, the 3x3 "
        "convolution carries the stride (as in torchvision, so the multiply-adds equal resnet50's 4.09 G), "
        "and a final BN-ReLU precedes pooling. The paper reports ImageNet results only for 152 and 200 "
        "layers: no published figures for this depth.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="wide-resnet28-10",
        builder="cnnarch.models.wide_resnet:wide_resnet",
        kwargs={"depth": 28, "widen_factor": 10},
        family="wide-resnet",
        paper="Wide Residual Networks (Zagoruyko & Komodakis)",
        year=2016,
        task="classification",
        input=CIFAR,
        num_classes=10,
        aliases=("wrn-28-10", "wrn28-10"),
        source="authors' code (szagoruyko/wide-residual-networks wide-resnet.lua)",
        published=(
            Published("Zagoruyko & Komodakis 2016, Tables 4-5", params=36.5e6, note="WRN-28-10, CIFAR"),
        ),
        notes="WRN-28-10: a 16-filter 3x3 convolution, then 3 stages of 4 pre-activation basic blocks with "
        "160/320/640 filters, final BN-ReLU, average pooling, FC. A block that changes the width "
        "pre-activates before the split and projects with a 1x1 convolution; convolutions have no bias. "
        "The builder's dropout= adds the paper's dropout between a block's convolutions; it changes no "
        "count. Global average pooling replaces the code's fixed 8x8 window (identical at 32x32).",
        options=("num_classes", "in_channels", "dropout"),
    ),
    ModelSpec(
        name="wide_resnet50_2",
        builder="cnnarch.models.resnet:resnet",
        kwargs={"depth": 50, "width_per_group": 128},
        family="wide-resnet",
        paper="Wide Residual Networks (Zagoruyko & Komodakis)",
        year=2016,
        task="classification",
        input=IMAGENET,
        aliases=("wrn-50-2",),
        source="torchvision wide_resnet50_2",
        torchvision="wide_resnet50_2",
        published=(Published(TV, params=68_883_240, macs=11.398e9, top1=78.468, top5=94.086),),
        notes="ResNet-50 with the 3x3 (and surrounding 1x1) width of every bottleneck doubled, outer widths "
        f"unchanged, as torchvision builds it (the authors' ImageNet WRN-50-2 model). {SHORTCUT_B} Stride in "
        "the 3x3 convolution (torchvision).",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="resnext50_32x4d",
        builder="cnnarch.models.resnet:resnet",
        kwargs={"depth": 50, "groups": 32, "width_per_group": 4},
        family="resnext",
        paper="Aggregated Residual Transformations for Deep Neural Networks (Xie, Girshick, Dollár, Tu & He)",
        year=2017,
        task="classification",
        input=IMAGENET,
        aliases=("resnext50",),
        source="torchvision resnext50_32x4d",
        torchvision="resnext50_32x4d",
        published=(
            Published(TV, params=25_028_904, macs=4.23e9, top1=77.618, top5=93.698),
            Published("Xie et al. 2017, Table 1", params=25.0e6, macs=4.2e9, note="ResNeXt-50 (32x4d)"),
        ),
        notes="Cardinality 32, width 4 per group: each bottleneck's 3x3 is a grouped convolution (form (c) "
        "of "
        f"the paper's Fig. 3). {SHORTCUT_B} Stride in the 3x3 convolution (torchvision), as in the authors' "
        "Torch code.",
        options=("num_classes", "in_channels"),
    ),
    ModelSpec(
        name="se-resnet50",
        builder="cnnarch.models.se_resnet:se_resnet",
        kwargs={"depth": 50},
        family="senet",
        paper="Squeeze-and-Excitation Networks (Hu, Shen, Albanie, Sun & Wu)",
        year=2018,
        task="classification",
        input=IMAGENET,
        aliases=("seresnet50",),
        source="paper (authors' Caffe model layout)",
        published=(
            Published(
                "Hu et al. 2018, Table 2 and section 3.3",
                macs=3.87e9,
                note="3.87 GFLOPs (multiply-adds) against 3.86 for ResNet-50; '~2.5 million additional "
                "parameters' over ResNet-50's ~25 million",
            ),
            Published("OpenMMLab mmpretrain model zoo, SE-ResNet-50", params=28.09e6),
        ),
        notes="3.86 G multiply-adds counting convolutions and FCs; the paper's 3.87 G is reached when the "
        "squeeze (pooling) and scale (product) element operations, 5.5 M each, count too. ResNet-50 with "
        "the authors' Caffe stride placement (first 1x1 of a bottleneck) and an SE module (global pool → "
        "FC C/16 → ReLU → FC C → sigmoid → scale) on every residual branch before the addition; the FCs "
        "are 1x1 convolutions with bias on the pooled map. 28,088,024 parameters: the SE weights are "
        "2/16·Σ N·C² = 2,514,944 (+ 16,048 biases).",
        options=("num_classes", "in_channels"),
    ),
]
