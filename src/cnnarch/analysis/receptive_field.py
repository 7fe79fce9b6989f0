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

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod

from cnnarch.ops import BY_PACKET, OpFamily, Window
from cnnarch.ops.receptive import (
    IDENTITY,
    AxisRF,
    adaptive_axis,
    collapse_axis,
    resample_axis,
    resample_ratio,
    window_axis,
)
from cnnarch.trace.records import OpRecord, TensorRef, Trace

__all__ = ["AxisRF", "ReceptiveFields", "collapse", "collapse_axis", "receptive_fields", "union"]

RF = tuple[AxisRF, ...]
Layout = tuple[tuple[int, ...], ...]
"""Per tensor dimension, the input axes it holds (row-major); ``()`` for batch/channel dims."""


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
                self.states[tid] = State((IDENTITY,) * n, layout, tuple(first.shape[2:]))
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

    # One method per receptive-field rule (``OpFamily.receptive_field``); None means "no exact
    # rule applies".
    def rule(self, op: OpRecord, main: int, state: State, sources: list[int], out: int) -> State | None:
        in_shape, out_shape = self.shape(main), self.shape(out)
        family = BY_PACKET.get(op.packet)
        if family is None:  # no record for this op: the union is a guess
            if not any(out_shape == self.shape(t) for t in sources):
                return None
            self.bound = True
            return self.merged(op, sources, out_shape)
        kind = family.receptive_field
        if kind == "merge":
            return self.merged(op, sources, out_shape)
        if kind == "window":
            w = family.window(op, self.trace) if family.window is not None else None
            return None if w is None else self.windowed(op, state, in_shape, out_shape, w)
        if kind == "view_if_same_shape":
            if in_shape != out_shape:
                return self.merged(op, sources, out_shape)
            kind = "view"
        return _RULES[kind](self, family, op, state, sources, in_shape, out_shape)

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
            rf[axis], approx = window_axis(rf[axis], w, i)
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
            rf[axis], exact = adaptive_axis(rf[axis], n, o)
            extent[axis] = o
            self.bound |= not exact
        return State(tuple(rf), state.layout, tuple(extent))

    def upsample(self, op: OpRecord, mode: str, state: State, in_shape, out_shape) -> State | None:
        """``mode``: the record's rule, ``upsample_copy``, ``upsample_blend`` or ``unpool``."""
        k = len(in_shape) - 2
        axes = self.trailing_axes(state, k)
        if axes is None or len(out_shape) != len(in_shape):
            return None
        rf, extent = list(state.rf), list(state.extent)
        for i, axis in enumerate(axes):
            n_in, n_out = in_shape[2 + i], out_shape[2 + i]
            align_corners = bool(op.args.get("align_corners"))
            ratio = resample_ratio(mode, n_in, n_out, align_corners)
            rf[axis] = resample_axis(rf[axis], ratio, mode == "upsample_blend", align_corners)
            extent[axis] = n_out
        self.bound = True
        return State(tuple(rf), state.layout, tuple(extent))

    def permuted(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        ndim = len(in_shape)
        if "dims" in op.args:  # a permute; otherwise a transpose of dim0 and dim1
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
        if 0 in in_shape or 0 in out_shape:  # an empty tensor: no position left to follow
            return None
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

    def softmax(self, op: OpRecord, state: State, in_shape) -> State:
        return _mix(state, set(state.layout[int(op.args.get("dim", -1)) % len(in_shape)]))

    def layer_norm(self, op: OpRecord, state: State, in_shape, out_shape) -> State | None:
        k = len(op.args.get("normalized_shape") or ())
        if out_shape != in_shape:
            return None
        return _mix(state, {a for dim in state.layout[len(in_shape) - k :] for a in dim})

    def statistics(self, state: State, in_shape, out_shape) -> State | None:
        """Statistics over the spatial positions: every value depends on all of them."""
        return _mix(state, state.held()) if out_shape == in_shape else None

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


_Rule = Callable[[_Propagation, OpFamily, OpRecord, State, list[int], tuple, tuple], "State | None"]

_RULES: dict[str, _Rule] = {
    "adaptive": lambda p, f, op, st, src, i, o: p.adaptive(op, st, i, o),
    "upsample_copy": lambda p, f, op, st, src, i, o: p.upsample(op, f.receptive_field, st, i, o),
    "upsample_blend": lambda p, f, op, st, src, i, o: p.upsample(op, f.receptive_field, st, i, o),
    "unpool": lambda p, f, op, st, src, i, o: p.upsample(op, f.receptive_field, st, i, o),
    "permute": lambda p, f, op, st, src, i, o: p.permuted(op, st, i, o),
    "view": lambda p, f, op, st, src, i, o: p.viewed(st, i, o),
    "matmul": lambda p, f, op, st, src, i, o: p.matmul(op, src, o),
    "reduce": lambda p, f, op, st, src, i, o: p.reduced(op, st, i, o),
    "softmax": lambda p, f, op, st, src, i, o: p.softmax(op, st, i),
    "layer_norm": lambda p, f, op, st, src, i, o: p.layer_norm(op, st, i, o),
    "statistics": lambda p, f, op, st, src, i, o: p.statistics(st, i, o),
    "statistics_if_training": lambda p, f, op, st, src, i, o: (
        p.statistics(st, i, o) if op.args.get("training") else p.merged(op, src, o)
    ),
    "pad": lambda p, f, op, st, src, i, o: p.padded(op, st, i, o),
    "slice": lambda p, f, op, st, src, i, o: p.sliced(op, st, i, o),
    "select": lambda p, f, op, st, src, i, o: p.selected(op, st, i),
    "concat": lambda p, f, op, st, src, i, o: p.merged(op, src, o, along=op.args.get("dim", 0)),
    "split": lambda p, f, op, st, src, i, o: p.split(op, st, i, o),
}
"""The receptive-field rules (``cnnarch.ops.RFRule``) besides ``merge``, ``window`` and
``view_if_same_shape``, which ``_Propagation.rule`` applies itself."""


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
