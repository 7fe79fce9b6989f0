"""Checks run before each operation of a trace, so a wrong input size stops with a message
that names the layer and shows the arithmetic, instead of PyTorch's internal error.

What to check comes from the op's record (``cnnarch.ops``): every op with a ``window`` is checked
for an output that collapses to nothing, and a record's own ``check`` (a convolution's input
channels, a dense layer's input features) returns the ``Mismatch`` to report.
"""

from __future__ import annotations

from cnnarch.errors import ShapeError
from cnnarch.inputs import format_shape
from cnnarch.ops import BY_PACKET
from cnnarch.ops.window import describe_window, output_length, output_sizes
from cnnarch.trace.records import OpRecord
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
        family = BY_PACKET.get(op.packet)
        if family is None:
            return
        if family.check is not None:
            mismatch = family.check(op, builder)  # type: ignore[arg-type]  # reads tensors like a Trace
            if mismatch is not None:
                text = mismatch.text.replace("{input}", _input_text(builder))
                raise ShapeError(f"{_where(builder)} {text}", mismatch.hint or self._hint())
        w = family.window(op, builder) if family.window is not None else None  # type: ignore[arg-type]
        if w is None:
            return
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

    def _hint(self) -> str:
        if self.default_input:
            return f"this network's default input is {format_shape(self.default_input)}"
        return "use a larger --input"
