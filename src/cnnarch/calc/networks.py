"""Analyse a small network written as a layer list, through the same pipeline as ``summary``.

Every calculator answer is a tiny network (one convolution, three stacked 3x3s ...) built from
the layer-list language, traced on the meta device and analysed by ``build_report``: its numbers
are the summary's numbers by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from cnnarch.dsl import DslError, build, parse
from cnnarch.errors import CnnarchError
from cnnarch.explain import Explanation, explain
from cnnarch.inputs import format_shape
from cnnarch.report import Report
from cnnarch.sources.base import Source
from cnnarch.trace.records import Trace

if TYPE_CHECKING:
    from cnnarch.api import Analysis

_SIZE = re.compile(r"^\s*(\d+)\s*(?:[xX×]\s*(\d+)\s*)?$")


@dataclass
class Analysed:
    program: str
    analysis: Analysis
    explanation: Explanation

    @property
    def report(self) -> Report:
        return self.analysis.report

    @property
    def trace(self) -> Trace:
        return self.analysis.trace


def analyse(program: str, shape: tuple[int, ...], name: str = "calc") -> Analysed:
    """Build ``program`` for per-sample input ``shape`` and analyse it as ``summary`` would."""
    from cnnarch.api import analysis_of

    try:
        with torch.device("meta"):
            module = build(parse(program), shape)
    except DslError as problem:  # the program is ours; the user gave the numbers
        raise CnnarchError(
            f"{problem.problem} (as the layer list: {program}, input {format_shape(shape)})"
        ) from None
    analysis = analysis_of(Source(module, name, shape, origin="layer-list"), shape)
    return Analysed(program, analysis, explain(analysis, program=program))


def size_text(value: str, what: str, allow_zero: bool = False, words: tuple[str, ...] = ()) -> str:
    """``11`` or ``11x7`` (as the layer list writes it); a clear error for anything else."""
    text = value.strip().lower()
    if text in words:
        return text
    match = _SIZE.match(text)
    low = 0 if allow_zero else 1
    if match is None or any(int(g) < low for g in match.groups() if g is not None):
        extra = f" or {', '.join(words)}" if words else ""
        raise CnnarchError(
            f"{what} {value!r} is not a size: give a whole number >= {low} or HxW (e.g. 3 or 1x7){extra}"
        )
    h, w = match.group(1), match.group(2)
    return h if w is None or w == h else f"{h}x{w}"


def spatial(value: str, what: str = "the input size") -> tuple[int, int]:
    text = size_text(value, what)
    h, _, w = text.partition("x")
    return int(h), int(w or h)
