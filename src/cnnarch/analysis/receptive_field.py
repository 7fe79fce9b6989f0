"""Receptive field, effective stride (jump) and start offset of every tensor, per spatial axis.

For one axis, the region of input pixels that output element 0 sees is centred on ``start`` and
``size`` pixels wide (padding included, so it can exceed the image); element ``i`` along that
axis is centred on ``start + i·jump``. A window of kernel F, stride S, padding P and dilation D
maps (r, j, start) to::

    r' = r + (D·(F − 1))·j        j' = j·S        start' = start + (D·(F − 1)/2 − P)·j

Merges (``add``, ``cat``, ``mul``) take the union of their inputs' regions, so the result is the
largest over all paths. Operations that mix every position along an axis (global pooling, a
dense layer after ``flatten``, attention, group norm) take the union over all positions: the
whole input. Values are exact fractions: after upsampling the jump can be below one pixel.

Each tensor also carries its *layout*: which input axes each of its dimensions holds, so the
analysis follows permutes (channels-last blocks), views that merge and split dimensions (a
``Linear`` on ``[N, H, W, C]`` runs as ``view → addmm → view``) and matrix products, whose
contracted dimension mixes all the positions it holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from math import prod

from cnnarch.analysis.ops import Window, category, window
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
Layout = tuple[tuple[int, ...], ...]
"""Per tensor dimension, the input axes it holds (row-major); ``()`` for batch/channel dims."""

_IDENTITY = AxisRF(Fraction(1), Fraction(1), Fraction(0))


@dataclass(frozen=True)
class State:
    rf: RF
    layout: Layout
    extent: tuple[int, ...]
    """Positions along each input axis this tensor still has (1 once an axis is mixed away)."""

    def held(self) -> set[int]:
        return {a for dim in self.layout for a in dim}


@dataclass
class ReceptiveFields:
    by_tensor: dict[int, RF]
    approximate: set[int]
    """Tensors whose field is a bound rather than exact: made by a transposed convolution, an
    upsampling or an operation without an exact rule, or computed from such a tensor."""
    spatial: int
    input_size: tuple[int, ...]
    extents: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """Per tensor, positions left along each input axis: all ones when every value sees all."""


def union(parts: list[RF], aligned: list[RF]) -> RF:
    """The smallest region covering every part's region of element 0, per axis.

    The jump is that of the ``aligned`` parts (those that still hold the axis).
    """
    axes = []
    for i, per_axis in enumerate(zip(*parts, strict=True)):
        low = min(a.low for a in per_axis)
        high = max(a.high for a in per_axis)
        jump = max(p[i].jump for p in aligned)
        axes.append(AxisRF(high - low + 1, jump, (low + high) / 2))
    return tuple(axes)


def collapse_axis(a: AxisRF, n: int) -> AxisRF:
    """Union over ``n`` positions: what one value computed from all of them sees."""
    span = (n - 1) * a.jump
    return AxisRF(a.size + span, a.jump * n, a.start + span / 2)


def collapse(rf: RF, sizes: tuple[int, ...]) -> RF:
    return tuple(collapse_axis(a, n) for a, n in zip(rf, sizes, strict=True))


def _mix(state: State, axes: set[int]) -> State:
    """Every value now depends on all positions along ``axes``."""
    if not axes:
        return state
    rf = tuple(collapse_axis(a, state.extent[i]) if i in axes else a for i, a in enumerate(state.rf))
    extent = tuple(1 if i in axes else n for i, n in enumerate(state.extent))
    layout = tuple(tuple(a for a in dim if a not in axes) for dim in state.layout)
    return State(rf, layout, extent)


def _mix_all(state: State, ndim: int) -> State:
    mixed = _mix(state, set(range(len(state.rf))))
    return State(mixed.rf, ((),) * ndim, mixed.extent)


# -- sliding windows ------------------------------------------------------------------------


def _window_axis(a: AxisRF, w: Window, i: int) -> tuple[AxisRF, bool]:
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


def _copies(op: OpRecord) -> bool:
    """Upsampling that copies one input value per output pixel (no blending)."""
    return "nearest" in op.packet or op.packet == "aten.max_unpool2d"


def _upsample_ratio(op: OpRecord, n_in: int, n_out: int) -> Fraction:
    """Input pixels per output pixel. Max un-pooling puts each value in one cell of its s x s
    window, so its ratio is 1/s even where ceil-mode pooling made n_out < s·n_in (SegNet: 12 → 23)."""
    if op.packet == "aten.max_unpool2d":
        return Fraction(1, -(-n_out // n_in))
    if op.args.get("align_corners") and n_out > 1:
        return Fraction(n_in - 1, n_out - 1)
    return Fraction(n_in, n_out)


def _resample(a: AxisRF, ratio: Fraction, interpolates: bool, align_corners: bool = False) -> AxisRF:
    """An upper bound through upsampling by 1/ratio. Output o reads near x = (o + ½)·ratio − ½
    (``align_corners``: x = o·ratio): a copying mode reads the one pixel floor(x + ½)… ≤ ½ away
    as the output moves through a period, a blending mode the two pixels around x (≤ 1 away)."""
    centre = Fraction(0) if align_corners or (not interpolates and ratio == 1) else ratio / 2 - Fraction(1, 2)
    if interpolates:
        return AxisRF(a.size + 2 * a.jump, a.jump * ratio, a.start + centre * a.jump)
    slack = max(Fraction(0), 1 - ratio)  # a copy repeats each pixel 1/ratio times
    return AxisRF(a.size + slack * a.jump, a.jump * ratio, a.start + centre * a.jump)


def _adaptive_axis(a: AxisRF, n: int, o: int) -> tuple[AxisRF, bool]:
    if n % o == 0:
        k = n // o
        return AxisRF(a.size + (k - 1) * a.jump, a.jump * k, a.start + Fraction(k - 1, 2) * a.jump), True
    # windows of varying size: report the largest, and the mean stride
    widest = max(math.ceil((i + 1) * n / o) - (i * n) // o for i in range(o))
    first = math.ceil(n / o)
    return (
        AxisRF(
            a.size + (widest - 1) * a.jump, a.jump * Fraction(n, o), a.start + Fraction(first - 1, 2) * a.jump
        ),
        False,
    )


_ADAPTIVE = {"aten._adaptive_avg_pool2d", "aten.adaptive_max_pool2d", "aten._adaptive_avg_pool3d",
             "aten.adaptive_avg_pool1d", "aten.adaptive_max_pool1d", "aten.adaptive_max_pool3d"}  # fmt: skip
_REDUCTIONS = {"aten.mean", "aten.sum", "aten.amax", "aten.amin", "aten.max", "aten.min", "aten.var",
               "aten.std", "aten.var_mean", "aten.std_mean", "aten.logsumexp", "aten.prod"}  # fmt: skip
_SOFTMAX = {"aten._softmax", "aten._log_softmax", "aten.softmax", "aten.log_softmax", "aten._safe_softmax"}
_VIEWS = {"aten.view", "aten._unsafe_view", "aten.reshape", "aten._reshape_alias", "aten.flatten",
          "aten.unflatten", "aten.squeeze", "aten.unsqueeze", "aten.alias", "aten.pixel_shuffle"}  # fmt: skip
_MATMUL = {"aten.mm", "aten.addmm", "aten.bmm", "aten.baddbmm", "aten.matmul"}


# -- the propagation ------------------------------------------------------------------------


class _Propagation:
    def __init__(self, trace: Trace, spatial: int) -> None:
        self.trace = trace
        self.spatial = spatial
        self.states: dict[int, State] = {}
        self.approximate: set[int] = set()
        self.bound = False

    def shape(self, tid: int) -> tuple[int, ...]:
        return self.trace.tensors[tid].shape

    def run(self) -> None:
        first = self.trace.tensor(self.trace.inputs[0])
        n = self.spatial
        layout: Layout = ((), (), *((i,) for i in range(n)))
        for tid in self.trace.inputs:
            if len(self.shape(tid)) == len(first.shape):
                self.states[tid] = State((_IDENTITY,) * n, layout, tuple(first.shape[2:]))
        for op in self.trace.ops:
            sources = [t for t in op.inputs if t in self.states]
            if sources:
                self.step(op, sources)

    def main(self, op: OpRecord, sources: list[int]) -> int:
        for key in ("self", "input", "mat1", "batch1"):
            value = op.args.get(key)
            if isinstance(value, TensorRef) and value.id in self.states:
                return value.id
        return sources[0]

    def step(self, op: OpRecord, sources: list[int]) -> None:
        main = self.main(op, sources)
        state = self.states[main]
        inherited = any(t in self.approximate for t in sources)
        for out in op.outputs:
            self.bound = False  # rules set it when their answer is a bound
            result = self.rule(op, main, state, sources, out)
            if result is None:  # no exact rule: keep what the shapes allow, flag it
                self.bound = True
                result = self.fallback(sources, out)
            if self.bound or inherited:
                self.approximate.add(out)
            self.states[out] = result

    # One rule per kind of operation; None means "no exact rule applies".
    def rule(self, op: OpRecord, main: int, state: State, sources: list[int], out: int) -> State | None:
        in_shape, out_shape = self.shape(main), self.shape(out)
        packet = op.packet
        w = window(op, self.trace)
        if w is not None:
            return self.windowed(op, state, in_shape, out_shape, w)
        if packet in _ADAPTIVE:
            return self.adaptive(op, state, in_shape, out_shape)
        if category(op) == "upsample":
            return self.upsample(op, state, in_shape, out_shape)
        if packet in ("aten.permute", "aten.transpose", "aten.t", "aten.permute_copy", "aten.transpose_copy"):
            return self.permuted(op, state, in_shape, out_shape)
        if packet in _VIEWS or (
            packet in ("aten.expand", "aten.clone", "aten.contiguous") and in_shape == out_shape
        ):
            return self.viewed(state, in_shape, out_shape)
        if packet in _MATMUL:
            return self.matmul(op, sources, out_shape)
        if packet in _REDUCTIONS:
            return self.reduced(op, state, in_shape, out_shape)
        if packet in _SOFTMAX:
            return _mix(state, set(state.layout[int(op.args.get("dim", -1)) % len(in_shape)]))
        if packet == "aten.native_layer_norm":
            k = len(op.args.get("normalized_shape") or ())
            if out_shape != in_shape:
                return None
            return _mix(state, {a for dim in state.layout[len(in_shape) - k :] for a in dim})
        if packet == "aten.native_group_norm" or (
            packet in ("aten.native_batch_norm", "aten._native_batch_norm_legit") and op.args.get("training")
        ):
            # statistics over the spatial positions: every value depends on all of them
            return _mix(state, state.held()) if out_shape == in_shape else None
        if packet in ("aten.constant_pad_nd", "aten.reflection_pad2d", "aten.replication_pad2d"):
            return self.padded(op, state, in_shape, out_shape)
        if packet in ("aten.slice", "aten.narrow"):
            return self.sliced(op, state, in_shape, out_shape)
        if packet == "aten.select":
            return self.selected(op, state, in_shape)
        if packet in ("aten.cat", "aten.stack"):
            return self.merged(op, sources, out_shape, along=op.args.get("dim", 0))
        if packet in ("aten.split", "aten.split_with_sizes", "aten.chunk", "aten.unbind"):
            return self.split(op, state, in_shape, out_shape)
        if category(op) is None:  # no rule for this op: the union is a guess
            if not any(out_shape == self.shape(t) for t in sources):
                return None
            self.bound = True
        return self.merged(op, sources, out_shape)

    def fallback(self, sources: list[int], out: int) -> State:
        """An op without an exact rule: where its output still holds the trailing spatial
        dimensions of an input, keep that input's layout; otherwise everything is mixed."""
        out_shape = self.shape(out)
        for t in sources:
            s = self.states[t]
            if (
                len(self.shape(t)) == len(out_shape)
                and self.shape(t)[-self.spatial :] == out_shape[-self.spatial :]
            ):
                return s
        parts = [_mix_all(self.states[t], len(out_shape)) for t in sources]
        return State(
            union([p.rf for p in parts], [p.rf for p in parts]), ((),) * len(out_shape), parts[0].extent
        )

    # -- rules ------------------------------------------------------------------------------
    def trailing_axes(self, state: State, k: int) -> list[int] | None:
        """The input axis held by each of the last ``k`` dimensions, if each holds exactly one."""
        dims = state.layout[-k:] if k else ()
        if len(dims) != k or any(len(d) != 1 for d in dims):
            return None
        return [d[0] for d in dims]

    def windowed(self, op: OpRecord, state: State, in_shape, out_shape, w: Window) -> State | None:
        """A window slides over the last dimensions; one over a dimension that holds no input
        axis (LocalResponseNorm's pooling across channels) leaves the field alone."""
        dims = state.layout[len(in_shape) - w.spatial :]
        if len(out_shape) != len(in_shape) or any(len(d) > 1 for d in dims):
            return None
        rf, extent = list(state.rf), list(state.extent)
        for i, held in enumerate(dims):
            if not held:
                continue
            axis = held[0]
            rf[axis], approx = _window_axis(rf[axis], w, i)
            extent[axis] = out_shape[len(out_shape) - w.spatial + i]
            self.bound |= approx
        return State(tuple(rf), state.layout, tuple(extent))

    def adaptive(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        k = sum(1 for _ in op.args.get("output_size", ())) or 2
        axes = self.trailing_axes(state, k)
        if axes is None or len(out_shape) != len(in_shape):
            return None
        rf, extent = list(state.rf), list(state.extent)
        for i, axis in enumerate(axes):
            n, o = in_shape[len(in_shape) - k + i], out_shape[len(out_shape) - k + i]
            rf[axis], exact = _adaptive_axis(rf[axis], n, o)
            extent[axis] = o
            self.bound |= not exact
        return State(tuple(rf), state.layout, tuple(extent))

    def upsample(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        k = len(in_shape) - 2
        axes = self.trailing_axes(state, k)
        if axes is None or len(out_shape) != len(in_shape):
            return None
        rf, extent = list(state.rf), list(state.extent)
        for i, axis in enumerate(axes):
            n_in, n_out = in_shape[2 + i], out_shape[2 + i]
            ratio = _upsample_ratio(op, n_in, n_out)
            rf[axis] = _resample(rf[axis], ratio, not _copies(op), bool(op.args.get("align_corners")))
            extent[axis] = n_out
        self.bound = True
        return State(tuple(rf), state.layout, tuple(extent))

    def permuted(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        ndim = len(in_shape)
        if op.packet in ("aten.permute", "aten.permute_copy"):
            order = [d % ndim for d in op.args["dims"]]
        else:
            order = list(range(ndim))
            if ndim >= 2:
                d0 = int(op.args.get("dim0", 0)) % ndim
                d1 = int(op.args.get("dim1", 1)) % ndim
                order[d0], order[d1] = order[d1], order[d0]
        layout = tuple(state.layout[d] for d in order)
        return State(state.rf, layout, state.extent)

    def viewed(self, state: State, in_shape, out_shape) -> State | None:
        """Match dimensions by their factors: merging keeps the axes, splitting a merged
        dimension gets them back; splitting one axis itself cannot be followed."""
        factors: list[list] = []
        for size, axes in zip(in_shape, state.layout, strict=True):
            if not axes:
                factors.append([size, None])
                continue
            positions = prod(state.extent[a] for a in axes)
            if size % positions:
                return None
            if size != positions:  # merged with a batch or channel dimension, taken as the outer one
                factors.append([size // positions, None])
            factors.extend([state.extent[a], a] for a in axes)
        layout: list[tuple[int, ...]] = []
        i = 0
        for size in out_shape:
            held: list[int] = []
            remaining = size
            while remaining > 1:
                while i < len(factors) and factors[i][0] == 1:
                    i += 1
                if i >= len(factors):
                    return None
                fsize, axis = factors[i]
                if remaining % fsize == 0:
                    remaining //= fsize
                    if axis is not None:
                        held.append(axis)
                    i += 1
                elif axis is None and fsize % remaining == 0:
                    factors[i][0] = fsize // remaining
                    remaining = 1
                else:
                    return None  # an axis would be split
            layout.append(tuple(held))
        if any(f[0] != 1 for f in factors[i:]):
            return None
        kept = {a for dim in layout for a in dim}
        lost = state.held() - kept
        return (
            _mix(State(state.rf, tuple(layout), state.extent), lost)
            if lost
            else State(state.rf, tuple(layout), state.extent)
        )

    def matmul(self, op: OpRecord, sources: list[int], out_shape) -> State | None:
        a = op.args.get("mat1", op.args.get("batch1", op.args.get("self")))
        b = op.args.get("mat2", op.args.get("batch2"))
        if not isinstance(a, TensorRef) or not isinstance(b, TensorRef):
            return None
        parts, layout = [], [()] * len(out_shape)
        for ref, contracted, kept in ((a, -1, -2), (b, -2, -1)):
            if ref.id not in self.states:
                continue
            s = self.states[ref.id]
            if len(s.layout) != len(out_shape):
                return None
            s = _mix(s, set(s.layout[contracted]))  # the sum runs over every position it holds
            layout[kept] = s.layout[kept]
            for d in range(len(out_shape) - 2):  # batch dimensions
                layout[d] = layout[d] or s.layout[d]
            parts.append(s)
        if not parts:
            return None
        rf = union([p.rf for p in parts], [p.rf for p in parts])
        extent = tuple(min(p.extent[i] for p in parts) for i in range(len(rf)))
        return State(rf, tuple(layout), extent)

    def reduced(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        ndim = len(in_shape)
        dims = op.args.get("dim")
        if dims is None or dims == []:
            dims = list(range(ndim)) if len(out_shape) <= 1 else None
        if dims is None:
            return None
        dims = {d % ndim for d in ([dims] if isinstance(dims, int) else dims)}
        mixed = _mix(state, {a for d in dims for a in state.layout[d]})
        keepdim = len(out_shape) == ndim
        layout = tuple(() if d in dims else mixed.layout[d] for d in range(ndim) if keepdim or d not in dims)
        return State(mixed.rf, layout, mixed.extent) if len(layout) == len(out_shape) else None

    def padded(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        pads = list(op.args.get("pad") or op.args.get("padding") or [])
        rf, extent = list(state.rf), list(state.extent)
        for k in range(len(pads) // 2):  # (left, right) pairs from the last dimension backwards
            d = len(in_shape) - 1 - k
            axes = state.layout[d]
            if not axes:
                continue
            if len(axes) != 1:
                return None
            a = axes[0]
            rf[a] = AxisRF(rf[a].size, rf[a].jump, rf[a].start - pads[2 * k] * rf[a].jump)
            extent[a] = out_shape[d]
        return State(tuple(rf), state.layout, tuple(extent))

    def sliced(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        d = int(op.args.get("dim", 0)) % len(in_shape)
        axes = state.layout[d]
        if not axes:
            return State(state.rf, state.layout, state.extent)
        begin = op.args.get("start") or 0
        step = int(op.args.get("step", 1) or 1)
        if len(axes) != 1 or begin < 0:
            return None  # negative starts depend on the size; crops in CNNs use positive ones
        rf, extent = list(state.rf), list(state.extent)
        a = axes[0]
        rf[a] = AxisRF(rf[a].size, rf[a].jump * step, rf[a].start + int(begin) * rf[a].jump)
        extent[a] = out_shape[d]
        return State(tuple(rf), state.layout, tuple(extent))

    def selected(self, op: OpRecord, state: State, in_shape) -> State | None:
        d = int(op.args.get("dim", 0)) % len(in_shape)
        axes = state.layout[d]
        layout = state.layout[:d] + state.layout[d + 1 :]
        if not axes:
            return State(state.rf, layout, state.extent)
        if len(axes) != 1:
            return None
        index = int(op.args.get("index", 0)) % in_shape[d]
        rf, extent = list(state.rf), list(state.extent)
        a = axes[0]
        rf[a] = AxisRF(rf[a].size, rf[a].jump, rf[a].start + index * rf[a].jump)
        extent[a] = 1
        return State(tuple(rf), layout, tuple(extent))

    def split(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        d = int(op.args.get("dim", 0)) % len(in_shape)
        if state.layout[d] or len(out_shape) != len(in_shape):
            return None  # splitting along a spatial dimension: pieces start at different offsets
        return state

    def merged(self, op: OpRecord, sources: list[int], out_shape, along: int | None = None) -> State | None:
        """Element-wise ops and concatenations: the union of the inputs' regions. An input
        broadcast along a dimension (size 1) serves every position with the same value."""
        if len(sources) == 1 and self.shape(sources[0]) == tuple(out_shape) and along is None:
            return self.states[sources[0]]  # element-wise on one tensor: the same field
        parts, aligned, layout = [], [], None
        for t in sources:
            s, shape = self.states[t], self.shape(t)
            if len(shape) > len(out_shape):
                return None
            offset = len(out_shape) - len(shape)
            carries = [
                d
                for d, dim in enumerate(s.layout)
                if dim and (shape[d] == out_shape[d + offset] or d + offset == along)
            ]
            broadcast = {a for d, dim in enumerate(s.layout) if dim and d not in carries for a in dim}
            s = _mix(s, broadcast)
            parts.append(s)
            if carries:
                aligned.append(s)
                if layout is None:
                    layout = ((),) * offset + s.layout
        if layout is None:
            layout = ((),) * len(out_shape)
        if len(layout) != len(out_shape):
            return None
        rf = union([p.rf for p in parts], [p.rf for p in aligned] or [p.rf for p in parts])
        extent = aligned[0].extent if aligned else parts[0].extent
        return State(rf, layout, extent)


def receptive_fields(trace: Trace) -> ReceptiveFields:
    """Propagate receptive fields through the recorded graph, in execution order."""
    if not trace.inputs:
        return ReceptiveFields({}, set(), 0, ())
    first = trace.tensor(trace.inputs[0])
    spatial = max(len(first.shape) - 2, 0)
    input_size = first.shape[2:]
    if spatial == 0:
        return ReceptiveFields({tid: () for tid in trace.inputs}, set(), 0, input_size)
    run = _Propagation(trace, spatial)
    run.run()
    return ReceptiveFields(
        {t: s.rf for t, s in run.states.items()},
        run.approximate,
        spatial,
        input_size,
        {t: s.extent for t, s in run.states.items()},
    )
