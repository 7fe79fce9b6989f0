"""The ``cnnarch`` command line: parse, call the library, render. Commands live one per module
and import torch only when they run, so ``cnnarch --help`` stays fast."""

from __future__ import annotations

import os
import sys

import click
import typer

from cnnarch import __version__
from cnnarch.cli.options import model_forms
from cnnarch.errors import CnnarchError

app = typer.Typer(
    name="cnnarch",
    help=(
        "Analyze and explain convolutional network architectures: output shapes with their "
        "arithmetic, parameters, MACs, receptive fields and memory.\n\n"
        "Examples:\n\n"
        "  cnnarch summary alexnet --input 227\n\n"
        "  cnnarch summary resnet50 --memory --batch 32 --format json\n\n"
        "  cnnarch explain alexnet --layers conv1,pool1\n\n"
        "  cnnarch calc conv 227 -k 11 -s 4 --in-channels 3 --filters 96\n\n"
        "  cnnarch compare vgg16 googlenet resnet50 --plot chart.png\n\n"
        "  cnnarch flops resnet50 --vs fvcore,thop\n\n"
        "  cnnarch bench resnet18 --batch 1,8\n\n"
        "  cnnarch list 'resnet*'\n\n"
        f"A model is {model_forms()}. "
        "Exit codes: 0 done, 2 a problem with the request (one line on stderr), 1 a bug."
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


COMMANDS: dict[str, tuple[str, str]] = {
    "summary": ("cnnarch.cli.summary_cmd:summary",
                "Layer by layer: output shapes with formulas, parameters, MACs, receptive fields, memory."),
    "list": ("cnnarch.cli.list_cmd:list_models",
             "The catalogue: papers, default inputs, published figures, deviations."),
    "compare": ("cnnarch.cli.compare_cmd:compare",
                "Architectures side by side, the best value in each row marked; --plot draws the chart."),
    "explain": ("cnnarch.cli.explain_cmd:explain",
                "Exam-style worked answers for each layer: formula, numbers substituted, result."),
    "calc": ("cnnarch.cli.calc_cmd:app",
             "One computation, worked: conv, pool, tconv, fc, gap, rf, memory, stack, factorize, "
             "bottleneck, residual, separable, group, fire, head, anchors."),
    "quiz": ("cnnarch.cli.quiz_cmd:quiz",
             "Exam questions with an answer key, worked; --interactive asks them one at a time."),
    "bench": ("cnnarch.cli.bench_cmd:bench",
              "Forward-pass latency on CPU or CUDA: statistics, throughput, a roofline view."),
    "flops": ("cnnarch.cli.flops_cmd:flops",
              "Operation counts under fvcore's, thop's, ptflops', torchinfo's and torch's rules, "
              "beside the tools themselves."),
    "draw": ("cnnarch.cli.draw_cmd:draw",
             "The network as a picture (SVG, PNG, PDF or DOT): boxes per layer or block, by Graphviz."),
    "report": ("cnnarch.cli.report_cmd:report",
               "One self-contained HTML page: diagram, sortable layer table, memory, conventions, sources."),
    "cache": ("cnnarch.cli.cache_cmd:app",
              "The result cache: where it is, how big (info), and emptying it (clear)."),
}  # fmt: skip
"""Command name → (``module:object``, one-line help): a function, or a Typer app of subcommands."""

_registered: set[str] = set()


def register(only: str | None = None) -> None:
    """Add the commands to the app: all of them, or just the one about to run (so that
    ``cnnarch list`` does not import what ``bench`` or ``compare`` need)."""
    from pkgutil import resolve_name

    for name in COMMANDS:
        if name in _registered or (only is not None and name != only):
            continue
        target, short_help = COMMANDS[name]
        if name in _listed:  # the name-only entry gives way to the command itself
            app.registered_commands[:] = [c for c in app.registered_commands if c.name != name]
            _listed.discard(name)
        command = resolve_name(target)  # 'module:attribute'
        if isinstance(command, typer.Typer):
            app.add_typer(command, name=name, short_help=short_help)
        else:
            app.command(name, short_help=short_help)(command)
        _registered.add(name)
    order = list(COMMANDS)
    app.registered_commands.sort(key=lambda c: order.index(c.name) if c.name in order else len(order))
    app.registered_groups.sort(key=lambda g: order.index(g.name) if g.name in order else len(order))


def _listing_only() -> None:
    """What ``cnnarch --help`` (or a mistyped command) needs: each command's name and one-line
    help, from ``COMMANDS``, without importing a command's module."""

    def _not_loaded() -> None:
        raise AssertionError("a listing entry ran")  # main() registers a named command for real

    for name, (_, short_help) in COMMANDS.items():
        if name not in _registered and name not in _listed:
            app.command(name, short_help=short_help)(_not_loaded)
            _listed.add(name)


_listed: set[str] = set()
"""Commands the app lists by name only (``_listing_only``); ``register`` replaces them."""


def _command_in(argv: list[str]) -> str | None:
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: user errors exit 2 with one line on stderr, bugs exit 1."""
    # rich (the stderr console, markup escaping) is imported only when there is something to say:
    # `cnnarch calc` writes plain text, and importing rich.console cost ~20 ms of its ~300 ms start
    from cnnarch.cli import console

    args = sys.argv[1:] if argv is None else argv
    command = _command_in(args)
    if command is None:
        _listing_only()
    else:
        register(only=command)
    from cnnarch.cli import exits

    if argv is None:  # the real process, not a test calling main()
        exits.die_quietly_on_broken_pipe()

    def escape(text: str) -> str:
        from rich.markup import escape  # user text ("[/x]", a layer list) is never markup

        return escape(text)

    def fail(message: str, code: int = 2) -> None:
        console.err.print(
            f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False, markup=True
        )
        sys.exit(code)

    if exits.stdout_closed():
        fail("cannot write the output: stdout is closed (give it a file or a pipe)")
    try:
        code = app(args=argv, standalone_mode=False)  # --help and Exit return their exit code
        exits.flush_stdout()
    except click.exceptions.NoArgsIsHelpError as usage:
        usage.show()
        sys.exit(usage.exit_code)
    except click.UsageError as usage:
        fail(exits.usage_line(usage), usage.exit_code)
    except click.ClickException as problem:
        fail(problem.format_message(), problem.exit_code)
    except click.Abort:
        fail("aborted", 1)
    except CnnarchError as error:
        if error.details:
            console.err.print(escape(error.details.rstrip()), style="dim", soft_wrap=True, highlight=False)
        fail(error.message + (f" ({error.hint})" if error.hint else ""), error.exit_code)
    except KeyboardInterrupt:
        console.err.print("interrupted")
        sys.exit(130)
    except OSError as failed:
        message = exits.output_failure(failed)
        if message is None or os.environ.get("CNNARCH_DEBUG"):
            _bug(failed)
        exits.silence_stdout()
        fail(message)
    except Exception as bug:  # a bug in cnnarch, not the user's fault
        _bug(bug)
    sys.exit(code if isinstance(code, int) else 0)


def _bug(bug: BaseException) -> None:
    from rich.markup import escape

    from cnnarch.cli.console import err

    if os.environ.get("CNNARCH_DEBUG"):
        raise bug
    err.print(f"[bold red]internal error:[/] {escape(f'{type(bug).__name__}: {bug}')}", soft_wrap=True)
    err.print("run again with CNNARCH_DEBUG=1 for the traceback, and please report it", soft_wrap=True)
    sys.exit(1)
