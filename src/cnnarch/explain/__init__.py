"""Worked answers, exam style: for each layer the question, the formula, the numbers
substituted and the result, read from the same report and trace as ``cnnarch summary``.

Plain data only (``model.py``); ``cnnarch/render/explain.py`` writes it as text or Markdown.
"""

from __future__ import annotations

from cnnarch.explain.model import Alternatives, Candidate, Explanation, Heading, LayerAnswer, Step
from cnnarch.explain.worked import explain, explain_model

__all__ = [
    "Alternatives",
    "Candidate",
    "Explanation",
    "Heading",
    "LayerAnswer",
    "Step",
    "explain",
    "explain_model",
]
