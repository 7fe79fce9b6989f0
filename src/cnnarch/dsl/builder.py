"""Turn a parsed layer list into an ``nn.Sequential`` for a given input shape.

Channel and feature counts are not written in a layer list (``conv 96 k11`` says nothing about
its input channels), so the builder follows the shape through the network while it builds:
each new module is run once on a ``meta`` tensor (nothing allocated, nothing computed) and its
output shape is the next module's input. Blocks are not run as a whole: a residual block's
output is its body's (after checking that the shortcut agrees) and a concat block's channels are
its branches' sum. Layer names follow Caffe and the lectures: conv, transposed conv and fc
layers are numbered in order (conv1 ... conv5, fc6), blocks take the next number too (res2,
concat3), every other layer takes the number of the layer before it (relu1, pool1, norm2), and
each block numbers its own contents from 1. Layers before the first numbered one, ``flatten`` and
``softmax`` get no number (bn, relu, flatten), and a name already taken gets a suffix (relu1_2).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from cnnarch.dsl.errors import DslError
from cnnarch.dsl.lexer import Token
from cnnarch.dsl.modules import Concat, Residual
from cnnarch.dsl.names import Namer
from cnnarch.dsl.nodes import ConcatNode, LayerNode, Node, Program, ResidualNode
from cnnarch.errors import CnnarchError
from cnnarch.inputs import format_shape
from cnnarch.ops.window import Window, output_sizes

Shape = tuple[int, ...]
"""Per sample: (C, H, W) for images, (F,) for features."""

_ACTIVATIONS: dict[str, Callable[[dict[str, Any], Shape], nn.Module]] = {
    "relu": lambda v, s: nn.ReLU(inplace=bool(v.get("inplace"))),
    "relu6": lambda v, s: nn.ReLU6(inplace=bool(v.get("inplace"))),
    "leakyrelu": lambda v, s: nn.LeakyReLU(v["slope"], inplace=bool(v.get("inplace"))),
    "prelu": lambda v, s: nn.PReLU(s[0]),
    "elu": lambda v, s: nn.ELU(v["alpha"], inplace=bool(v.get("inplace"))),
    "selu": lambda v, s: nn.SELU(inplace=bool(v.get("inplace"))),
    "gelu": lambda v, s: nn.GELU(),
    "silu": lambda v, s: nn.SiLU(inplace=bool(v.get("inplace"))),
    "sigmoid": lambda v, s: nn.Sigmoid(),
    "tanh": lambda v, s: nn.Tanh(),
    "hardswish": lambda v, s: nn.Hardswish(inplace=bool(v.get("inplace"))),
    "hardsigmoid": lambda v, s: nn.Hardsigmoid(inplace=bool(v.get("inplace"))),
    "softplus": lambda v, s: nn.Softplus(),
    "mish": lambda v, s: nn.Mish(inplace=bool(v.get("inplace"))),
}
KEEPS_SHAPE = {*_ACTIVATIONS, "batchnorm", "lrn", "dropout", "identity", "softmax", "logsoftmax", "shuffle"}
"""Layers whose output has their input's shape: not run while building (BN on meta is slow)."""
IMAGE_ONLY = {
    "conv",
    "tconv",
    "maxpool",
    "avgpool",
    "gap",
    "gmp",
    "adaptiveavgpool",
    "adaptivemaxpool",
    "lrn",
    "upsample",
    "pad",
    "shuffle",
}


def _pad(value: Any) -> Any:
    return 0 if value == "valid" else value


def _conv(v: dict[str, Any], s: Shape) -> nn.Module:
    return nn.Conv2d(s[0], v["filters"], v["k"], v["s"], _pad(v["p"]), v["d"], v["g"], v["bias"])


def _tconv(v: dict[str, Any], s: Shape) -> nn.Module:
    return nn.ConvTranspose2d(s[0], v["filters"], v["k"], v["s"], v["p"], v["op"], v["g"], v["bias"], v["d"])


def _upsample(v: dict[str, Any], s: Shape) -> nn.Module:
    corners = False if v["mode"] in ("bilinear", "bicubic") else None
    if v["size"] is not None:
        return nn.Upsample(size=v["size"], mode=v["mode"], align_corners=corners)
    scale = tuple(float(x) for x in v["scale"]) if isinstance(v["scale"], tuple) else float(v["scale"])
    return nn.Upsample(scale_factor=scale, mode=v["mode"], align_corners=corners)


def _batch_norm(v: dict[str, Any], s: Shape) -> nn.Module:
    return (nn.BatchNorm2d if len(s) == 3 else nn.BatchNorm1d)(s[0], v["eps"], v["momentum"])


def _zero_pad(v: dict[str, Any], s: Shape) -> nn.Module:
    p = v["p"]
    h, w = p if isinstance(p, tuple) else (p, p)
    return nn.ZeroPad2d((w, w, h, h))


FACTORIES: dict[str, Callable[[dict[str, Any], Shape], nn.Module]] = {
    **_ACTIVATIONS,
    "conv": _conv,
    "tconv": _tconv,
    "maxpool": lambda v, s: nn.MaxPool2d(v["k"], v["s"], _pad(v["p"]), v["d"], ceil_mode=bool(v.get("ceil"))),
    "avgpool": lambda v, s: nn.AvgPool2d(v["k"], v["s"], _pad(v["p"]), ceil_mode=bool(v.get("ceil"))),
    "gap": lambda v, s: nn.AdaptiveAvgPool2d(1),
    "gmp": lambda v, s: nn.AdaptiveMaxPool2d(1),
    "adaptiveavgpool": lambda v, s: nn.AdaptiveAvgPool2d(v["size"]),
    "adaptivemaxpool": lambda v, s: nn.AdaptiveMaxPool2d(v["size"]),
    "batchnorm": _batch_norm,
    "lrn": lambda v, s: nn.LocalResponseNorm(v["size"], v["alpha"], v["beta"], v["k"]),
    "dropout": lambda v, s: nn.Dropout(v["p"]),
    "flatten": lambda v, s: nn.Flatten(),
    "fc": lambda v, s: nn.Linear(s[0], v["features"], v["bias"]),
    "upsample": _upsample,
    "pad": _zero_pad,
    "softmax": lambda v, s: nn.Softmax(dim=1),
    "logsoftmax": lambda v, s: nn.LogSoftmax(dim=1),
    "identity": lambda v, s: nn.Identity(),
    "shuffle": lambda v, s: nn.ChannelShuffle(v["groups"]),
}  # fmt: skip


def build(program: Program, input_shape: Shape | None = None) -> nn.Sequential:
    """The network for per-sample ``input_shape`` (default: the program's ``input`` line), built
    on the current device (the caller chooses meta)."""
    shape = tuple(input_shape) if input_shape is not None else program.input
    if shape is None:
        raise CnnarchError(
            "a layer list needs an input size", "give --input CxHxW or start it with 'input CxHxW'"
        )
    if len(shape) not in (1, 3):
        raise CnnarchError(
            f"a layer list takes CxHxW images or a feature count, not a {len(shape)}-dimensional input "
            f"{format_shape(shape)}"
        )
    module, _ = _Builder(program).sequence(program.body, shape)
    return module


class _Builder:
    def __init__(self, program: Program) -> None:
        self.program = program

    def error(self, token: Token, problem: str) -> DslError:
        return DslError(
            problem, self.program.source, token.line, token.column, len(token.text), self.program.origin
        )

    def sequence(self, nodes: list[Node], shape: Shape) -> tuple[nn.Sequential, Shape]:
        namer = Namer()
        modules: OrderedDict[str, nn.Module] = OrderedDict()
        for node in nodes:
            if isinstance(node, LayerNode):
                d = node.definition
                name = namer.name(d.prefix, d.weighted, d.numbered)
                modules[name], shape = self.layer(node, name, shape)
            elif isinstance(node, ResidualNode):
                name = namer.name("res", True)
                modules[name], shape = self.residual(node, name, shape)
            else:
                name = namer.name("concat", True)
                modules[name], shape = self.concat(node, name, shape)
        return nn.Sequential(modules), shape

    def residual(self, node: ResidualNode, name: str, shape: Shape) -> tuple[nn.Module, Shape]:
        body, body_shape = self.sequence(node.body, shape)
        shortcut, short_shape = (
            (None, shape) if node.shortcut is None else self.sequence(node.shortcut, shape)
        )
        if body_shape != short_shape:
            where = "the block's input" if node.shortcut is None else "the shortcut"
            fix = _shortcut_hint(shape, body_shape) if node.shortcut is None else ""
            raise self.error(
                node.token,
                f"{name}: add needs equal shapes, but the body gives {format_shape(body_shape)} and "
                f"{where} is {format_shape(short_shape)}{fix}",
            )
        return Residual(body, shortcut), body_shape

    def concat(self, node: ConcatNode, name: str, shape: Shape) -> tuple[nn.Module, Shape]:
        built = [self.sequence(branch, shape) for branch in node.branches]
        shapes = [s for _, s in built]
        if len({s[1:] for s in shapes}) != 1 or len(shapes[0]) != 3:
            listed = ", ".join(f"branch {i} gives {format_shape(s)}" for i, s in enumerate(shapes, 1))
            raise self.error(
                node.token,
                f"{name}: concat joins CxHxW maps along the channels, so every branch must keep the same "
                f"HxW (and pad a 3x3 by 1, a 5x5 by 2): {listed}",
            )
        channels = sum(s[0] for s in shapes)
        return Concat([m for m, _ in built]), (channels, *shapes[0][1:])

    def layer(self, node: LayerNode, name: str, shape: Shape) -> tuple[nn.Module, Shape]:
        d, v = node.definition, node.values
        if d.keyword in IMAGE_ONLY and len(shape) != 3:
            raise self.error(
                node.token,
                f"{name} ({d.keyword}) needs a CxHxW input but gets "
                f"{format_shape(shape)} features (after flatten)",
            )
        if d.keyword == "fc" and len(shape) != 1:
            raise self.error(
                node.token,
                f"{name} (fc) needs flat features but gets {format_shape(shape)}: "
                "put 'flatten' (or 'gap > flatten') before it",
            )
        self.check_options(node, name, shape)
        try:
            module = FACTORIES[d.keyword](v, shape)
        except (ValueError, TypeError, RuntimeError, OverflowError) as problem:
            raise self.error(node.token, f"{name} ({d.keyword}): {_first_line(problem)}") from None
        if d.keyword in KEEPS_SHAPE:
            return module, shape
        return module, self.run(module, node, name, shape)

    def check_options(self, node: LayerNode, name: str, shape: Shape) -> None:
        d, v, at = node.definition, node.values, node.tokens
        if d.keyword in ("conv", "tconv"):
            for count, what in ((shape[0], "input channels"), (v["filters"], "filters")):
                if count % v["g"]:
                    raise self.error(
                        at.get("g", node.token), f"{name}: groups g{v['g']} must divide the {what} ({count})"
                    )
            if v["p"] == "same" and v["s"] != 1:
                raise self.error(at["p"], f"{name}: p=same needs stride 1 in PyTorch (use p{_half(v['k'])})")
        if d.keyword == "shuffle" and shape[0] % v["groups"]:
            groups = v["groups"]
            raise self.error(
                node.token, f"{name}: shuffle {groups} must divide the channels ({shape[0]}) evenly"
            )
        if d.keyword in ("maxpool", "avgpool") and v["p"] == "same":
            raise self.error(at["p"], f"{name}: pooling takes a number of pixels, not p=same")
        if d.keyword == "pad" and isinstance(v["p"], str):
            raise self.error(at["p"], "pad takes a number of pixels (pad 1, pad 0x2)")
        if d.keyword == "upsample" and (v["scale"] is None) == (v["size"] is None):
            raise self.error(
                node.token, "upsample needs a scale (upsample 2) or a size (upsample size=28x28), not both"
            )

    def run(self, module: nn.Module, node: LayerNode, name: str, shape: Shape) -> Shape:
        """The output shape, from one call on meta tensors (the module may live anywhere)."""
        state = {n: t.to("meta") for n, t in [*module.named_parameters(), *module.named_buffers()]}
        try:
            with torch.no_grad():
                out = torch.func.functional_call(
                    module.eval(), state, (torch.empty((1, *shape), device="meta"),)
                )
        except Exception as problem:
            raise self.error(node.token, self.why(module, name, node, shape, problem)) from None
        return tuple(out.shape[1:])

    @staticmethod
    def why(module: nn.Module, name: str, node: LayerNode, shape: Shape, problem: Exception) -> str:
        """For a window that does not fit, the arithmetic that shows it; else PyTorch's words."""
        head = f"{name} ({node.definition.keyword}) cannot take its {format_shape(shape)} input"
        if isinstance(module, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d) and not isinstance(
            module.padding, str
        ):
            pair = nn.modules.utils._pair
            window = Window(
                "conv" if isinstance(module, nn.Conv2d) else "maxpool",
                pair(module.kernel_size),
                pair(module.stride),
                pair(module.padding),
                pair(getattr(module, "dilation", 1)),
                bool(getattr(module, "ceil_mode", False)),
            )
            for f in output_sizes(window, shape[1:]):
                if f.result < 1:
                    return f"{head}: output {f.axis} = {f.text()} < 1"
        return f"{head}: {_first_line(problem)}"


def _shortcut_hint(shape: Shape, out: Shape) -> str:
    """A 1x1 convolution with stride S gives ceil(size/S): suggest one when some S fits."""
    if len(shape) != 3 or len(out) != 3 or min(out[1:]) < 1:
        return ""
    stride = -(-shape[1] // out[1])
    if all(-(-a // stride) == b for a, b in zip(shape[1:], out[1:], strict=True)):
        s = f" s{stride}" if stride > 1 else ""
        return f": give a projection shortcut after '|', e.g. residual( ... | conv {out[0]} k1{s} > bn )"
    return ": pad the body's convolutions to keep HxW (p1 for k3, p2 for k5) or give a shortcut after '|'"


def _half(kernel: int | tuple[int, ...]) -> str:
    ks = kernel if isinstance(kernel, tuple) else (kernel,)
    return "x".join(str((k - 1) // 2) for k in ks)


def _first_line(problem: BaseException) -> str:
    text = str(problem).strip()
    return text.splitlines()[0] if text else type(problem).__name__
