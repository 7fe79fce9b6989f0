"""The ``cnnarch`` command line: parse, call the library, render. Commands live one per module
and import torch only when they run, so ``cnnarch --help`` stays fast."""

from __future__ import annotations

import os
import sys

import typer

from cnnarch import __version__
from cnnarch.errors import CnnarchError

app = typer.Typer(
    name="cnnarch",
    help=(
        "Analyze and explain convolutional network architectures: output shapes with their "
        "arithmetic, parameters, MACs, receptive fields and memory.\n\n"
        "Examples:\n\n"
        "  cnnarch summary alexnet --input 227\n\n"
        "  cnnarch summary resnet50 --format json\n\n"
        "  cnnarch list 'resnet*'"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cnnarch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """cnnarch: a calculator and analyzer for CNN architectures."""


def _register() -> None:
    from cnnarch.cli import compare_cmd, list_cmd, summary_cmd

    app.command("summary")(summary_cmd.summary)
    app.command("list")(list_cmd.list_models)
    app.command("compare")(compare_cmd.compare)
    from cnnarch.cli import calc_cmd, explain_cmd

    app.command("explain")(explain_cmd.explain)
    app.add_typer(calc_cmd.app, name="calc")
    from cnnarch.cli import bench_cmd

    app.command("bench")(bench_cmd.bench)
    from cnnarch.cli import flops_cmd

    app.command("flops")(flops_cmd.flops)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: user errors exit 2 with one line on stderr, bugs exit 1."""
    from cnnarch.cli.console import err

    try:
        app(args=argv)  # usage errors (exit 2), --help and Exit are handled inside
    except CnnarchError as error:
        from rich.markup import escape  # user text ("[/x]", a layer list) is not markup

        hint = f" ({error.hint})" if error.hint else ""
        if error.details:
            err.print(escape(error.details.rstrip()), style="dim", soft_wrap=True, highlight=False)
        err.print(
            f"[bold red]error:[/] {escape(error.message + hint)}",
            soft_wrap=True,
            highlight=False,
            markup=True,
        )
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as bug:  # a bug in cnnarch, not the user's fault
        if os.environ.get("CNNARCH_DEBUG"):
            raise
        err.print(f"[bold red]internal error:[/] {type(bug).__name__}: {bug}", soft_wrap=True, markup=True)
        err.print("run again with CNNARCH_DEBUG=1 for the traceback, and please report it", soft_wrap=True)
        sys.exit(1)
