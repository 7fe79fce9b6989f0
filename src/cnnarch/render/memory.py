"""The memory breakdown of ``summary --memory``: one line per figure, each with what it means."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnnarch.render import units
from cnnarch.render.table import Block, Column, ColumnTable, Notes, markdown_table

if TYPE_CHECKING:
    from cnnarch.report import Memory


def rows(memory: Memory) -> list[tuple[str, int, str]]:
    """(figure, bytes, one-sentence meaning), inference first, then the training step."""
    at = f" (at {memory.inference_peak_layer})" if memory.inference_peak_layer else ""
    out = [
        ("parameters", memory.param_bytes, "every weight and bias, each shared tensor once"),
        ("buffers", memory.buffer_bytes, "batch-norm running statistics and other buffers"),
        (
            "sum of layer outputs",
            memory.activation_sum_bytes,
            "all activations added up, as lecture tables count them; never alive at once",
        ),
        (
            "inference peak activations" + at,
            memory.inference_peak_bytes,
            "activations alive at once when a forward pass frees each tensor after its last use",
        ),
        ("inference total", memory.inference_total_bytes, "parameters + buffers + inference peak"),
    ]
    if memory.optimizer is not None:
        at_back = f" (at {memory.backward_peak_layer})" if memory.backward_peak_layer else ""
        out += [
            ("gradients", memory.gradient_bytes, "one per trainable parameter"),
            (
                f"optimizer state ({memory.optimizer})",
                memory.optimizer_state_bytes,
                "sgd keeps none, momentum one copy of the parameters, adam two",
            ),
            (
                "saved for backward",
                memory.saved_bytes,
                "activations autograd keeps from the forward pass (conv inputs, ReLU outputs, BN inputs)",
            ),
            (
                "training forward peak",
                memory.forward_peak_bytes,
                "activations alive at once, saved ones included",
            ),
            (
                "backward peak" + at_back,
                memory.backward_peak_bytes,
                "saved activations + activation gradients + parameter gradients alive at once",
            ),
            (
                "training step total",
                memory.training_total_bytes,
                "parameters + buffers + optimizer state + the larger peak",
            ),
        ]
    return out


MemoryRow = tuple[str, int, str]

COLUMNS: list[Column[MemoryRow]] = [
    Column("figure", "Figure", lambda r: r[0], wrap=True),
    Column("bytes", "Bytes", lambda r: units.size(r[1]), numeric=True, value=lambda r: r[1]),
    Column("meaning", "Meaning", lambda r: r[2], wrap=True, style="dim"),
]
WORKSPACES = "Kernel workspaces (cuDNN, oneDNN weight reorders) come on top and are not modelled."


def blocks(memory: Memory) -> list[Block]:
    """The memory table and its note, for a ``Document``."""
    batch = "exact input shapes" if memory.batch is None else f"batch {memory.batch}"
    title = f"Memory, {batch}, {memory.dtype}"
    figures = ColumnTable(
        COLUMNS, rows(memory), title=title, heading=f"#### {title}",
        row_style=lambda r: "bold" if "total" in r[0] else None,
    )  # fmt: skip
    return [figures, Notes([WORKSPACES], style="dim", outputs=frozenset({"table"}), wrap=True)]


def markdown(memory: Memory) -> str:
    return "\n".join(markdown_table(blocks(memory)[0])) + "\n"
