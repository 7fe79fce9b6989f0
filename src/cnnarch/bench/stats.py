"""Summary statistics of latency samples (pure Python, no torch).

Percentiles interpolate linearly between the two nearest order statistics (Hyndman & Fan type 7,
numpy's default ``method="linear"``): the p-th percentile of sorted ``x[0..n-1]`` sits at
position ``(n - 1)·p/100``. Mean and spread come from ``statistics`` (``fmean``; ``stdev``, the
sample standard deviation with an n − 1 denominator, computed exactly).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """Latency statistics in the unit of the samples (the bench reports milliseconds)."""

    n: int
    median: float
    mean: float
    p10: float
    p90: float
    min: float
    max: float
    p25: float
    p75: float
    iqr: float
    stdev: float | None
    """Sample standard deviation; None for a single sample (it cannot be estimated)."""
    cv: float | None
    """Coefficient of variation, stdev / mean; None where the stdev is."""


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100) of already sorted values, by linear interpolation."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is outside 0..100")
    position = (len(sorted_values) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def summarize(samples: Sequence[float]) -> Stats:
    """Median, mean, p10/p90, min/max, quartiles, IQR, stdev and coefficient of variation."""
    if not samples:
        raise ValueError("no samples to summarize")
    values = sorted(float(s) for s in samples)
    n = len(values)
    mean = statistics.fmean(values)
    stdev = statistics.stdev(values) if n > 1 else None
    p25, p75 = percentile(values, 25), percentile(values, 75)
    return Stats(
        n=n,
        median=percentile(values, 50),
        mean=mean,
        p10=percentile(values, 10),
        p90=percentile(values, 90),
        min=values[0],
        max=values[-1],
        p25=p25,
        p75=p75,
        iqr=p75 - p25,
        stdev=stdev,
        cv=stdev / mean if stdev is not None and mean != 0 else None,
    )
