"""Parameters and buffers per layer: each tensor belongs to the first layer that reads it.

Attribution by use (not by ownership) counts a module shared between several calls once,
gives parameters used functionally in a ``forward`` to the operation that uses them, and shows
parameters that no operation read (modules never executed) separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cnnarch.analysis.layers import Row
from cnnarch.trace.records import Trace


@dataclass
class RowParams:
    params: int = 0
    trainable: int = 0
    buffers: int = 0
    shared: list[str] = field(default_factory=list)
    """Parameters this row reads that an earlier row was credited with (a tied weight), as
    ``"decoder.weight is encoder's"``: counted once, where first used."""


@dataclass
class ParamCounts:
    by_row: dict[int, RowParams]
    total: int
    trainable: int
    param_bytes: int
    buffers: int
    buffer_bytes: int
    unused: int
    unused_modules: list[str] = field(default_factory=list)


def attribute_params(trace: Trace, rows: list[Row]) -> ParamCounts:
    by_row = {row.index: RowParams() for row in rows}
    claimed: dict[int, str] = {}  # tensor id -> the row credited with it
    for row in rows:
        counts = by_row[row.index]
        for op_index in row.ops:
            for tid in trace.ops[op_index].inputs:
                t = trace.tensors[tid]
                if t.kind not in ("param", "buffer"):
                    continue
                first = claimed.get(tid)
                if first is not None:
                    note = f"shared with {first}: {t.name} ({t.numel:,} parameters counted there)"
                    if t.kind == "param" and first != row.name and note not in counts.shared:
                        counts.shared.append(note)
                    continue
                claimed[tid] = row.name
                if t.kind == "param":
                    counts.params += t.numel
                    counts.trainable += t.numel if t.requires_grad else 0
                else:
                    counts.buffers += t.numel
    params = trace.params
    buffers = trace.buffers
    unused = [t for t in params if t.id not in claimed]
    unused_modules = sorted({(t.name or "").rpartition(".")[0] or "(model)" for t in unused})
    return ParamCounts(
        by_row=by_row,
        total=sum(t.numel for t in params),
        trainable=sum(t.numel for t in params if t.requires_grad),
        param_bytes=sum(t.nbytes for t in params),
        buffers=sum(t.numel for t in buffers),
        buffer_bytes=sum(t.nbytes for t in buffers),
        unused=sum(t.numel for t in unused),
        unused_modules=unused_modules,
    )
