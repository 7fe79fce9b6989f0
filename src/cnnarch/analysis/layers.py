"""Group the recorded operations into the rows a user reads as layers.

A row is either a module call (a leaf module such as ``Conv2d``, or any module at the requested
``depth``, with everything that ran inside it) or a single operation that ran directly in the
body of a larger module (``x + identity`` in a residual block, ``torch.cat`` in an Inception
block, ``flatten`` in a ``forward``). Module calls that ran no operation (``Dropout`` in eval
mode, ``Identity``) are rows too, so the table reads like the model's code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from cnnarch.ops import short_name
from cnnarch.trace.records import OpRecord, Trace


@dataclass
class Row:
    index: int
    name: str
    type: str
    depth: int
    call: int | None
    """The module call this row stands for; None for a single operation."""
    ops: list[int]
    inputs: list[int]
    """Activation tensors read from outside the row (model inputs included)."""
    outputs: list[int]


def _is_row_call(trace: Trace, call_index: int, depth: int | None) -> bool:
    call = trace.calls[call_index]
    if call.parent is None and not call.leaf:
        return False
    return call.leaf or (depth is not None and call.depth >= depth)


def _row_calls(trace: Trace, depth: int | None) -> list[int | None]:
    """For each module call, the outermost call on its stack that forms a row, if any."""
    found: list[int | None] = []
    for call in trace.calls:  # a parent is always called (and listed) before its children
        outer = found[call.parent] if call.parent is not None else None
        if outer is None and _is_row_call(trace, call.index, depth):
            outer = call.index
        found.append(outer)
    return found


def build_rows(trace: Trace, depth: int | None = None) -> tuple[list[Row], dict[int, int]]:
    """Rows in execution order, and the row of every operation."""
    entries: list[tuple[tuple[int, int, int], Row]] = []
    row_of_call: dict[int, Row] = {}
    op_row: dict[int, Row] = {}
    row_call = _row_calls(trace, depth)
    for call in trace.calls:
        if row_call[call.index] == call.index:
            row = Row(0, call.path or trace.model_name, call.type, call.depth, call.index, [], [], [])
            row_of_call[call.index] = row
            entries.append(((call.first_op, 0, call.index), row))
    seen_names: Counter[str] = Counter()
    for op in trace.ops:
        owner = row_call[op.call] if op.call is not None else None
        if owner is not None:
            row = row_of_call[owner]
            row.ops.append(op.index)
        else:
            parent = trace.calls[op.call] if op.call is not None else None
            kind = op_display_name(op, trace)
            base = f"{parent.path}.{kind}" if parent and parent.path else kind
            seen_names[base] += 1
            name = base if seen_names[base] == 1 else f"{base}_{seen_names[base]}"
            row = Row(0, name, kind, (parent.depth + 1) if parent else 1, None, [op.index], [], [])
            entries.append(((op.index, 1, 0), row))
        op_row[op.index] = row
    entries.sort(key=lambda e: e[0])
    rows = [row for _, row in entries]
    for i, row in enumerate(rows):
        row.index = i
        if row.call is not None:
            call = trace.calls[row.call]
            row.inputs = [t for t in call.inputs if _is_activation(trace, t)]
            row.outputs = list(call.outputs)
        else:
            op = trace.ops[row.ops[0]]
            row.inputs = [t for t in op.inputs if _is_activation(trace, t)]
            row.outputs = list(op.outputs)
    return rows, {op: row.index for op, row in op_row.items()}


def op_display_name(op: OpRecord, trace: Trace) -> str:
    """What the code most likely said: ``flatten`` for a view that merges trailing dimensions,
    ``add`` for ``add_`` (in-place is a memory detail, shown elsewhere)."""
    name = short_name(op.packet).rstrip("_") or short_name(op.packet)
    if name in ("view", "reshape", "_unsafe_view") and op.inputs and op.outputs:
        before, after = trace.tensors[op.inputs[0]].shape, trace.tensors[op.outputs[0]].shape
        k = len(after) - 1
        if 0 < k < len(before) - 1 and before[:k] == after[:k]:
            return "flatten"
    return name


def _is_activation(trace: Trace, tensor_id: int) -> bool:
    return trace.tensors[tensor_id].kind in ("input", "activation")
