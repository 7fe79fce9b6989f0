"""The options several commands share, defined once: the same flag means the same thing, with
the same type, on every command that takes it. Help that lists names (model sources, counting
conventions) is built from their registries, so it cannot go stale. A short flag, too, stands for
one option across the tool, ``calc`` and ``quiz`` included (``-c`` is ``--in-channels`` wherever it
is taken; ``tests/test_cli_options.py`` checks every command and subcommand).

Commands use them as parameter types: ``input: Input = None``. Nothing here imports torch or an
analysis module at start-up; ``convention_help`` reads the conventions registry, and only the
commands that take ``--convention`` call it.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cnnarch.cli.console import Format


def model_forms() -> str:
    """How a model can be named, from the source resolvers' registry (``cnnarch.sources``)."""
    from cnnarch.sources import RESOLVERS

    forms = list(RESOLVERS.values())
    return ", ".join(forms[:-1]) + " or " + forms[-1] if len(forms) > 1 else forms[0]


MODEL_HELP = f"The model: {model_forms()}."
INPUT_HELP = (
    "Input size: 227 (square, default channels), 227x227, or CxHxW such as 3x227x227. Repeat for a "
    "model with several inputs: --input 3x224x224 --input 16:int64. A leading '=' gives the exact "
    "tensor shape with no batch axis added, for inputs of different ranks: --input =20x10 --input "
    "=10x100 (summary, explain, draw, report)."
)
EXACT = "="
"""Marks an ``--input`` value as the exact tensor shape: no batch axis is added."""
DTYPES = ("fp32", "fp16", "bf16")
"""What ``--dtype`` takes (``api.DTYPES`` also knows the long spellings)."""


class Optimizer(str, Enum):
    """The optimizer whose state the training-step memory holds; ``none`` leaves that out."""

    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"
    none = "none"

    @property
    def name_or_none(self) -> str | None:
        return None if self is Optimizer.none else self.value


def convention_help() -> str:
    """``--convention``'s help, from the conventions registry's names (``analysis/convention_names.py``,
    checked against the registry when it loads; the registry itself loads every op record)."""
    from cnnarch.analysis import convention_names as conventions

    own = [name for name in conventions.NAMES if name not in conventions.PEERS]
    return (
        f"Count operations under this convention: {', '.join(own)}, or another tool's rules: "
        f"{', '.join(conventions.PEERS)}. See 'cnnarch flops'."
    )


Model = Annotated[str, typer.Argument(help=MODEL_HELP, show_default=False)]
Models = Annotated[list[str], typer.Argument(help=f"Models to compare: {model_forms()}.", show_default=False)]
Input = Annotated[
    list[str] | None,
    typer.Option("--input", "-i", help=INPUT_HELP, show_default="the model's default"),
]
Batch = Annotated[
    int, typer.Option("--batch", "-b", min=1, help="Batch size: operations and memory are per batch.")
]


def exact_inputs(values: list[str] | None, batch: int, where: str | None = None) -> tuple[object, int | None]:
    """``--input =20x10 --input =10x100``: exact tensor shapes (each with an optional ``:dtype``),
    no batch axis added, so inputs may differ in rank (a matrix product's operands). Returns what
    the analysis takes: (the inputs, the batch), the batch None for exact shapes. ``where``
    names a command that cannot take them."""
    if not values or not any(str(v).strip().startswith(EXACT) for v in values):
        return values, batch
    from cnnarch.errors import InputSpecError
    from cnnarch.inputs import parse_extra_input

    if where is not None:
        raise InputSpecError(f"{where} cannot take an exact shape (--input ={values[0].strip()[1:]})",
                             "give the per-sample size without '='")  # fmt: skip
    if not all(str(v).strip().startswith(EXACT) for v in values):
        raise InputSpecError(
            "--input: give every input as an exact shape (=20x10) or none",
            "with '=' no batch axis is added to any input, e.g. --input =20x10 --input =10x100",
        )
    if batch != 1:
        raise InputSpecError(
            f"--batch {batch} does not apply to exact shapes (--input ={values[0].strip()[1:]})",
            "put the batch axis in the shape itself, e.g. --input =8x3x224x224",
        )
    return [parse_extra_input(str(v).strip()[1:]) for v in values], None


Dtype = Annotated[
    str, typer.Option("--dtype", help=f"Element type of parameters and activations: {', '.join(DTYPES)}.")
]
OutputFormat = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
NumClasses = Annotated[
    int | None, typer.Option("--num-classes", min=1, help="Classifier outputs, where the model takes it.")
]


def in_channels_option(help: str, default: str | None = None) -> object:
    """``--in-channels/-c``, the input's channels, on every command: an optional int (no value:
    the model's own, or the ``default`` a calculator question states)."""
    return Annotated[
        int | None,
        typer.Option("--in-channels", "-c", min=1, help=help, show_default=default or False),
    ]


InChannels = in_channels_option("Input channels, where the model takes it.")


def depth_option(help: str) -> object:
    """``--depth/-d``, one row (or box) per module at this depth, on every command that groups
    layers: an optional int, no value meaning every layer."""
    return Annotated[int | None, typer.Option("--depth", "-d", min=1, help=help, show_default="every layer")]


Kwargs = Annotated[
    str | None,
    typer.Option("--kwargs", help="Keywords for a file or library model, as JSON: '{\"num_classes\": 10}'."),
]
Freeze = Annotated[
    str | None,
    typer.Option(
        "--freeze",
        help="Transfer learning: freeze the parameters up to this layer (a module name such as features, "
        "a number N for the first N layers with parameters, or conv5 / fc6); counts trainable vs frozen "
        "and the training memory freezing saves.",
        show_default=False,
    ),
]
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Analyse afresh: neither read nor write the result cache (see 'cnnarch cache').",
    ),
]


class Mode(str, Enum):
    eval = "eval"
    train = "train"


ModeOption = Annotated[
    Mode,
    typer.Option(
        "--mode",
        help="Run the layers in eval or train mode (train: BatchNorm normalises with the batch's "
        "statistics, as a tool counting a training forward pass sees it).",
    ),
]


def mode_options(mode: Mode) -> dict[str, str]:
    """``mode`` for the analysis call, left out in eval mode (the default) so that a result cached
    before the option existed is still found."""
    return {"mode": mode.value} if mode is not Mode.eval else {}


OptimizerOption = Annotated[
    Optimizer,
    typer.Option(
        "--optimizer",
        help="Optimizer state in the training-step memory; 'none' leaves the training step out "
        "(it needs a second, training-mode trace).",
    ),
]


def convention_option(default_help: str) -> object:
    """``--convention`` with the registry's names; ``default_help`` says what no value means."""
    return Annotated[
        str | None,
        typer.Option("--convention", help=f"{convention_help()} {default_help}", show_default=False),
    ]


def plot_option(what: str) -> object:
    """``--plot FILE``: ``what`` the chart shows."""
    return Annotated[
        Path | None,
        typer.Option("--plot", help=f"Also write {what} (.png, .svg or .pdf).", show_default=False),
    ]


def builder_options(
    num_classes: int | None, in_channels: int | None, kwargs: str | None
) -> dict[str, object]:
    """The model builder's keywords from ``--num-classes``, ``--in-channels`` and ``--kwargs``."""
    from cnnarch.cli.console import parse_kwargs

    options: dict[str, object] = {"num_classes": num_classes, "in_channels": in_channels}
    options.update(parse_kwargs(kwargs))
    return options
