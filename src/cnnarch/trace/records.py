"""The record of one forward pass: plain data that every analysis reads.

Nothing here imports torch, so reports can be rendered, saved and compared without it.
Tensors are referred to by their index in ``Trace.tensors``; each operation names the tensors
it read and wrote, so the record is a data-flow graph in which branches (one tensor read by
several operations) and merges (``add``, ``cat``: several tensors read by one) are explicit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Any, Literal

TensorKind = Literal["input", "param", "buffer", "activation", "constant"]


@dataclass(frozen=True, slots=True)
class TensorRef:
    """Stands in for a tensor inside an operation's recorded arguments."""

    id: int


@dataclass(slots=True)
class TensorInfo:
    id: int
    shape: tuple[int, ...]
    dtype: str
    itemsize: int
    kind: TensorKind
    storage: int
    """Alias group: views and in-place results share the storage id of the tensor they alias."""
    producer: int | None = None
    """Index of the operation that created this tensor; None for inputs, parameters, buffers."""
    name: str | None = None
    """Qualified name, for parameters and buffers."""
    requires_grad: bool = False

    @property
    def numel(self) -> int:
        return prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.numel * self.itemsize


@dataclass(slots=True)
class OpRecord:
    index: int
    target: str
    """The ATen overload, e.g. ``aten.convolution.default``."""
    packet: str
    """The overload packet, e.g. ``aten.convolution``: what rules are keyed by."""
    args: dict[str, Any]
    """Arguments by schema name (defaults filled in); tensors appear as ``TensorRef``."""
    inputs: list[int]
    """Tensor ids read, in argument order (activations, parameters and buffers alike)."""
    outputs: list[int]
    call: int | None
    """Innermost module call active when the operation ran (None: outside any module)."""
    aliasing: Literal["new", "view", "inplace"] = "new"
    function: int | None = None
    """The ``FunctionCall`` this operation ran inside (None: not known)."""


@dataclass(slots=True)
class ModuleCall:
    index: int
    path: str
    """Qualified module name; ``""`` for the model itself."""
    type: str
    parent: int | None
    depth: int
    leaf: bool
    call_number: int
    """1 for the first call of this module, 2 for the second (shared modules) ..."""
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    first_op: int = 0
    end_op: int = 0
    """Operations ``first_op <= i < end_op`` ran inside this call (nested calls included)."""


@dataclass(slots=True)
class FunctionCall:
    """One call of a PyTorch function as the model's Python code made it: ``F.relu``,
    ``torch.cat``, ``torch.Tensor.add`` (also for ``x + y``: both reach PyTorch as the same call).

    Only the outermost call is recorded (the operations ``F.local_response_norm`` runs belong to
    it), so calls never nest. Other tools count at this level (ptflops patches functions, fvcore
    sees ``adaptive_avg_pool2d`` where the dispatcher runs ``mean``), hence the record.
    """

    index: int
    name: str
    """As ``torch.overrides.resolve_name`` gives it, e.g. ``torch.nn.functional.relu``."""
    call: int | None
    """Innermost module call active (None: outside any module)."""
    inputs: list[int]
    """Tensor arguments, as they were when the call began."""
    outputs: list[int]
    first_op: int
    end_op: int
    """Operations ``first_op <= i < end_op`` ran inside this call."""


@dataclass
class ModuleInfo:
    path: str
    type: str
    config: dict[str, Any]
    """Hyper-parameters worth showing: kernel_size, stride, padding, in/out features ..."""
    executed: bool = False


@dataclass
class Trace:
    model_name: str
    input_shapes: list[tuple[int, ...]]
    tensors: list[TensorInfo]
    ops: list[OpRecord]
    calls: list[ModuleCall]
    modules: dict[str, ModuleInfo]
    inputs: list[int]
    outputs: list[int]
    dtype: str = "float32"
    functions: list[FunctionCall] = field(default_factory=list)
    """The torch function calls that ran operations, in order (see ``FunctionCall``)."""
    notes: list[str] = field(default_factory=list)
    """What a reader should know about how the trace was made (a fallback to a CPU forward)."""
    saved: dict[int, int] = field(default_factory=dict)
    """Tensors autograd saved for backward (traced with grad), each with the index of the
    operation whose backward uses it last, i.e. the earliest operation that saved it."""
    aliases: dict[str, int] = field(default_factory=dict)
    """Further names of a parameter or buffer registered under several (a tied weight:
    ``decoder.weight`` → the id of the tensor first met as ``encoder.weight``)."""

    def tensor(self, ref: TensorRef | int) -> TensorInfo:
        return self.tensors[ref.id if isinstance(ref, TensorRef) else ref]

    @property
    def params(self) -> list[TensorInfo]:
        return [t for t in self.tensors if t.kind == "param"]

    @property
    def buffers(self) -> list[TensorInfo]:
        return [t for t in self.tensors if t.kind == "buffer"]
