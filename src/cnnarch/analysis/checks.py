"""Checks run before each operation of a trace, so a wrong input size stops with a message
that names the layer and shows the arithmetic, instead of PyTorch's internal error."""

from __future__ import annotations

from math import isqrt, prod

from cnnarch.analysis.formulas import describe_window, output_length, output_sizes
from cnnarch.analysis.ops import window
from cnnarch.errors import ShapeError
from cnnarch.inputs import format_shape
from cnnarch.trace.records import OpRecord, TensorRef
from cnnarch.trace.tracer import TraceBuilder


def _where(builder: TraceBuilder) -> str:
    if not builder.stack:
        return "the model"
    call = builder.calls[builder.stack[-1]]
    return f"{call.path or builder.name} ({call.type})"


def _input_text(builder: TraceBuilder) -> str:
    if not builder.inputs:
        return "this input"
    return "input " + format_shape(builder.tensors[builder.inputs[0]].shape[1:])


class ShapeChecks:
    """The ``OpCheck`` used by ``analyze``: explains failures at the layer that causes them."""

    def __init__(self, default_input: tuple[int, ...] | None = None) -> None:
        self.default_input = default_input

    def __call__(self, op: OpRecord, builder: TraceBuilder) -> None:
        w = window(op, builder)  # type: ignore[arg-type]  # a builder reads tensors like a Trace
        if w is not None:
            self._check_channels(op, builder)
            x = builder.tensors[op.inputs[0]]
            sizes = x.shape[-w.spatial :]
            if all(output_length(w, n, i) >= 1 for i, n in enumerate(sizes)):
                return  # the usual case, in integers; the worked formulas only for the message
            for f in output_sizes(w, sizes):
                if f.result < 1:
                    raise ShapeError(
                        f"{_input_text(builder)} is too small: {_where(builder)} "
                        f"[{describe_window(w)}] gets {format_shape(sizes)} and its output "
                        f"{f.axis} = {f.text()} < 1",
                        self._hint(),
                    )
        elif op.packet in ("aten.addmm", "aten.mm"):
            self._check_dense(op, builder)

    def _hint(self) -> str:
        if self.default_input:
            return f"this network's default input is {format_shape(self.default_input)}"
        return "use a larger --input"

    def _check_channels(self, op: OpRecord, builder: TraceBuilder) -> None:
        if op.packet not in ("aten.convolution", "aten._convolution"):
            return
        x = builder.tensors[op.args["input"].id]
        weight = builder.tensors[op.args["weight"].id]
        groups = int(op.args.get("groups", 1))
        transposed = bool(op.args.get("transposed", False))
        expected = weight.shape[0] if transposed else weight.shape[1] * groups
        if len(x.shape) >= 2 and x.shape[1] != expected:
            raise ShapeError(
                f"{_where(builder)} expects {expected} input channels but gets {x.shape[1]} "
                f"(tensor {format_shape(x.shape)})",
                "the first number of --input is the channel count, or use --in-channels",
            )

    def _check_dense(self, op: OpRecord, builder: TraceBuilder) -> None:
        a = op.args
        m1 = a.get("mat1", a.get("self"))
        m2 = a.get("mat2")
        if not isinstance(m1, TensorRef) or not isinstance(m2, TensorRef):
            return
        x = builder.tensors[m1.id]
        w = builder.tensors[m2.id]
        if len(x.shape) != 2 or len(w.shape) != 2 or x.shape[1] == w.shape[0]:
            return
        want, got = f"{w.shape[0]:,}", f"{x.shape[1]:,}"
        source = builder.tensors[builder.ops[x.producer].inputs[0]] if x.producer is not None else None
        if source is not None and len(source.shape) == 4 and prod(source.shape[1:]) == x.shape[1]:
            channels = source.shape[1]
            got += f" = {'·'.join(map(str, source.shape[1:]))}"
            side = isqrt(w.shape[0] // channels)
            if side * side * channels == w.shape[0]:
                want += f" = {channels}·{side}·{side}"
        raise ShapeError(
            f"{_where(builder)} expects {want} input features but gets {got} at "
            f"{_input_text(builder)}: dense layers fix the input size",
            self._hint(),
        )
