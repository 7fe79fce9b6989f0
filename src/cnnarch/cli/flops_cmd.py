"""``cnnarch flops``: every FLOP counter's total beside cnnarch's under the same rules."""

from __future__ import annotations

from typing import Annotated

import typer

from cnnarch.analysis.convention_names import PEERS
from cnnarch.cli import console
from cnnarch.cli.console import Format, write
from cnnarch.cli.options import (
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

VS_HELP = f"Tools to run, comma-separated: {', '.join(PEERS)}."


def flops(
    model: Model,
    vs: Annotated[str, typer.Option("--vs", help=VS_HELP)] = ",".join(PEERS),
    input: Input = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Output format: table or json.")
    ] = Format.table,
    num_classes: NumClasses = None,
    in_channels: InChannels = None,
    kwargs: Kwargs = None,
    no_cache: NoCache = False,
    mode: ModeOption = Mode.eval,
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
    from cnnarch.render.table import write as emit

    if fmt not in (Format.table, Format.json):
        raise CnnarchError(f"--format {fmt.value} is not available here", "use table or json")
    tools = parse_tools(vs)
    exact_inputs(input, 1, where="flops")  # the tools run on one sample with a batch axis
    with console.err.status("tracing with cnnarch") as status:

        def running(tool: str) -> None:
            status.update(f"running {tool} on a CPU copy of {model}")

        options = builder_options(num_classes, in_channels, kwargs) | mode_options(mode)
        comparison = compare(model, input, tools, on_tool=running, use_cache=not no_cache, **options)
    emit(render.document(comparison), fmt.value, lambda: console.out, write)
