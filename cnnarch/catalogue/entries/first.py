"""Every catalogued architecture: its source, default input, published figures and deviations.

Builders are named as ``module:function`` strings so that listing the catalogue imports no torch.
Published figures keep the precision the source printed them with.
"""

from __future__ import annotations

from cnnarch.catalogue.spec import ModelSpec, Published

TV = "torchvision 0.29 weights metadata (ImageNet-1k)"

ENTRIES: list[ModelSpec] = [
    ModelSpec(
        name="lenet5",
        builder="cnnarch.models.lenet:lenet5",
        family="lenet",
        paper="Gradient-based learning applied to document recognition (LeCun et al.)",
        year=1998,
        task="classification",
        input=(1, 32, 32),
        num_classes=10,
        source="common modern form",
        notes="Dense C3 (every C3 map sees all six S2 maps), average pooling without the paper's "
        "trainable coefficients, linear output instead of RBF units: 61,706 parameters.",
        published=(Published("LeCun et al. 1998", params=60_000, note="about 60,000"),),
        options=("num_classes", "in_channels"),
    ),
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
        notes="The two GPU towers are grouped convolutions (conv2, conv4, conv5: groups=2). "
        "Input 227, not the paper's 224: (224 − 11)/4 + 1 = 54.25 is not an integer.",
        options=("num_classes", "in_channels", "towers"),
    ),
    ModelSpec(
        name="vgg16",
        builder="cnnarch.models.vgg:vgg",
        kwargs={"config": "D"},
        family="vgg",
        paper="Very Deep Convolutional Networks for Large-Scale Image Recognition (Simonyan & Zisserman)",
        year=2015,
        task="classification",
        input=(3, 224, 224),
        source="torchvision vgg16",
        torchvision="vgg16",
        published=(
            Published(TV, params=138_357_544, macs=15.47e9, top1=71.592, top5=90.382),
            Published("Simonyan & Zisserman 2015, Table 2", params=138e6),
        ),
        notes="Configuration D; an adaptive average pool to 7x7 before the classifier (torchvision) "
        "lets any input size reach the dense layers.",
        options=("num_classes", "in_channels", "batch_norm"),
    ),
    ModelSpec(
        name="googlenet",
        builder="cnnarch.models.googlenet:googlenet",
        family="inception",
        paper="Going Deeper with Convolutions (Szegedy et al.)",
        year=2015,
        task="classification",
        input=(3, 224, 224),
        aliases=("inception-v1",),
        published=(
            Published(
                "Szegedy et al. 2015, Table 1",
                params=6.8e6,
                macs=1.5e9,
                top5=89.93,
                note="sum of Table 1; 10.07% top-5 error, one model, 144 crops",
            ),
        ),
        notes="Paper network: 5x5 branches, biases, no batch norm, LRN (torchvision: 3x3 branches "
        "and batch norm). --aux-logits adds the two auxiliary classifiers.",
        options=("num_classes", "in_channels", "aux_logits"),
    ),
]
