"""``cnnarch bench``: forward-pass latency of real-weight models on CPU or CUDA, explained
against the device's calibrated peak (a roofline view)."""

from __future__ import annotations

import io
import logging
import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cnnarch.bench.defaults import DEFAULT_MODELS
from cnnarch.cli.console import err, out, parse_kwargs, write
from cnnarch.cli.options import Input
from cnnarch.errors import CnnarchError

if TYPE_CHECKING:
    from cnnarch.bench.results import BenchRow, BenchRun

NAMES_HELP = (
    "Models: catalogue names (see 'cnnarch list'), quoted layer lists or layer-list files, file.py:Class, "
    f"torchvision:NAME, timm:NAME. None: {', '.join(DEFAULT_MODELS)}."
)


class BenchFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ProgressBar:
    """The runner's observer: a transient progress bar on stderr, one step per (model, batch)."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (  # only when a benchmark runs: the CLI's start-up stays light
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.run: BenchRun | None = None
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.task = self.progress.add_task("analysing", total=None)

    def started(self, run: BenchRun, total: int) -> None:
        self.run = run
        self.progress.update(self.task, total=total)

    def phase(self, model: str, batch: int, phase: str) -> None:
        where = f"{model} batch {batch}: " if model else ""
        self.progress.update(self.task, description=f"{where}{phase}")

    def finished(self, row: BenchRow) -> None:
        self.progress.advance(self.task)


def parse_batches(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",")]
    if not parts or not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise CnnarchError(f"--batch {text!r} is not a list of batch sizes", "e.g. 1 or 1,8,32")
    return tuple(int(p) for p in parts)


def bench(
    names: Annotated[list[str] | None, typer.Argument(help=NAMES_HELP, show_default=False)] = None,
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda or cuda:N.")] = "auto",
    batch: Annotated[str, typer.Option("--batch", "-b", help="Batch sizes, comma-separated.")] = "1",
    input: Input = None,
    dtype: Annotated[
        str,
        typer.Option(
            "--dtype", help="fp32, fp16 or bf16: weights and input are cast with .to(dtype); no autocast."
        ),
    ] = "fp32",
    channels_last: Annotated[
        bool, typer.Option("--channels-last", help="Model and input in channels-last memory format.")
    ] = False,
    compile: Annotated[
        bool,
        typer.Option(
            "--compile", help="Time torch.compile(model); its first call (compilation) is not timed."
        ),
    ] = False,
    warmup: Annotated[int, typer.Option("--warmup", min=0, help="Untimed iterations first, at least.")] = 3,
    warmup_time: Annotated[
        float | None,
        typer.Option(
            "--warmup-time",
            min=0,
            help="Untimed seconds first, at least (GPU time on CUDA: clocks ramp up).",
            show_default="1.0 on CUDA, 0.2 on CPU",
        ),
    ] = None,
    iters: Annotated[
        int | None, typer.Option("--iters", min=1, help="Timed iterations (instead of --min-time).")
    ] = None,
    min_time: Annotated[
        float | None,
        typer.Option(
            "--min-time",
            help="Seconds of timed iterations (GPU time on CUDA), and at least 5 iterations.",
            show_default="1.0",
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads", min=1, help="CPU threads (torch.set_num_threads).", show_default="torch's default"
        ),
    ] = None,
    layers: Annotated[
        bool, typer.Option("--layers", help="Per-layer time from torch.profiler, next to each layer's MACs.")
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Layers shown with --layers.")] = 10,
    kwargs: Annotated[
        str | None,
        typer.Option("--kwargs", help="Keywords for the models' builders, as JSON: '{\"num_classes\": 10}'."),
    ] = None,
    fmt: Annotated[BenchFormat, typer.Option("--format", "-f", help="Output format.")] = BenchFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the results to this file instead of stdout.")
    ] = None,
) -> None:
    """Time forward passes of real-weight models (random initialisation, eval mode, inference
    mode) and explain them: median, mean, p10/p90, min, IQR and CV per model and batch size,
    images/s, achieved FLOP/s as a share of the device's peak (calibrated by a matrix product of
    the same dtype), arithmetic intensity against the ridge point (compute- or memory-bound), and
    peak memory. On CUDA each latency is GPU time between two CUDA events, a run whose GPU waits for
    the host is marked launch-bound, and memory is counted above what was allocated before the
    model was built.

    Progress goes to stderr, results to stdout.
    Out of memory at a batch size is reported in its row and the run goes on.
    Ctrl-C prints the rows finished so far.

    Examples:

      cnnarch bench resnet18 lenet5 --batch 1,8 --iters 20

      cnnarch bench resnet50 --device cpu --threads 4 --min-time 3

      cnnarch bench --device cuda --batch 1,32,128 --dtype fp16 --channels-last

      cnnarch bench resnet50 --device cuda:1 --compile --warmup 10

      cnnarch bench resnet50 --layers --top 5

      cnnarch bench alexnet vgg16 --input 3x256x256 --format json -o results.json

      cnnarch bench mobilenet-v2 --batch 1,16 --format csv

      cnnarch bench my_net.py:SmallNet "conv 64 k3 > relu > gap > flatten > fc 10" --input 3x32x32
    """
    if iters is not None and min_time is not None:
        raise CnnarchError("give --iters or --min-time, not both")
    most = max(256, 4 * (os.cpu_count() or 1))  # torch crashes on absurd thread counts (100000)
    if threads is not None and threads > most:
        raise CnnarchError(f"--threads {threads} is more than this machine can use", f"give at most {most}")
    if output is not None and not output.expanduser().parent.is_dir():  # checked before any work
        raise CnnarchError(f"cannot write {output}: no folder {output.expanduser().parent}")
    # Kineto (the profiler behind the CPU memory figure and --layers) logs to stderr from C++;
    # the level is read when torch loads, so set it before the first torch import.
    os.environ.setdefault("KINETO_LOG_LEVEL", "6")
    if compile:  # Inductor's C++ toolchain probe warns about CUDA_HOME even for a CPU run
        logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
    from cnnarch.bench import runner

    batches = parse_batches(batch)
    size = input[0] if input and len(input) == 1 else input or None  # several: a multi-input model
    skipped: list[str] = []
    if not names:
        names, skipped = runner.default_models()
    settings = runner.BenchSettings(
        device=device, batches=batches, input_size=size, dtype=dtype, channels_last=channels_last,
        compile=compile, warmup=warmup, warmup_time=warmup_time, iters=iters,
        min_time=1.0 if min_time is None else min_time, threads=threads, layers=layers, top_k=top,
        options=parse_kwargs(kwargs),
    )  # fmt: skip
    bar = ProgressBar(err)
    try:
        with bar.progress:
            result = runner.run(list(names), settings, bar)
    except KeyboardInterrupt:
        if bar.run is None:
            err.print("interrupted before any row finished")
            raise typer.Exit(130) from None
        bar.run.interrupted = True
        bar.run.skipped = skipped
        _emit(bar.run, fmt, output)
        err.print(f"interrupted: {len(bar.run.rows)} row(s) finished")
        raise typer.Exit(130) from None
    result.skipped = skipped
    _emit(result, fmt, output)
    if any(row.status == "error" for row in result.rows):
        raise typer.Exit(1)


def _emit(run: BenchRun, fmt: BenchFormat, output: Path | None) -> None:
    from cnnarch.render import bench as render

    if fmt is BenchFormat.json:
        text = render.to_json(run)
    elif fmt is BenchFormat.csv:
        text = render.to_csv(run)
    elif output is None:
        render.print_table(run, out)
        return
    else:
        console = Console(record=True, width=200, file=io.StringIO(), no_color=True)
        render.print_table(run, console)
        text = console.export_text()
    if output is None:
        write(text)
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n")
    except OSError as error:
        raise CnnarchError(f"cannot write {output}: {error.strerror}") from None
    err.print(f"wrote {len(run.rows)} row(s) to {output}", highlight=False, markup=False)
