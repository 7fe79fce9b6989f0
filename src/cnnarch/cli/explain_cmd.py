"""``cnnarch explain``: exam-style worked answers for every layer of a network."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from cnnarch.cli.console import write
from cnnarch.cli.options import (
    Batch,
    Freeze,
    InChannels,
    Input,
    Kwargs,
    Mode,
    Model,
    ModeOption,
    NoCache,
    NumClasses,
    builder_options,
    exact_inputs,
    mode_options,
)

LAYERS_HELP = (
    "Only these layers: numbers and ranges as in the summary's # (1-5,9), names (conv1,pool1), "
    "wildcards ('inception3a*') or a module (inception3a: every layer inside it)."
)


class ExplainFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


def explain(
    model: Model,
    input: Input = None,
    layers: Annotated[
        str | None, typer.Option("--layers", "-l", help=LAYERS_HELP, show_default="all")
    ] = None,
    batch: Batch = 1,
    fmt: Annotated[ExplainFormat, typer.Option("--format", "-f", help="Output format.")] = ExplainFormat.text,
    num_classes: NumClasses = None,
    in_channels: InChannels = None,
    kwargs: Kwargs = None,
    no_cache: NoCache = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="With --layers: the whole network's totals too.")
    ] = False,
    freeze: Freeze = None,
    figure: Annotated[
        str | None,
        typer.Option(
            "--figure",
            help="Work out derived figures instead: dense-share, conv-share, depth, memory, "
            "default-boxes (detection heads), fewer-than:MODEL (comma-separated).",
            show_default=False,
        ),
    ] = None,
    mode: ModeOption = Mode.eval,
) -> None:
    """Write the worked answer for each layer, as an exam asks it: output shape, parameters, MACs
    and receptive field, each with its formula, the numbers substituted and the result (shapes
    in NCHW and in the lectures' [?, H, W, C]). Inception and residual blocks are explained
    branch by branch, with the merge. Totals at the end. The numbers are the summary's own.

    Examples:

      cnnarch explain alexnet --layers 1-5

      cnnarch explain googlenet --layers inception3a --format markdown > inception.md

      cnnarch explain resnet50 --layers 'layer1.0*'

      cnnarch explain "conv 96 k11 s4 > relu > maxpool k3 s2" --input 3x227x227

      cnnarch explain examples/alexnet.txt --layers conv1,pool1
    """
    from cnnarch.cache.results import explain_model  # a question asked before: no torch import
    from cnnarch.render import explain as render

    options = builder_options(num_classes, in_channels, kwargs) | mode_options(mode)
    if freeze is not None:
        options["freeze"] = freeze
    if figure is not None:
        _figures(model, *exact_inputs(input, batch), figure, fmt, options)
        return
    shapes, per_batch = exact_inputs(input, batch)
    explanation = explain_model(
        model, shapes, batch=per_batch, layers=layers, verbose=verbose, use_cache=not no_cache, **options
    )
    if fmt is ExplainFormat.markdown:
        write(render.to_markdown(explanation))
    elif fmt is ExplainFormat.json:
        write(render.to_json(explanation))
    else:
        write(render.to_text(explanation))


def _figures(
    model: str, input: object, batch: int | None, figure: str, fmt: ExplainFormat, options: dict
) -> None:
    """``--figure``: the figures compare and list print bare, each worked from the report."""
    from cnnarch.api import analyze
    from cnnarch.explain.figures import figures
    from cnnarch.render import explain as render

    report = analyze(model, input, batch=batch, **options)
    answer = figures(report, [f for f in figure.split(",") if f.strip()], lambda other: analyze(other))
    if fmt is ExplainFormat.markdown:
        write(render.to_markdown(answer))
    elif fmt is ExplainFormat.json:
        write(render.to_json(answer))
    else:
        write(render.to_text(answer))
