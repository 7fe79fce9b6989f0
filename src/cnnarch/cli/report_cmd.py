"""``cnnarch report``: the whole analysis as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cnnarch.cli.console import err
from cnnarch.cli.options import (
    Batch,
    Dtype,
    InChannels,
    Input,
    Kwargs,
    Mode,
    Model,
    ModeOption,
    NumClasses,
    Optimizer,
    OptimizerOption,
    builder_options,
    depth_option,
    exact_inputs,
    mode_options,
)

GroupDepth = depth_option("One row and one box per module at this depth.")


def report(
    model: Model,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The page to write, e.g. alexnet.html.", show_default=False)
    ],
    depth: GroupDepth = None,
    input: Input = None,
    batch: Batch = 1,
    dtype: Dtype = "fp32",
    optimizer: OptimizerOption = Optimizer.adam,
    diagram: Annotated[
        bool, typer.Option("--diagram/--no-diagram", help="Draw the network (needs Graphviz's dot).")
    ] = True,
    num_classes: NumClasses = None,
    in_channels: InChannels = None,
    kwargs: Kwargs = None,
    mode: ModeOption = Mode.eval,
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
    check_page_path(output, diagram)
    from cnnarch.html_report import write_report

    options = builder_options(num_classes, in_channels, kwargs) | mode_options(mode)
    shapes, per_batch = exact_inputs(input, batch)
    with err.status(f"analysing {model}"):
        write_report(
            model,
            output,
            shapes,
            depth=depth,
            batch=per_batch,
            dtype=dtype,
            optimizer=optimizer.name_or_none,
            diagram=diagram,
            **options,
        )
    err.print(f"wrote {output}", markup=False, highlight=False)


def check_page_path(path: Path, diagram: bool = True, option: str = "-o") -> None:
    """Every mistake about the page fails before any analysis: the suffix, the folder, Graphviz."""
    from cnnarch.draw.output import check_writable
    from cnnarch.errors import CnnarchError

    if path.suffix.lower() not in (".html", ".htm"):
        raise CnnarchError(f"{option} {str(path)!r}: a report is an HTML page", "end the name in .html")
    check_writable(path, option)
    if diagram:  # Graphviz's program must be there before any work (or the diagram left out)
        from cnnarch.draw.engine import INSTALL, require_dot

        fix = "--no-diagram leaves the diagram out"
        require_dot("the report's diagram", INSTALL.replace("--format dot prints the graph without it", fix))
