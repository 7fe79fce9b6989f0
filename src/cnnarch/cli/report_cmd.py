"""``cnnarch report``: the whole analysis as one self-contained HTML page."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cnnarch.cli.console import err, parse_kwargs

MODEL_HELP = (
    "Catalogue name (see 'cnnarch list'), a layer list, path/to/file.py:Class, torchvision:NAME or timm:NAME."
)
INPUT_HELP = "Input size: 227 (square, default channels), 227x227, or CxHxW such as 3x227x227."


class TrainingOptimizer(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"
    none = "none"


def report(
    model: Annotated[str, typer.Argument(help=MODEL_HELP, show_default=False)],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The page to write, e.g. alexnet.html.", show_default=False)
    ],
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            "-d",
            min=1,
            help="One row and one box per module at this depth.",
            show_default="every layer",
        ),
    ] = None,
    input: Annotated[
        list[str] | None, typer.Option("--input", "-i", help=INPUT_HELP, show_default="the model's default")
    ] = None,
    batch: Annotated[
        int, typer.Option("--batch", "-b", min=1, help="Batch size for the memory figures.")
    ] = 1,
    dtype: Annotated[
        str, typer.Option("--dtype", help="Element type for memory figures: fp32, fp16, bf16.")
    ] = "fp32",
    optimizer: Annotated[
        TrainingOptimizer,
        typer.Option(
            "--optimizer", help="Optimizer state in the training-step memory; 'none' leaves it out."
        ),
    ] = TrainingOptimizer.adam,
    diagram: Annotated[
        bool, typer.Option("--diagram/--no-diagram", help="Draw the network (needs Graphviz's dot).")
    ] = True,
    num_classes: Annotated[
        int | None, typer.Option("--num-classes", min=1, help="Classifier outputs, where the model takes it.")
    ] = None,
    in_channels: Annotated[
        int | None, typer.Option("--in-channels", min=1, help="Input channels, where the model takes it.")
    ] = None,
    kwargs: Annotated[
        str | None,
        typer.Option(
            "--kwargs", help="Keywords for a file or library model, as JSON: '{\"num_classes\": 10}'."
        ),
    ] = None,
) -> None:
    """Write one HTML file holding the whole analysis of MODEL: the diagram, the layer table
    (sortable and filterable, formulas shown), totals, the memory picture (activations alive
    through the forward pass, a training step's breakdown), the FLOP conventions side by side
    and the catalogue's provenance and published figures.

    The page needs no network: styles, script and the diagram are inline. It reads without
    JavaScript, prints on paper and fits a phone's width.

    Examples:

      cnnarch report alexnet -o alexnet.html

      cnnarch report resnet50 --depth 2 -o resnet50.html --batch 32 --optimizer sgd

      cnnarch report torchvision:mobilenet_v3_small -o mnv3.html

      cnnarch compare vgg16 resnet50 --html compare.html
    """
    from cnnarch.draw.output import check_writable
    from cnnarch.errors import CnnarchError

    if output.suffix.lower() not in (".html", ".htm"):
        raise CnnarchError(f"-o {str(output)!r}: a report is an HTML page", "end the name in .html")
    check_writable(output)
    if diagram:
        require_dot()
    from cnnarch.html_report import write_report

    options = {"num_classes": num_classes, "in_channels": in_channels, **parse_kwargs(kwargs)}
    with err.status(f"analysing {model}"):
        write_report(
            model,
            output,
            input,
            depth=depth,
            batch=batch,
            dtype=dtype,
            optimizer=None if optimizer is TrainingOptimizer.none else optimizer.value,
            diagram=diagram,
            **options,
        )
    err.print(f"wrote {output}", markup=False, highlight=False)


def require_dot() -> None:
    """Graphviz's program must be there before any work (or the diagram left out)."""
    import shutil

    from cnnarch.draw.engine import INSTALL, EngineMissing

    if shutil.which("dot") is None:
        raise EngineMissing(
            "cannot draw the report's diagram: Graphviz's 'dot' program is not installed",
            INSTALL.replace(
                "--format dot prints the graph without it", "--no-diagram leaves the diagram out"
            ),
        )
