"""Worked answers as plain data: questions, the formula, the numbers substituted, the result.

Renderers (``cnnarch/render/explain.py``) turn these into text, Markdown or JSON; nothing here
formats for a terminal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Step:
    """One question answered: ``formula = substituted = result``."""

    question: str
    """``Output shape?``, ``Parameters?``, ``MACs?``, ``Receptive field?``."""
    result: str
    """``55 → [?, 55, 55, 96]``, ``34,944``."""
    formula: str | None = None
    """The general form in letters: ``(W − F + 2P)/S + 1``."""
    substituted: str | None = None
    """This layer's numbers: ``(227 − 11 + 2·0)/4 + 1``."""
    value: Any = None
    """The number(s) the result states, for JSON and tests: 34944, [55, 55], [11, 11] ..."""
    notes: list[str] = field(default_factory=list)
    trivial: bool = False
    """Nothing to work out (a ReLU keeps the shape, a pooling has no parameters)."""
    working: str | None = None
    """The whole line, where it is more than ``formula = substituted = result`` (a receptive
    field works out r and j: ``r = r_in + (F − 1)·j_in = 1 + (11 − 1)·1 = 11; j = j_in·S = 1·4 = 4``)."""

    @property
    def line(self) -> str:
        """``(W − F + 2P)/S + 1 = (227 − 11 + 2·0)/4 + 1 = 55 → [?, 55, 55, 96]``."""
        if self.working:
            return self.working
        parts = [p for p in (self.formula, self.substituted) if p and p != self.result]
        return " = ".join([*parts, self.result])


@dataclass
class LayerAnswer:
    number: int
    """1-based, the summary's ``#``."""
    name: str
    type: str
    title: str
    """What the lectures would call it: ``Conv 96 [11x11] stride 4``."""
    inputs: list[str]
    """The layers this one reads (``input`` for the network input)."""
    input_shapes: list[list[int]]
    output_shape: list[int]
    steps: list[Step]
    notes: list[str] = field(default_factory=list)

    def step(self, question_start: str) -> Step:
        for s in self.steps:
            if s.question.startswith(question_start):
                return s
        raise KeyError(question_start)


@dataclass
class Heading:
    """A block or a branch: printed before the first layer it covers."""

    text: str
    level: int
    """1: a block (fork to merge), 2: one branch of it; deeper for nested blocks."""


@dataclass
class Explanation:
    model: str
    input_shape: list[int]
    parts: list[LayerAnswer | Heading]
    totals: list[Step]
    notes: list[str] = field(default_factory=list)
    program: str | None = None
    """The layer list this network was built from, for calculator answers."""

    @property
    def layers(self) -> list[LayerAnswer]:
        return [p for p in self.parts if isinstance(p, LayerAnswer)]

    def layer(self, name: str) -> LayerAnswer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["parts"] = [{"kind": type(p).__name__.lower(), **asdict(p)} for p in self.parts]
        return data


@dataclass
class Candidate:
    """One way of building something in a comparison (one 7x7 conv, or three 3x3)."""

    label: str
    program: str
    explanation: Explanation


@dataclass
class Alternatives:
    """Ways of building the same thing side by side (one 7x7 convolution or three 3x3s), each
    worked, with the verdict (``cnnarch calc stack``, ``factorize``, ``bottleneck``)."""

    title: str
    candidates: list[Candidate]
    verdict: list[Step]
    notes: list[str] = field(default_factory=list)
    details: bool = False
    """Text and Markdown show each candidate's layers worked in full (``--verbose``); the short
    answer is the comparison itself. JSON always carries everything."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "candidates": [
                {"label": c.label, "program": c.program, "explanation": c.explanation.to_dict()}
                for c in self.candidates
            ],
            "verdict": [asdict(s) for s in self.verdict],
            "notes": self.notes,
        }
