"""Derived figures that ``compare`` and ``list`` print bare, worked from a report's own numbers:
the share of parameters in dense (or convolutional) layers, the depth in weighted layers, and
"N× fewer parameters than X" between two models."""

from __future__ import annotations

from collections.abc import Callable

from cnnarch.errors import CnnarchError
from cnnarch.explain.model import Alternatives, Step
from cnnarch.explain.notation import count
from cnnarch.report import Report

FIGURES = ("dense-share", "conv-share", "depth", "fewer-than:MODEL")
MAX_TERMS = 8


def _kind(layer_type: str) -> str | None:
    if layer_type.startswith("Conv"):
        return "conv"
    if layer_type in ("Linear", "LazyLinear"):
        return "dense"
    return None


def _sum(values: list[int]) -> str:
    terms = [count(v) for v in values if v]
    if len(terms) > MAX_TERMS:
        return f"the sum over {len(terms)} layers"
    return " + ".join(terms) or "0"


def _share(report: Report, kind: str) -> Step:
    values = [x.params for x in report.layers if _kind(x.type) == kind and x.params]
    part, total = sum(values), report.totals.params
    word = {"dense": "dense (fully connected)", "conv": "convolutional"}[kind]
    share = part / total if total else 0.0
    return Step(
        f"Share of parameters in {word} layers?",
        f"{share:.1%}",
        value=share,
        working=(
            f"Σ {kind} = {_sum(values)} = {count(part)}; {count(part)} / {count(total)} = {share:.1%}"
            if len(values) > 1
            else f"{count(part)} / {count(total)} = {share:.1%}"
        ),
        notes=[f"{len(values)} {word} layers with parameters"],
    )


def _depth(report: Report) -> Step:
    convs = sum(1 for x in report.layers if _kind(x.type) == "conv" and x.params)
    dense = sum(1 for x in report.layers if _kind(x.type) == "dense" and x.params)
    return Step(
        "Depth (weighted layers)?",
        str(convs + dense),
        "convolutions + dense layers",
        f"{convs} + {dense}",
        convs + dense,
        ["the papers' depth counts layers with weights: VGG-16's 13 + 3, AlexNet's 5 + 3"],
    )


def _fewer(report: Report, other: Report) -> Step:
    a, b = report.totals.params, other.totals.params
    if a == 0 or b == 0:
        raise CnnarchError("a model without parameters has no ratio")
    more, fewer = (report, other) if a >= b else (other, report)
    ratio = max(a, b) / min(a, b)
    return Step(
        f"How many times fewer parameters than {other.model}?",
        f"{fewer.model} has {ratio:.1f}× fewer than {more.model}",
        value=ratio,
        working=(
            f"{more.model} / {fewer.model} = {count(more.totals.params)} / {count(fewer.totals.params)} "
            f"≈ {ratio:.2f}: {fewer.model} has {ratio:.1f}× fewer"
        ),
    )


def figures(report: Report, names: list[str], load: Callable[[str], Report]) -> Alternatives:
    """The figures ``names`` asks for, worked; ``load`` analyses another model (fewer-than:X)."""
    steps = []
    for name in names:
        key, _, arg = name.strip().partition(":")
        if key == "dense-share":
            steps.append(_share(report, "dense"))
        elif key == "conv-share":
            steps.append(_share(report, "conv"))
        elif key == "depth":
            steps.append(_depth(report))
        elif key == "fewer-than" and arg:
            steps.append(_fewer(report, load(arg)))
        else:
            raise CnnarchError(f"--figure {name!r} is not a figure", f"use one of: {', '.join(FIGURES)}")
    return Alternatives(f"{report.model}: derived figures, worked", [], steps)
