"""The vocabulary of the layer-list language, as data: every layer keyword, its aliases, the one
value it may take without a name (``conv 96``, ``fc 4096``, ``dropout 0.5``) and its named
options (``k11``, ``s=4``, ``p=same``, ``bias=off``). No torch here: ``builder.py`` turns a
parsed layer into its module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ValueKind = Literal["count", "size", "size0", "pad", "float", "prob", "bool", "choice", "scale"]
"""count: integer >= 1; size: count or HxW; size0: integer >= 0 or HxW;
pad: integer >= 0, HxW, ``same`` or ``valid``;
float: any number; prob: number in [0, 1]; bool: on/off; choice: one of ``choices``;
scale: number > 0 or HxW."""

EXPECTED = {
    "count": "a whole number >= 1",
    "size": "a whole number >= 1 or HxW, e.g. 3 or 1x7",
    "size0": "a whole number >= 0 or HxW, e.g. 1 or 0x1",
    "pad": "a whole number >= 0, HxW, 'same' or 'valid'",
    "float": "a number, e.g. 0.75 or 1e-4",
    "prob": "a number from 0 to 1, e.g. 0.5",
    "bool": "on or off",
    "choice": "one of {choices}",
    "scale": "a number > 0 or HxW, e.g. 2",
}

_TRUE = {"on", "true", "yes", "1"}
_FALSE = {"off", "false", "no", "0"}


@dataclass(frozen=True)
class Option:
    name: str
    """The keyword a value is stored under, e.g. ``k`` (also the name in ``k=3``)."""
    kind: ValueKind
    help: str
    default: Any = None
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    compact: bool = False
    """May be written glued to its value: ``k11``, ``s2``, ``p1``, ``g2``."""

    def expected(self) -> str:
        return EXPECTED[self.kind].format(choices=", ".join(self.choices))


@dataclass(frozen=True)
class LayerDef:
    keyword: str
    help: str
    prefix: str
    """Layer names are the prefix and a number: conv1, relu1, pool1, fc6 ..."""
    aliases: tuple[str, ...] = ()
    positional: Option | None = None
    options: tuple[Option, ...] = ()
    flags: dict[str, tuple[str, Any]] = field(default_factory=dict)
    """Bare words that set an option: ``ceil`` sets ceil=True, ``nobias`` sets bias=False."""
    weighted: bool = False
    """Conv, transposed conv and fc layers advance the layer number (Caffe style: conv1 ... fc6)."""
    numbered: bool = True
    """``flatten`` and ``softmax`` are named without a number."""

    def option(self, name: str) -> Option | None:
        for o in (*([self.positional] if self.positional else []), *self.options):
            if name == o.name or name in o.aliases:
                return o
        return None

    def all_options(self) -> tuple[Option, ...]:
        return (*([self.positional] if self.positional else []), *self.options)


def convert(option: Option, text: str, token_kind: str) -> Any:
    """The value of ``text`` for ``option``; raises ValueError with what was expected."""
    kind = option.kind
    word = text.lower()
    numbers = (
        [int(p) for p in text.replace("×", "x").replace("X", "x").split("x")] if token_kind == "size" else []
    )
    is_int = token_kind == "number" and text.isdigit()
    if kind == "count" and is_int and int(text) >= 1:
        return int(text)
    if kind == "size":
        if is_int and int(text) >= 1:
            return int(text)
        if len(numbers) == 2 and min(numbers) >= 1:
            return tuple(numbers)
    if kind == "size0":
        if is_int:
            return int(text)
        if len(numbers) == 2:
            return tuple(numbers)
    if kind == "pad":
        if is_int:
            return int(text)
        if len(numbers) == 2:
            return tuple(numbers)
        if word in ("same", "valid"):
            return word
    if kind in ("float", "prob", "scale") and token_kind == "number":
        value = float(text)
        if kind == "float" or (kind == "prob" and 0 <= value <= 1) or (kind == "scale" and value > 0):
            return int(value) if kind == "scale" and value.is_integer() else value
    if kind == "scale" and len(numbers) == 2 and min(numbers) >= 1:
        return tuple(numbers)
    if kind == "bool" and word in _TRUE | _FALSE:
        return word in _TRUE
    if kind == "choice" and word in option.choices:
        return word
    raise ValueError(option.expected())


# -- shared options ---------------------------------------------------------------------------
def _k(required: bool = True) -> Option:
    return Option(
        "k", "size", "a kernel size (k3 or k1x7)", required=required, aliases=("kernel",), compact=True
    )


S = Option("s", "size", "stride (default 1)", 1, aliases=("stride",), compact=True)
P = Option("p", "pad", "zero padding: p1, p0x3, p=same", 0, aliases=("pad", "padding"), compact=True)
D = Option("d", "size", "dilation (default 1)", 1, aliases=("dilation",), compact=True)
G = Option("g", "count", "groups (default 1)", 1, aliases=("groups",), compact=True)
BIAS = Option("bias", "bool", "bias=on|off (default on)", True)
NO_BIAS = {"nobias": ("bias", False), "bias": ("bias", True)}
FILTERS = Option(
    "filters", "count", "the number of filters (output channels)", required=True, aliases=("n", "out")
)
INPLACE = {"inplace": ("inplace", True)}
POOL_STRIDE = Option(
    "s", "size", "stride (default: the kernel size)", None, aliases=("stride",), compact=True
)
CEIL = {"ceil": ("ceil", True), "floor": ("ceil", False)}


def _activation(keyword: str, help: str, *aliases: str, positional: Option | None = None) -> LayerDef:
    return LayerDef(keyword, help, keyword, aliases, positional, flags=dict(INPLACE))


LAYERS: tuple[LayerDef, ...] = (
    LayerDef(
        "conv", "convolution: conv 96 k11 s4 p0 (also d2 dilation, g2 groups, nobias)", "conv",
        ("conv2d", "convolution"), FILTERS, (_k(), S, P, D, G, BIAS), dict(NO_BIAS), weighted=True,
    ),
    LayerDef(
        "tconv", "transposed convolution: tconv 64 k4 s2 p1 (op1 = output padding)", "tconv",
        ("deconv", "convtranspose", "conv_transpose", "upconv"), FILTERS,
        (_k(), S, Option("p", "size0", "padding", 0, aliases=("pad", "padding"), compact=True),
         Option("op", "size0", "output padding", 0, aliases=("output_padding",), compact=True),
         D, G, BIAS), dict(NO_BIAS), weighted=True,
    ),
    LayerDef(
        "maxpool", "max pooling: maxpool k3 s2 (stride defaults to k; p1; ceil)", "pool",
        ("pool", "max_pool", "maxpool2d"), None, (_k(), POOL_STRIDE, P, D), dict(CEIL),
    ),
    LayerDef(
        "avgpool", "average pooling: avgpool k2 s2 (p1; ceil)", "pool",
        ("avg_pool", "avgpool2d", "meanpool"), None, (_k(), POOL_STRIDE, P), dict(CEIL),
    ),
    LayerDef("gap", "global average pooling: [C, H, W] → [C, 1, 1]", "gap",
             ("globalavgpool", "global_avg_pool", "global_avgpool", "gavgpool")),
    LayerDef("gmp", "global max pooling: [C, H, W] → [C, 1, 1]", "gmp",
             ("globalmaxpool", "global_max_pool", "global_maxpool")),
    LayerDef(
        "adaptiveavgpool", "adaptive average pooling to a fixed size: adaptiveavgpool 6x6", "pool",
        ("adaptive_avg_pool", "adaptivepool"), Option("size", "size", "the output size", required=True),
    ),
    LayerDef(
        "adaptivemaxpool", "adaptive max pooling to a fixed size: adaptivemaxpool 7", "pool",
        ("adaptive_max_pool",), Option("size", "size", "the output size", required=True),
    ),
    LayerDef(
        "batchnorm", "batch normalisation over the channels (or features after flatten)", "bn",
        ("bn", "batchnorm2d", "batch_norm"), None,
        (Option("eps", "float", "eps (default 1e-5)", 1e-5),
         Option("momentum", "prob", "momentum (default 0.1)", 0.1)),
    ),
    LayerDef(
        "lrn", "local response normalisation: lrn 5 alpha=1e-4 beta=0.75 k=2", "norm",
        ("localresponsenorm", "local_response_norm"),
        Option("size", "count", "neighbouring channels (default 5)", 5, aliases=("n",)),
        (Option("alpha", "float", "alpha (default 1e-4)", 1e-4),
         Option("beta", "float", "beta (default 0.75)", 0.75),
         Option("k", "float", "additive constant k (default 1)", 1.0)),
    ),
    LayerDef("dropout", "dropout: dropout 0.5 (no effect on shapes or counts)", "drop", ("drop",),
             Option("p", "prob", "drop probability (default 0.5)", 0.5)),
    _activation("relu", "ReLU"),
    _activation("relu6", "ReLU6"),
    _activation("leakyrelu", "leaky ReLU: leakyrelu 0.2", "leaky_relu", "lrelu",
                positional=Option("slope", "float", "negative slope (default 0.01)", 0.01)),
    LayerDef("prelu", "parametric ReLU (one learned slope per channel)", "prelu"),
    _activation("elu", "ELU", positional=Option("alpha", "float", "alpha (default 1)", 1.0)),
    _activation("selu", "SELU"),
    LayerDef("gelu", "GELU", "gelu"),
    _activation("silu", "SiLU (swish)", "swish"),
    LayerDef("sigmoid", "logistic sigmoid", "sigmoid"),
    LayerDef("tanh", "tanh", "tanh"),
    _activation("hardswish", "hard swish", "hard_swish"),
    _activation("hardsigmoid", "hard sigmoid", "hard_sigmoid"),
    LayerDef("softplus", "softplus", "softplus"),
    _activation("mish", "mish"),
    LayerDef("flatten", "flatten [C, H, W] to C·H·W features", "flatten", numbered=False),
    LayerDef(
        "fc", "fully connected (dense) layer: fc 4096 (nobias)", "fc",
        ("linear", "dense", "fullyconnected", "fully_connected"),
        Option("features", "count", "the number of output features", required=True, aliases=("n", "out")),
        (BIAS,), dict(NO_BIAS), weighted=True,
    ),
    LayerDef(
        "upsample", "upsampling: upsample 2 (mode=nearest|bilinear|bicubic) or upsample size=28x28", "up",
        ("interpolate",), Option("scale", "scale", "scale factor"),
        (Option("mode", "choice", "interpolation (default nearest)", "nearest",
                choices=("nearest", "bilinear", "bicubic")),
         Option("size", "size", "output size instead of a scale")),
    ),
    LayerDef("pad", "zero padding: pad 1 or pad 0x2", "pad", ("zeropad",),
             Option("p", "pad", "the pixels to add on each side", required=True, aliases=("padding",))),
    LayerDef("softmax", "softmax over the channels / features", "softmax", numbered=False),
    LayerDef("logsoftmax", "log-softmax over the channels / features", "logsoftmax", ("log_softmax",),
             numbered=False),
    LayerDef("identity", "passes its input through (an empty branch)", "id", ("id", "skip")),
    LayerDef("shuffle", "channel shuffle (ShuffleNet): shuffle 3 interleaves 3 groups of channels", "shuffle",
             ("channelshuffle", "channel_shuffle"),
             Option("groups", "count", "the groups to interleave", required=True, aliases=("g",))),
)  # fmt: skip

BLOCKS: dict[str, str] = {
    "residual": "residual",
    "res": "residual",
    "concat": "concat",
    "cat": "concat",
    "inception": "concat",
    "repeat": "repeat",
}
"""Block keywords: ``residual( body | shortcut )``, ``concat( b1 | b2 | ... )``, ``repeat N ( ... )``."""

BY_NAME: dict[str, LayerDef] = {}
for _layer in LAYERS:
    for _name in (_layer.keyword, *_layer.aliases):
        assert _name not in BY_NAME and _name not in BLOCKS, _name
        BY_NAME[_name] = _layer


def lookup(word: str) -> LayerDef | None:
    return BY_NAME.get(word.lower())


def keywords() -> list[str]:
    """Every layer and block keyword, aliases included (for "did you mean")."""
    return [*BY_NAME, *BLOCKS, "input"]
