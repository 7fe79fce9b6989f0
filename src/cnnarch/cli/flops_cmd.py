"""``cnnarch flops``: every FLOP counter's total beside cnnarch's under the same rules."""

from __future__ import annotations

from typing import Annotated

import typer

from cnnarch.cli.console import Format, err, out, write

MODEL_HELP = "Catalogue name (see 'cnnarch list'), e.g. resnet50."
INPUT_HELP = "Input size: 224 (square, default channels), 224x224, or CxHxW such as 3x224x224."
VS_HELP = "Tools to run, comma-separated: fvcore, thop, ptflops, torchinfo, torch (FlopCounterMode)."


def flops(
    model: Annotated[str, typer.Argument(help=MODEL_HELP, show_default=False)],
    vs: Annotated[str, typer.Option("--vs", help=VS_HELP)] = "fvcore,thop,ptflops,torchinfo,torch",
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help=INPUT_HELP, show_default="the model's default"),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Output format: table or json.")
    ] = Format.table,
) -> None:
    """Run the popular FLOP counters on MODEL and explain, kind of operation by kind of
    operation, why each total differs from cnnarch's MACs.

    Each tool runs for real (on a CPU copy with random weights, batch 1); cnnarch counts the
    same trace under each tool's rules (--convention in 'cnnarch summary') and says whether the
    totals agree. fvcore and thop are dependencies; ptflops and torchinfo are reported as
    missing when not installed.

    Examples:

      cnnarch flops resnet50

      cnnarch flops vgg16 --vs fvcore,thop

      cnnarch flops alexnet --format json
    """
    from cnnarch.errors import CnnarchError
    from cnnarch.peers.compare import compare, parse_tools
    from cnnarch.render import flops as render

    if fmt not in (Format.table, Format.json):
        raise CnnarchError(f"--format {fmt.value} is not available here", "use table or json")
    tools = parse_tools(vs)
    with err.status("tracing with cnnarch") as status:

        def running(tool: str) -> None:
            status.update(f"running {tool} on a CPU copy of {model}")

        comparison = compare(model, input, tools, on_tool=running)
    if fmt is Format.json:
        write(render.to_json(comparison))
    else:
        render.print_comparison(comparison, out)
