"""The trace of a small sequential layer list, written in plain Python: no torch.

A calculator question is a network of a few windows and dense layers (``conv 96 k11 s4``,
``maxpool k3 s2``, ``fc 4096``). Importing torch to trace it costs seconds; its record is
simple enough to write down directly. ``plain_trace`` writes the very record the tracer makes
for the same ``nn.Sequential`` (the same ATen operations, arguments, tensors and module calls),
with every output size from the formula the analyses use (the op records' ``ops/window.py``), so the
report, the worked answer and every number come from the one analysis pipeline. Anything else
(a block, batch norm, an option PyTorch would reject) gives None: the caller traces the real
module instead. ``tests/test_calc_plain.py`` checks the two records give the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnnarch.dsl.errors import DslError
from cnnarch.dsl.names import Namer
from cnnarch.dsl.nodes import LayerNode, Program
from cnnarch.inputs import format_shape
from cnnarch.ops.window import Window, output_sizes
from cnnarch.trace.records import FunctionCall, ModuleCall, ModuleInfo, OpRecord, TensorInfo, TensorRef, Trace

Shape = tuple[int, ...]
SUPPORTED = {"conv", "tconv", "maxpool", "avgpool", "gap", "relu", "flatten", "fc", "shuffle"}


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


@dataclass
class _Writer:
    """Tensors, operations and module calls in the order the tracer records them."""

    model_name: str
    tensors: list[TensorInfo] = field(default_factory=list)
    ops: list[OpRecord] = field(default_factory=list)
    calls: list[ModuleCall] = field(default_factory=list)
    modules: dict[str, ModuleInfo] = field(default_factory=dict)
    functions: list[FunctionCall] = field(default_factory=list)
    storages: int = 0

    def tensor(self, shape: Shape, kind: str, name: str | None = None, producer: int | None = None,
               storage: int | None = None, dtype: tuple[str, int] = ("float32", 4)) -> int:  # fmt: skip
        if storage is None:
            self.storages += 1
            storage = self.storages
        tid = len(self.tensors)
        grad = kind == "param"
        self.tensors.append(TensorInfo(tid, shape, dtype[0], dtype[1], kind, storage, producer, name, grad))  # type: ignore[arg-type]
        return tid

    def op(self, packet: str, overload: str, args: dict[str, Any], inputs: list[int], outputs: list[Shape],
           call: int, aliasing: str = "new", storage: int | None = None) -> list[int]:  # fmt: skip
        index = len(self.ops)
        out = [self.tensor(s, "activation", producer=index, storage=storage) for s in outputs]
        self.ops.append(
            OpRecord(index, f"{packet}.{overload}", packet, args, inputs, out, call, aliasing)  # type: ignore[arg-type]
        )
        return out

    def function(self, name: str, call: int, first_op: int) -> None:
        op = self.ops[first_op]
        self.functions.append(
            FunctionCall(
                len(self.functions), name, call, op.inputs[:1], op.outputs[:1], first_op, len(self.ops)
            )
        )
        for o in self.ops[first_op:]:
            o.function = len(self.functions) - 1


@dataclass
class _Layer:
    node: LayerNode
    name: str
    type: str
    config: dict[str, Any]
    params: list[tuple[str, Shape]]
    shape_in: Shape
    shape_out: Shape


def plain_trace(program: Program, shape: Shape, model_name: str) -> Trace | None:
    """The trace of ``program`` for per-sample input ``shape``, or None where only the real
    module can say (see the module docstring). Raises ``DslError`` where the tracer's builder
    would, with its words (a window larger than its padded input)."""
    if not all(isinstance(n, LayerNode) and n.definition.keyword in SUPPORTED for n in program.body):
        return None
    namer = Namer()
    layers: list[_Layer] = []
    for node in program.body:
        assert isinstance(node, LayerNode)
        d = node.definition
        name = namer.name(d.prefix, d.weighted, d.numbered)
        layer = _plan(program, node, name, shape)
        if layer is None:
            return None
        layers.append(layer)
        shape = layer.shape_out
    return _record(layers, model_name)


def _plan(program: Program, node: LayerNode, name: str, shape: Shape) -> _Layer | None:
    """Module type, configuration, parameter shapes and output shape of one layer."""
    keyword, v = node.definition.keyword, node.values
    if keyword == "fc":
        if len(shape) != 1:
            return None
        params = [("weight", (v["features"], shape[0]))] + ([("bias", (v["features"],))] if v["bias"] else [])
        config = {"in_features": shape[0], "out_features": v["features"]}
        return _Layer(node, name, "Linear", config, params, shape, (v["features"],))
    if keyword == "relu":
        if v.get("inplace"):
            return None
        return _Layer(node, name, "ReLU", {"inplace": False}, [], shape, shape)
    if len(shape) != 3:
        return None
    if keyword == "shuffle":
        if shape[0] % v["groups"]:
            return None  # the builder's words
        return _Layer(node, name, "ChannelShuffle", {"groups": v["groups"]}, [], shape, shape)
    if keyword == "flatten":
        flat = (shape[0] * shape[1] * shape[2],)
        return _Layer(node, name, "Flatten", {"start_dim": 1, "end_dim": -1}, [], shape, flat)
    if keyword == "gap":
        return _Layer(node, name, "AdaptiveAvgPool2d", {"output_size": 1}, [], shape, (shape[0], 1, 1))
    window, config, module_type = _window(keyword, v, shape)
    if window is None:
        return None
    sizes = []
    for f in output_sizes(window, _padded(keyword, v, shape)[1:]):
        if f.result < 1:
            if keyword == "tconv":
                return None  # PyTorch's own words
            head = f"{name} ({keyword}) cannot take its {format_shape(shape)} input"
            t = node.token
            raise DslError(f"{head}: output {f.axis} = {f.text()} < 1", program.source, t.line, t.column,
                           len(t.text), program.origin)  # fmt: skip
        sizes.append(f.result)
    params: list[tuple[str, Shape]] = []
    channels = shape[0]
    if keyword in ("conv", "tconv"):
        g, filters = v["g"], v["filters"]
        if channels % g or filters % g:
            return None
        kernel = window.kernel
        weight = (filters, channels // g, *kernel) if keyword == "conv" else (channels, filters // g, *kernel)
        params = [("weight", weight)] + ([("bias", (filters,))] if v["bias"] else [])
        channels = filters
    return _Layer(node, name, module_type, config, params, shape, (channels, *sizes))


def _same_padding(v: dict[str, Any]) -> tuple[tuple[int, int], tuple[int, int]]:
    """PyTorch's ``padding='same'``: D·(F − 1) in total per axis, the half (floor) on both sides
    inside the convolution and any odd pixel on the right and bottom by a separate pad."""
    kernel, dilation = _pair(v["k"]), _pair(v["d"])
    totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    half = (totals[0] // 2, totals[1] // 2)
    extra = (totals[0] % 2, totals[1] % 2)
    return half, extra


def _padded(keyword: str, v: dict[str, Any], shape: Shape) -> Shape:
    if keyword == "conv" and v["p"] == "same":
        _, extra = _same_padding(v)
        return (shape[0], shape[1] + extra[0], shape[2] + extra[1])
    return shape


def _window(keyword: str, v: dict[str, Any], shape: Shape) -> tuple[Window | None, dict[str, Any], str]:
    pad = 0 if v.get("p") == "valid" else v.get("p")
    if keyword in ("conv", "tconv"):
        if pad == "same":
            if _pair(v["s"]) != (1, 1):
                return None, {}, ""
            padding: tuple[int, int] = _same_padding(v)[0]
        else:
            padding = _pair(pad)
        kernel, stride, dilation = _pair(v["k"]), _pair(v["s"]), _pair(v["d"])
        config: dict[str, Any] = {
            "in_channels": shape[0],
            "out_channels": v["filters"],
            "kernel_size": kernel,
            "stride": stride,
            "padding": "same" if pad == "same" else padding,
            "dilation": dilation,
            "groups": v["g"],
            "output_padding": _pair(v["op"]) if keyword == "tconv" else (0, 0),
            "padding_mode": "zeros",
        }
        kind = "conv" if keyword == "conv" else "tconv"
        out_pad = _pair(v["op"]) if keyword == "tconv" else ()
        if keyword == "tconv" and any(
            o >= max(s, d) for o, s, d in zip(out_pad, stride, dilation, strict=True)
        ):
            return None, {}, ""
        module = "Conv2d" if keyword == "conv" else "ConvTranspose2d"
        return Window(kind, kernel, stride, padding, dilation, output_padding=out_pad), config, module
    if isinstance(pad, str):
        return None, {}, ""
    kernel = _pair(v["k"])
    stride = _pair(v["s"]) if v["s"] is not None else kernel
    padding = _pair(pad)
    ceil = bool(v.get("ceil"))
    raw_stride = v["s"] if v["s"] is not None else v["k"]
    if keyword == "maxpool":
        dilation = _pair(v["d"])
        if any(2 * p > k for p, k in zip(padding, kernel, strict=True)):
            return None, {}, ""  # PyTorch's own words: at most half the kernel
        config = {
            "kernel_size": v["k"],
            "stride": raw_stride,
            "padding": pad,
            "dilation": v["d"],
            "ceil_mode": ceil,
        }
        return Window("maxpool", kernel, stride, padding, dilation, ceil), config, "MaxPool2d"
    if any(2 * p > k for p, k in zip(padding, kernel, strict=True)):
        return None, {}, ""
    config = {"kernel_size": v["k"], "stride": raw_stride, "padding": pad, "ceil_mode": ceil,
              "count_include_pad": True}  # fmt: skip
    return Window("avgpool", kernel, stride, padding, (1, 1), ceil), config, "AvgPool2d"


def _record(layers: list[_Layer], model_name: str) -> Trace:
    w = _Writer(model_name)
    weights: dict[str, dict[str, int]] = {}
    for layer in layers:
        weights[layer.name] = {p: w.tensor(s, "param", f"{layer.name}.{p}") for p, s in layer.params}
    batch_shape = (1, *layers[0].shape_in)
    x = w.tensor(batch_shape, "input")
    first = x
    w.calls.append(ModuleCall(0, "", "Sequential", None, 0, False, 1, [x]))
    w.modules[""] = ModuleInfo("", "Sequential", {}, True)
    for layer in layers:
        call = len(w.calls)
        start = len(w.ops)
        out = _emit(w, layer, weights[layer.name], x, call)
        w.calls.append(ModuleCall(call, layer.name, layer.type, 0, 1, True, 1, [x], [out], start, len(w.ops)))
        w.modules[layer.name] = ModuleInfo(layer.name, layer.type, layer.config, True)
        x = out
    w.calls[0].outputs, w.calls[0].end_op = [x], len(w.ops)
    return Trace(
        model_name, [batch_shape], w.tensors, w.ops, w.calls, w.modules, [first], [x], functions=w.functions
    )


def _emit(w: _Writer, layer: _Layer, params: dict[str, int], x: int, call: int) -> int:
    """The operations the layer's module runs, as the tracer records them; the output's id."""
    out_shape = (1, *layer.shape_out)
    c = layer.config
    bias = TensorRef(params["bias"]) if "bias" in params else None
    start = len(w.ops)
    if layer.type == "Linear":
        weight = w.tensors[params["weight"]]
        t = w.op("aten.t", "default", {"self": TensorRef(weight.id)}, [weight.id],
                 [(weight.shape[1], weight.shape[0])], call, "view", weight.storage)[0]  # fmt: skip
        if bias is None:
            return w.op("aten.mm", "default", {"self": TensorRef(x), "mat2": TensorRef(t)}, [x, t],
                        [out_shape], call)[0]  # fmt: skip
        args = {"self": bias, "mat1": TensorRef(x), "mat2": TensorRef(t), "beta": 1, "alpha": 1}
        return w.op("aten.addmm", "default", args, [bias.id, x, t], [out_shape], call)[0]
    if layer.type == "ChannelShuffle":
        args = {"self": TensorRef(x), "groups": c["groups"]}
        return w.op("aten.channel_shuffle", "default", args, [x], [out_shape], call)[0]
    if layer.type == "Flatten":
        args = {"self": TensorRef(x), "size": list(out_shape)}
        return w.op("aten.view", "default", args, [x], [out_shape], call, "view", w.tensors[x].storage)[0]
    if layer.type == "ReLU":
        out = w.op("aten.relu", "default", {"self": TensorRef(x)}, [x], [out_shape], call)[0]
        w.function("torch.nn.functional.relu", call, start)
        return out
    if layer.type == "AdaptiveAvgPool2d":
        args = {"self": TensorRef(x), "dim": [-1, -2], "keepdim": True, "dtype": None}
        out = w.op("aten.mean", "dim", args, [x], [out_shape], call)[0]
        w.function("torch.nn.functional.adaptive_avg_pool2d", call, start)
        return out
    if layer.type in ("Conv2d", "ConvTranspose2d"):
        transposed = layer.type == "ConvTranspose2d"
        padding = list(_pair(c["padding"])) if c["padding"] != "same" else None
        if padding is None:
            half, extra = _same_padding(layer.node.values)
            padding = list(half)
            if any(extra):
                shape = w.tensors[x].shape
                padded = (*shape[:2], shape[2] + extra[0], shape[3] + extra[1])
                args = {"self": TensorRef(x), "pad": [0, extra[1], 0, extra[0]], "value": 0}
                x = w.op("aten.constant_pad_nd", "default", args, [x], [padded], call)[0]
        args = {
            "input": TensorRef(x),
            "weight": TensorRef(params["weight"]),
            "bias": bias,
            "stride": list(c["stride"]),
            "padding": padding,
            "dilation": list(c["dilation"]),
            "transposed": transposed,
            "output_padding": list(c["output_padding"]),
            "groups": c["groups"],
        }
        inputs = [x, params["weight"], *([bias.id] if bias else [])]
        return w.op("aten.convolution", "default", args, inputs, [out_shape], call)[0]
    kernel, padding = list(_pair(c["kernel_size"])), list(_pair(c["padding"]))
    stride = list(_pair(c["stride"]))
    if layer.type == "MaxPool2d":
        args = {"self": TensorRef(x), "kernel_size": kernel, "stride": stride, "padding": padding,
                "dilation": list(_pair(c["dilation"])), "ceil_mode": c["ceil_mode"]}  # fmt: skip
        index = len(w.ops)
        out = w.op("aten.max_pool2d_with_indices", "default", args, [x], [out_shape], call)[0]
        indices = w.tensor(out_shape, "activation", producer=index, dtype=("int64", 8))
        w.ops[index].outputs.append(indices)
        w.function("torch.nn.functional.max_pool2d", call, start)
        return out
    args = {"self": TensorRef(x), "kernel_size": kernel, "stride": stride, "padding": padding,
            "ceil_mode": c["ceil_mode"], "count_include_pad": True, "divisor_override": None}  # fmt: skip
    out = w.op("aten.avg_pool2d", "default", args, [x], [out_shape], call)[0]
    w.function("torch.nn.functional.avg_pool2d", call, start)
    return out
