"""What a training step needs: parameters, gradients, optimizer state, the tensors autograd saves
for the backward pass, and the peak while the backward pass runs.

The forward pass is traced in training mode with autograd on (still on the meta device); the
trace notes every tensor autograd saves and which operation's backward releases it. The
forward peak is the liveness walk with saved tensors kept alive. The backward pass is walked in
reverse: each operation's backward allocates gradients for its inputs (views and additions pass
their gradient through without allocating), frees the gradients of its outputs and releases the
tensors it saved; parameter gradients accumulate and stay. Optimizer state comes in copies of
the trainable parameters: none for SGD, one for momentum, two for Adam.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnarch.analysis.liveness import storage_sizes, walk
from cnnarch.ops import BY_PACKET
from cnnarch.trace.records import Trace

OPTIMIZER_STATE = {"sgd": 0, "momentum": 1, "adam": 2}
"""Copies of the trainable parameters each optimizer keeps (momentum buffer; Adam's two moments)."""


@dataclass
class TrainingMemory:
    optimizer: str
    param_bytes: int
    buffer_bytes: int
    gradient_bytes: int
    optimizer_state_bytes: int
    saved_bytes: int
    """Activations autograd keeps for the backward pass (at the end of the forward pass)."""
    forward_peak_bytes: int
    """Activations alive at the forward peak, saved tensors included."""
    backward_peak_bytes: int
    """Saved tensors, activation gradients and parameter gradients alive at the backward peak."""
    backward_peak_op: int | None

    @property
    def peak_bytes(self) -> int:
        """Parameters, buffers and optimizer state, plus the larger of the two passes' peaks."""
        steady = self.param_bytes + self.buffer_bytes + self.optimizer_state_bytes
        return steady + max(self.forward_peak_bytes, self.backward_peak_bytes, self.gradient_bytes)


def _requires_grad(trace: Trace) -> set[int]:
    needs = {t.id for t in trace.tensors if t.kind == "param" and t.requires_grad}
    for op in trace.ops:
        if any(t in needs for t in op.inputs):
            needs.update(t for t in op.outputs if trace.tensors[t].dtype.startswith(("float", "bfloat")))
    return needs


def training_memory(trace: Trace, optimizer: str = "adam") -> TrainingMemory:
    """Training-step memory from a trace recorded with ``grad=True, train=True``."""
    if optimizer not in OPTIMIZER_STATE:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    sizes = storage_sizes(trace)
    params = [t for t in trace.params]
    trainable = sum(t.nbytes for t in params if t.requires_grad)
    saved_storages = {trace.tensors[t].storage for t in trace.saved if trace.tensors[t].storage in sizes}
    forward = walk(trace, keep=saved_storages)

    release: dict[int, list[int]] = {}
    pending: dict[int, int] = {}  # storage -> saved tensors not yet released
    for tid, op_index in trace.saved.items():
        storage = trace.tensors[tid].storage
        if storage in sizes:
            release.setdefault(op_index, []).append(storage)
            pending[storage] = pending.get(storage, 0) + 1

    needs = _requires_grad(trace)
    ends = {trace.tensors[t].storage for t in (*trace.inputs, *trace.outputs)}
    kept = sum(sizes[s] for s in saved_storages | ends)
    grads: dict[int, int] = {}
    for tid in trace.outputs:
        if tid in needs:
            grads[trace.tensors[tid].storage] = trace.tensors[tid].nbytes
    param_grads: set[int] = set()
    peak, peak_op = kept + sum(grads.values()), None
    for op in reversed(trace.ops):
        if not any(t in needs for t in op.outputs):
            continue
        in_storages = {trace.tensors[t].storage for t in op.inputs}
        out_storages = {trace.tensors[t].storage for t in op.outputs} - in_storages
        incoming = sum(grads.get(s, 0) for s in out_storages)
        family = BY_PACKET.get(op.packet)  # views and additions hand the gradient on as it is
        passes = family is not None and (family.category == "reshape" or family.passes_gradient)
        targets = []
        for tid in op.inputs:
            t = trace.tensors[tid]
            if tid in needs and t.kind == "param":
                param_grads.add(tid)
            elif tid in needs and t.storage not in grads and t.storage not in targets:
                targets.append(t.storage)
        for i, storage in enumerate(targets):
            # A view or an addition hands its incoming gradient on; other ops allocate one.
            grads[storage] = (incoming if i == 0 else 0) if passes else sizes.get(storage, 0)
        live = kept + sum(grads.values()) + sum(trace.tensors[t].nbytes for t in param_grads)
        if live > peak:
            peak, peak_op = live, op.index
        for storage in out_storages:
            grads.pop(storage, None)
        for storage in release.get(op.index, ()):
            pending[storage] -= 1
            if pending[storage] == 0 and storage not in ends:
                kept -= sizes[storage]
    return TrainingMemory(
        optimizer=optimizer,
        param_bytes=sum(t.nbytes for t in params),
        buffer_bytes=sum(t.nbytes for t in trace.buffers),
        gradient_bytes=trainable,
        optimizer_state_bytes=OPTIMIZER_STATE[optimizer] * trainable,
        saved_bytes=sum(sizes[s] for s in saved_storages),
        forward_peak_bytes=forward.peak_bytes,
        backward_peak_bytes=peak,
        backward_peak_op=peak_op,
    )
