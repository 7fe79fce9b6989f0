"""Activation memory: the bytes of each layer's output, each distinct tensor counted once.

A tensor's memory is its storage. Views (``flatten``, ``transpose``) and in-place results
(``ReLU(inplace=True)``, ``out += identity``) share the storage of the tensor they alias, so
they add nothing; a storage is counted at the layer whose operation allocated it, and only if
that layer hands it on as an output (temporaries inside a layer are not activations).
"""

from __future__ import annotations

from cnnarch.analysis.layers import Row
from cnnarch.trace.records import Trace


def activation_bytes(trace: Trace, rows: list[Row], op_row: dict[int, int]) -> dict[int, int]:
    allocated_by: dict[int, int] = {}  # storage -> row that allocated it
    size: dict[int, int] = {}
    for t in trace.tensors:
        if t.kind == "activation" and t.storage not in size and t.producer is not None:
            size[t.storage] = t.nbytes
            allocated_by[t.storage] = op_row[t.producer]
    counted: set[int] = set()
    result = {}
    for row in rows:
        total = 0
        for tid in row.outputs:
            storage = trace.tensors[tid].storage
            if allocated_by.get(storage) == row.index and storage not in counted:
                counted.add(storage)
                total += size[storage]
        result[row.index] = total
    return result
