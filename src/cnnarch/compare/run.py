"""Analyze each model once and lay the figures of ``FIGURES`` side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cnnarch.compare.figures import FIGURES, AnalyzedModel, Settings, published
from cnnarch.compare.model import Comparison, FigureRow, mark_best
from cnnarch.compare.names import Target, resolve_names
from cnnarch.errors import CnnarchError
from cnnarch.inputs import format_shape


def compare(
    names: Sequence[str],
    input_size: str | int | list[str] | None = None,
    *,
    batch: int = 1,
    dtype: str = "fp32",
    optimizer: str | None = "adam",
    convention: str | None = None,
    on_model: Callable[[str, int, int], None] | None = None,
    use_cache: bool = True,
    against: str | None = None,
    freeze: str | None = None,
    mode: str = "eval",
) -> Comparison:
    """Analyze each named model once and put the figures side by side.

    ``optimizer=None`` leaves out the training-step memory (it needs a second, training-mode
    trace of each model). ``convention`` adds a row counting operations under that convention
    (``analysis/conventions.py``). ``on_model(name, index, count)`` is called before each
    analysis (for a progress bar). Reports the result cache holds are read from it
    (``use_cache=False``: none are). ``against`` names the model every ratio is set against
    (the first by default); ``freeze`` freezes each model up to that layer (``cnnarch.freeze``);
    ``mode="train"`` runs the layers in training mode (``cnnarch.analyze``).
    """
    from cnnarch.cache.store import enabled

    def check_options() -> None:  # every option before any work
        from cnnarch.api import check_options  # imports torch: only when a model is traced

        check_options(dtype, optimizer, convention or "macs")

    use_cache = use_cache and enabled()
    if not use_cache:
        check_options()
    if convention is not None:
        from cnnarch.analysis import conventions

        convention = conventions.get(convention).name
    if batch < 1:
        raise CnnarchError(f"--batch {batch} must be at least 1")
    if isinstance(input_size, list):
        input_size = input_size or None
    targets = resolve_names(names)
    reference = _reference(targets, against)
    settings = (input_size, batch, dtype, optimizer, convention, use_cache, freeze, mode)
    if use_cache and not all(_cached(target, *settings) for target in targets):
        check_options()  # a stored report was made with valid options: none to check when all are
    analyzed = []
    for index, target in enumerate(targets):
        if on_model is not None:
            on_model(target.name, index, len(targets))
        analyzed.append(_analyze(target, *settings))
    return build(
        analyzed,
        input_given=input_size is not None,
        optimizer=optimizer,
        convention=convention,
        against=reference,
    )


def _reference(targets: Sequence[Target], against: str | None) -> int:
    """The index of the ``--against`` model among the compared ones (0 when not given)."""
    if against is None:
        return 0
    for i, target in enumerate(targets):
        if against == target.name or against in target.given:
            return i
    names = ", ".join(t.name for t in targets)
    raise CnnarchError(f"--against {against!r} is not one of the compared models", f"use one of: {names}")


def _cached(
    target: Target,
    input_size: Any,
    batch: int,
    dtype: str,
    optimizer: str | None,
    convention: str | None,
    use_cache: bool,
    freeze: str | None = None,
    mode: str = "eval",
) -> bool:
    """Whether the result cache holds this model's report (made with valid options, so none
    needs checking again)."""
    from cnnarch.cache import results

    kwargs: dict[str, Any] = {"batch": batch, "dtype": dtype, "convention": convention or "macs"}
    if freeze is not None:
        kwargs["freeze"] = freeze
    if mode != "eval":  # left out in eval mode: the key a result was cached under before
        kwargs["mode"] = mode
    return use_cache and results.is_cached(
        target.text, input_size, memory=True, optimizer=optimizer, **kwargs
    )


def _analyze(
    target: Target,
    input_size: Any,
    batch: int,
    dtype: str,
    optimizer: str | None,
    convention: str | None,
    use_cache: bool = True,
    freeze: str | None = None,
    mode: str = "eval",
) -> AnalyzedModel:
    from functools import partial

    from cnnarch.cache import results

    analyze = partial(results.analyze, use_cache=use_cache)  # api.analyze, or its stored report
    kwargs: dict[str, Any] = {"batch": batch, "dtype": dtype, "convention": convention or "macs"}
    if freeze is not None:
        kwargs["freeze"] = freeze
    if mode != "eval":  # left out in eval mode: the key a result was cached under before
        kwargs["mode"] = mode
    try:
        try:
            report = analyze(target.text, input_size, memory=True, optimizer=optimizer, **kwargs)
            return AnalyzedModel(target, report)
        except CnnarchError as training_failure:
            if optimizer is None:
                raise
            # The forward pass may still work (batch norm refuses one value per channel only
            # in training mode): keep its figures and say why the training step is missing.
            report = analyze(target.text, input_size, memory=True, optimizer=None, **kwargs)
            return AnalyzedModel(target, report, training_error=training_failure.message)
    except CnnarchError as problem:
        if problem.message.startswith(target.name):
            raise
        raise type(problem)(f"{target.name}: {problem.message}", problem.hint) from problem


def build(
    analyzed: Sequence[AnalyzedModel],
    *,
    input_given: bool = False,
    optimizer: str | None = "adam",
    convention: str | None = None,
    against: int = 0,
) -> Comparison:
    """The comparison of reports already made (no tracing here): one row per figure shown."""
    reports = [a.report for a in analyzed]
    counting = reports[0].counting if reports else None
    settings = Settings(
        input_given=input_given,
        optimizer=optimizer,
        convention=convention,
        convention_label=counting.label if counting else "",
        convention_rule=f"{counting.summary} (as {counting.tool})" if counting else "",
    )
    fill = vars(settings)
    rows: list[FigureRow] = []
    for figure in FIGURES:
        if not figure.shown(settings):
            continue
        values = [figure.value(a) for a in analyzed]
        if figure.optional and all(v is None for v in values):
            continue
        notes = [figure.note(a, settings) for a in analyzed] if figure.note else []
        row = FigureRow(
            figure.key.format(**fill),
            figure.label.format(**fill),
            figure.unit,
            values,
            figure.better,
            notes=notes,
            description=figure.description.format(**fill),
        )
        mark_best(row, against)
        rows.append(row)
    inputs = [list(r.input_shape[1:]) for r in reports]
    return Comparison(
        models=[a.target.name for a in analyzed],
        inputs=inputs,
        input_given=input_given,
        batch=reports[0].input_shape[0] if reports and reports[0].input_shape else 1,
        dtype=reports[0].dtype if reports else "fp32",
        optimizer=optimizer,
        convention=convention,
        rows=rows,
        notes=_notes(analyzed, inputs, input_given),
        against=against,
    )


def _notes(analyzed: Sequence[AnalyzedModel], inputs: list[list[int]], input_given: bool) -> list[str]:
    notes = []
    merged = [a for a in analyzed if len(a.target.given) > 1]
    for a in merged:
        notes.append(
            f"{', '.join(repr(g) for g in a.target.given)} name one model: {a.target.name}, analysed once"
        )
    if not input_given and len({tuple(i) for i in inputs}) > 1:
        sizes = ", ".join(f"{a.target.name} {format_shape(i)}" for a, i in zip(analyzed, inputs, strict=True))
        notes.append(
            f"each model ran at its own default input ({sizes}); operations and activations grow "
            "with the input area: --input compares all at one size"
        )
    if input_given:
        moved = [
            a.target.name
            for a, i in zip(analyzed, inputs, strict=True)
            if tuple(i) != tuple(a.target.spec.input if a.target.spec else i)
            and any(published(a.target.spec, k)[0] is not None for k in ("top1", "top5"))
        ]
        if moved:
            notes.append(
                f"published accuracies hold at each model's own input, not at --input ({', '.join(moved)})"
            )
    for a in analyzed:
        if a.training_error:
            where = "" if a.training_error.startswith(a.target.name) else f"{a.target.name}: "
            notes.append(f"no training-step figure: {where}{a.training_error}")
        notes += [f"{a.target.name}: {note}" for note in a.report.notes]
        unknown = a.report.totals.unknown_ops
        if unknown:
            ops = ", ".join(f"{k} x{v}" for k, v in sorted(unknown.items()))
            notes.append(f"{a.target.name}: operations without a rule (not counted, not zero): {ops}")
    return notes
