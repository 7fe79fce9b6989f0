"""Peak live memory of a forward pass, from the order in which the trace allocates and frees.

Walk the recorded operations in order: each operation allocates the storages it creates (views
and in-place results create none), and a storage is freed after the last operation that reads
it. Two refinements follow PyTorch's reference counting: a tensor passed to a module stays
alive until that module returns (its caller still holds it), and the model's inputs and outputs
stay alive throughout. An output nobody reads (the indices of ``max_pool2d_with_indices``)
still counts at the operation that allocates it. The peak is measured while an operation runs:
its inputs are still alive when its outputs are allocated.

This is the memory the *activations* need; parameters and buffers come on top. Temporary
workspaces inside a kernel (cuDNN, oneDNN) are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cnnarch.trace.records import Trace

ALWAYS = 1 << 62  # "until the end of the pass"
GRACE = 1
"""A value read by operation i is freed after operation i + GRACE: code usually keeps it in a
variable until the statement that last uses it ends (``div = div.mul(a).add(k).pow(b)``)."""


@dataclass
class Walk:
    peak_bytes: int
    """Largest number of activation bytes alive at once (model inputs included)."""
    peak_op: int | None
    """Index of the operation during which the peak occurs."""
    live_after: list[int] = field(default_factory=list)
    """Bytes alive after each operation."""
    input_bytes: int = 0


def storage_sizes(trace: Trace) -> dict[int, int]:
    """Bytes of every activation storage (the tensor that created it) and of the inputs."""
    weights = {t.storage for t in trace.tensors if t.kind in ("param", "buffer", "constant")}
    sizes: dict[int, int] = {}
    for t in trace.tensors:
        if t.kind in ("input", "activation") and t.storage not in sizes and t.storage not in weights:
            sizes[t.storage] = t.nbytes
    return sizes


def last_uses(trace: Trace, keep: set[int] = frozenset(), grace: int = GRACE) -> dict[int, int]:  # type: ignore[assignment]
    """Index of the operation after which each storage is freed (``ALWAYS``: at the end)."""
    last: dict[int, int] = {}
    final = len(trace.ops) - 1
    for op in trace.ops:
        for tid in op.inputs:
            t = trace.tensors[tid]
            if t.kind in ("input", "activation"):
                last[t.storage] = min(op.index + grace, final)
        for tid in op.outputs:
            last.setdefault(trace.tensors[tid].storage, op.index)
    for call in trace.calls:  # the caller holds a module's arguments until it returns
        if call.end_op > call.first_op:
            for tid in call.inputs:
                storage = trace.tensors[tid].storage
                if storage in last:
                    last[storage] = max(last[storage], call.end_op - 1)
    for tid in (*trace.inputs, *trace.outputs):
        last[trace.tensors[tid].storage] = ALWAYS
    for storage in keep:
        last[storage] = ALWAYS
    return last


def walk(trace: Trace, keep: set[int] = frozenset(), grace: int = GRACE) -> Walk:  # type: ignore[assignment]
    """Live activation bytes through the pass; ``keep`` lists storages never freed (e.g. the
    tensors autograd saves for the backward pass); ``grace=0`` frees strictly after last use."""
    sizes = storage_sizes(trace)
    last = last_uses(trace, keep, grace)
    frees: dict[int, list[int]] = {}
    for storage, index in last.items():
        if index != ALWAYS:
            frees.setdefault(index, []).append(storage)
    input_storages = {trace.tensors[t].storage for t in trace.inputs}
    live = sum(sizes[s] for s in input_storages)
    result = Walk(peak_bytes=live, peak_op=None, input_bytes=live)
    allocated: set[int] = set(input_storages)
    for op in trace.ops:
        for tid in op.outputs:
            storage = trace.tensors[tid].storage
            if storage not in allocated and storage in sizes:
                allocated.add(storage)
                live += sizes[storage]
        if live > result.peak_bytes:
            result.peak_bytes, result.peak_op = live, op.index
        for storage in frees.get(op.index, ()):
            if storage in allocated:
                live -= sizes[storage]
        result.live_after.append(live)
    return result
