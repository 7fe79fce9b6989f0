"""``cnnarch quiz``: exam questions drawn from templates over the calculator's question types and
the catalogue, each with its answer worked by the same engine as ``explain`` and ``calc``.

The same seed gives the same sheet. Only the ``models`` topic imports torch (it traces a
catalogued network); the others are plain arithmetic.
"""

from __future__ import annotations

import random

from cnnarch.errors import CnnarchError
from cnnarch.quiz.answers import is_right, parse_answer
from cnnarch.quiz.model import TOPICS, Question, Quiz
from cnnarch.quiz.templates import make

__all__ = ["TOPICS", "Question", "Quiz", "is_right", "make_quiz", "parse_answer"]

DEFAULT_TOPICS = tuple(t for t in TOPICS if t != "models")
"""A sheet without --topic: every topic but ``models``, which needs torch and is slower."""


def make_quiz(topics: list[str] | None = None, n: int = 10, seed: int = 0) -> Quiz:
    """``n`` questions cycling through ``topics`` (all but ``models`` by default); an empty
    list (``--topic ,``) names no topic, which is a mistake, not a request for the default."""
    if topics is not None and not topics:
        raise CnnarchError("--topic names no topic", f"use one or more of: {', '.join(TOPICS)}")
    chosen = list(DEFAULT_TOPICS if topics is None else topics)
    unknown = [t for t in chosen if t not in TOPICS]
    if unknown:
        raise CnnarchError(f"--topic {unknown[0]!r} is not a topic", f"use one of: {', '.join(TOPICS)}")
    if n < 1:
        raise CnnarchError(f"-n {n}: a quiz needs at least one question")
    rng = random.Random(seed)
    questions = [make(chosen[i % len(chosen)], i + 1, rng) for i in range(n)]
    return Quiz(seed, chosen, questions)
