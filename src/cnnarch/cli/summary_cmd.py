"""``cnnarch summary``: the layer-by-layer table."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cnnarch.cli.console import Format, err, out, parse_kwargs, write


class Optimizer(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"


MODEL_HELP = "Catalogue name (see 'cnnarch list'), e.g. alexnet, vgg16, resnet50."
INPUT_HELP = "Input size: 227 (square, default channels), 227x227, or CxHxW such as 3x227x227."
CONVENTION_HELP = (
    "What the count column counts: macs, flops (2 x macs), or another tool's rules: fvcore, thop, "
    "ptflops, torchinfo, torch (FlopCounterMode). See 'cnnarch flops'."
)


def summary(
    model: Annotated[str, typer.Argument(help=MODEL_HELP, show_default=False)],
    input: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            "-i",
            help=INPUT_HELP + " Repeat for a model with several inputs: --input 3x224x224 --input 16:int64.",
            show_default="the model's default",
        ),
    ] = None,
    batch: Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size.")] = 1,
    depth: Annotated[
        int | None,
        typer.Option("--depth", "-d", min=1, help="Group layers below this module depth into one row."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    dtype: Annotated[
        str, typer.Option("--dtype", help="Element type for memory figures: fp32, fp16, bf16.")
    ] = "fp32",
    num_classes: Annotated[
        int | None,
        typer.Option("--num-classes", min=1, help="Classifier outputs, where the model takes it."),
    ] = None,
    in_channels: Annotated[
        int | None,
        typer.Option("--in-channels", min=1, help="Input channels, where the model takes it."),
    ] = None,
    kwargs: Annotated[
        str | None,
        typer.Option(
            "--kwargs", help="Keywords for a file or library model, as JSON: '{\"num_classes\": 10}'."
        ),
    ] = None,
    memory: Annotated[
        bool,
        typer.Option("--memory", "-m", help="Add the memory breakdown: inference peak and a training step."),
    ] = False,
    optimizer: Annotated[
        Optimizer, typer.Option("--optimizer", help="Optimizer state for the training-step memory.")
    ] = Optimizer.adam,
    convention: Annotated[
        str, typer.Option("--convention", "-c", help=CONVENTION_HELP, show_default=True)
    ] = "macs",
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also write per-layer bars of parameters, MACs and activation memory (.png, .svg, .pdf).",
            show_default=False,
        ),
    ] = None,
    log: Annotated[bool, typer.Option("--log/--linear", help="Log or linear scale for --plot.")] = False,
) -> None:
    """Trace MODEL once and print every layer: output shape with its formula, parameters, MACs,
    receptive field, effective stride (jump) and activation memory.

    MACs count the multiply-accumulates of convolutions and matrix products, bias additions
    excluded; FLOPs = 2 x MACs. Activation memory is the bytes of each layer's output, views
    and in-place results excluded.

    Examples:

      cnnarch summary alexnet --input 227

      cnnarch summary resnet50 --depth 2

      cnnarch summary vgg16 --format json > vgg16.json

      cnnarch summary resnet50 --memory --batch 32 --optimizer sgd

      cnnarch summary resnet50 --convention fvcore
    """
    from cnnarch.api import analyze
    from cnnarch.render import summary as render

    if plot is not None:
        from cnnarch.plots.files import check_plot_path

        check_plot_path(plot)  # a bad file name costs no analysis
    options = {"num_classes": num_classes, "in_channels": in_channels}
    options.update(parse_kwargs(kwargs))
    report = analyze(
        model,
        input,
        batch=batch,
        depth=depth,
        dtype=dtype,
        memory=memory,
        optimizer=optimizer.value,
        convention=convention,
        **options,
    )
    for note in report.notes:
        err.print(f"note: {note}", soft_wrap=True)
    if fmt is Format.json:
        write(render.to_json(report))
    elif fmt is Format.csv:
        write(render.to_csv(report))
    elif fmt is Format.markdown:
        write(render.to_markdown(report))
    else:
        render.print_table(report, out)
    if plot is not None:
        from cnnarch.plots import layer_bars

        layer_bars(report, plot, log=log)
        err.print(f"wrote {plot}", markup=False, highlight=False)
