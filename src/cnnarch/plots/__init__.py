"""Charts (matplotlib, drawn off-screen with the Agg canvas; nothing needs a display).

``compare_bubble``: top-1 against operations, bubble area ∝ parameters (``compare --plot``).
``layer_bars``: parameters, MACs and activation memory per layer (``summary --plot``).
matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def compare_bubble(comparison: Any, path: Any = None) -> Figure:
    from cnnarch.plots.bubble import compare_bubble as draw

    return draw(comparison, path)


def layer_bars(report: Any, path: Any = None, *, log: bool = False) -> Figure:
    from cnnarch.plots.layers import layer_bars as draw

    return draw(report, path, log=log)


__all__ = ["compare_bubble", "layer_bars"]
