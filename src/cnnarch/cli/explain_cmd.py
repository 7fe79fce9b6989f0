"""``cnnarch explain``: exam-style worked answers for every layer of a network."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from cnnarch.cli.console import write

MODEL_HELP = (
    "Catalogue name (see 'cnnarch list'), a layer list such as \"conv 96 k11 s4 > relu > fc 10\", "
    "or a layer-list file (.txt, .cnn, .layers)."
)
INPUT_HELP = "Input size: 227 (square, default channels), 227x227, or CxHxW such as 3x227x227."
LAYERS_HELP = (
    "Only these layers: numbers and ranges as in the summary's # (1-5,9), names (conv1,pool1), "
    "wildcards ('inception3a*') or a module (inception3a: every layer inside it)."
)


class ExplainFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


def explain(
    model: Annotated[str, typer.Argument(help=MODEL_HELP, show_default=False)],
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help=INPUT_HELP, show_default="the model's default"),
    ] = None,
    layers: Annotated[
        str | None, typer.Option("--layers", "-l", help=LAYERS_HELP, show_default="all")
    ] = None,
    batch: Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size.")] = 1,
    fmt: Annotated[ExplainFormat, typer.Option("--format", "-f", help="Output format.")] = ExplainFormat.text,
    num_classes: Annotated[
        int | None,
        typer.Option("--num-classes", min=1, help="Classifier outputs, where the model takes it."),
    ] = None,
    in_channels: Annotated[
        int | None,
        typer.Option("--in-channels", min=1, help="Input channels, where the model takes it."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="With --layers: the whole network's totals too.")
    ] = False,
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
    from cnnarch.explain import explain_model
    from cnnarch.render import explain as render

    options = {"num_classes": num_classes, "in_channels": in_channels}
    explanation = explain_model(model, input, batch=batch, layers=layers, verbose=verbose, **options)
    if fmt is ExplainFormat.markdown:
        write(render.to_markdown(explanation))
    elif fmt is ExplainFormat.json:
        write(render.to_json(explanation))
    else:
        write(render.to_text(explanation))
