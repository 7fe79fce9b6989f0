"""Latency statistics against numpy and the standard library, on known and generated samples."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnarch.bench.stats import percentile, summarize

samples = st.lists(
    st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False), min_size=1, max_size=60
)


def test_known_samples():
    s = summarize([4.0, 1.0, 3.0, 2.0, 10.0])
    assert s.n == 5
    assert s.median == 3.0 and s.mean == 4.0 and s.min == 1.0 and s.max == 10.0
    # Positions (n - 1)·p = 0.4 and 3.6: 1 + 0.4·(2 − 1), 4 + 0.6·(10 − 4).
    assert s.p10 == pytest.approx(1.4) and s.p90 == pytest.approx(7.6)
    assert s.p25 == 2.0 and s.p75 == 4.0 and s.iqr == 2.0
    assert s.stdev == pytest.approx(math.sqrt((0 + 9 + 1 + 4 + 36) / 4))
    assert s.cv == pytest.approx(s.stdev / 4.0)


def test_one_sample_has_no_spread_estimate():
    s = summarize([2.5])
    assert s.median == s.p10 == s.p90 == s.min == 2.5 and s.iqr == 0
    assert s.stdev is None and s.cv is None


def test_no_samples_and_bad_percentiles_are_errors():
    with pytest.raises(ValueError):
        summarize([])
    with pytest.raises(ValueError):
        percentile([1.0], 101)


@given(samples)
def test_matches_numpy_and_statistics(values):
    s = summarize(values)
    assert s.median == pytest.approx(statistics.median(values), rel=1e-12)
    assert s.mean == pytest.approx(statistics.fmean(values), rel=1e-12)
    for p, got in ((10, s.p10), (25, s.p25), (75, s.p75), (90, s.p90)):
        assert got == pytest.approx(np.percentile(values, p, method="linear"), rel=1e-9, abs=1e-12)
    q25, q75 = np.percentile(values, [25, 75])
    assert s.iqr == pytest.approx(q75 - q25, rel=1e-9, abs=1e-9)
    assert s.min == min(values) and s.max == max(values)
    if len(values) > 1:
        assert s.stdev == pytest.approx(statistics.stdev(values), rel=1e-9, abs=1e-12)
        assert s.cv == pytest.approx(np.std(values, ddof=1) / np.mean(values), rel=1e-9, abs=1e-12)


@given(samples)
def test_order_of_the_figures(values):
    s = summarize(values)
    assert s.min <= s.p10 <= s.p25 <= s.median <= s.p75 <= s.p90 <= s.max
