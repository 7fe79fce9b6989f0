"""FLOP-counting conventions: cnnarch's own and those of the popular counters, as rule tables.

Every tool counts "FLOPs" differently (ResNet-50 at 224 is 4.09 G, 4.11 G, 4.13 G or 8.18 G
depending on whom you ask). Each convention below is one table of ``Rule`` rows read from the
tool's source; one small engine (``evaluate``) applies any table to a trace. A rule matches

- an **op**: an ATen operation as the dispatcher runs it (``aten.convolution``), which is
  what ``FlopCounterMode`` and, near enough, fvcore's JIT graph see;
- a **module** call by the module's class name (``BatchNorm2d``), as the hook-based tools
  thop, ptflops and torchinfo see it (exact class names, as they compare ``type(m)``);
- a **function** call as the model's code made it (``torch.nn.functional.relu``), which is
  what ptflops patches and where fvcore's ``adaptive_avg_pool2d`` lives.

and adds ``factor x measure`` (see ``MEASURES``) to one category of ``breakdown.ORDER``. Op rules
name ATen operations that have a record in ``cnnarch.ops`` (a test checks it); where a rule means
a whole family it names the record (``_packets("batch_norm")``), and cnnarch's own conventions
count every record that has ``macs``.
Versions read: fvcore 0.1.5, thop 0.1.1 (2209072238), ptflops 0.7.5, torchinfo 1.8.0 and
torch 2.x ``utils/flop_counter.py``. The tests check each total against the real tool.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any, Literal

from cnnarch.analysis import convention_names
from cnnarch.analysis.breakdown import LABELS, ORDER, in_order
from cnnarch.analysis.layers import Row
from cnnarch.errors import CnnarchError
from cnnarch.ops import FAMILIES, bias_elements, macs, short_name
from cnnarch.ops import get as family
from cnnarch.trace.records import FunctionCall, ModuleCall, OpRecord, TensorRef, Trace

Target = Literal["op", "module", "function"]


@dataclass(frozen=True)
class Rule:
    on: Target
    names: tuple[str, ...]
    """ATen packets, module class names (``fnmatch`` patterns) or function names."""
    measure: str
    """A key of ``MEASURES``."""
    category: str
    factor: int = 1
    inside: str | None = None
    """Op rules only: match only operations that ran inside a call of this function."""


@dataclass(frozen=True)
class Convention:
    name: str
    label: str
    """Column header, e.g. ``FLOPs (fvcore)``."""
    tool: str
    """The call whose total this convention reproduces."""
    summary: str
    """What counts, in one line (README and ``--help``)."""
    rules: tuple[Rule, ...]
    modules: Literal["hooked", "leaves"] = "hooked"
    """Which module calls module rules see: ``hooked``: registered modules, and none inside a
    module a rule matched (thop and ptflops add up a hooked module, not its children);
    ``leaves``: registered modules without children (torchinfo)."""
    notes: tuple[str, ...] = ()
    """Where the tool counts something this table does not reproduce."""


def _op(names: str, measure: str, category: str, factor: int = 1, inside: str | None = None) -> Rule:
    return Rule("op", tuple(f"aten.{n}" for n in names.split()), measure, category, factor, inside)


def _module(names: str, measure: str, category: str, factor: int = 1) -> Rule:
    return Rule("module", tuple(names.split()), measure, category, factor)


def _function(names: str, measure: str, category: str, factor: int = 1) -> Rule:
    return Rule("function", tuple(names.split()), measure, category, factor)


def _nd(*patterns: str) -> str:
    """``_nd("Conv{}d")`` -> ``"Conv1d Conv2d Conv3d"``."""
    return " ".join(p.format(d) for p in patterns for d in "123")


def _fn(names: str) -> str:
    """Prefix ``torch.nn.functional.`` to each name."""
    return " ".join(f"torch.nn.functional.{n}" for n in names.split())


def _packets(*families: str) -> str:
    """The ATen ops of the named records, as op rules list them."""
    return " ".join(short_name(p) for name in families for p in family(name).packets)


_WITH_MACS = [f for f in FAMILIES.values() if f.macs is not None]
"""Convolutions and matrix products: the records with multiply-accumulates."""
_CONV_OPS = "convolution _convolution"
_BN_OPS = _packets("batch_norm")
_LRN = "torch.nn.functional.local_response_norm"

MACS = Convention(
    name="macs",
    label="MACs",
    tool="cnnarch's default",
    summary="multiply-accumulates of convolutions and matrix products, 1 per MAC; bias, "
    "norm, activations, pooling and additions cost nothing",
    rules=tuple(_op(_packets(f.name), "macs", f.category) for f in _WITH_MACS),
)

FLOPS = Convention(
    name="flops",
    label="FLOPs",
    tool="cnnarch: 2 x MACs",
    summary="as macs, 2 per MAC (a multiply and an add)",
    rules=tuple(_op(_packets(f.name), "macs", f.category, 2) for f in _WITH_MACS),
)

TORCH = Convention(
    name="torch",
    label="FLOPs (torch)",
    tool="torch.utils.flop_counter.FlopCounterMode().get_total_flops()",
    summary="2 per MAC of convolution, mm, addmm, bmm, baddbmm; nothing else (not even mv or dot)",
    rules=(_op(_CONV_OPS, "macs", "conv", 2), _op("mm addmm bmm baddbmm", "macs", "linear", 2)),
    notes=("attention kernels (scaled_dot_product_*) have formulas in torch that are not reproduced",),
)

FVCORE = Convention(
    name="fvcore",
    label="FLOPs (fvcore)",
    tool="fvcore.nn.FlopCountAnalysis(model, x).total()",
    summary="1 per MAC of conv, linear, matmul, bmm; batch norm 1 per element (+1 if affine; "
    "4, +1 if affine, in training mode); "
    "layer/group norm 4 per element (+1 if affine); adaptive avg pool 1 per input element; "
    "upsample 1 (nearest) or 4 (bilinear) per output element; ignores ReLU, add, max pool, cat",
    rules=(
        _op(_CONV_OPS, "macs", "conv"),
        _op("mm addmm bmm", "macs", "linear"),
        _op(_BN_OPS, "input", "norm"),
        _op(_BN_OPS, "input if affine", "norm"),
        _op(_BN_OPS, "input if training", "norm", 3),  # fvcore's norm_flop_counter: 4 (+1 if affine)
        _op("native_layer_norm native_group_norm", "input", "norm", 4),
        _op("native_layer_norm native_group_norm", "input if affine", "norm"),
        _function(_fn("adaptive_avg_pool2d"), "function input", "pool"),
        _op("upsample_nearest2d", "output", "upsample"),
        _op("upsample_bilinear2d grid_sampler_2d", "output", "upsample", 4),
    ),
    notes=(
        "einsum: fvcore asks numpy's einsum_path for the optimal flop count; cnnarch counts the "
        "bmm it runs (equal for 'abc,abd->acd' and 'abc,adc->adb')",
        "instance norm (5 per element) is not reproduced",
    ),
)

THOP = Convention(
    name="thop",
    label="MACs (thop)",
    tool="thop.profile(model, (x,))[0]",
    summary="per module: conv = output elements x C_in/groups x kernel; linear = in_features "
    "per output element; batch/layer/instance norm 2 per element (x2 if affine); avg pool 1 per "
    "output element; adaptive avg pool (kernel + 1) per output element; softmax 3 per element "
    "- 1 per row; upsample 1 (nearest) to 11 (bilinear) per output element; ReLU, max pool, "
    "functional calls (x + y, torch.cat, F.relu) 0",
    rules=(
        _module("ZeroPad2d Dropout ReLU ReLU6 LeakyReLU PixelShuffle", "module output", "other", 0),
        _module(_nd("MaxPool{}d", "AdaptiveMaxPool{}d"), "module output", "pool", 0),
        _module(_nd("Conv{}d", "ConvTranspose{}d"), "thop conv", "conv"),
        _module(
            _nd("BatchNorm{}d", "InstanceNorm{}d") + " LayerNorm SyncBatchNorm", "module input", "norm", 2
        ),
        _module(
            _nd("BatchNorm{}d", "InstanceNorm{}d") + " LayerNorm SyncBatchNorm",
            "module input if affine",
            "norm",
            2,
        ),
        _module("PReLU", "module input", "activation"),
        _module("Softmax", "thop softmax", "softmax"),
        _module(_nd("AvgPool{}d"), "module output", "pool"),
        _module(_nd("AdaptiveAvgPool{}d"), "thop adaptive avg pool", "pool"),
        _module("Linear", "thop linear", "linear"),
        _module("Upsample UpsamplingBilinear2d UpsamplingNearest2d", "thop upsample", "upsample"),
    ),
    notes=(
        "recurrent modules (RNN, GRU, LSTM and their cells) have thop rules that are not reproduced",
        "thop matches classes exactly: a subclass of nn.Conv2d counts 0, and so here",
    ),
)

PTFLOPS = Convention(
    name="ptflops",
    label="MACs (ptflops)",
    tool="ptflops.get_model_complexity_info(model, shape, backend='pytorch')[0]",
    summary="per module: conv and linear 1 per MAC + 1 per output element for the bias; "
    "ReLU/PReLU/ELU/LeakyReLU/ReLU6/GELU 1 per output element; every pooling 1 per input "
    "element; batch/instance/group norm 1 per element (x2 if affine), layer norm 1; plus its "
    "patched functionals: F.relu, F.gelu, F.silu ..., F.*pool*, F.softmax 1 per input element, "
    "F.interpolate 1 per output element, torch.add/mul 1 per element, torch.matmul/mm/bmm/addmm "
    "1 per MAC. nn.ReLU calls F.relu, so ReLU counts twice; x + y counts 0",
    rules=(
        _module(_nd("Conv{}d", "ConvTranspose{}d"), "module MACs", "conv"),
        _module(_nd("Conv{}d", "ConvTranspose{}d"), "module bias", "bias"),
        _module("Linear", "module MACs", "linear"),
        _module("Linear", "module bias", "bias"),
        _module("ReLU PReLU ELU LeakyReLU ReLU6 GELU", "module output", "activation"),
        _module(
            _nd("MaxPool{}d", "AvgPool{}d", "AdaptiveMaxPool{}d", "AdaptiveAvgPool{}d"),
            "module input",
            "pool",
        ),
        # hasattr(module, "affine") and module.affine: LayerNorm has no such attribute
        _module(_nd("BatchNorm{}d", "InstanceNorm{}d") + " GroupNorm", "module input", "norm"),
        _module(_nd("BatchNorm{}d", "InstanceNorm{}d") + " GroupNorm", "module input if affine", "norm"),
        _module("LayerNorm", "module input", "norm"),
        _module("Upsample", "first sample of output", "upsample"),
        _function(_fn("relu prelu elu relu6 gelu silu"), "function input", "activation"),
        _function(
            _fn(_nd("avg_pool{}d", "max_pool{}d", "adaptive_avg_pool{}d", "adaptive_max_pool{}d")),
            "function input",
            "pool",
        ),
        # F.max_pool2d(..., return_indices=True) reaches PyTorch as max_pool2d_with_indices
        _function(
            _fn(_nd("max_pool{}d_with_indices", "adaptive_max_pool{}d_with_indices")),
            "function input",
            "pool",
        ),
        _function(_fn("softmax"), "function input", "softmax"),
        _function(_fn("upsample interpolate"), "function output", "upsample"),
        _function(
            "torch.matmul torch.spmm torch.Tensor.mm torch.bmm torch.Tensor.bmm", "ptflops matmul", "linear"
        ),
        _function("torch.addmm torch.Tensor.addmm torch.baddbmm", "ptflops matmul", "linear"),
        _function("torch.addmm torch.Tensor.addmm torch.baddbmm", "function input", "bias"),
        _function("torch.add torch.mul", "ptflops broadcast", "elementwise"),
        # F.local_response_norm calls patched Tensor.mul twice, Tensor.add and F.avg_pool3d.
        _op("mul add", "output", "elementwise", inside=_LRN),
        _op("avg_pool2d avg_pool3d", "input", "pool", inside=_LRN),
    ),
    notes=(
        "ptflops patches torch.Tensor.add/mul/matmul, which count x.add(y) but not x + y; both "
        "reach PyTorch as the same call, so cnnarch takes every such call for an operator (0)",
        "F.interpolate with a fractional scale_factor: ptflops counts input elements x scale^2 "
        "(a float), cnnarch the output elements",
        "torch.addmm/baddbmm: the bias term assumes beta != 0",
        "F.max_pool2d_with_indices called directly (not patched by ptflops) is taken for "
        "F.max_pool2d(..., return_indices=True), which is",
        "recurrent modules, nn.MultiheadAttention, DeformConv2d and timm Attention have ptflops "
        "rules that are not reproduced",
    ),
)

TORCHINFO = Convention(
    name="torchinfo",
    label="Mult-adds (torchinfo)",
    tool="torchinfo.summary(model, input_size).total_mult_adds",
    summary="per leaf module, from its parameters: a class named *Conv*: (weight + bias "
    "elements) x batch x output positions; any other: (weight + bias elements) x batch; "
    "modules without parameters (ReLU, pooling, add) 0",
    rules=(
        _module("*Conv*", "torchinfo weight x positions", "conv"),
        _module("*Conv*", "torchinfo bias x positions", "bias"),
        _module("Linear LazyLinear Bilinear", "torchinfo weight x batch", "linear"),
        _module("Linear LazyLinear Bilinear", "torchinfo bias x batch", "bias"),
        _module("*Norm*", "torchinfo weight x batch", "norm"),
        _module("*Norm*", "torchinfo bias x batch", "norm"),
        _module("*", "torchinfo weight x batch", "other"),
        _module("*", "torchinfo bias x batch", "other"),
        _module("*", "torchinfo other parameters", "other"),
    ),
    modules="leaves",
)

CONVENTIONS: dict[str, Convention] = {
    c.name: c for c in (MACS, FLOPS, FVCORE, THOP, PTFLOPS, TORCHINFO, TORCH)
}
NAMES = tuple(CONVENTIONS)
if NAMES != convention_names.NAMES:  # the help's list (convention_names.py) is this registry's
    raise AssertionError(f"analysis/convention_names.py lists {convention_names.NAMES}, not {NAMES}")
FUNCTIONS_READ = frozenset(
    name
    for convention in CONVENTIONS.values()
    for rule in convention.rules
    for name in (rule.names if rule.on == "function" else (rule.inside,) if rule.inside else ())
)
"""The function calls some rule reads (by name, or as the call an op rule looks inside): what a
trace needs to record of the model's function calls."""
PEERS = convention_names.PEERS
"""Conventions named after another tool, whose totals ``cnnarch flops --vs`` checks."""


def get(name: str) -> Convention:
    try:
        return CONVENTIONS[name.lower()]
    except KeyError:
        raise CnnarchError(f"unknown convention {name!r}", f"use one of: {', '.join(NAMES)}") from None


# -- measures --------------------------------------------------------------------------------


class _Context:
    """What measures read besides the target: the trace and each module's own parameters."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.params: dict[str, dict[str, int]] = {}
        for t in trace.tensors:
            if t.kind == "param" and t.name:
                path, _, name = t.name.rpartition(".")
                self.params.setdefault(path, {})[name] = t.numel
        for alias, tid in trace.aliases.items():  # a tied weight is also its other modules' own
            if trace.tensors[tid].kind == "param":
                path, _, name = alias.rpartition(".")
                self.params.setdefault(path, {})[name] = trace.tensors[tid].numel

    def numel(self, tid: int) -> int:
        return self.trace.tensors[tid].numel

    def shape(self, tid: int) -> tuple[int, ...]:
        return self.trace.tensors[tid].shape

    def config(self, call: ModuleCall) -> dict[str, Any]:
        return self.trace.modules[call.path].config

    def ops(self, call: ModuleCall | FunctionCall) -> list[OpRecord]:
        return self.trace.ops[call.first_op : call.end_op]


def _first(ids: list[int], ctx: _Context) -> int:
    return ctx.numel(ids[0]) if ids else 0


def _thop_conv(call: ModuleCall, ctx: _Context) -> int:
    # thop: output elements x (C_in // groups) x kernel positions; for a transposed conv too.
    config = ctx.config(call)
    kernel = config["kernel_size"]
    kernel = kernel if isinstance(kernel, tuple) else (kernel,)
    return (
        _first(call.outputs, ctx) * (ctx.shape(call.inputs[0])[1] // config.get("groups", 1)) * prod(kernel)
    )


def _thop_adaptive_avg_pool(call: ModuleCall, ctx: _Context) -> int:
    # thop: int((prod(in_size / out_size) + 1) x output elements), in float64 as thop does.
    x, y = ctx.shape(call.inputs[0]), ctx.shape(call.outputs[0])
    n = len(y) - 2
    kernel = 1.0
    for a, b in zip(x[-n:], y[-n:], strict=True):
        kernel *= a / b
    return int((kernel + 1) * _first(call.outputs, ctx))


def _thop_softmax(call: ModuleCall, ctx: _Context) -> int:
    # thop: rows x (n exp + (n - 1) adds + n divisions), n = size along the softmax dim.
    x = ctx.shape(call.inputs[0])
    op = next(op for op in ctx.ops(call) if "softmax" in op.packet)
    n = x[op.args["dim"] % len(x)]
    return (prod(x) // n) * (3 * n - 1)


_THOP_UPSAMPLE = {"nearest": 1, "linear": 5, "bilinear": 11, "bicubic": 224 + 35}


def _thop_upsample(call: ModuleCall, ctx: _Context) -> int:
    return _first(call.outputs, ctx) * _THOP_UPSAMPLE.get(ctx.config(call).get("mode", "nearest"), 0)


def _own(call: ModuleCall, ctx: _Context, name: str) -> int:
    return ctx.params.get(call.path, {}).get(name, 0)


def _torchinfo_positions(call: ModuleCall, ctx: _Context) -> int:
    y = ctx.shape(call.outputs[0]) if call.outputs else ()
    return prod(y[:1] + y[2:])


def _torchinfo_batch(call: ModuleCall, ctx: _Context) -> int:
    return ctx.shape(call.outputs[0])[0] if call.outputs else 0


def _torchinfo_other(call: ModuleCall, ctx: _Context) -> int:
    # torchinfo: parameters whose name contains weight or bias (weight_ih_l0) x batch x dim 1.
    params = ctx.params.get(call.path, {})
    other = sum(
        n for k, n in params.items() if k not in ("weight", "bias") and ("weight" in k or "bias" in k)
    )
    y = ctx.shape(call.outputs[0]) if call.outputs and other else ()
    return prod(y[:2]) * other if other else 0


def _ptflops_matmul(f: FunctionCall, ctx: _Context) -> int:
    # ptflops: prod(a.shape) x b.shape[-1], for (a, b) = the product's two matrices.
    a, b = f.inputs[-2:]
    return ctx.numel(a) * ctx.shape(b)[-1]


def _ptflops_broadcast(f: FunctionCall, ctx: _Context) -> int:
    # ptflops aligns the shapes on the left and takes the larger size per axis.
    shapes = [ctx.shape(t) for t in f.inputs[:2]]
    if len(shapes) < 2:
        return prod(shapes[0]) if shapes else 1
    a, b = shapes
    return prod(max(a[i] if i < len(a) else 1, b[i] if i < len(b) else 1) for i in range(max(len(a), len(b))))


Measure = Callable[[Any, _Context], int]

MEASURES: dict[str, tuple[Measure, str]] = {
    # on an operation
    "macs": (lambda op, ctx: macs(op, ctx.trace), "multiply-accumulates (ops.macs)"),
    "bias": (lambda op, ctx: bias_elements(op, ctx.trace), "bias additions (ops.bias_elements)"),
    "input": (lambda op, ctx: _first(op.inputs, ctx), "elements of the first input"),
    "input if affine": (
        lambda op, ctx: _first(op.inputs, ctx) if isinstance(op.args.get("weight"), TensorRef) else 0,
        "elements of the first input when a weight is given",
    ),
    "input if training": (
        lambda op, ctx: _first(op.inputs, ctx) if op.args.get("training") is True else 0,
        "elements of the first input when the op normalises with the batch's statistics",
    ),
    "output": (lambda op, ctx: _first(op.outputs, ctx), "elements of the first output"),
    # on a module call
    "module input": (lambda c, ctx: _first(c.inputs, ctx), "elements of the module's first input"),
    "module output": (lambda c, ctx: _first(c.outputs, ctx), "elements of the module's first output"),
    "module input if affine": (
        lambda c, ctx: _first(c.inputs, ctx) if _own(c, ctx, "weight") else 0,
        "elements of the first input when the module has a weight",
    ),
    "module MACs": (
        lambda c, ctx: sum(macs(op, ctx.trace) for op in ctx.ops(c)),
        "multiply-accumulates of the operations inside the module",
    ),
    "module bias": (
        lambda c, ctx: _first(c.outputs, ctx) if _own(c, ctx, "bias") else 0,
        "elements of the output when the module has a bias",
    ),
    "first sample of output": (
        lambda c, ctx: _first(c.outputs, ctx) // max(ctx.shape(c.outputs[0])[0], 1) if c.outputs else 0,
        "elements of output[0] (ptflops reads the first sample)",
    ),
    "thop conv": (_thop_conv, "output elements x C_in/groups x kernel positions"),
    "thop linear": (
        lambda c, ctx: ctx.config(c)["in_features"] * _first(c.outputs, ctx),
        "in_features x output elements",
    ),
    "thop adaptive avg pool": (_thop_adaptive_avg_pool, "int((prod(in/out sizes) + 1) x output elements)"),
    "thop softmax": (_thop_softmax, "rows x (3 x row length - 1)"),
    "thop upsample": (_thop_upsample, "output elements x 1 nearest, 5 linear, 11 bilinear, 259 bicubic"),
    "torchinfo weight x positions": (
        lambda c, ctx: _own(c, ctx, "weight") * _torchinfo_positions(c, ctx),
        "weight elements x batch x output positions",
    ),
    "torchinfo bias x positions": (
        lambda c, ctx: _own(c, ctx, "bias") * _torchinfo_positions(c, ctx),
        "bias elements x batch x output positions",
    ),
    "torchinfo weight x batch": (
        lambda c, ctx: _own(c, ctx, "weight") * _torchinfo_batch(c, ctx),
        "weight elements x output.shape[0]",
    ),
    "torchinfo bias x batch": (
        lambda c, ctx: _own(c, ctx, "bias") * _torchinfo_batch(c, ctx),
        "bias elements x output.shape[0]",
    ),
    "torchinfo other parameters": (_torchinfo_other, "other *weight*/*bias* parameters x output.shape[:2]"),
    # on a function call
    "function input": (lambda f, ctx: _first(f.inputs, ctx), "elements of the first tensor argument"),
    "function output": (lambda f, ctx: _first(f.outputs, ctx), "elements of the output"),
    "ptflops matmul": (_ptflops_matmul, "prod(a.shape) x b.shape[-1]"),
    "ptflops broadcast": (_ptflops_broadcast, "elements of the shapes aligned on the left"),
}


# -- the engine ------------------------------------------------------------------------------


@dataclass
class Counts:
    """One convention applied to one trace: the total, and its split by row and category."""

    convention: str
    total: int
    by_category: dict[str, int]
    by_row: dict[int, dict[str, int]] = field(default_factory=dict)

    def row_total(self, row: int) -> int:
        return sum(self.by_row.get(row, {}).values())


class _Tables:
    """A convention's rules indexed for lookup (module patterns resolved once per class)."""

    def __init__(self, convention: Convention) -> None:
        self.op: dict[str, list[Rule]] = {}
        self.function: dict[str, list[Rule]] = {}
        self.groups: list[tuple[tuple[str, ...], list[Rule]]] = []
        for rule in convention.rules:
            if rule.on == "module":
                if self.groups and self.groups[-1][0] == rule.names:
                    self.groups[-1][1].append(rule)
                else:
                    self.groups.append((rule.names, [rule]))
            else:
                table = self.op if rule.on == "op" else self.function
                for name in rule.names:
                    table.setdefault(name, []).append(rule)
        self._by_type: dict[str, list[Rule]] = {}

    def module(self, type_name: str) -> list[Rule]:
        """The rules of the first group whose patterns match the class name."""
        found = self._by_type.get(type_name)
        if found is None:
            found = next(
                (
                    rules
                    for names, rules in self.groups
                    if any(fnmatch.fnmatchcase(type_name, n) for n in names)
                ),
                [],
            )
            self._by_type[type_name] = found
        return found


_TABLES: dict[str, _Tables] = {}


def _row_of_calls(trace: Trace, rows: list[Row], op_row: dict[int, int]) -> list[int]:
    """The row each module call's count goes to: its own row, the grouped row it sits in, or,
    for a call above the rows (a block spanning several), the row of its first operation."""
    own = {row.call: row.index for row in rows if row.call is not None}
    last = rows[-1].index if rows else 0
    result: list[int] = []
    in_row: list[bool] = []
    for call in trace.calls:
        if call.index in own:
            result.append(own[call.index])
            in_row.append(True)
        elif call.parent is not None and in_row[call.parent]:
            result.append(result[call.parent])
            in_row.append(True)
        else:
            result.append(op_row.get(call.first_op, last))
            in_row.append(False)
    return result


def _tables(convention: Convention) -> _Tables:
    tables = _TABLES.get(convention.name)
    if tables is None:
        tables = _TABLES[convention.name] = _Tables(convention)
    return tables


def evaluate(
    trace: Trace,
    name: str = "macs",
    rows: list[Row] | None = None,
    op_row: dict[int, int] | None = None,
) -> Counts:
    """Apply convention ``name`` to ``trace``: the total, by category and (given the rows and
    each operation's row, from ``layers.build_rows``) by row."""
    return evaluate_all(trace, (name,), rows, op_row)[get(name).name]


_OpRule = tuple[int, str | None, str, Callable[..., int], int, str]
"""An op rule ready for the walk: (convention's position, ``inside``, measure, the measure's
function, factor, category)."""
_MERGED: dict[tuple[str, ...], tuple[dict[str, list[_OpRule]], dict[str, list[tuple[int, Rule]]]]] = {}


def _merged_rules(
    names: tuple[str, ...],
) -> tuple[dict[str, list[_OpRule]], dict[str, list[tuple[int, Rule]]]]:
    """The op and function rules of several conventions by name, each with its convention's
    position: built once per set of conventions."""
    found = _MERGED.get(names)
    if found is None:
        op_rules: dict[str, list[_OpRule]] = {}
        function_rules: dict[str, list[tuple[int, Rule]]] = {}
        for k, name in enumerate(names):
            tables = _tables(get(name))
            for packet, rules in tables.op.items():
                op_rules.setdefault(packet, []).extend(
                    (k, r.inside, r.measure, MEASURES[r.measure][0], r.factor, r.category)
                    for r in rules
                    if r.factor
                )
            for function, rules in tables.function.items():
                function_rules.setdefault(function, []).extend((k, rule) for rule in rules)
        found = _MERGED[names] = (op_rules, function_rules)
    return found


def evaluate_all(
    trace: Trace,
    names: tuple[str, ...] | list[str] = NAMES,
    rows: list[Row] | None = None,
    op_row: dict[int, int] | None = None,
) -> dict[str, Counts]:
    """``evaluate`` for several conventions in one walk of the trace; a measure several of them
    share (the MACs of a convolution) is computed once."""
    chosen = list({c.name: c for c in (get(n) for n in names)}.values())
    ctx = _Context(trace)
    per_row = rows is not None and op_row is not None
    totals: list[dict[str, int]] = [{} for _ in chosen]
    by_rows: list[dict[int, dict[str, int]]] = [{} for _ in chosen]

    def accumulate(k: int, category: str, value: int, row: int | None) -> None:
        total = totals[k]
        total[category] = total.get(category, 0) + value
        if row is not None:
            in_row = by_rows[k].get(row)
            if in_row is None:
                in_row = by_rows[k][row] = {}
            in_row[category] = in_row.get(category, 0) + value

    op_rules, function_rules = _merged_rules(tuple(c.name for c in chosen))
    functions = trace.functions
    for op in trace.ops:  # the hot loop: rules prepared as tuples, each measure computed once per op
        rules = op_rules.get(op.packet)
        if not rules:
            continue
        row = op_row[op.index] if per_row else None  # type: ignore[index]
        values: dict[str, int] = {}
        for k, inside, measure, function, factor, category in rules:
            if inside is not None and (op.function is None or functions[op.function].name != inside):
                continue
            value = values.get(measure)
            if value is None:
                value = values[measure] = function(op, ctx)
            if value:
                accumulate(k, category, value * factor, row)
    for f in trace.functions:
        found = function_rules.get(f.name)
        if not found:
            continue
        row = op_row[f.first_op] if per_row else None  # type: ignore[index]
        values = {}
        for k, rule in found:
            if rule.factor:
                value = values.get(rule.measure)
                if value is None:
                    value = values[rule.measure] = MEASURES[rule.measure][0](f, ctx)
                if value:
                    accumulate(k, rule.category, value * rule.factor, row)
    walkers = [
        (k, convention.modules == "leaves", tables)
        for k, convention in enumerate(chosen)
        if (tables := _tables(convention)).groups
    ]
    if walkers:
        call_rows = _row_of_calls(trace, rows, op_row) if per_row else None  # type: ignore[arg-type]
        _walk_modules(trace, walkers, ctx, accumulate, call_rows)
    return {
        convention.name: Counts(
            convention=convention.name,
            total=sum(total.values()),
            by_category=in_order(total),
            # a row's amounts are added only where non-zero, so one category is in order already
            by_row={r: v if len(v) == 1 else in_order(v) for r, v in by_row.items()},
        )
        for convention, total, by_row in zip(chosen, totals, by_rows, strict=True)
    }


def _walk_modules(
    trace: Trace,
    walkers: list[tuple[int, bool, _Tables]],
    ctx: _Context,
    accumulate: Callable[[int, str, int, int | None], None],
    call_rows: list[int] | None,
) -> None:
    """The module rules of several conventions in one walk of the module calls. A convention
    sees a registered module's call unless it sits inside a call one of its rules matched
    (``hooked``: thop and ptflops add up a hooked module, not its children) or has children
    (``leaves``: torchinfo). A measure two conventions share is computed once per call."""
    calls, modules = trace.calls, trace.modules
    # per convention, whether each call is (inside) a call its rules matched
    covered = [[False] * len(calls) for _ in walkers]
    for call in calls:
        index, parent = call.index, call.parent
        registered = call.path in modules
        row = call_rows[index] if call_rows is not None else None
        measured: dict[str, int] = {}
        for (k, leaves, tables), inside in zip(walkers, covered, strict=True):
            if parent is not None and inside[parent]:
                inside[index] = True
                continue
            if not registered or (leaves and not call.leaf):
                continue
            matched = tables.module(call.type)
            if not matched:
                continue
            inside[index] = True
            for rule in matched:
                if not rule.factor:
                    continue
                value = measured.get(rule.measure)
                if value is None:
                    value = measured[rule.measure] = MEASURES[rule.measure][0](call, ctx)
                if value:
                    accumulate(k, rule.category, value * rule.factor, row)


def total(source: Any, name: str) -> int:
    """The total of ``source`` (a ``Trace``, or a ``Report`` built under ``name``) under
    convention ``name``: the plain entry point for commands that compare totals."""
    if isinstance(source, Trace):
        return evaluate(source, name).total
    convention = get(name).name
    built = getattr(source, "convention", None)
    if built != convention:
        raise ValueError(f"report was built under {built!r}; analyze again with convention={convention!r}")
    return source.totals.ops_count


# -- explaining a difference -----------------------------------------------------------------


def reason(
    name: str,
    counts: dict[str, int],
    default: dict[str, int],
    work: dict[str, int],
    scaled: Callable[[int], str],
) -> str:
    """One line on how convention ``name`` differs from the default, category by category:
    ``fvcore: +22.2M norm, +100.4K pooling; ignores 9.6M activation, 5.1M add/mul``.

    ``counts`` and ``default`` are totals by category under ``name`` and under ``macs``;
    ``work`` is the natural breakdown, whose categories a convention counting 0 ignores;
    ``scaled`` formats a number (``render.units.scaled``).
    """
    changes = []
    for category in ORDER:
        delta = counts.get(category, 0) - default.get(category, 0)
        if delta:
            sign = "+" if delta > 0 else "−"
            changes.append(f"{sign}{scaled(abs(delta))} {LABELS[category]}")
    ignored = [
        f"{scaled(work[c])} {LABELS[c]}" for c in ORDER if work.get(c) and not counts.get(c) and c != "other"
    ]
    text = ", ".join(changes) if changes else "same as macs"
    if ignored:
        text += "; ignores " + ", ".join(ignored)
    return f"{name}: {text}"
