"""A quiz as plain data: questions, their answers and the working, for any renderer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TOPICS = ("conv", "pool", "params", "macs", "rf", "memory", "blocks", "models")


@dataclass
class Question:
    number: int
    topic: str
    difficulty: str
    """easy, medium or hard: strides, padding, groups, inexact divisions and bytes make it harder."""
    text: str
    answer: int
    unit: str
    """What the answer counts: ``pixels``, ``parameters``, ``MACs``, ``bytes`` ..."""
    working: list[str]
    """The worked answer, line by line, from the same engine as ``explain`` and ``calc``."""
    network: dict[str, Any] = field(default_factory=dict)
    """The network the question is about, for checking: ``input`` (C, H, W), ``layers`` (each a
    dict of its PyTorch arguments), ``ask`` (what the answer measures) and its options."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Quiz:
    seed: int
    topics: list[str]
    questions: list[Question]

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "topics": self.topics, "questions": [q.to_dict() for q in self.questions]}
