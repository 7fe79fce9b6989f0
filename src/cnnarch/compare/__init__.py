"""Several architectures side by side: one analysis per model, one row per figure.

``compare(names)`` checks every name first (an unknown one fails before anything is traced),
analyzes each model once with ``api.analyze`` (the figures are the ones ``summary`` prints) and
returns a plain ``Comparison``: the models, the input each ran at, and one ``FigureRow`` per
entry of ``figures.FIGURES`` with the best value marked and each value's ratio to the first
model's. Renderers and charts read it.
"""

from __future__ import annotations

from cnnarch.compare.figures import FIGURES, Figure, depth, last_spatial_layer, weight_layers
from cnnarch.compare.model import Comparison, FigureRow, mark_best
from cnnarch.compare.run import build, compare

__all__ = [
    "FIGURES",
    "Comparison",
    "Figure",
    "FigureRow",
    "build",
    "compare",
    "depth",
    "last_spatial_layer",
    "mark_best",
    "weight_layers",
]
