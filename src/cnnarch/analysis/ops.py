"""What cnnarch knows about each ATen operation, in tables keyed by the overload packet.

``CATEGORY`` names the kind of every known operation; an operation missing from it is *unknown*
and every analysis lists it rather than counting it as zero. ``window()`` reads the sliding
window of convolutions and poolings (used by the shape formulas and the receptive field);
``macs()`` gives the multiply-accumulates of the operations that have them.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, Literal

from cnnarch.trace.records import OpRecord, TensorRef, Trace

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
"""``bias`` is no operation of its own: it is the bias addition inside ``aten.convolution`` and
``aten.addmm`` (see ``bias_elements``), kept apart because counting conventions disagree on it."""


def _table(category: Category, names: str) -> dict[str, Category]:
    return {f"aten.{n}": category for n in names.split()}


CATEGORY: dict[str, Category] = {
    **_table("conv", "convolution _convolution conv2d conv1d conv3d conv_transpose2d"),
    **_table("linear", "addmm mm bmm baddbmm matmul linear addmv mv dot einsum"),
    **_table(
        "norm",
        "native_batch_norm _native_batch_norm_legit _native_batch_norm_legit_no_training "
        "_native_batch_norm_legit_functional batch_norm native_layer_norm native_group_norm "
        "instance_norm",
    ),
    **_table(
        "activation",
        "relu relu_ relu6 hardtanh hardtanh_ sigmoid sigmoid_ tanh tanh_ gelu gelu_ silu silu_ "
        "hardswish hardswish_ hardsigmoid hardsigmoid_ leaky_relu leaky_relu_ elu elu_ "
        "softplus mish mish_ prelu _prelu_kernel clamp clamp_ clamp_min clamp_min_ threshold "
        "threshold_ selu selu_ celu celu_ log_sigmoid_forward",
    ),
    **_table(
        "pool",
        "max_pool1d max_pool2d max_pool3d max_pool2d_with_indices max_pool3d_with_indices "
        "avg_pool1d avg_pool2d avg_pool3d _adaptive_avg_pool2d _adaptive_avg_pool3d "
        "adaptive_avg_pool1d adaptive_max_pool2d adaptive_max_pool1d adaptive_max_pool3d mean "
        "amax amin max min sum",
    ),
    **_table(
        "elementwise",
        "add add_ sub sub_ rsub mul mul_ div div_ pow pow_ sqrt rsqrt exp log neg abs square "
        "reciprocal addcmul addcdiv where maximum minimum erf",
    ),
    **_table("concat", "cat stack"),
    **_table("softmax", "_softmax _log_softmax softmax log_softmax"),
    **_table(
        "upsample",
        "upsample_nearest1d upsample_nearest2d upsample_nearest3d upsample_bilinear2d "
        "upsample_bicubic2d upsample_linear1d upsample_trilinear3d _upsample_nearest_exact2d "
        "_upsample_bilinear2d_aa max_unpool2d",
    ),
    **_table(
        "reshape",
        "view _unsafe_view reshape t transpose permute flatten unflatten unsqueeze squeeze "
        "expand expand_as split split_with_sizes chunk slice select narrow unbind clone "
        "contiguous detach alias _reshape_alias as_strided copy_ _to_copy to lift_fresh "
        "channel_shuffle pixel_shuffle pixel_unshuffle",
    ),
    **_table("pad", "constant_pad_nd pad reflection_pad2d replication_pad2d"),
    **_table("dropout", "dropout native_dropout feature_dropout"),
    **_table(
        "creation",
        "empty empty_like zeros zeros_like ones ones_like full full_like fill_ zero_ arange "
        "scalar_tensor new_empty new_zeros new_ones empty_strided rand randn normal_ uniform_",
    ),
}


def category(op: OpRecord) -> Category | None:
    return CATEGORY.get(op.packet)


def short_name(packet: str) -> str:
    return packet.removeprefix("aten.")


@dataclass(frozen=True)
class Window:
    """A sliding window along each spatial axis (convolution or pooling)."""

    kind: Literal["conv", "tconv", "maxpool", "avgpool"]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    ceil_mode: bool = False
    output_padding: tuple[int, ...] = ()

    @property
    def spatial(self) -> int:
        return len(self.kernel)


def expand(value: Any, n: int, default: int | None = None) -> tuple[int, ...]:
    if value is None or value == [] or value == ():
        if default is None:
            raise ValueError("missing window argument")
        value = default
    if isinstance(value, int):
        return (value,) * n
    values = tuple(int(v) for v in value)
    return values * n if len(values) == 1 else values


def window(op: OpRecord, trace: Trace) -> Window | None:
    """The sliding window of a convolution or pooling op, or None for any other op."""
    a = op.args
    if op.packet in ("aten.convolution", "aten._convolution"):
        weight = trace.tensor(a["weight"])
        kernel = weight.shape[2:]
        n = len(kernel)
        transposed = bool(a.get("transposed", False))
        return Window(
            kind="tconv" if transposed else "conv",
            kernel=tuple(kernel),
            stride=expand(a["stride"], n),
            padding=expand(a["padding"], n),
            dilation=expand(a["dilation"], n),
            output_padding=expand(a.get("output_padding"), n, 0) if transposed else (),
        )
    if op.packet.startswith("aten.max_pool") or op.packet.startswith("aten.avg_pool"):
        kernel = expand(a["kernel_size"], _spatial_dims(op))
        n = len(kernel)
        return Window(
            kind="maxpool" if "max" in op.packet else "avgpool",
            kernel=kernel,
            stride=expand(a.get("stride"), n, 0) if a.get("stride") else kernel,
            padding=expand(a.get("padding"), n, 0),
            dilation=expand(a.get("dilation"), n, 1),
            ceil_mode=bool(a.get("ceil_mode", False)),
        )
    return None


def _spatial_dims(op: OpRecord) -> int:
    for digit in "123":
        if f"pool{digit}d" in op.packet:
            return int(digit)
    return 2


def _shape(trace: Trace, value: Any) -> tuple[int, ...]:
    return trace.tensor(value).shape if isinstance(value, TensorRef) else ()


def macs(op: OpRecord, trace: Trace) -> int:
    """Multiply-accumulates of a convolution or matrix product; 0 for every other op.

    Convolution: batch · spatial positions · kernel positions · C_in/groups · C_out, where the
    positions are the output's for a normal and the input's for a transposed convolution
    (each input pixel is scattered through the whole kernel). Bias additions are not counted.
    """
    a = op.args
    if op.packet in ("aten.convolution", "aten._convolution"):
        x = _shape(trace, a["input"])
        w = _shape(trace, a["weight"])
        out = trace.tensor(op.outputs[0]).shape
        transposed = bool(a.get("transposed", False))
        positions = prod((x if transposed else out)[2:])
        return x[0] * positions * prod(w)
    if op.packet in ("aten.mm", "aten.addmm"):
        m1 = _shape(trace, a["mat1" if "mat1" in a else "self"])
        m2 = _shape(trace, a["mat2"])
        return m1[0] * m1[1] * m2[1]
    if op.packet in ("aten.bmm", "aten.baddbmm"):
        b1 = _shape(trace, a["batch1" if "batch1" in a else "self"])
        b2 = _shape(trace, a["batch2" if "batch2" in a else "mat2"])
        return b1[0] * b1[1] * b1[2] * b2[2]
    if op.packet in ("aten.mv", "aten.addmv"):
        m = _shape(trace, a["mat"] if "mat" in a else a["self"])
        return m[0] * m[1]
    if op.packet == "aten.dot":
        return _shape(trace, a["self"])[0]
    return 0


_BIASED = {"aten.convolution": "bias", "aten._convolution": "bias", "aten.addmm": "self",
           "aten.baddbmm": "self", "aten.addmv": "self"}  # fmt: skip


def bias_elements(op: OpRecord, trace: Trace) -> int:
    """Additions of the bias fused into a convolution (``bias`` given) or an ``addmm``-style
    product (``beta`` != 0): one per output element; 0 for every other op."""
    arg = _BIASED.get(op.packet)
    if arg is None or not isinstance(op.args.get(arg), TensorRef) or op.args.get("beta", 1) == 0:
        return 0
    return trace.tensor(op.outputs[0]).numel
