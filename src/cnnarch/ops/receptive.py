"""Receptive-field steps along one spatial axis, for each kind of window (pure Python).

For one axis, the region of input pixels that output element 0 sees is centred on ``start`` and
``size`` pixels wide; element ``i`` is centred on ``start + i·jump``. A window of kernel F,
stride S, padding P and dilation D maps (r, j, start) to::

    r' = r + (D·(F − 1))·j        j' = j·S        start' = start + (D·(F − 1)/2 − P)·j

The propagation through a whole graph (layouts, merges, views) is
``cnnarch.analysis.receptive_field``; which step an operation takes is its record's
``receptive_field`` rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cnnarch.ops.window import Window, adaptive_bounds


@dataclass(frozen=True)
class AxisRF:
    size: Fraction
    jump: Fraction
    start: Fraction

    @property
    def low(self) -> Fraction:
        return self.start - (self.size - 1) / 2

    @property
    def high(self) -> Fraction:
        return self.start + (self.size - 1) / 2


IDENTITY = AxisRF(Fraction(1), Fraction(1), Fraction(0))


def window_axis(a: AxisRF, w: Window, i: int) -> tuple[AxisRF, bool]:
    """One axis through a window; the flag says the answer is an upper bound."""
    span = w.dilation[i] * (w.kernel[i] - 1)
    p, s = w.padding[i], w.stride[i]
    if w.kind == "tconv":
        # Output o gathers inputs i with i·S − P + t·D = o, i.e. i in [(o + P − span)/S, (o + P)/S]:
        # which and how many depends on o, so give the region that covers every case.
        return AxisRF(
            a.size + Fraction(span, s) * a.jump, a.jump / s, a.start + Fraction(2 * p - span, 2 * s) * a.jump
        ), s > 1
    return AxisRF(a.size + span * a.jump, a.jump * s, a.start + (Fraction(span, 2) - p) * a.jump), False


def collapse_axis(a: AxisRF, n: int) -> AxisRF:
    """Union over ``n`` positions: what one value computed from all of them sees."""
    span = (n - 1) * a.jump
    return AxisRF(a.size + span, a.jump * n, a.start + span / 2)


def adaptive_axis(a: AxisRF, n: int, o: int) -> tuple[AxisRF, bool]:
    """Adaptive pooling from ``n`` to ``o`` positions; the flag says the answer is exact."""
    if n % o == 0:
        k = n // o
        return AxisRF(a.size + (k - 1) * a.jump, a.jump * k, a.start + Fraction(k - 1, 2) * a.jump), True
    # windows of varying size: report the largest, and the mean stride
    widest = max(end - start for start, end in (adaptive_bounds(n, o, i) for i in range(o)))
    first = adaptive_bounds(n, o, 0)[1]
    return (
        AxisRF(
            a.size + (widest - 1) * a.jump, a.jump * Fraction(n, o), a.start + Fraction(first - 1, 2) * a.jump
        ),
        False,
    )


def resample_ratio(mode: str, n_in: int, n_out: int, align_corners: bool) -> Fraction:
    """Input pixels per output pixel of an upsampling. Max un-pooling (``mode`` ``unpool``) puts
    each value in one cell of its s x s window, so its ratio is 1/s even where ceil-mode pooling
    made n_out < s·n_in (SegNet: 12 → 23)."""
    if mode == "unpool":
        return Fraction(1, -(-n_out // n_in))
    if align_corners and n_out > 1:
        return Fraction(n_in - 1, n_out - 1)
    return Fraction(n_in, n_out)


def resample_axis(a: AxisRF, ratio: Fraction, interpolates: bool, align_corners: bool = False) -> AxisRF:
    """An upper bound through upsampling by 1/ratio. Output o reads near x = (o + ½)·ratio − ½
    (``align_corners``: x = o·ratio): a copying mode reads the one pixel floor(x + ½)… ≤ ½ away
    as the output moves through a period, a blending mode the two pixels around x (≤ 1 away)."""
    centre = Fraction(0) if align_corners or (not interpolates and ratio == 1) else ratio / 2 - Fraction(1, 2)
    if interpolates:
        return AxisRF(a.size + 2 * a.jump, a.jump * ratio, a.start + centre * a.jump)
    slack = max(Fraction(0), 1 - ratio)  # a copy repeats each pixel 1/ratio times
    return AxisRF(a.size + slack * a.jump, a.jump * ratio, a.start + centre * a.jump)
