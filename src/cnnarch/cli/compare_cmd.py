"""``cnnarch compare``: architectures side by side, with an accuracy-vs-operations chart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cnnarch.cli import console
from cnnarch.cli.console import Format, write
from cnnarch.cli.options import (
    Batch,
    Dtype,
    Freeze,
    Input,
    Mode,
    Models,
    ModeOption,
    NoCache,
    Optimizer,
    OptimizerOption,
    OutputFormat,
    convention_option,
    exact_inputs,
    plot_option,
)

Convention = convention_option("It adds a row with that count (default: none).")
Plot = plot_option(
    "a chart: top-1 against GMACs, bubble area ∝ parameters, for models with a published top-1; "
    "otherwise parameters against MACs"
)

Html = Annotated[
    Path | None,
    typer.Option(
        "--html",
        help="Also write one self-contained HTML page: this comparison and each model's full report "
        "(diagram, layer table, memory, conventions).",
        show_default=False,
    ),
]


def compare(
    models: Models,
    input: Input = None,
    batch: Batch = 1,
    dtype: Dtype = "fp32",
    optimizer: OptimizerOption = Optimizer.adam,
    convention: Convention = None,
    fmt: OutputFormat = Format.table,
    plot: Plot = None,
    html: Html = None,
    no_cache: NoCache = False,
    against: Annotated[
        str | None,
        typer.Option(
            "--against", help="Set every ratio against this model (default: the first).", show_default=False
        ),
    ] = None,
    freeze: Freeze = None,
    mode: ModeOption = Mode.eval,
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

      cnnarch compare alexnet vgg16 resnet50 --html compare.html

      cnnarch compare alexnet vgg16 googlenet --against googlenet
    """
    from cnnarch.compare import compare as run_compare
    from cnnarch.plots.files import check_plot_path
    from cnnarch.render import compare as render
    from cnnarch.render.table import write as emit

    if plot is not None:
        check_plot_path(plot)
    if html is not None:
        from cnnarch.cli.report_cmd import check_page_path

        check_page_path(html, option="--html")
    exact_inputs(input, batch, where="compare")  # its figures are per sample: a batch axis it adds
    with _progress(len(models)) as on_model:
        comparison = run_compare(
            models,
            input,
            batch=batch,
            dtype=dtype,
            optimizer=optimizer.name_or_none,
            convention=convention,
            on_model=on_model,
            use_cache=not no_cache,
            against=against,
            freeze=freeze,
            mode=mode.value,
        )
    emit(render.document(comparison), fmt.value, lambda: console.out, write)
    if plot is not None:
        from cnnarch.plots import compare_bubble

        compare_bubble(comparison, plot)
        console.err.print(f"wrote {plot}", markup=False, highlight=False)
    if html is not None:
        from cnnarch.html_report import write_compare

        with console.err.status("writing the HTML page"):
            write_compare(
                comparison,
                html,
                batch=batch,
                dtype=dtype,
                optimizer=optimizer.name_or_none,
                **({"mode": mode.value} if mode is not Mode.eval else {}),
                **({"freeze": freeze} if freeze is not None else {}),
            )
        console.err.print(f"wrote {html}", markup=False, highlight=False)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on stderr while models are analysed (on a terminal, for several)."""
    if total < 2 or not console.err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("analysing {task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console.err, transient=True) as bar:
        task = bar.add_task("", total=total)

        def on_model(name: str, index: int, count: int) -> None:
            bar.update(task, description=name, completed=index, total=count)

        yield on_model
