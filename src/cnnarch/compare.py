"""Several architectures side by side: one analysis per model, one row per figure.

``compare(names)`` checks every name first (an unknown one fails before anything is traced),
analyses each model once with ``api.analyze`` (the figures are the ones ``summary`` prints) and
returns a plain ``Comparison``: the models, the input each ran at, and rows of figures with the
best value marked and each value's ratio to the first model's. Renderers and charts read it.

Figures derived here from a report (each a small function below):

- **weight layers**: convolutions and dense layers (rows whose work is a convolution or a
  matrix product and that hold weights), a module called twice counted once;
- **depth**: the most weight layers on any path from the input to an output, through branches
  and shortcuts; it is the count papers give (VGG-16 16, GoogLeNet 22, ResNet-50 50,
  DenseNet-121 121): parallel branches and projection shortcuts do not add to it;
- **receptive field at the last spatial layer**: that of the last layer whose output still has
  a spatial extent larger than 1x1 (after it, global pooling sees the whole input);
- **dense share of parameters**: parameters of dense layers (rows whose work is a matrix
  product) over all parameters;
- **convolution share of MACs**: convolution MACs over all MACs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import prod
from typing import TYPE_CHECKING, Any, Literal

from cnnarch.errors import CnnarchError, UnknownModelError
from cnnarch.inputs import format_shape
from cnnarch.report import Layer, Report

if TYPE_CHECKING:
    from cnnarch.catalogue.spec import ModelSpec

Better = Literal["lower", "higher"]
Unit = Literal["count", "bytes", "percent", "share", "integer", "pixels", "text"]
"""How a renderer formats a row: ``count`` 138.36M, ``bytes`` 527.79 MiB, ``percent`` a
published accuracy in %, ``share`` a fraction 0..1, ``pixels`` a receptive field per axis."""

RATIO_UNITS = ("count", "bytes")
"""Rows whose values are compared as ratios to the first model (percent rows as differences)."""


@dataclass
class Row:
    key: str
    label: str
    unit: Unit
    values: list[Any]
    """One per model, in the comparison's order; None where there is no figure."""
    better: Better | None = None
    """Which way is better; None for rows that are context, not a score (depth, input)."""
    best: list[int] = field(default_factory=list)
    """Indices of the models holding the best value (ties all marked); empty when fewer than
    two models have a value or the row has no direction."""
    ratios: list[float | None] = field(default_factory=list)
    """Count and byte rows: value / the first model's value."""
    differences: list[float | None] = field(default_factory=list)
    """Percent rows: value − the first model's value, in percentage points."""
    notes: list[str | None] = field(default_factory=list)
    """Per model: where a published figure comes from, why a figure is missing, which layer."""
    description: str = ""


@dataclass
class Comparison:
    models: list[str]
    inputs: list[list[int]]
    """The per-sample input (C, H, W) each model ran at."""
    input_given: bool
    """``--input`` was given; otherwise each model ran at its own default."""
    batch: int
    dtype: str
    optimizer: str | None
    """The optimizer of the training-step row; None when that row was not computed."""
    convention: str | None
    rows: list[Row]
    notes: list[str] = field(default_factory=list)

    def row(self, key: str) -> Row:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    def has(self, key: str) -> bool:
        return any(row.key == key for row in self.rows)


# -- names -----------------------------------------------------------------------------------


@dataclass
class Target:
    """One model to analyse: the text ``analyze`` gets, the name it is shown under, and the
    other spellings the user gave for it (an alias, a repeat)."""

    text: str
    name: str
    spec: ModelSpec | None = None
    given: list[str] = field(default_factory=list)


def resolve_names(names: Sequence[str]) -> list[Target]:
    """Check every name before anything is traced and merge repeats (an alias and its entry
    are one model). Catalogue names cost a dictionary look-up; anything else goes to the source
    resolvers (a layer list is parsed). Unknown names raise one error naming each, with the
    nearest catalogue name."""
    from cnnarch.catalogue import get_spec, is_known
    from cnnarch.sources import resolve_text

    targets: dict[str, Target] = {}
    problems: list[CnnarchError] = []
    for text in names:
        try:
            if is_known(text):
                spec = get_spec(text)
                key, target = spec.name, Target(spec.name, spec.name, spec)
            else:
                source = resolve_text(text, {})
                key, target = text.strip(), Target(text, source.name)
        except CnnarchError as problem:
            problems.append(problem)
            continue
        targets.setdefault(key, target).given.append(text)
    if problems:
        if len(problems) == 1:
            raise problems[0]
        raise UnknownModelError("; ".join(str(p) for p in problems))
    if not targets:
        raise CnnarchError("no models to compare", "name one or more, e.g. cnnarch compare alexnet vgg16")
    _unique_display_names(list(targets.values()))
    return list(targets.values())


def _unique_display_names(targets: list[Target]) -> None:
    seen: dict[str, int] = {}
    for target in targets:
        seen[target.name] = seen.get(target.name, 0) + 1
        if seen[target.name] > 1:
            target.name = f"{target.name} #{seen[target.name]}"


# -- figures of one report -------------------------------------------------------------------


def is_weight_layer(layer: Layer) -> bool:
    """A convolution or dense layer: its work is a convolution or matrix product and it holds
    weights (a later call of a shared module holds them too, counted at its first call)."""
    work = layer.breakdown
    return bool(work.get("conv") or work.get("linear")) and (layer.params > 0 or layer.shared)


def weight_layers(report: Report) -> int:
    return sum(1 for layer in report.layers if is_weight_layer(layer) and not layer.shared)


def depth(report: Report) -> int:
    """The most weight layers on any path through the network.

    Each row reads the rows named in ``inputs``; a name called several times (a shared ReLU)
    means its most recent call, the one whose output the row can read."""
    longest: dict[str, int] = {"input": 0}
    deepest = 0
    for layer in report.layers:
        here = max((longest.get(name, 0) for name in layer.inputs), default=0) + is_weight_layer(layer)
        longest[layer.name] = here
        deepest = max(deepest, here)
    return deepest


def last_spatial_layer(report: Report) -> Layer | None:
    """The last layer whose output has a spatial extent larger than 1x1 and a receptive field."""
    for layer in reversed(report.layers):
        shape = layer.output_shape
        if len(shape) >= 3 and prod(shape[2:]) > 1 and layer.receptive_field:
            return layer
    return None


def dense_param_share(report: Report) -> float | None:
    if not report.totals.params:
        return None
    dense = sum(
        layer.params
        for layer in report.layers
        if layer.breakdown.get("linear") and not layer.breakdown.get("conv")
    )
    return dense / report.totals.params


def conv_mac_share(report: Report) -> float | None:
    if not report.totals.macs:
        return None
    conv = sum(layer.breakdown.get("conv", 0) for layer in report.layers)
    return conv / report.totals.macs


def published(spec: ModelSpec | None, key: str) -> tuple[float | None, str | None]:
    """The catalogue's published figure and its source (the first source that prints it)."""
    if spec is None:
        return None, None
    for entry in spec.published:
        value = getattr(entry, key)
        if value is not None:
            return value, entry.source
    return None, None


# -- the comparison --------------------------------------------------------------------------


@dataclass
class Analysed:
    """One model's report, with what the comparison needs beside it."""

    target: Target
    report: Report
    training_error: str | None = None
    """Why the training-step memory could not be computed (e.g. batch norm at batch 1)."""


def compare(
    names: Sequence[str],
    input_size: str | int | None = None,
    *,
    batch: int = 1,
    dtype: str = "fp32",
    optimizer: str | None = "adam",
    convention: str | None = None,
    on_model: Callable[[str, int, int], None] | None = None,
) -> Comparison:
    """Analyse each named model once and put the figures side by side.

    ``optimizer=None`` leaves out the training-step memory (it needs a second, training-mode
    trace of each model). ``convention`` adds a row counting operations under that convention
    (``analysis/conventions.py``). ``on_model(name, index, count)`` is called before each
    analysis (for a progress bar).
    """
    from cnnarch.api import dtype_of

    dtype_of(dtype)  # every option is checked before any work
    if optimizer is not None:
        from cnnarch.analysis.training_memory import OPTIMIZER_STATE

        if optimizer not in OPTIMIZER_STATE:
            raise CnnarchError(
                f"unknown optimizer {optimizer!r}", f"use one of: {', '.join(OPTIMIZER_STATE)}"
            )
    if convention is not None:
        from cnnarch.analysis import conventions

        convention = conventions.get(convention).name
    if batch < 1:
        raise CnnarchError(f"--batch {batch} must be at least 1")
    targets = resolve_names(names)
    analysed = []
    for index, target in enumerate(targets):
        if on_model is not None:
            on_model(target.name, index, len(targets))
        analysed.append(_analyse(target, input_size, batch, dtype, optimizer, convention))
    return build(analysed, input_given=input_size is not None, optimizer=optimizer, convention=convention)


def _analyse(
    target: Target,
    input_size: str | int | None,
    batch: int,
    dtype: str,
    optimizer: str | None,
    convention: str | None,
) -> Analysed:
    from cnnarch.analysis.memory_report import build_memory
    from cnnarch.api import analyze

    kwargs: dict[str, Any] = {"batch": batch, "dtype": dtype, "convention": convention or "macs"}
    try:
        if optimizer is None:
            report = analyze(target.text, input_size, **kwargs)
            report.memory = build_memory(report)
            return Analysed(target, report)
        try:
            return Analysed(
                target, analyze(target.text, input_size, memory=True, optimizer=optimizer, **kwargs)
            )
        except CnnarchError as training_failure:
            # The forward pass may still work (batch norm refuses one value per channel only
            # in training mode): keep its figures and say why the training step is missing.
            report = analyze(target.text, input_size, **kwargs)
            report.memory = build_memory(report)
            return Analysed(target, report, training_error=training_failure.message)
    except CnnarchError as problem:
        if problem.message.startswith(target.name):
            raise
        raise type(problem)(f"{target.name}: {problem.message}", problem.hint) from problem


def build(
    analysed: Sequence[Analysed],
    *,
    input_given: bool = False,
    optimizer: str | None = "adam",
    convention: str | None = None,
) -> Comparison:
    """The comparison of reports already made (no tracing here)."""
    reports = [a.report for a in analysed]
    specs = [a.target.spec for a in analysed]
    inputs = [list(r.input_shape[1:]) for r in reports]
    rows: list[Row] = []

    def add(
        key: str, label: str, unit: Unit, values: list[Any], better: Better | None = None, **kw: Any
    ) -> Row:
        row = Row(key, label, unit, values, better, **kw)
        _mark(row)
        rows.append(row)
        return row

    defaults = [tuple(s.input) if s is not None else None for s in specs]
    add(
        "input",
        "input (C×H×W)",
        "text",
        [format_shape(i) for i in inputs],
        notes=["--input" if input_given else ("default" if d is not None else None) for d in defaults],
        description="the per-sample input each model ran at",
    )
    add("params", "parameters", "count", [r.totals.params for r in reports], "lower",
        description="weights and biases, trainable and frozen, each shared tensor once")  # fmt: skip
    add("macs", "MACs", "count", [r.totals.macs for r in reports], "lower",
        description="multiply-accumulates of convolutions and matrix products, bias excluded")  # fmt: skip
    add("flops", "FLOPs (2 × MACs)", "count", [r.totals.flops for r in reports], "lower")
    if convention is not None and convention not in ("macs", "flops"):
        from cnnarch.analysis import conventions

        spec = conventions.get(convention)
        add(
            f"ops_{convention}",
            spec.label,
            "count",
            [conventions.total(r, convention) for r in reports],
            "lower",
            description=f"{spec.summary} (as {spec.tool})",
        )
    add("param_bytes", "parameter memory", "bytes", [r.totals.param_bytes for r in reports], "lower")
    add("activation_bytes", "activation memory (sum of layer outputs)", "bytes",
        [r.totals.activation_bytes for r in reports], "lower",
        description="every layer's output added up, as lecture tables count them")  # fmt: skip
    memories = [r.memory for r in reports]
    add(
        "inference_peak_bytes",
        "inference peak activations",
        "bytes",
        [m.inference_peak_bytes if m else None for m in memories],
        "lower",
        notes=[m.inference_peak_layer if m else None for m in memories],
        description="activations alive at once in a forward pass, input included",
    )
    add(
        "inference_total_bytes",
        "inference total memory",
        "bytes",
        [m.inference_total_bytes if m else None for m in memories],
        "lower",
        description="parameters + buffers + inference peak",
    )
    if optimizer is not None:
        add(
            "training_total_bytes",
            f"training step memory ({optimizer})",
            "bytes",
            [m.training_total_bytes if m is not None and m.optimizer is not None else None for m in memories],
            "lower",
            notes=[a.training_error for a in analysed],
            description="parameters + buffers + gradients + optimizer state + the larger activation peak",
        )
    add("weight_layers", "weight layers", "integer", [weight_layers(r) for r in reports],
        description="convolutions and dense layers, a shared module once")  # fmt: skip
    add("depth", "depth (weight layers on the longest path)", "integer", [depth(r) for r in reports],
        description="the most weight layers on any path from input to output")  # fmt: skip
    last = [last_spatial_layer(r) for r in reports]
    add(
        "receptive_field",
        "receptive field at the last spatial layer",
        "pixels",
        [layer.receptive_field if layer else None for layer in last],
        notes=[layer.name if layer else None for layer in last],
        description="of the last layer whose output is larger than 1x1, in input pixels",
    )
    for key, label in (("top1", "published top-1"), ("top5", "published top-5")):
        found = [published(s, key) for s in specs]
        if any(v is not None for v, _ in found):
            add(key, label, "percent", [v for v, _ in found], "higher", notes=[s for _, s in found])
    add("dense_param_share", "share of parameters in dense layers", "share",
        [dense_param_share(r) for r in reports])  # fmt: skip
    add("conv_mac_share", "share of MACs in convolutions", "share", [conv_mac_share(r) for r in reports])
    return Comparison(
        models=[a.target.name for a in analysed],
        inputs=inputs,
        input_given=input_given,
        batch=reports[0].input_shape[0] if reports and reports[0].input_shape else 1,
        dtype=reports[0].dtype if reports else "fp32",
        optimizer=optimizer,
        convention=convention,
        rows=rows,
        notes=_notes(analysed, inputs, input_given),
    )


def _mark(row: Row) -> None:
    """Best values, and each value against the first model's."""
    numbers = [v if isinstance(v, int | float) and not isinstance(v, bool) else None for v in row.values]
    present = [(i, v) for i, v in enumerate(numbers) if v is not None]
    if row.better is not None and len(present) >= 2:
        pick = min if row.better == "lower" else max
        best = pick(v for _, v in present)
        row.best = [i for i, v in present if v == best]
    first = numbers[0] if numbers else None
    if row.unit in RATIO_UNITS:
        row.ratios = [v / first if v is not None and first else None for v in numbers]
    elif row.unit == "percent":
        row.differences = [v - first if v is not None and first is not None else None for v in numbers]
    if not row.notes:
        row.notes = [None] * len(row.values)


def _notes(analysed: Sequence[Analysed], inputs: list[list[int]], input_given: bool) -> list[str]:
    notes = []
    merged = [a for a in analysed if len(a.target.given) > 1]
    for a in merged:
        notes.append(
            f"{', '.join(repr(g) for g in a.target.given)} name one model: {a.target.name}, analysed once"
        )
    if not input_given and len({tuple(i) for i in inputs}) > 1:
        sizes = ", ".join(f"{a.target.name} {format_shape(i)}" for a, i in zip(analysed, inputs, strict=True))
        notes.append(
            f"each model ran at its own default input ({sizes}); operations and activations grow "
            "with the input area: --input compares all at one size"
        )
    if input_given:
        moved = [
            a.target.name
            for a, i in zip(analysed, inputs, strict=True)
            if tuple(i) != tuple(a.target.spec.input if a.target.spec else i)
            and any(published(a.target.spec, k)[0] is not None for k in ("top1", "top5"))
        ]
        if moved:
            notes.append(
                f"published accuracies hold at each model's own input, not at --input ({', '.join(moved)})"
            )
    for a in analysed:
        if a.training_error:
            where = "" if a.training_error.startswith(a.target.name) else f"{a.target.name}: "
            notes.append(f"no training-step figure: {where}{a.training_error}")
        notes += [f"{a.target.name}: {note}" for note in a.report.notes]
        unknown = a.report.totals.unknown_ops
        if unknown:
            ops = ", ".join(f"{k} x{v}" for k, v in sorted(unknown.items()))
            notes.append(f"{a.target.name}: operations without a rule (not counted, not zero): {ops}")
    return notes
