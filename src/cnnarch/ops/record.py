"""The op record (``OpFamily``), the registry, and the lookups every analysis uses."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from cnnarch.ops.window import Window
from cnnarch.trace.records import OpRecord, TensorInfo, TensorRef

Category = Literal[
    "conv",
    "linear",
    "norm",
    "activation",
    "pool",
    "elementwise",
    "concat",
    "softmax",
    "upsample",
    "reshape",
    "pad",
    "dropout",
    "creation",
    "bias",
]
"""``bias`` is no operation of its own: it is the bias addition inside a convolution or an
``addmm`` (see ``OpFamily.bias``), kept apart because counting conventions disagree on it."""

RFRule = Literal[
    "window",
    "adaptive",
    "upsample_copy",
    "upsample_blend",
    "unpool",
    "permute",
    "view",
    "view_if_same_shape",
    "matmul",
    "reduce",
    "softmax",
    "layer_norm",
    "statistics",
    "statistics_if_training",
    "pad",
    "slice",
    "select",
    "concat",
    "split",
    "merge",
]
"""How ``analysis.receptive_field`` carries a field through the op (one method per rule there):
``window`` slides ``OpFamily.window``; ``merge`` takes the union of the inputs' regions
(element-wise ops: a single input keeps its field); ``statistics`` mixes every position
(group norm); the rest are named after what they follow (permutes, views, slices ...)."""


class Tensors(Protocol):
    """What record functions read: a ``Trace`` or the tracer's builder while it runs."""

    tensors: list[TensorInfo]

    def tensor(self, ref: TensorRef | int) -> TensorInfo: ...


Term = tuple[str, int]
"""One factor of a worked answer: its letter and its value, e.g. ``("H_out", 55)``."""


@dataclass(frozen=True)
class Mismatch:
    """Why an op cannot run on these shapes, found before PyTorch fails on it."""

    text: str
    """Follows the layer's name: ``expects 3 input channels but gets 1 (tensor 1x32x32)``;
    ``{input}`` stands for the network input (``input 3x32x32``)."""
    hint: str | None = None
    """How to fix it; None: the network's input size (its default, or ``--input``)."""


@dataclass(frozen=True)
class OpFamily:
    """Everything cnnarch knows about one family of ATen operations.

    The functions read a traced op (``OpRecord``, its tensors through a ``Trace``); the formulas
    they use are plain functions of numbers in ``cnnarch.ops.window`` and
    ``cnnarch.ops.receptive`` (``cnnarch calc`` calls those directly).
    """

    name: str
    category: Category
    """The kind of work (``analysis.breakdown``); ops without a record are *unknown*."""
    packets: tuple[str, ...]
    """The ATen overload packets it covers, ``aten.convolution``."""
    summary: str
    receptive_field: RFRule = "merge"
    window: Callable[[OpRecord, Tensors], Window | None] | None = None
    """The sliding window the op applies (kernel, stride, padding, dilation, N-d)."""
    macs: Callable[[OpRecord, Tensors], int] | None = None
    """Multiply-accumulates (bias additions not included)."""
    bias: Callable[[OpRecord, Tensors], int] | None = None
    """Additions of a bias fused into the op: one per output element when a bias is given."""
    mac_terms: Callable[[OpRecord, Tensors], list[Term] | None] | None = None
    """The factors whose product is ``macs``, for a worked answer (``explain``)."""
    param_terms: Callable[[OpRecord, Tensors, TensorInfo], list[Term] | None] | None = None
    """The worked factors of one of the op's own parameter tensors, for a worked parameter count
    (a convolution's weight ``F·F·C_in·K``, its bias ``K``); None for a tensor not its own."""
    check: Callable[[OpRecord, Tensors], Mismatch | None] | None = None
    """Whether the input fits the op's parameters, before it runs (besides a window's collapse
    to an empty output, which every op with a ``window`` gets)."""
    refine: Callable[[OpRecord], OpFamily] | None = None
    """Picks a more specific record from the op's arguments (``aten.convolution`` with
    ``transposed=True`` is a transposed convolution)."""
    passes_gradient: bool = False
    """Backward hands the incoming gradient on without allocating (``analysis.training_memory``)."""
    titles: Mapping[str, str] = field(default_factory=dict)
    """How a worked answer (``explain``) names the op, by packet (its short name without the
    in-place ``_``; ``*``: every packet of the family): ``Conv``, ``Max pool``, ``Addition``."""
    symbols: Mapping[str, str] = field(default_factory=dict)
    """The sign a worked answer writes between the inputs of an element-wise op, by packet as in
    ``titles``: ``+`` for add, ``·`` for mul."""
    meta: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    """Shape shortcuts for the trace by overload (``convolution.default``): the output on the
    meta device computed directly, or ``NotImplemented`` to use PyTorch's meta kernel. They run
    inside a trace only (``cnnarch.ops.aten``), so torch is imported in them, not here."""


FAMILIES: dict[str, OpFamily] = {}
"""Every record by name, in registration order."""
BY_PACKET: dict[str, OpFamily] = {}
"""Every record by the ATen packets it covers."""
CATEGORY: dict[str, Category] = {}
"""Packet -> category, for the analyses that need nothing else."""


def register(family: OpFamily) -> OpFamily:
    """Add ``family`` to the registry; a packet can belong to one family only."""
    if family.name in FAMILIES:
        raise ValueError(f"op family {family.name!r} is registered twice")
    taken = [p for p in family.packets if p in BY_PACKET]
    if taken:
        raise ValueError(f"{family.name}: {', '.join(taken)} already belong to {BY_PACKET[taken[0]].name}")
    FAMILIES[family.name] = family
    for packet in family.packets:
        BY_PACKET[packet] = family
        CATEGORY[packet] = family.category
    return family


def unregister(name: str) -> None:
    family = FAMILIES.pop(name)
    for packet in family.packets:
        del BY_PACKET[packet]
        del CATEGORY[packet]


@contextmanager
def registered(family: OpFamily) -> Iterator[OpFamily]:
    """``family`` in the registry for the duration of a ``with`` block (tests, experiments)."""
    register(family)
    try:
        yield family
    finally:
        unregister(family.name)


def get(name: str) -> OpFamily:
    return FAMILIES[name]


def aten(*names: str) -> tuple[str, ...]:
    """``aten("relu relu_")`` -> ``("aten.relu", "aten.relu_")``."""
    return tuple(f"aten.{n}" for text in names for n in text.split())


# -- lookups ---------------------------------------------------------------------------------


def family_of(op: OpRecord) -> OpFamily | None:
    """The record of ``op`` (refined by its arguments), or None for an unknown op."""
    family = BY_PACKET.get(op.packet)
    if family is not None and family.refine is not None:
        return family.refine(op)
    return family


def category(op: OpRecord) -> Category | None:
    return CATEGORY.get(op.packet)


def short_name(packet: str) -> str:
    return packet.removeprefix("aten.")


def window(op: OpRecord, tensors: Tensors) -> Window | None:
    """The sliding window of a convolution or pooling op, or None for any other op."""
    family = BY_PACKET.get(op.packet)
    if family is None or family.window is None:
        return None
    return family.window(op, tensors)


def macs(op: OpRecord, tensors: Tensors) -> int:
    """Multiply-accumulates of ``op``; 0 for an op whose record has no ``macs``."""
    family = BY_PACKET.get(op.packet)
    if family is None or family.macs is None:
        return 0
    return family.macs(op, tensors)


def bias_elements(op: OpRecord, tensors: Tensors) -> int:
    """Additions of a bias fused into ``op``; 0 for every op without one."""
    family = BY_PACKET.get(op.packet)
    if family is None or family.bias is None:
        return 0
    return family.bias(op, tensors)


def mac_terms(op: OpRecord, tensors: Tensors) -> list[Term] | None:
    """The worked factors of ``macs(op)``, or None where the record has none."""
    family = family_of(op)
    if family is None or family.mac_terms is None:
        return None
    return family.mac_terms(op, tensors)


def param_terms(op: OpRecord, tensors: Tensors, tensor: TensorInfo) -> list[Term] | None:
    """The worked factors of ``tensor`` as a parameter of ``op``, or None where its record has none."""
    family = family_of(op)
    if family is None or family.param_terms is None:
        return None
    return family.param_terms(op, tensors, tensor)


def _by_packet(table: Mapping[str, str], packet: str) -> str | None:
    name = short_name(packet).removesuffix("_")
    return table.get(name, table.get("*"))


def title(op: OpRecord) -> str | None:
    """The op's name in a worked answer (``Transposed conv``: refined by its arguments), or None."""
    family = family_of(op)
    return None if family is None else _by_packet(family.titles, op.packet)


def merge_wording(packet: str) -> tuple[str | None, str | None]:
    """The title and the joining sign of the element-wise op ``packet`` (``aten.add_``:
    ``("Addition", "+")``), each None where its record has none."""
    family = BY_PACKET.get(packet)
    if family is None:
        return None, None
    return _by_packet(family.titles, packet), _by_packet(family.symbols, packet)
