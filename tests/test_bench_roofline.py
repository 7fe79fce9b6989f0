"""Roofline arithmetic and the calibration's FLOP count (checked against FlopCounterMode)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from cnnarch.bench.calibration import calibrate, matmul_flops
from cnnarch.bench.results import Calibration
from cnnarch.bench.roofline import bytes_moved, roofline

CAL = Calibration("cpu", "fp32", 2, peak_flops=100e9, matmul_n=1024, bandwidth=10e9, copy_bytes=1, seconds=0)


@pytest.mark.parametrize("n", [16, 100, 256])
def test_matmul_flops_match_flop_counter(n):
    a = torch.empty(n, n, device="meta")
    with FlopCounterMode(display=False) as counter:
        torch.mm(a, a)
    assert matmul_flops(n) == counter.get_total_flops()


def test_bytes_moved_reads_weights_once_and_each_output_twice():
    assert bytes_moved(param_bytes=1000, buffer_bytes=10, input_bytes=100, activation_bytes=50) == 1210


def test_memory_and_compute_bound_either_side_of_the_ridge():
    assert CAL.ridge_point == 10.0
    low = roofline(flops=8_000, moved=1_000, median_s=1e-6, calibration=CAL)  # 8 FLOP/B
    assert low.bound == "memory"
    assert low.attainable_flops == pytest.approx(8 * 10e9)
    assert low.achieved_flops == pytest.approx(8e9)
    assert low.peak_fraction == pytest.approx(0.08) and low.attainable_fraction == pytest.approx(0.1)
    high = roofline(flops=20_000, moved=1_000, median_s=1e-6, calibration=CAL)  # 20 FLOP/B
    assert high.bound == "compute" and high.attainable_flops == CAL.peak_flops


def test_a_roofline_needs_work_and_time():
    with pytest.raises(ValueError):
        roofline(flops=0, moved=10, median_s=1.0, calibration=CAL)
    with pytest.raises(ValueError):
        roofline(flops=10, moved=10, median_s=0.0, calibration=CAL)


@given(
    st.integers(1, 10**13),
    st.integers(1, 10**10),
    st.floats(1e-6, 10.0),
)
def test_attainable_share_is_never_below_the_peak_share(flops, moved, seconds):
    r = roofline(flops, moved, seconds, CAL)
    assert r.attainable_flops <= CAL.peak_flops
    assert r.attainable_fraction >= r.peak_fraction
    assert (r.bound == "memory") == (r.intensity < CAL.ridge_point)


def test_cpu_calibration_is_measured_in_the_requested_dtype_and_threads():
    before = torch.get_num_threads()
    c = calibrate(torch.device("cpu"), torch.float32, "fp32")
    assert c.threads == before and c.dtype == "fp32" and c.device == "cpu"
    assert c.peak_flops > 0 and c.bandwidth > 0
    assert c.ridge_point == pytest.approx(c.peak_flops / c.bandwidth)
    assert c.matmul_n >= 256 and c.copy_bytes == 128 * 2**20
