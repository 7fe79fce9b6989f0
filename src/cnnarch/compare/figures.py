"""The figures of a comparison, as a table: one ``Figure`` per row, in the order printed.

A new row is one entry in ``FIGURES`` (and, for a derived figure, one small function of the
report below). Figures derived here from a report:

- **weight layers**: convolutions and dense layers (rows whose work is a convolution or a
  matrix product and that hold weights), a module called twice counted once;
- **depth**: the most weight layers on any path from the input to an output, through branches
  and shortcuts; it is the count papers give (VGG-16 16, GoogLeNet 22, ResNet-50 50,
  DenseNet-121 121): parallel branches and projection shortcuts do not add to it;
- **receptive field at the last spatial layer**: that of the last layer whose output still has
  a spatial extent larger than 1x1 (after it, global pooling sees the whole input);
- **dense share of parameters**: parameters of dense layers (rows whose work is a matrix
  product) over all parameters;
- **convolution share of MACs**: convolution MACs over all MACs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import TYPE_CHECKING, Any

from cnnarch.compare.model import Better, Unit
from cnnarch.compare.names import Target
from cnnarch.inputs import format_shape
from cnnarch.report import Layer, Report

if TYPE_CHECKING:
    from cnnarch.catalogue.spec import ModelSpec


@dataclass
class AnalyzedModel:
    """One model's report, with what the comparison needs beside it."""

    target: Target
    report: Report
    training_error: str | None = None
    """Why the training-step memory could not be computed (e.g. batch norm at batch 1)."""


@dataclass(frozen=True)
class Settings:
    """What the user asked for: some rows depend on it (their label, whether they are shown)."""

    input_given: bool = False
    optimizer: str | None = "adam"
    convention: str | None = None
    convention_label: str = ""
    convention_rule: str = ""
    """``summary (as tool)`` of the convention."""


@dataclass(frozen=True)
class Figure:
    key: str
    """Fields of ``Settings`` in braces are filled in (``ops_{convention}``); so are ``label``'s
    and ``description``'s."""
    label: str
    unit: Unit
    value: Callable[[AnalyzedModel], Any]
    better: Better | None = None
    note: Callable[[AnalyzedModel, Settings], str | None] | None = None
    """Per model: which layer, where a published figure comes from, why it is missing."""
    description: str = ""
    shown: Callable[[Settings], bool] = field(default=lambda settings: True)
    optional: bool = False
    """Left out when no model has a value (published accuracies)."""


# -- figures of one report -------------------------------------------------------------------


def is_weight_layer(layer: Layer) -> bool:
    """A convolution or dense layer: its work is a convolution or matrix product and it holds
    weights (a later call of a shared module holds them too, counted at its first call)."""
    work = layer.breakdown
    return bool(work.get("conv") or work.get("linear")) and (layer.params > 0 or layer.shared)


def weight_layers(report: Report) -> int:
    return sum(1 for layer in report.layers if is_weight_layer(layer) and not layer.shared)


def depth(report: Report) -> int:
    """The most weight layers on any path through the network.

    Each row reads the rows named in ``inputs``; a name called several times (a shared ReLU)
    means its most recent call, the one whose output the row can read."""
    longest: dict[str, int] = {"input": 0}
    deepest = 0
    for layer in report.layers:
        here = max((longest.get(name, 0) for name in layer.inputs), default=0) + is_weight_layer(layer)
        longest[layer.name] = here
        deepest = max(deepest, here)
    return deepest


def last_spatial_layer(report: Report) -> Layer | None:
    """The last layer whose output has a spatial extent larger than 1x1 and a receptive field."""
    for layer in reversed(report.layers):
        shape = layer.output_shape
        if len(shape) >= 3 and prod(shape[2:]) > 1 and layer.receptive_field:
            return layer
    return None


def dense_param_share(report: Report) -> float | None:
    if not report.totals.params:
        return None
    dense = sum(
        layer.params
        for layer in report.layers
        if layer.breakdown.get("linear") and not layer.breakdown.get("conv")
    )
    return dense / report.totals.params


def conv_mac_share(report: Report) -> float | None:
    if not report.totals.macs:
        return None
    conv = sum(layer.breakdown.get("conv", 0) for layer in report.layers)
    return conv / report.totals.macs


def published(spec: ModelSpec | None, key: str) -> tuple[float | None, str | None]:
    """The catalogue's published figure and its source (the first source that prints it)."""
    if spec is None:
        return None, None
    for entry in spec.published:
        value = getattr(entry, key)
        if value is not None:
            return value, entry.source
    return None, None


def _input_note(m: AnalyzedModel, settings: Settings) -> str | None:
    return "--input" if settings.input_given else ("default" if m.target.spec is not None else None)


def _trained(m: AnalyzedModel) -> int | None:
    memory = m.report.memory
    return memory.training_total_bytes if memory is not None and memory.optimizer is not None else None


def _last_spatial(attribute: str) -> Callable[[AnalyzedModel], Any]:
    def read(m: AnalyzedModel) -> Any:
        layer = last_spatial_layer(m.report)
        return getattr(layer, attribute) if layer is not None else None

    return read


def _published(key: str, label: str) -> Figure:
    return Figure(
        key, label, "percent", lambda m: published(m.target.spec, key)[0], "higher",
        note=lambda m, _: published(m.target.spec, key)[1], optional=True,
    )  # fmt: skip


FIGURES: tuple[Figure, ...] = (
    Figure("input", "input (C×H×W)", "text", lambda m: format_shape(m.report.input_shape[1:]),
           note=_input_note, description="the per-sample input each model ran at"),
    Figure("params", "parameters", "count", lambda m: m.report.totals.params, "lower",
           description="weights and biases, trainable and frozen, each shared tensor once"),
    Figure("macs", "MACs", "count", lambda m: m.report.totals.macs, "lower",
           description="multiply-accumulates of convolutions and matrix products, bias excluded"),
    Figure("flops", "FLOPs (2 × MACs)", "count", lambda m: m.report.totals.flops, "lower"),
    Figure("ops_{convention}", "{convention_label}", "count", lambda m: m.report.totals.ops_count, "lower",
           description="{convention_rule}", shown=lambda s: s.convention not in (None, "macs", "flops")),
    Figure("param_bytes", "parameter memory", "bytes", lambda m: m.report.totals.param_bytes, "lower"),
    Figure("activation_bytes", "activation memory (sum of layer outputs)", "bytes",
           lambda m: m.report.totals.activation_bytes, "lower",
           description="every layer's output added up, as lecture tables count them"),
    Figure("inference_peak_bytes", "inference peak activations", "bytes",
           lambda m: m.report.memory.inference_peak_bytes if m.report.memory else None, "lower",
           note=lambda m, _: m.report.memory.inference_peak_layer if m.report.memory else None,
           description="activations alive at once in a forward pass, input included"),
    Figure("inference_total_bytes", "inference total memory", "bytes",
           lambda m: m.report.memory.inference_total_bytes if m.report.memory else None, "lower",
           description="parameters + buffers + inference peak"),
    Figure("training_total_bytes", "training step memory ({optimizer})", "bytes", _trained, "lower",
           note=lambda m, _: m.training_error, shown=lambda s: s.optimizer is not None,
           description="parameters + buffers + gradients + optimizer state + the larger activation peak"),
    Figure("weight_layers", "weight layers", "integer", lambda m: weight_layers(m.report),
           description="convolutions and dense layers, a shared module once"),
    Figure("depth", "depth (weight layers on the longest path)", "integer", lambda m: depth(m.report),
           description="the most weight layers on any path from input to output"),
    Figure("receptive_field", "receptive field at the last spatial layer", "pixels",
           _last_spatial("receptive_field"), note=lambda m, _: _last_spatial("name")(m),
           description="of the last layer whose output is larger than 1x1, in input pixels"),
    _published("top1", "published top-1"),
    _published("top5", "published top-5"),
    Figure("dense_param_share", "share of parameters in dense layers", "share",
           lambda m: dense_param_share(m.report)),
    Figure("conv_mac_share", "share of MACs in convolutions", "share", lambda m: conv_mac_share(m.report)),
)  # fmt: skip
"""Every row a comparison can have, in the order printed."""
