"""``cnnarch compare``: architectures side by side, with an accuracy-vs-operations chart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cnnarch.cli.console import Format, err, out, write

MODELS_HELP = (
    "Models to compare: catalogue names (see 'cnnarch list') or anything 'summary' accepts, "
    "e.g. a quoted layer list."
)
INPUT_HELP = (
    "One input size for every model: 224, 224x224 or 3x224x224. Without it each model runs at "
    "its own default (the table says which)."
)


class TrainingOptimizer(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"
    none = "none"


def compare(
    models: Annotated[list[str], typer.Argument(help=MODELS_HELP, show_default=False)],
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help=INPUT_HELP, show_default="each model's default"),
    ] = None,
    batch: Annotated[
        int, typer.Option("--batch", "-b", min=1, help="Batch size: operations and memory are per batch.")
    ] = 1,
    dtype: Annotated[
        str, typer.Option("--dtype", help="Element type for memory figures: fp32, fp16, bf16.")
    ] = "fp32",
    optimizer: Annotated[
        TrainingOptimizer,
        typer.Option(
            "--optimizer",
            help="Optimizer state in the training-step memory row; 'none' leaves the row out "
            "(it needs a second, training-mode trace of each model).",
        ),
    ] = TrainingOptimizer.adam,
    convention: Annotated[
        str | None,
        typer.Option(
            "--convention",
            help="Add a row counting operations as another tool does: macs, flops, fvcore, thop, "
            "ptflops, torchinfo, torch.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also write a chart (.png, .svg or .pdf): top-1 against GMACs, bubble area ∝ "
            "parameters, for models with a published top-1; otherwise parameters against MACs.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Put several architectures side by side: parameters, MACs, FLOPs, memory, depth,
    receptive field and published accuracy, one column per model, the best value in each row
    marked and each figure set against the first model's.

    Each model is analysed once, exactly as 'cnnarch summary' analyses it; every name is
    checked before any analysis starts.

    Examples:

      cnnarch compare alexnet vgg16 googlenet resnet50

      cnnarch compare resnet18 resnet50 mobilenet-v2 --input 160 --format markdown

      cnnarch compare alexnet vgg16 resnet50 mobilenet-v2 --plot chart.png

      cnnarch compare vgg16 resnet50 --batch 32 --optimizer sgd --convention fvcore
    """
    from cnnarch.compare import compare as run_compare
    from cnnarch.plots.files import check_plot_path
    from cnnarch.render import compare as render

    if plot is not None:
        check_plot_path(plot)
    with _progress(len(models)) as on_model:
        comparison = run_compare(
            models,
            input,
            batch=batch,
            dtype=dtype,
            optimizer=None if optimizer is TrainingOptimizer.none else optimizer.value,
            convention=convention,
            on_model=on_model,
        )
    if fmt is Format.json:
        write(render.to_json(comparison))
    elif fmt is Format.csv:
        write(render.to_csv(comparison))
    elif fmt is Format.markdown:
        write(render.to_markdown(comparison))
    else:
        render.print_table(comparison, out)
    if plot is not None:
        from cnnarch.plots import compare_bubble

        compare_bubble(comparison, plot)
        err.print(f"wrote {plot}", markup=False, highlight=False)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on stderr while models are analysed (on a terminal, for several)."""
    if total < 2 or not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("analysing {task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("", total=total)

        def on_model(name: str, index: int, count: int) -> None:
            bar.update(task, description=name, completed=index, total=count)

        yield on_model
