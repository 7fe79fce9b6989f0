"""The result of an analysis: plain data for any renderer (table, JSON, CSV, Markdown, plot).

No torch here: a report can be built, serialised and rendered without it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any

MAC_CONVENTION = (
    "MACs = multiply-accumulates of convolutions and matrix products (linear layers), "
    "bias additions excluded; FLOPs = 2 x MACs."
)
ACTIVATION_CONVENTION = (
    "Activation memory = bytes of each layer's output tensor, each distinct tensor counted once "
    "(views and in-place results allocate nothing)."
)


def number(value: Fraction | int | float) -> int | float:
    """A JSON-friendly number: ints stay ints, fractions become floats only when needed."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return value


@dataclass
class Formula:
    axis: str
    general: str
    substituted: str
    exact: float | int
    result: int
    rounding: str | None
    text: str
    note: str | None = None


@dataclass
class Layer:
    index: int
    name: str
    type: str
    depth: int
    inputs: list[str]
    """Names of the layers whose outputs this layer reads (``input`` for the model input)."""
    input_shapes: list[list[int]]
    output_shape: list[int]
    output_shapes: list[list[int]]
    params: int
    trainable_params: int
    buffers: int
    macs: int
    flops: int
    activation_bytes: int
    receptive_field: list[int | float] | None
    effective_stride: list[int | float] | None
    rf_start: list[int | float] | None
    window: str | None = None
    formula: list[Formula] = field(default_factory=list)
    inexact: bool = False
    """An output-size division was not exact and PyTorch rounded it."""
    rf_approximate: bool = False
    rf_whole_input: bool = False
    """Every value depends on the whole input (after global pooling, flatten, dense layers)."""
    shared: bool = False
    """A later call of a module already counted (its parameters are counted once)."""
    ops: list[str] = field(default_factory=list)
    unknown_ops: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    breakdown: dict[str, int] = field(default_factory=dict)
    """Work by kind of operation in natural units (MACs, elements): see analysis/breakdown.py."""
    ops_count: int = 0
    """The layer's count under the report's convention (equal to ``macs`` under ``macs``)."""
    ops_by_category: dict[str, int] = field(default_factory=dict)
    """``ops_count`` split by kind of operation."""

    @property
    def formula_text(self) -> str:
        if not self.formula:
            return ""
        if len({f.text for f in self.formula}) == 1:
            return self.formula[0].text
        return "; ".join(f"{f.axis}: {f.text}" for f in self.formula)


_FIELDS: dict[type, tuple[str, ...]] = {}


def asdict(value: Any) -> Any:
    """``dataclasses.asdict`` for a report's plain data, without its deep copy of every number
    and string (which cannot change)."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is list:
        return [asdict(v) for v in value]
    if kind is dict:
        return {asdict(k): asdict(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(asdict(v) for v in value)
    if not hasattr(kind, "__dataclass_fields__"):
        return copy.deepcopy(value)  # anything else, as ``dataclasses.asdict`` does
    return {name: asdict(getattr(value, name)) for name in _field_names(kind)}


def _field_names(kind: type) -> tuple[str, ...]:
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = tuple(f.name for f in fields(kind))
    return found


def _layer_dict(layer: Layer) -> dict[str, Any]:
    """The JSON object of one layer (``formula`` is the worked text where one applies)."""
    data = {name: asdict(getattr(layer, name)) for name in _field_names(Layer) if name != "ops"}
    data["formula"] = layer.formula_text or None
    data["formula_axes"] = [asdict(f) for f in layer.formula]
    return data


@dataclass
class Totals:
    params: int
    trainable_params: int
    frozen_params: int
    buffers: int
    buffer_bytes: int
    param_bytes: int
    macs: int
    flops: int
    activation_bytes: int
    layers: int
    unknown_ops: dict[str, int] = field(default_factory=dict)
    """Operations no rule covers, with how often each ran: never silently counted as zero."""
    unused_params: int = 0
    unused_modules: list[str] = field(default_factory=list)
    breakdown: dict[str, int] = field(default_factory=dict)
    ops_count: int = 0
    ops_by_category: dict[str, int] = field(default_factory=dict)
    peak_activation_bytes: int = 0
    """Activations alive at once at the inference peak (input included): see ``Memory``."""
    peak_layer: str | None = None
    masked_weights: int = 0
    """Weights ``torch.nn.utils.prune`` masks out (zeros of every ``*_mask``): ``params`` counts
    each ``*_orig`` tensor in full, as the peer tools do."""


@dataclass
class Memory:
    """What a forward pass and a training step need (``summary --memory``)."""

    batch: int | None
    """None where the inputs were exact shapes (``--input =20x10``): no batch axis was added."""
    dtype: str
    param_bytes: int
    buffer_bytes: int
    activation_sum_bytes: int
    """Every layer's output added up: what "activation memory" tables report."""
    inference_peak_bytes: int
    """Activations alive at once at the forward pass's peak, the input included."""
    inference_peak_layer: str | None
    inference_total_bytes: int
    """Parameters + buffers + the inference peak."""
    optimizer: str | None = None
    gradient_bytes: int = 0
    optimizer_state_bytes: int = 0
    saved_bytes: int = 0
    """Activations autograd keeps for the backward pass."""
    forward_peak_bytes: int = 0
    backward_peak_bytes: int = 0
    backward_peak_layer: str | None = None
    training_total_bytes: int = 0
    """Parameters + buffers + optimizer state + the larger of the forward and backward peaks."""


@dataclass
class Counting:
    """The convention ``ops_count`` follows, as a renderer prints it (from
    ``analysis/conventions.py``, so that no renderer needs to import it)."""

    name: str
    label: str
    """Column header, e.g. ``FLOPs (fvcore)``."""
    tool: str
    """The call whose total the convention reproduces."""
    summary: str
    """What counts, in one line."""
    category_labels: dict[str, str] = field(default_factory=dict)
    """Kind of operation → its name in print (``norm``, ``add/mul``): keys of ``ops_by_category``."""


@dataclass(repr=False)
class Report:
    model: str
    input_shape: list[int]
    """The full input, batch first."""
    output_shape: list[int]
    dtype: str
    layers: list[Layer]
    totals: Totals
    source: str | None = None
    memory: Memory | None = None
    notes: list[str] = field(default_factory=list)
    """How the analysis was made where a reader should know (a CPU fallback, an approximation)."""
    input_shapes: list[list[int]] = field(default_factory=list)
    """Every input, batch first (models with several inputs; the first is ``input_shape``)."""
    convention: str = "macs"
    """The counting convention of ``ops_count`` (analysis/conventions.py)."""
    conventions: dict[str, str] = field(
        default_factory=lambda: {"macs": MAC_CONVENTION, "activation_memory": ACTIVATION_CONVENTION}
    )
    counting: Counting | None = None
    """``convention`` as a renderer prints it (label, tool, rules)."""

    @property
    def count_label(self) -> str:
        """The header of the count column: ``MACs``, or the convention's (``FLOPs (fvcore)``)."""
        return "MACs" if self.convention == "macs" or self.counting is None else self.counting.label

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as ``cnnarch summary --format json`` prints it."""
        return {
            "model": self.model,
            "source": self.source,
            "input_shape": self.input_shape,
            "input_shapes": self.input_shapes,
            "output_shape": self.output_shape,
            "dtype": self.dtype,
            "conventions": self.conventions,
            "convention": self.convention,
            "layers": [_layer_dict(layer) for layer in self.layers],
            "totals": asdict(self.totals),
            "memory": asdict(self.memory) if self.memory is not None else None,
            "notes": self.notes,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_data(self) -> dict[str, Any]:
        """Every field as plain JSON-ready data; ``Report.from_data`` reads it back unchanged
        (for caches and files; ``to_dict`` is the documented JSON output)."""
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Report:
        fields = dict(data)
        fields["layers"] = [
            Layer(**{**row, "formula": [Formula(**f) for f in row["formula"]]}) for row in data["layers"]
        ]
        fields["totals"] = Totals(**data["totals"])
        fields["memory"] = Memory(**data["memory"]) if data.get("memory") is not None else None
        fields["counting"] = Counting(**data["counting"]) if data.get("counting") is not None else None
        return cls(**fields)

    def to_dataframe(self) -> Any:
        """One row per layer (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Report.to_dataframe needs pandas: pip install pandas") from None
        rows = []
        for layer in self.to_dict()["layers"]:
            layer.pop("formula_axes")
            rows.append(layer)
        return pd.DataFrame(rows).set_index("index")

    def __repr__(self) -> str:
        t = self.totals
        return (
            f"Report(model={self.model!r}, input_shape={self.input_shape}, layers={len(self.layers)}, "
            f"params={t.params:,}, macs={t.macs:,})"
        )

    def __rich_console__(self, console: Any, options: Any) -> Any:
        """The summary table, for ``rich.print(report)``, fitted to the console: display hooks
        hand the report to ``render/notebook.py`` (renderers import nothing from here at run time)."""
        from cnnarch.render.notebook import renderables

        yield from renderables(self, options.max_width)

    def _repr_html_(self) -> str:
        """The summary table in a notebook."""
        from cnnarch.render.notebook import html

        return html(self)

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)
