"""Where a measured forward pass sits on the roofline of the device (pure arithmetic, no torch).

Bytes moved are an estimate from the analysis, not a hardware counter: every parameter and
buffer is read once, the input is read once, and every layer output is written once and read
once by the layer that consumes it (2 x activation bytes). That is a lower bound on the traffic
of a pass whose working set does not fit in cache (temporaries inside a layer, re-reads and
in-place ops add to it) and an over-estimate for a model small enough to stay in cache.
"""

from __future__ import annotations

from cnnarch.bench.results import Calibration, Roofline


def bytes_moved(param_bytes: int, buffer_bytes: int, input_bytes: int, activation_bytes: int) -> int:
    return param_bytes + buffer_bytes + input_bytes + 2 * activation_bytes


def roofline(flops: int, moved: int, median_s: float, calibration: Calibration) -> Roofline:
    """Achieved FLOP/s, its share of the calibrated peak, and which roof bounds this model."""
    if median_s <= 0 or flops <= 0 or moved <= 0:
        raise ValueError("a roofline needs positive FLOPs, bytes moved and latency")
    intensity = flops / moved
    achieved = flops / median_s
    attainable = min(calibration.peak_flops, intensity * calibration.bandwidth)
    return Roofline(
        flops=flops,
        bytes_moved=moved,
        intensity=intensity,
        achieved_flops=achieved,
        peak_fraction=achieved / calibration.peak_flops,
        attainable_flops=attainable,
        attainable_fraction=achieved / attainable,
        bound="memory" if intensity < calibration.ridge_point else "compute",
    )
