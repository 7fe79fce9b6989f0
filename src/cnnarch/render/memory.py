"""The memory breakdown of ``summary --memory``: one line per figure, each with what it means."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cnnarch.render import units
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


def renderables(memory: Memory) -> list[Any]:
    title = f"Memory, batch {memory.batch}, {memory.dtype}"
    table = Table(title=title, title_justify="left")
    table.add_column("Figure")
    table.add_column("Bytes", justify="right")
    table.add_column("Meaning", style="dim")
    for name, value, meaning in rows(memory):
        style = "bold" if "total" in name else None
        table.add_row(name, units.size(value), meaning, style=style)
    note = Text(
        "Kernel workspaces (cuDNN, oneDNN weight reorders) come on top and are not modelled.", style="dim"
    )
    return [table, note]


def print_memory(memory: Memory, console: Console) -> None:
    for part in renderables(memory):
        console.print(part)


def markdown(memory: Memory) -> str:
    lines = [
        f"#### Memory, batch {memory.batch}, {memory.dtype}",
        "",
        "| Figure | Bytes | Meaning |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {units.size(value)} | {meaning} |" for name, value, meaning in rows(memory)]
    return "\n".join(lines) + "\n"
