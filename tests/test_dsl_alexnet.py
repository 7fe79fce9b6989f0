"""A network written as a layer list is analysed exactly like the same network in Python: the
AlexNet of examples/alexnet.txt against the catalogue's, and layer lists with residual and
concat blocks against PyTorch's own counts."""

from __future__ import annotations

import torch

from cnnarch import analyze
from cnnarch.api import resolve
from tests.conftest import ROOT, flop_counter_macs, numel

ALEXNET = str(ROOT / "examples" / "alexnet.txt")


def test_alexnet_layer_list_matches_the_catalogue_layer_by_layer():
    ours, catalogue = analyze(ALEXNET), analyze("alexnet")
    assert ours.input_shape == catalogue.input_shape == [1, 3, 227, 227]
    assert len(ours.layers) == len(catalogue.layers)
    for a, b in zip(ours.layers, catalogue.layers, strict=True):
        assert a.type == b.type, (a.name, b.name)
        assert a.output_shape == b.output_shape, a.name
        assert a.params == b.params, a.name
        assert a.macs == b.macs, a.name
        assert a.formula_text == b.formula_text, a.name
        assert a.receptive_field == b.receptive_field and a.effective_stride == b.effective_stride, a.name
    assert ours.totals.params == catalogue.totals.params == 60_965_224
    assert ours.totals.macs == catalogue.totals.macs
    # the grouped convolutions (g2) are what make the totals agree
    assert ours.layer("conv2").params == 5 * 5 * 48 * 256 + 256


def test_alexnet_layer_list_agrees_with_pytorch_counts():
    source = resolve(ALEXNET)
    report = analyze(ALEXNET)
    assert report.totals.params == numel(source.module)
    assert report.totals.macs == flop_counter_macs(source.module, (1, 3, 227, 227))


BLOCKS = """input 3x32x32
conv 16 k3 p1 nobias > bn > relu
residual( conv 16 k3 p1 nobias > bn > relu > conv 16 k3 p1 nobias > bn ) > relu
residual( conv 32 k3 s2 p1 nobias > bn > relu > conv 32 k3 p1 nobias > bn | conv 32 k1 s2 nobias > bn ) > relu
concat( conv 8 k1 | conv 8 k1 > conv 16 k3 p1 | maxpool k3 s1 p1 > conv 8 k1 )
gap > flatten > fc 10
"""


def test_blocks_are_traced_branch_by_branch_with_their_merge():
    report = analyze(BLOCKS)
    source = resolve(BLOCKS)
    assert report.totals.params == numel(source.module)
    assert report.totals.macs == flop_counter_macs(source.module, (1, 3, 32, 32))
    real = source.build_for((3, 32, 32)).to_empty(device="cpu")
    assert list(real(torch.zeros(1, 3, 32, 32)).shape) == report.output_shape == [1, 10]
    add = report.layer("res3.add")
    assert add.inputs == ["res3.body.bn2", "res3.shortcut.bn1"]
    assert report.layer("res2.add").inputs == ["res2.body.bn2", "relu1"]  # the identity shortcut
    cat = report.layer("concat4.cat")
    assert cat.output_shape == [1, 8 + 16 + 8, 16, 16]
    assert len(cat.inputs) == 3


def test_resnet18_layer_list_matches_the_catalogue_layer_by_layer():
    ours, catalogue = analyze(str(ROOT / "examples" / "resnet18.txt")), analyze("resnet18")
    assert len(ours.layers) == len(catalogue.layers)
    for a, b in zip(ours.layers, catalogue.layers, strict=True):
        assert a.type.lower() == b.type.lower(), (a.name, b.name)  # nn.Flatten vs torch.flatten
        assert (a.output_shape, a.params, a.macs) == (b.output_shape, b.params, b.macs), (a.name, b.name)
        assert a.receptive_field == b.receptive_field, (a.name, b.name)
        assert len(a.inputs) == len(b.inputs), (a.name, b.name)  # adds read two layers
    assert ours.totals.params == catalogue.totals.params == 11_689_512
    assert ours.totals.macs == catalogue.totals.macs


def test_inception_module_layer_list_matches_googlenets():
    ours = analyze(str(ROOT / "examples" / "inception3a.txt"))
    googlenet = analyze("googlenet")
    block = [x for x in googlenet.layers if x.name.startswith("inception3a.")]
    assert [(x.output_shape, x.params, x.macs) for x in ours.layers] == [
        (x.output_shape, x.params, x.macs) for x in block
    ]
