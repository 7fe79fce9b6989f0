"""``cnnarch draw``: the network as a picture, laid out by Graphviz."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cnnarch.cli.console import err
from cnnarch.cli.options import (
    InChannels,
    Input,
    Kwargs,
    Mode,
    Model,
    ModeOption,
    NumClasses,
    builder_options,
    depth_option,
    exact_inputs,
    mode_options,
)

GroupDepth = depth_option("One box per module at this depth (1: top-level blocks).")


def draw(
    model: Model,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write; its suffix picks the format: .svg, .png, .pdf, .dot.",
            show_default="DOT on stdout",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="dot, svg, png, pdf or json (boxes, arrows, clusters as data); default: from -o's "
            "suffix, else DOT on stdout.",
            show_default=False,
        ),
    ] = None,
    depth: GroupDepth = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            help="Figures on each box, comma-separated: shape, params, macs, rf.",
            show_default="shape",
        ),
    ] = None,
    color: Annotated[
        str | None,
        typer.Option(
            "--color", help="Shade boxes by macs, params or memory (with a legend).", show_default=False
        ),
    ] = None,
    input: Input = None,
    num_classes: NumClasses = None,
    in_channels: InChannels = None,
    kwargs: Kwargs = None,
    mode: ModeOption = Mode.eval,
) -> None:
    """Draw MODEL from its trace, top to bottom: one box per layer (or per module at --depth)
    with its output shape in the lecture's notation [?, H, W, C]; branches and merges as they
    run (an inception module's paths side by side, a residual shortcut as its own edge);
    modules as labelled clusters.

    Graphviz's 'dot' program lays the picture out (apt-get install graphviz, brew install
    graphviz); --format dot prints the graph without it.

    Examples:

      cnnarch draw alexnet -o alexnet.svg --label shape,params,macs

      cnnarch draw resnet50 --depth 2 -o resnet50.png --color macs

      cnnarch draw googlenet --depth 1 --format dot | dot -Tpdf > googlenet.pdf

      cnnarch draw unet -o unet.pdf --label shape,rf --color memory
    """
    from cnnarch.draw import diagram
    from cnnarch.draw.colors import check_figure
    from cnnarch.draw.labels import parse_fields
    from cnnarch.draw.output import check_writable, choose_format, write_atomic

    chosen = choose_format(output, fmt)  # every mistake in the request fails before any work
    fields = parse_fields(label)
    figure = check_figure(color)
    if output is not None:
        check_writable(output)
    if chosen not in ("dot", "json"):
        from cnnarch.draw.engine import require_dot

        require_dot(chosen)
    options = builder_options(num_classes, in_channels, kwargs) | mode_options(mode)
    shapes, per_batch = exact_inputs(input, 1)
    picture = diagram(model, shapes, depth=depth, batch=per_batch, **options)
    from cnnarch.draw.dot import to_dot

    source = to_dot(picture, fields, figure, dpi=144 if chosen == "png" else None)
    if chosen == "json":
        import json

        data: bytes | str = json.dumps(picture.to_dict(), indent=2, ensure_ascii=False)
    elif chosen == "dot":
        data = source
    else:
        from cnnarch.draw.engine import layout

        with err.status(f"laying out {len(picture.nodes)} boxes with Graphviz"):
            data = layout(source, chosen)
    if output is None:
        import sys

        text = data if isinstance(data, str) else data.decode()
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    write_atomic(output, data)
    err.print(
        f"wrote {output} ({len(picture.nodes)} boxes, {len(picture.edges)} edges)",
        markup=False,
        highlight=False,
    )
