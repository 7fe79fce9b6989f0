"""``cnnarch summary``: the layer-by-layer table."""

from __future__ import annotations

from typing import Annotated

import typer

from cnnarch.cli import console
from cnnarch.cli.console import Format, write
from cnnarch.cli.options import (
    Batch,
    Dtype,
    Freeze,
    InChannels,
    Input,
    Kwargs,
    Mode,
    Model,
    ModeOption,
    NoCache,
    NumClasses,
    Optimizer,
    OptimizerOption,
    OutputFormat,
    builder_options,
    convention_option,
    depth_option,
    exact_inputs,
    plot_option,
)

Convention = convention_option("It sets what the count column counts (default: macs).")
Plot = plot_option("per-layer bars of parameters, MACs and activation memory")
GroupDepth = depth_option("Group layers below this module depth into one row.")


def summary(
    model: Model,
    input: Input = None,
    batch: Batch = 1,
    depth: GroupDepth = None,
    fmt: OutputFormat = Format.table,
    dtype: Dtype = "fp32",
    num_classes: NumClasses = None,
    in_channels: InChannels = None,
    kwargs: Kwargs = None,
    memory: Annotated[
        bool,
        typer.Option("--memory", "-m", help="Add the memory breakdown: inference peak and a training step."),
    ] = False,
    optimizer: OptimizerOption = Optimizer.adam,
    convention: Convention = None,
    plot: Plot = None,
    log: Annotated[bool, typer.Option("--log/--linear", help="Log or linear scale for --plot.")] = False,
    no_cache: NoCache = False,
    freeze: Freeze = None,
    mode: ModeOption = Mode.eval,
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

      cnnarch summary matmul.py:Net --input =20x10 --input =10x100
    """
    from cnnarch.cache.results import analyze  # a question asked before: no torch import
    from cnnarch.render import summary as render
    from cnnarch.render.table import write as emit

    if plot is not None:
        from cnnarch.plots.files import check_plot_path

        check_plot_path(plot)  # a bad file name costs no analysis
    shapes, per_batch = exact_inputs(input, batch)
    report = analyze(
        model,
        shapes,
        batch=per_batch,
        depth=depth,
        dtype=dtype,
        memory=memory,
        optimizer=optimizer.name_or_none,
        convention=convention or "macs",
        use_cache=not no_cache,
        **builder_options(num_classes, in_channels, kwargs),
        **({"freeze": freeze} if freeze is not None else {}),
        **({"mode": mode.value} if mode is not Mode.eval else {}),
    )
    for note in report.notes:
        console.err.print(f"note: {note}", soft_wrap=True, markup=False, highlight=False)
    emit(render.document(report), fmt.value, lambda: console.out, write)
    if plot is not None:
        from cnnarch.plots import layer_bars

        layer_bars(report, plot, log=log)
        console.err.print(f"wrote {plot}", markup=False, highlight=False)
