"""Each layer's work split by kind of operation, in the unit natural to each kind.

Multiply-accumulates for convolutions and matrix products, elements for everything else (see
``UNITS``). This is what the counting conventions in ``conventions.py`` weigh differently:
one tool adds batch-norm elements, another ReLU elements, a third neither. Operations without a
record in ``cnnarch.ops`` are not guessed at: they are listed by name with their number of calls.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from cnnarch.analysis.layers import Row
from cnnarch.ops import CATEGORY, bias_elements, macs
from cnnarch.trace.records import OpRecord, Trace

# Categories in the order tables show them; ``other`` gathers padding, copies and creation.
ORDER = (
    "conv", "linear", "bias", "norm", "activation", "pool", "elementwise", "concat", "softmax",
    "upsample", "other",
)  # fmt: skip

LABELS = {
    "conv": "conv",
    "linear": "linear/matmul",
    "bias": "bias",
    "norm": "norm",
    "activation": "activation",
    "pool": "pooling",
    "elementwise": "add/mul",
    "concat": "concat",
    "softmax": "softmax",
    "upsample": "upsample",
    "other": "other",
}

UNITS = {
    "conv": "multiply-accumulates",
    "linear": "multiply-accumulates (linear layers, matmul, bmm)",
    "bias": "additions of a bias fused into a convolution or addmm: one per output element",
    "norm": "input elements (batch, layer, group norm)",
    "activation": "output elements",
    "pool": "input elements read (max/average pooling, mean and other reductions)",
    "elementwise": "output elements (add, mul, div ...)",
    "concat": "output elements copied: no arithmetic, only memory traffic",
    "softmax": "input elements",
    "upsample": "output elements",
    "other": "elements written by padding, copies and tensor creation (views write none)",
}

_OTHER = {"reshape", "pad", "dropout", "creation"}


def _numel(trace: Trace, tid: int) -> int:
    return trace.tensors[tid].numel


def _first_input(op: OpRecord, trace: Trace) -> int:
    return _numel(trace, op.inputs[0]) if op.inputs else 0


def _first_output(op: OpRecord, trace: Trace) -> int:
    return _numel(trace, op.outputs[0]) if op.outputs else 0


def _written(op: OpRecord, trace: Trace) -> int:
    return 0 if op.aliasing == "view" else _first_output(op, trace)


_WORK: dict[str, Callable[[OpRecord, Trace], int]] = {
    "conv": macs,
    "linear": macs,
    "norm": _first_input,
    "activation": _first_output,
    "pool": _first_input,
    "elementwise": _first_output,
    "concat": _first_output,
    "softmax": _first_input,
    "upsample": _first_output,
    "other": _written,
}


def op_work(op: OpRecord, trace: Trace) -> list[tuple[str, int]] | None:
    """The work of one operation as (category, amount) pairs; None for an unknown operation."""
    category = CATEGORY.get(op.packet)
    if category is None:
        return None
    if category in _OTHER:
        category = "other"
    work = [(category, _WORK[category](op, trace))]
    bias = bias_elements(op, trace)
    if bias:
        work.append(("bias", bias))
    return work


@dataclass
class Breakdown:
    by_row: dict[int, dict[str, int]]
    """Row index -> category -> amount (zero amounts left out)."""
    total: dict[str, int]
    unknown: Counter[str] = field(default_factory=Counter)
    """Operations without a rule, by packet (``aten.foo``), with their number of calls."""
    unknown_by_row: dict[int, list[str]] = field(default_factory=dict)


def breakdown(trace: Trace, rows: list[Row]) -> Breakdown:
    by_row: dict[int, dict[str, int]] = {}
    total: dict[str, int] = {}
    unknown: Counter[str] = Counter()
    unknown_by_row: dict[int, list[str]] = {}
    for row in rows:
        counts: dict[str, int] = {}
        for i in row.ops:
            op = trace.ops[i]
            work = op_work(op, trace)
            if work is None:
                unknown_by_row.setdefault(row.index, []).append(op.packet)
                continue
            for category, amount in work:
                if amount:
                    counts[category] = counts.get(category, 0) + amount
                    total[category] = total.get(category, 0) + amount
        by_row[row.index] = in_order(counts)
        unknown.update(unknown_by_row.get(row.index, ()))
    return Breakdown(by_row, in_order(total), unknown, unknown_by_row)


_RANK = {category: i for i, category in enumerate(ORDER)}


def in_order(counts: dict[str, int]) -> dict[str, int]:
    """Non-zero amounts in ``ORDER``."""
    if len(counts) == 1:  # most rows: one category
        for c, value in counts.items():
            return {c: value} if value else {}
    return {c: counts[c] for c in sorted(counts, key=_RANK.__getitem__) if counts[c]}
