"""Analyse a small network written as a layer list, through the same pipeline as ``summary``.

Every calculator answer is a tiny network (one convolution, three stacked 3x3s ...) written in
the layer-list language and analysed like ``summary`` does (rows, receptive fields, report): its
numbers are the summary's numbers by construction. Its trace is written in plain Python
(``plain_trace``) where the layers allow, so that arithmetic never waits for ``import torch``;
any other layer list is built and traced on the meta device by ``api.analysis_of``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cnnarch.analysis.layers import Row, build_rows
from cnnarch.analysis.receptive_field import ReceptiveFields, receptive_fields
from cnnarch.analysis.summary import build_report
from cnnarch.calc.plain_trace import plain_trace
from cnnarch.dsl import DslError, Program, parse
from cnnarch.errors import CnnarchError
from cnnarch.explain import Explanation, explain
from cnnarch.inputs import format_shape
from cnnarch.report import Report
from cnnarch.trace.records import Trace

if TYPE_CHECKING:
    from cnnarch.api import Analysis

_SIZE = re.compile(r"^\s*(\d+)\s*(?:[xX×]\s*(\d+)\s*)?$")


@dataclass
class AnalyzedProgram:
    program: str
    analysis: Analysis | PlainAnalysis
    explanation: Explanation

    @property
    def report(self) -> Report:
        return self.analysis.report

    @property
    def trace(self) -> Trace:
        return self.analysis.trace


@dataclass
class PlainAnalysis:
    """What ``api.Analysis`` holds, for a trace written without torch (no module behind it)."""

    trace: Trace
    rows: list[Row]
    op_row: dict[int, int]
    receptive_fields: ReceptiveFields
    report: Report
    source: Any = None
    depth: int | None = None


def analyze_program(program: str, shape: tuple[int, ...], name: str = "calc") -> AnalyzedProgram:
    """Build ``program`` for per-sample input ``shape`` and analyze it as ``summary`` would."""
    try:
        parsed = parse(program)
        trace = plain_trace(parsed, shape, name)
        analysis = _torch_analysis(parsed, shape, name) if trace is None else _plain_analysis(trace)
    except DslError as problem:  # the program is ours; the user gave the numbers
        raise CnnarchError(
            f"{problem.problem} (as the layer list: {program}, input {format_shape(shape)})"
        ) from None
    return AnalyzedProgram(program, analysis, explain(analysis, program=program))  # type: ignore[arg-type]


def _plain_analysis(trace: Trace) -> PlainAnalysis:
    rows, op_row = build_rows(trace, None)
    rfs = receptive_fields(trace)
    report = build_report(trace, None, grouped=(rows, op_row), rfs=rfs)
    return PlainAnalysis(trace, rows, op_row, rfs, report)


def _torch_analysis(parsed: Program, shape: tuple[int, ...], name: str) -> Analysis:
    """The real module, traced on the meta device (a layer the plain trace does not write)."""
    import torch

    from cnnarch.api import analysis_of
    from cnnarch.dsl import build
    from cnnarch.sources.base import Source

    with torch.device("meta"):
        module = build(parsed, shape)
    return analysis_of(Source(module, name, shape, origin="layer-list"), shape)


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
