"""Receptive field, effective stride (jump) and start offset of every tensor, per spatial axis.

For one axis, the region of input pixels that output pixel ``i`` sees is centred on
``start + i·jump`` and ``size`` pixels wide (padding included, so it can exceed the image).
A window of kernel F, stride S, padding P and dilation D maps (r, j, start) to::

    r' = r + (D·(F − 1))·j        j' = j·S        start' = start + (D·(F − 1)/2 − P)·j

Merges (``add``, ``cat``, ``mul``) take the union of their inputs' regions, so the result is the
largest over all paths. Operations that mix every spatial position (global pooling, a
``flatten`` before a dense layer) take the union over all positions: the whole input.
Values are exact fractions: after upsampling the jump can be below one pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from cnnarch.analysis.ops import category, window
from cnnarch.trace.records import OpRecord, TensorRef, Trace


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


RF = tuple[AxisRF, ...]

_IDENTITY = AxisRF(Fraction(1), Fraction(1), Fraction(0))


@dataclass
class ReceptiveFields:
    by_tensor: dict[int, RF]
    approximate: set[int]
    """Operations whose rule is a bound rather than exact (transposed conv, unknown ops ...)."""
    spatial: int
    input_size: tuple[int, ...]


def union(parts: list[RF], aligned: list[RF]) -> RF:
    """The smallest region covering every part's region of output pixel 0, per axis.

    The jump is that of the ``aligned`` parts (those at the output's resolution).
    """
    axes = []
    for i, per_axis in enumerate(zip(*parts, strict=True)):
        low = min(a.low for a in per_axis)
        high = max(a.high for a in per_axis)
        jump = max(p[i].jump for p in aligned)
        axes.append(AxisRF(high - low + 1, jump, (low + high) / 2))
    return tuple(axes)


def collapse(rf: RF, sizes: tuple[int, ...]) -> RF:
    """Union over all ``sizes`` positions: what one value computed from the whole map sees."""
    axes = []
    for a, n in zip(rf, sizes, strict=True):
        span = (n - 1) * a.jump
        axes.append(AxisRF(a.size + span, a.jump * n, a.start + span / 2))
    return tuple(axes)


def _window_rf(rf: RF, op: OpRecord, trace: Trace) -> tuple[RF, bool]:
    w = window(op, trace)
    assert w is not None
    axes = []
    approximate = False
    offset = w.spatial - len(rf)  # a window covers the trailing axes of its input
    for axis, a in enumerate(rf):
        i = axis + offset
        if i < 0:
            axes.append(a)
            continue
        span = w.dilation[i] * (w.kernel[i] - 1)
        if w.kind == "tconv":
            # Output pixel o gathers input pixels i with i·S − P + t·D = o: at most
            # floor(span/S) + 1 of them, with a jump of 1/S. Exact only when span < S.
            s = w.stride[i]
            lo = math.ceil(Fraction(w.padding[i] - span, s))
            hi = math.floor(Fraction(w.padding[i], s))
            approximate |= span >= s
            axes.append(
                AxisRF(
                    a.size + (span // s) * a.jump,
                    a.jump / s,
                    a.start + Fraction(lo + hi, 2) * a.jump,
                )
            )
        else:
            axes.append(
                AxisRF(
                    a.size + span * a.jump,
                    a.jump * w.stride[i],
                    a.start + (Fraction(span, 2) - w.padding[i]) * a.jump,
                )
            )
    return tuple(axes), approximate


def _spatial_shape(shape: tuple[int, ...], spatial: int) -> tuple[int, ...] | None:
    return shape[-spatial:] if len(shape) >= spatial + 2 else None


def receptive_fields(trace: Trace) -> ReceptiveFields:
    """Propagate receptive fields through the recorded graph, in execution order."""
    if not trace.inputs:
        return ReceptiveFields({}, set(), 0, ())
    first = trace.tensor(trace.inputs[0])
    spatial = max(len(first.shape) - 2, 0)
    input_size = first.shape[2:]
    rfs: dict[int, RF] = {tid: (_IDENTITY,) * spatial for tid in trace.inputs}
    approximate: set[int] = set()
    if spatial == 0:
        return ReceptiveFields(rfs, approximate, spatial, input_size)

    def shape(tid: int) -> tuple[int, ...]:
        return trace.tensors[tid].shape

    for op in trace.ops:
        sources = [t for t in op.inputs if t in rfs]
        if not sources:
            continue
        main = op.args.get("self", op.args.get("input"))
        main_id = main.id if isinstance(main, TensorRef) and main.id in rfs else sources[0]
        in_rf, in_spatial = rfs[main_id], _spatial_shape(shape(main_id), spatial)
        kind = category(op)
        for out in op.outputs:
            out_spatial = _spatial_shape(shape(out), spatial)
            if window(op, trace) is not None and in_spatial is not None:
                result, approx = _window_rf(in_rf, op, trace)
                if approx:
                    approximate.add(op.index)
            elif in_spatial is not None and out_spatial is not None and kind == "pad":
                pads = list(op.args.get("pad", []))
                # pad lists (left, right) pairs starting from the last axis
                lefts = [pads[2 * k] if 2 * k < len(pads) else 0 for k in range(spatial)][::-1]
                result = tuple(
                    AxisRF(a.size, a.jump, a.start - left * a.jump)
                    for a, left in zip(in_rf, lefts, strict=True)
                )
            elif op.packet == "aten.slice" and in_spatial is not None and out_spatial is not None:
                result = _slice_rf(in_rf, op, len(shape(main_id)), spatial)
            elif kind in ("upsample",) and in_spatial is not None and out_spatial is not None:
                result = tuple(
                    _resample(a, _upsample_ratio(op, n_in, n_out), not _copies(op))
                    for a, n_in, n_out in zip(in_rf, in_spatial, out_spatial, strict=True)
                )
                approximate.add(op.index)
            elif (
                op.packet
                in (
                    "aten._adaptive_avg_pool2d",
                    "aten.adaptive_max_pool2d",
                    "aten._adaptive_avg_pool3d",
                )
                and in_spatial is not None
                and out_spatial is not None
            ):
                result, exact = _adaptive_rf(in_rf, in_spatial, out_spatial)
                if not exact:
                    approximate.add(op.index)
            else:
                if len(sources) == 1 and _spatial_shape(shape(sources[0]), spatial) in (
                    out_spatial,
                    None,
                ):
                    rfs[out] = rfs[sources[0]]  # element-wise: the same field
                    if kind is None:
                        approximate.add(op.index)
                    continue
                parts, jumps = [], []
                for t in sources:
                    t_spatial = _spatial_shape(shape(t), spatial)
                    if t_spatial is None or t_spatial == out_spatial:
                        parts.append(rfs[t])
                        jumps.append(rfs[t])
                    elif out_spatial is not None and all(n == 1 for n in t_spatial):
                        parts.append(rfs[t])  # broadcast: one value serves every pixel
                    else:
                        parts.append(collapse(rfs[t], t_spatial))
                result = union(parts, jumps or parts)
                if kind is None:
                    approximate.add(op.index)
            rfs[out] = result
    return ReceptiveFields(rfs, approximate, spatial, input_size)


def _slice_rf(rf: RF, op: OpRecord, ndim: int, spatial: int) -> RF:
    dim = int(op.args.get("dim", 0))
    dim = dim + ndim if dim < 0 else dim
    axis = dim - (ndim - spatial)
    if axis < 0:
        return rf
    begin = op.args.get("start") or 0
    step = int(op.args.get("step", 1) or 1)
    if begin < 0:
        return rf  # negative starts depend on the size; crops in CNNs use positive ones
    axes = list(rf)
    a = axes[axis]
    axes[axis] = AxisRF(a.size, a.jump * step, a.start + int(begin) * a.jump)
    return tuple(axes)


def _copies(op: OpRecord) -> bool:
    """Upsampling that copies one input value per output pixel (no blending)."""
    return "nearest" in op.packet or op.packet == "aten.max_unpool2d"


def _upsample_ratio(op: OpRecord, n_in: int, n_out: int) -> Fraction:
    """Input pixels per output pixel. Max un-pooling puts each value in one cell of its s x s
    window, so its ratio is 1/s even where ceil-mode pooling made n_out < s·n_in (SegNet: 12 → 23)."""
    if op.packet == "aten.max_unpool2d":
        return Fraction(1, -(-n_out // n_in))
    return Fraction(n_in, n_out)


def _resample(a: AxisRF, ratio: Fraction, interpolates: bool) -> AxisRF:
    """Upsampling by 1/ratio: nearest copies one input pixel, linear modes blend two."""
    if interpolates:
        return AxisRF(a.size + a.jump, a.jump * ratio, a.start + a.jump / 2 * (ratio - 1))
    return AxisRF(a.size, a.jump * ratio, a.start)


def _adaptive_rf(rf: RF, sizes: tuple[int, ...], outs: tuple[int, ...]) -> tuple[RF, bool]:
    axes = []
    exact = True
    for a, n, o in zip(rf, sizes, outs, strict=True):
        if n % o == 0:
            k = n // o
            axes.append(AxisRF(a.size + (k - 1) * a.jump, a.jump * k, a.start + Fraction(k - 1, 2) * a.jump))
        else:  # windows of varying size: report the largest, and the mean stride
            exact = False
            widest = max(math.ceil((i + 1) * n / o) - (i * n) // o for i in range(o))
            first = math.ceil(n / o)
            axes.append(
                AxisRF(
                    a.size + (widest - 1) * a.jump,
                    a.jump * Fraction(n, o),
                    a.start + Fraction(first - 1, 2) * a.jump,
                )
            )
    return tuple(axes), exact
