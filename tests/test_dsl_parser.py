"""The layer-list language: what it accepts, the modules it builds (checked against PyTorch on
real CPU tensors), and syntax errors that point at the offending token."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnarch.dsl import DslError, DslSyntaxError, build, parse
from cnnarch.dsl.modules import Concat, Residual
from cnnarch.errors import CnnarchError
from cnnarch.sources.layer_list import claims
from cnnarch.sources.layer_list import resolve as resolve_layer_list
from tests.conftest import ROOT


def cpu(text: str, shape: tuple[int, ...]) -> nn.Module:
    return build(parse(text), shape).eval()


def test_options_written_every_way_build_the_same_convolution():
    forms = [
        "conv 96 k11 s4 p0",
        "conv 96 k=11 s=4 p=0",
        "conv filters=96 kernel=11 stride=4 padding=0",
        "conv2d 96 k11x11 s4x4 p0x0",
        "convolution n=96 k=11×11 s4",
    ]
    convs = [cpu(text, (3, 227, 227))[0] for text in forms]
    for conv in convs:
        assert isinstance(conv, nn.Conv2d)
        assert (conv.in_channels, conv.out_channels) == (3, 96)
        assert conv.kernel_size == (11, 11) and conv.stride == (4, 4) and conv.padding == (0, 0)


def test_layer_options_reach_pytorch():
    net = cpu(
        "conv 8 k3 p=same d2 g2 nobias > bn eps=1e-3 > leakyrelu 0.2 > maxpool k3 s2 p1 ceil > "
        "avgpool k2 > lrn 3 alpha=1e-3 beta=0.5 k=2 > dropout 0.3 > upsample 2 mode=bilinear > "
        "tconv 4 k4 s2 p1 op1 > gap > flatten > fc 10 bias=off > softmax",
        (4, 32, 32),
    )
    conv, bn, act, mp, ap, lrn, drop, up, tconv, gap, flat, fc, soft = net
    assert conv.padding == "same" and conv.dilation == (2, 2) and conv.groups == 2 and conv.bias is None
    assert isinstance(bn, nn.BatchNorm2d) and bn.num_features == 8 and bn.eps == 1e-3
    assert act.negative_slope == 0.2
    assert mp.kernel_size == 3 and mp.stride == 2 and mp.padding == 1 and mp.ceil_mode
    assert isinstance(ap, nn.AvgPool2d) and ap.stride == 2  # stride defaults to the kernel
    assert (lrn.size, lrn.alpha, lrn.beta, lrn.k) == (3, 1e-3, 0.5, 2.0)
    assert drop.p == 0.3 and up.mode == "bilinear" and up.scale_factor == 2.0
    assert tconv.output_padding == (1, 1) and tconv.in_channels == 8
    assert isinstance(gap, nn.AdaptiveAvgPool2d) and isinstance(flat, nn.Flatten)
    assert fc.in_features == 4 and fc.out_features == 10 and fc.bias is None
    assert isinstance(soft, nn.Softmax)
    assert net(torch.randn(2, 4, 32, 32)).shape == (2, 10)


def test_channels_and_features_are_inferred_from_the_input():
    net = cpu(
        "conv 6 k5 > relu > maxpool k2 > conv 16 k5 > maxpool k2 > flatten > fc 120 > fc 10", (1, 32, 32)
    )
    assert net.conv1.in_channels == 1 and net.conv2.in_channels == 6
    assert net.fc3.in_features == 16 * 5 * 5 and net.fc4.in_features == 120
    assert net(torch.randn(1, 1, 32, 32)).shape == (1, 10)


def test_names_follow_the_lectures():
    program = parse((ROOT / "examples" / "alexnet.txt").read_text())
    names = [name for name, _ in build(program).named_children()]
    assert names == [
        "conv1", "relu1", "norm1", "pool1", "conv2", "relu2", "norm2", "pool2", "conv3", "relu3",
        "conv4", "relu4", "conv5", "relu5", "pool5", "flatten", "drop5", "fc6", "relu6", "drop6",
        "fc7", "relu7", "fc8",
    ]  # fmt: skip
    assert [n for n, _ in cpu("bn > relu > conv 8 k3 > relu > relu", (3, 8, 8)).named_children()] == [
        "bn", "relu", "conv1", "relu1", "relu1_2",
    ]  # fmt: skip


def test_comments_line_breaks_semicolons_and_arrows():
    text = """
    # a comment line
    input 3x32x32
    conv 8 k3 p1   # trailing comment
    relu -> maxpool k2 → conv 16 k3 p1; relu
    >  flatten
    fc 10
    """
    program = parse(text)
    assert program.input == (3, 32, 32)
    net = build(program)
    assert [type(m).__name__ for m in net] == [
        "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "Flatten", "Linear"
    ]  # fmt: skip


def test_residual_block_adds_body_and_shortcut():
    net = cpu(
        "conv 16 k3 p1 > residual( conv 16 k3 p1 > bn > relu > conv 16 k3 p1 > bn ) > relu > "
        "res( conv 32 k3 s2 p1 > bn > relu > conv 32 k3 p1 > bn | conv 32 k1 s2 > bn )",
        (3, 16, 16),
    )
    first, second = net.res2, net.res3
    assert isinstance(first, Residual) and first.shortcut is None
    assert isinstance(second.shortcut, nn.Sequential) and second.shortcut.conv1.stride == (2, 2)
    x = torch.randn(1, 3, 16, 16)
    stem = net.conv1(x)
    expected = first.body(stem) + stem
    assert torch.allclose(first(stem), expected)
    assert net(x).shape == (1, 32, 8, 8)


def test_concat_block_stacks_branch_channels():
    net = cpu(
        """input 192x28x28
        concat(
            conv 64 k1 > relu
          | conv 96 k1 > relu > conv 128 k3 p1 > relu
          | conv 16 k1 > relu > conv 32 k5 p2 > relu
          | maxpool k3 s1 p1 > conv 32 k1 > relu
        )""",
        (192, 28, 28),
    )
    block = net.concat1
    assert isinstance(block, Concat)
    assert [n for n, _ in block.named_children()] == ["branch1", "branch2", "branch3", "branch4"]
    assert net(torch.randn(1, 192, 28, 28)).shape == (1, 64 + 128 + 32 + 32, 28, 28)


def test_repeat_expands_in_place():
    net = cpu("repeat 3 ( conv 8 k3 p1 > relu ) > maxpool k2", (3, 8, 8))
    assert [n for n, _ in net.named_children()] == [
        "conv1",
        "relu1",
        "conv2",
        "relu2",
        "conv3",
        "relu3",
        "pool3",
    ]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("conv 96 k11 s4 > relu > conv q3", 1, 30, "unknown option 'q3' for conv"),
        ("conv 96 k11 s4 relu", 1, 16, "expected '>' before 'relu'"),
        ("convv 64 k3", 1, 1, "unknown layer 'convv' (did you mean 'conv'?)"),
        ("conv k3", 1, 1, "conv needs the number of filters"),
        ("conv 64", 1, 1, "conv needs a kernel size"),
        ("conv 64 k3 > > relu", 1, 14, "two '>' in a row"),
        ("conv 64 k3 >", 1, 13, "expected a layer"),
        ("conv 64 k0", 1, 9, "expected a whole number >= 1"),
        ("conv 64 k3 p=sometimes", 1, 14, "expected a whole number >= 0, HxW, 'same' or 'valid'"),
        ("dropout 1.5", 1, 9, "a number from 0 to 1"),
        ("relu 3", 1, 6, "relu takes no value"),
        ("conv 64 k3 k5", 1, 12, "k is given twice"),
        ("conv 64 k3 @", 1, 12, "unexpected character '@'"),
        ("conv 64 3x", 1, 9, "'3x' is not a number or a size"),
        ("residual( conv 8 k3 p1", 1, 23, "expected '|' or ')' to close 'residual'"),
        ("residual( conv 8 k3 p1 | conv 8 k1 | relu )", 1, 1, "takes one or two parts"),
        ("conv 8 k3 )", 1, 11, "unexpected ')'"),
        ("repeat ( relu )", 1, 8, "expected how many times to repeat"),
        ("input 3x32x32\nconv 8 k3\ninput 3x8x8", 3, 1, "'input CxHxW' may only be the first line"),
        ("input 3x32x32\nconv 8 k3\n\nmaxpool kk", 4, 9, "unknown option 'kk' for maxpool"),
        ("input 32x32 > relu", 1, 7, "CxHxW"),
        ("", 1, 1, "expected a layer"),
    ],
)
def test_syntax_errors_point_at_the_token(text, line, column, message):
    with pytest.raises(DslSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert message in error.problem
    first, shown, caret = str(error).split("\n")
    assert first.startswith(f"line {line}, column {column}: ")
    source_line = text.splitlines()[line - 1] if text else ""
    assert shown == "  " + source_line
    assert caret.index("^") == 2 + column - 1  # the caret sits under the offending column


@pytest.mark.parametrize(
    ("text", "shape", "message"),
    [
        ("fc 10", (3, 8, 8), "needs flat features but gets 3x8x8: put 'flatten'"),
        ("flatten > conv 8 k3", (3, 8, 8), "needs a CxHxW input but gets 192 features"),
        ("conv 8 k3 g2", (3, 8, 8), "groups g2 must divide the input channels (3)"),
        ("conv 8 k3 s2 p=same", (3, 8, 8), "p=same needs stride 1"),
        ("conv 8 k11 s4", (3, 5, 5), "output H = (5 − 11 + 2·0)/4 + 1 = -0.5 → floor -1 < 1"),
        ("residual( conv 8 k3 )", (8, 8, 8), "add needs equal shapes, but the body gives 8x6x6"),
        ("residual( conv 16 k3 s2 p1 )", (8, 8, 8), "e.g. residual( ... | conv 16 k1 s2 > bn )"),
        ("concat( conv 8 k3 | conv 8 k1 )", (3, 8, 8), "branch 1 gives 8x6x6, branch 2 gives 8x8x8"),
        ("upsample mode=bilinear", (3, 8, 8), "upsample needs a scale"),
    ],
)
def test_build_errors_point_at_the_layer(text, shape, message):
    with pytest.raises(DslError) as caught:
        build(parse(text), shape)
    assert message in str(caught.value)
    lines = str(caught.value).split("\n")
    assert len(lines) == 3 and "^" in lines[2]


def test_which_text_the_resolver_claims(tmp_path):
    assert claims("conv 96 k11 s4 > relu")
    assert claims("conv 64 k3")
    assert claims("residual( conv 8 k3 p1 )")
    assert claims("net.txt") and claims("net.cnn")
    assert not claims("alexnet") and not claims("resnet5")
    path = tmp_path / "tiny.cnn"
    path.write_text("input 1x28x28\nconv 4 k5\nflatten > fc 10\n")
    source = resolve_layer_list(str(path), {})
    assert source.name == "tiny.cnn" and source.default_input == (1, 28, 28)
    assert source.build_for is not None and isinstance(source.module, nn.Sequential)
    with pytest.raises(CnnarchError, match="does not take --num-classes"):
        resolve_layer_list(str(path), {"num_classes": 10})
    with pytest.raises(CnnarchError, match="no such file"):
        resolve_layer_list(str(tmp_path / "missing.txt"), {})


def test_a_layer_list_is_rebuilt_for_the_input_it_is_traced_at():
    from cnnarch import analyze

    small = analyze("conv 8 k3 > flatten > fc 10", "3x8x8")
    large = analyze("conv 8 k3 > flatten > fc 10", "3x16x16")
    assert small.layer("fc2").params == 8 * 6 * 6 * 10 + 10
    assert large.layer("fc2").params == 8 * 14 * 14 * 10 + 10
    with pytest.raises(CnnarchError, match="no default input size"):
        analyze("conv 8 k3 > relu")
