"""``cnnarch calc``: one computation, worked (a Typer sub-app, one subcommand per question)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import typer

from cnnarch.cli.console import write
from cnnarch.cli.options import in_channels_option
from cnnarch.errors import CnnarchError

app = typer.Typer(
    name="calc",
    help=(
        "One computation, worked: a layer's output size, parameters, MACs and receptive field, "
        "memory, or a design comparison from the lectures. Each is a small network analysed like 'cnnarch "
        "summary', so the numbers agree.\n\n"
        "Examples:\n\n"
        "  cnnarch calc conv 227 -k 11 -s 4 -p 0 --in-channels 3 --filters 96\n\n"
        "  cnnarch calc pool 55 -k 3 -s 2 -c 96\n\n"
        "  cnnarch calc fc 9216 4096\n\n"
        '  cnnarch calc rf "conv3 conv3 conv3"\n\n'
        "  cnnarch calc stack 7 --as 3,3,3 --channels 256\n\n"
        "  cnnarch calc bottleneck --in 192 --reduce 64 --out 256 -k 3\n\n"
        "  cnnarch calc gap 512x7x7\n\n"
        "Every answer is worked in plain Python (no torch import) from the same formulas as "
        "'cnnarch summary'; comparisons count weights only, as the lectures do."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class CalcFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


FormatOption = Annotated[CalcFormat, typer.Option("--format", "-f", help="Output format.")]
SIZE_HELP = "Input height and width: 227 (square) or HxW such as 227x200."
KERNEL = typer.Option("--kernel", "-k", help="Kernel size: 11 or HxW such as 1x7.", show_default=False)
STRIDE = typer.Option("--stride", "-s", help="Stride: 4 or HxW.")
DILATION = typer.Option("--dilation", help="Dilation: 1 or HxW.")  # -d is --depth on every command
BIAS = typer.Option("--bias/--no-bias", help="Count a bias per filter.")
WEIGHTS_BIAS = typer.Option("--bias/--no-bias", help="Count biases too (the lectures count weights only).")
VERBOSE = typer.Option("--verbose", "-v", help="Also work out every layer of each candidate in full.")
LayerInChannels = in_channels_option("Input channels.", "3")
PoolInChannels = in_channels_option("Input channels (pooling keeps them).", "1")


def _show(result: Any, fmt: CalcFormat) -> None:
    from cnnarch.render import explain as render

    if fmt is CalcFormat.json:
        write(render.to_json(result))
    elif fmt is CalcFormat.markdown:
        write(render.to_markdown(result))
    else:
        write(render.to_text(result))


@app.command("conv")
def conv(
    size: Annotated[str, typer.Argument(help=SIZE_HELP, show_default=False)],
    kernel: Annotated[str, KERNEL],
    stride: Annotated[str, STRIDE] = "1",
    padding: Annotated[
        str, typer.Option("--padding", "-p", help="Zero padding: 0, HxW, same or valid.")
    ] = "0",
    dilation: Annotated[str, DILATION] = "1",
    groups: Annotated[int, typer.Option("--groups", "-g", min=1, help="Groups (2: AlexNet's towers).")] = 1,
    in_channels: LayerInChannels = None,
    filters: Annotated[int, typer.Option("--filters", "-n", min=1, help="Filters (output channels).")] = 1,
    bias: Annotated[bool, BIAS] = True,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """A convolution: output size (W − F + 2P)/S + 1, parameters, MACs and receptive field.

    A division that is not exact shows the exact quotient and the floor PyTorch takes.

    Examples:

      cnnarch calc conv 227 -k 11 -s 4 -p 0 --in-channels 3 --filters 96

      cnnarch calc conv 224 -k 11 -s 4 --filters 96        (54.25 → floor 54)

      cnnarch calc conv 27 -k 5 -p 2 -g 2 -c 96 -n 256     (AlexNet's conv2, two towers)

      cnnarch calc conv 64x48 -k 3 --dilation 2 -p same -c 16 -n 16
    """
    from cnnarch import calc

    in_channels = 3 if in_channels is None else in_channels
    _show(calc.conv(size, kernel, stride, padding, dilation, groups, in_channels, filters, bias), fmt)


@app.command("pool")
def pool(
    size: Annotated[str, typer.Argument(help=SIZE_HELP, show_default=False)],
    kernel: Annotated[str, KERNEL],
    stride: Annotated[
        str | None, typer.Option("--stride", "-s", help="Stride: 2 or HxW.", show_default="the kernel size")
    ] = None,
    padding: Annotated[str, typer.Option("--padding", "-p", help="Zero padding: 0 or HxW.")] = "0",
    dilation: Annotated[str, DILATION] = "1",
    channels: PoolInChannels = None,
    average: Annotated[bool, typer.Option("--avg/--max", help="Average or max pooling.")] = False,
    ceil: Annotated[bool, typer.Option("--ceil", help="ceil_mode=True: round the division up.")] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """A pooling window: output size (W − F + 2P)/S + 1 (floor, or ceil with --ceil), no parameters.

    Examples:

      cnnarch calc pool 55 -k 3 -s 2 -c 96

      cnnarch calc pool 112 -k 3 -s 2 -p 1 --ceil

      cnnarch calc pool 14 -k 2 --avg
    """
    from cnnarch import calc

    channels = 1 if channels is None else channels
    _show(calc.pool(size, kernel, stride, padding, dilation, channels, average, ceil), fmt)


@app.command("tconv")
def tconv(
    size: Annotated[str, typer.Argument(help=SIZE_HELP, show_default=False)],
    kernel: Annotated[str, KERNEL],
    stride: Annotated[str, STRIDE] = "1",
    padding: Annotated[
        int, typer.Option("--padding", "-p", min=0, help="Padding (removed from the output).")
    ] = 0,
    output_padding: Annotated[
        int, typer.Option("--output-padding", "--op", min=0, help="Extra rows/columns on one side.")
    ] = 0,
    dilation: Annotated[str, DILATION] = "1",
    groups: Annotated[int, typer.Option("--groups", "-g", min=1, help="Groups.")] = 1,
    in_channels: LayerInChannels = None,
    filters: Annotated[int, typer.Option("--filters", "-n", min=1, help="Output channels.")] = 1,
    bias: Annotated[bool, BIAS] = True,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """A transposed convolution: output size (W − 1)·S − 2P + D·(F − 1) + output_padding + 1.

    Examples:

      cnnarch calc tconv 14 -k 4 -s 2 -p 1 -c 64 -n 32       (14 → 28)

      cnnarch calc tconv 7 -k 3 -s 2 -p 1 --op 1 -c 128 -n 64
    """
    from cnnarch import calc

    in_channels = 3 if in_channels is None else in_channels  # the help's default, as calc conv
    _show(
        calc.tconv(
            size, kernel, stride, padding, output_padding, dilation, groups, in_channels, filters, bias
        ),
        fmt,
    )


@app.command("fc")
def fc(
    in_features: Annotated[int, typer.Argument(min=1, help="Input features.", show_default=False)],
    out_features: Annotated[
        int, typer.Argument(min=1, help="Output features (neurons).", show_default=False)
    ],
    bias: Annotated[bool, BIAS] = True,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """A fully connected layer: N_in·N_out + N_out parameters, N_in·N_out MACs.

    Examples:

      cnnarch calc fc 9216 4096

      cnnarch calc fc 25088 4096 --no-bias
    """
    from cnnarch import calc

    _show(calc.fc(in_features, out_features, bias), fmt)


@app.command("gap")
def gap(
    shape: Annotated[
        str, typer.Argument(help="The map as CxHxW (as --input reads it), e.g. 512x7x7.", show_default=False)
    ],
    layout: Annotated[
        str,
        typer.Option(
            "--layout", help="How SHAPE is written: chw (C x H x W) or hwc (the lectures' H x W x C)."
        ),
    ] = "chw",
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """Global average pooling: [?, H, W, C] → [?, 1, 1, C], one mean per channel, 0 parameters.

    The map is read as C x H x W, like every --input; the answer says which layout it read.

    Examples:

      cnnarch calc gap 512x7x7

      cnnarch calc gap 7x7x512 --layout hwc
    """
    from cnnarch import calc

    _show(calc.gap(shape, layout.lower()), fmt)


@app.command("rf", short_help="Receptive field and effective stride of a stack, with its weights.")
def rf(
    stack: Annotated[
        str,
        typer.Argument(
            help="Layers in shorthand (conv3 conv3 pool2 conv3s2 conv3d2 conv1x7) or a layer list.",
            show_default=False,
        ),
    ],
    channels: Annotated[int, typer.Option("--channels", min=1, help="Channels of every layer.")] = 64,
    size: Annotated[str, typer.Option("--input", "-i", help="Input height and width: 224 or HxW.")] = "224",
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """Receptive field and effective stride of a stack, r = 1 + Σ (F_i − 1)·j_i, with parameters.

    Shorthand: conv3 is a 3x3 convolution (stride 1, padded to keep the size), conv7s2 strides
    by 2, conv3d2 dilates by 2, pool2 is a 2x2 max pool with stride 2.

    Counts weights only (the shorthand has no biases), as the comparisons do; --verbose works out
    every layer.

    Examples:

      cnnarch calc rf "conv3 conv3 conv3"

      cnnarch calc rf "conv7s2 pool3s2 conv3 conv3"

      cnnarch calc rf "conv 64 k3 p1 > conv 64 k3 p2 d2 > conv 64 k3 p4 d4"
    """
    from cnnarch import calc

    _show(calc.rf(stack, channels, size, verbose), fmt)


def _kernels(text: str, option: str = "--as", example: str = "e.g. --as 3,3,3 or --as 5,3") -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    if not parts or not all(p.isdigit() and int(p) >= 1 for p in parts):
        what = "kernel sizes" if option == "--as" else "channel counts"
        raise CnnarchError(f"{option} {text!r} is not a list of {what}", example)
    return [int(p) for p in parts]


@app.command(
    "stack",
    short_help="One large kernel against a stack of small ones (VGG): weights, receptive field, ReLUs.",
)
def stack(
    kernel: Annotated[int, typer.Argument(min=1, help="The large kernel, e.g. 7.", show_default=False)],
    as_kernels: Annotated[
        str | None,
        typer.Option("--as", help="The stack's kernels, e.g. 3,3,3.", show_default="3x3s to match"),
    ] = None,
    channels: Annotated[int, typer.Option("--channels", min=1, help="Channels in and out (C).")] = 64,
    size: Annotated[str, typer.Option("--input", "-i", help="Input height and width, for MACs.")] = "56",
    bias: Annotated[bool, WEIGHTS_BIAS] = False,
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """One large convolution against a stack of small ones (VGG): the same receptive field with
    fewer weights (49C² vs 27C² for 7x7 vs three 3x3) and more non-linearities.

    Examples:

      cnnarch calc stack 7 --as 3,3,3 --channels 256

      cnnarch calc stack 5 --as 3,3

      cnnarch calc stack 7 --as 5,3
    """
    from cnnarch import calc

    _show(
        calc.stack(kernel, _kernels(as_kernels) if as_kernels else None, channels, size, bias, verbose), fmt
    )


@app.command(
    "factorize",
    short_help="KxK against 1xK then Kx1 (Inception v3): 49 vs 14 weights per channel pair at K = 7.",
)
def factorize(
    kernel: Annotated[int, typer.Argument(min=2, help="The square kernel, e.g. 7.", show_default=False)],
    channels: Annotated[int, typer.Option("--channels", min=1, help="Channels in and out (C).")] = 64,
    size: Annotated[str, typer.Option("--input", "-i", help="Input height and width, for MACs.")] = "56",
    bias: Annotated[bool, WEIGHTS_BIAS] = False,
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """A KxK convolution against 1xK followed by Kx1 (Inception v3): 49 vs 14 weights per channel
    pair for K = 7, the same 7x7 receptive field.

    Examples:

      cnnarch calc factorize 7

      cnnarch calc factorize 3 --channels 256
    """
    from cnnarch import calc

    _show(calc.factorize(kernel, channels, size, bias, verbose), fmt)


@app.command(
    "bottleneck", short_help="GoogLeNet's 1x1 reduction before a KxK, or not; --in is the input side."
)
def bottleneck(
    c_in: Annotated[int, typer.Option("--in", min=1, help="Input channels.", show_default=False)],
    reduce: Annotated[
        int, typer.Option("--reduce", min=1, help="Channels after the 1x1.", show_default=False)
    ],
    c_out: Annotated[int, typer.Option("--out", min=1, help="Output channels.", show_default=False)],
    kernel: Annotated[int, typer.Option("--kernel", "-k", min=1, help="The large kernel.")] = 3,
    size: Annotated[str, typer.Option("--input", "-i", help="Input height and width, for MACs.")] = "28",
    bias: Annotated[bool, WEIGHTS_BIAS] = False,
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """GoogLeNet's 1x1 reduction: a KxK convolution directly, or after a 1x1 that shrinks the
    channels (3·3·192·256 = 442,368 weights vs 1·1·192·64 + 3·3·64·256 = 159,744). --in is the
    input side: a slide's 256→64→192 is --in 256 --reduce 64 --out 192 (the answer gives both).

    Examples:

      cnnarch calc bottleneck --in 192 --reduce 64 --out 256 -k 3

      cnnarch calc bottleneck --in 192 --reduce 16 --out 32 -k 5
    """
    from cnnarch import calc

    _show(calc.bottleneck(c_in, reduce, c_out, kernel, size, bias, verbose), fmt)


@app.command(
    "separable", short_help="Standard vs depthwise-separable convolution: weights, MACs, 1/C_out + 1/K²."
)
def separable(
    kernel: Annotated[int, typer.Option("--kernel", "-k", min=1, help="The kernel size K.")] = 3,
    c_in: Annotated[int, typer.Option("--in", min=1, help="Input channels.")] = 64,
    c_out: Annotated[int, typer.Option("--out", min=1, help="Output channels.")] = 128,
    size: Annotated[str, typer.Option("--input", "-i", help="Input height and width, for MACs.")] = "56",
    bias: Annotated[bool, WEIGHTS_BIAS] = False,
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """A standard KxK convolution against a depthwise-separable one (MobileNet: a KxK filter per
    channel, then a 1x1 across channels): weights, MACs and the ratio 1/C_out + 1/K², worked.

    Examples:

      cnnarch calc separable -k 3 --in 64 --out 128

      cnnarch calc separable -k 3 --in 512 --out 512 --input 14
    """
    from cnnarch import calc

    _show(calc.separable(kernel, c_in, c_out, size, bias, verbose), fmt)


@app.command("fire", short_help="SqueezeNet's fire module against one 3x3 convolution.")
def fire(
    c_in: Annotated[int, typer.Option("--in", min=1, help="Input channels.")] = 96,
    squeeze: Annotated[int, typer.Option("--squeeze", min=1, help="Channels after the 1x1 squeeze.")] = 16,
    expand: Annotated[
        str, typer.Option("--expand", help="The 1x1 and 3x3 expands' channels: 64,64 (or one for both).")
    ] = "64,64",
    size: Annotated[str, typer.Option("--input", "-i", help="Input height and width, for MACs.")] = "55",
    bias: Annotated[bool, WEIGHTS_BIAS] = False,
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """SqueezeNet's fire module: a 1x1 squeeze, then 1x1 and 3x3 expands concatenated, against
    one 3x3 convolution with the same channels in and out.

    Examples:

      cnnarch calc fire --in 96 --squeeze 16 --expand 64,64        (fire2)

      cnnarch calc fire --in 512 --squeeze 64 --expand 256 --input 13
    """
    from cnnarch import calc

    counts = _kernels(expand, "--expand", "e.g. --expand 64,64")
    if len(counts) not in (1, 2):
        raise CnnarchError(
            f"--expand {expand!r} gives {len(counts)} counts", "give the 1x1's and the 3x3's: 64,64"
        )
    e1, e3 = counts if len(counts) == 2 else counts * 2
    _show(calc.fire(c_in, squeeze, e1, e3, size, bias, verbose), fmt)


@app.command("residual", short_help="ResNet's bottleneck block against the basic block's two 3x3s.")
def residual(
    c_in: Annotated[int, typer.Option("--in", min=1, help="Channels in and out of the block.")] = 256,
    width: Annotated[
        int, typer.Option("--width", min=1, help="The bottleneck's width (its 3x3's channels).")
    ] = 64,
    expansion: Annotated[int, typer.Option("--expansion", min=1, help="out = width·expansion.")] = 4,
    size: Annotated[str, typer.Option("--input", "-i", help="Input height and width, for MACs.")] = "56",
    bias: Annotated[bool, WEIGHTS_BIAS] = False,
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """ResNet's bottleneck block (1x1 down to the width, 3x3, 1x1 up by the expansion) against
    the basic block's two 3x3 convolutions at the same channels: weights and MACs.

    Examples:

      cnnarch calc residual --in 256 --width 64 --expansion 4        (ResNet-50's conv2_x)

      cnnarch calc residual --in 1024 --width 256 --input 14
    """
    from cnnarch import calc

    _show(calc.residual(c_in, width, expansion, size, bias, verbose), fmt)


@app.command(
    "group", short_help="Grouped convolution and channel shuffle (ShuffleNet): 1/G of the weights and MACs."
)
def group(
    c_in: Annotated[int, typer.Option("--in", min=1, help="Input channels.")] = 240,
    c_out: Annotated[int, typer.Option("--out", min=1, help="Output channels.")] = 240,
    groups: Annotated[int, typer.Option("--groups", "-g", min=1, help="Groups (and the shuffle's).")] = 3,
    kernel: Annotated[int, typer.Option("--kernel", "-k", min=1, help="The kernel size.")] = 1,
    size: Annotated[str, typer.Option("--input", "-i", help="Input height and width, for MACs.")] = "28",
    bias: Annotated[bool, WEIGHTS_BIAS] = False,
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """Grouped convolution and channel shuffle (ShuffleNet): a convolution over all channels
    against the same in G groups followed by 'shuffle G': 1/G of the weights and MACs.

    Examples:

      cnnarch calc group --in 240 --out 240 -g 3

      cnnarch calc group --in 96 --out 256 -g 2 -k 5 --input 27      (AlexNet's conv2)
    """
    from cnnarch import calc

    _show(calc.group(c_in, c_out, groups, kernel, size, bias, verbose), fmt)


@app.command("head", short_help="Dense head vs global average pooling: parameters of each and their ratio.")
def head(
    shape: Annotated[
        str, typer.Argument(help="The last feature map as CxHxW, e.g. 512x7x7.", show_default=False)
    ],
    classes: Annotated[int, typer.Option("--classes", min=1, help="Classes (outputs).")] = 1000,
    layout: Annotated[
        str,
        typer.Option(
            "--layout", help="How SHAPE is written: chw (C x H x W) or hwc (the lectures' H x W x C)."
        ),
    ] = "chw",
    verbose: Annotated[bool, VERBOSE] = False,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """A classifier head: a dense layer on the flattened map (VGG) against global average pooling
    then a dense layer (NiN, GoogLeNet, ResNet): the parameters of each and their ratio.

    Examples:

      cnnarch calc head 512x7x7 --classes 1000

      cnnarch calc head 7x7x1024 --layout hwc --classes 1000
    """
    from cnnarch import calc

    _show(calc.head(shape, classes, layout.lower(), verbose), fmt)


@app.command(
    "memory", short_help="Bytes of a feature map (B·C·H·W·bytes) and of parameters; --fits checks a budget."
)
def memory(
    shape: Annotated[
        str, typer.Argument(help="A feature map as CxHxW (96x55x55) or a count (4096).", show_default=False)
    ],
    dtype: Annotated[str, typer.Option("--dtype", help="Number type: fp32, fp16, bf16 or int8.")] = "fp32",
    batch: Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size.")] = 1,
    params: Annotated[
        int | None,
        typer.Option("--params", min=0, help="Also the bytes of this many parameters.", show_default=False),
    ] = None,
    fits: Annotated[
        str | None,
        typer.Option(
            "--fits",
            help="Does it fit in this much memory (8GiB, 16GB)? And the largest batch.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """Memory, worked: the bytes of a feature map for a batch, B·C·H·W·bytes, and of the
    parameters (a model's size on disk after quantisation to --dtype).

    Examples:

      cnnarch calc memory 96x55x55 --batch 32 --dtype fp16

      cnnarch calc memory 4096 --params 138357544 --dtype int8

      cnnarch calc memory 64x224x224 --batch 256 --fits 8GiB
    """
    from cnnarch import calc

    _show(calc.memory(shape, dtype.lower(), batch, params, fits), fmt)


@app.command(
    "anchors", short_help="Detection heads: SSD default boxes (8,732), RPN anchors, RoI pooling output."
)
def anchors(
    maps: Annotated[
        str, typer.Option("--maps", help="Feature-map sizes, one per head: 38,19,10 or HxW such as 38x50.")
    ] = "38,19,10,5,3,1",
    boxes: Annotated[
        str, typer.Option("--boxes", help="Boxes at each location, one per map (or one for all).")
    ] = "4,6,6,6,4,4",
    scales: Annotated[
        int | None,
        typer.Option("--scales", min=1, help="RPN: anchor scales (with --ratios).", show_default=False),
    ] = None,
    ratios: Annotated[
        int | None,
        typer.Option("--ratios", min=1, help="RPN: aspect ratios (with --scales).", show_default=False),
    ] = None,
    roi: Annotated[
        int | None,
        typer.Option(
            "--roi", min=1, help="Also the RoI pooling output, ROIxROIxC per region.", show_default=False
        ),
    ] = None,
    channels: Annotated[int, typer.Option("--channels", min=1, help="Channels pooled by --roi.")] = 512,
    fmt: FormatOption = CalcFormat.text,
) -> None:
    """Detection heads: default boxes (SSD) or anchors (Faster R-CNN's RPN), Σ H_k·W_k·b_k over
    the feature maps. The defaults are SSD300's six maps (38, 19, 10, 5, 3, 1 with 4, 6, 6, 6, 4,
    4 boxes): 8,732.

    Examples:

      cnnarch calc anchors

      cnnarch calc anchors --maps 38x50 --scales 3 --ratios 3 --roi 7 --channels 512
    """
    from cnnarch import calc

    _show(calc.anchors(maps, None if scales or ratios else boxes, scales, ratios, roi, channels), fmt)
