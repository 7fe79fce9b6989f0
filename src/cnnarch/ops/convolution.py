"""Convolution: normal, grouped and depthwise (``groups``), and transposed, in 1-D, 2-D and 3-D.

ATen runs all of them as one op, ``aten.convolution``; ``transposed=True`` selects the
transposed record. MACs: batch · positions · kernel positions · C_in/groups · C_out, where the
positions are the output's for a normal and the input's for a transposed convolution (each input
pixel is scattered through the whole kernel). Bias additions are counted apart (``bias``).
"""

from __future__ import annotations

from math import prod

from cnnarch.ops import _meta
from cnnarch.ops.letters import in_letters, kernel_letters, out_letters
from cnnarch.ops.record import Mismatch, OpFamily, Tensors, Term, aten, register
from cnnarch.ops.window import Window, expand, output_length
from cnnarch.trace.records import OpRecord, TensorInfo, TensorRef


def _transposed(a: dict) -> bool:
    """``aten.convolution`` says so; the ``conv_transpose*`` entry points have ``output_padding``."""
    return bool(a.get("transposed", "output_padding" in a))


def _window(op: OpRecord, tensors: Tensors) -> Window:
    a = op.args
    kernel = tensors.tensor(a["weight"]).shape[2:]
    n = len(kernel)
    transposed = _transposed(a)
    return Window(
        kind="tconv" if transposed else "conv",
        kernel=tuple(kernel),
        stride=expand(a["stride"], n),
        padding=expand(a["padding"], n),
        dilation=expand(a["dilation"], n),
        output_padding=expand(a.get("output_padding"), n, 0) if transposed else (),
    )


# -- the formulas, on plain numbers (``cnnarch calc`` uses them without a trace) -------------

Sizes = tuple[int, ...]


def parameters(kernel: Sizes, c_in: int, c_out: int, groups: int = 1, bias: bool = True) -> int:
    """Kernel positions · C_in/groups · C_out weights, plus C_out biases (also transposed)."""
    return prod(kernel) * (c_in // groups) * c_out + (c_out if bias else 0)


def multiply_accumulates(
    positions: Sizes,
    kernel: Sizes,
    c_in: int,
    c_out: int,
    groups: int = 1,
    batch: int = 1,
) -> int:
    """batch · positions · kernel positions · C_in/groups · C_out, where ``positions`` are the
    output's for a normal and the input's for a transposed convolution."""
    return batch * prod(positions) * prod(kernel) * (c_in // groups) * c_out


# -- the record's reading of a traced op ---------------------------------------------------------


def _macs(op: OpRecord, tensors: Tensors) -> int:
    a = op.args
    x = tensors.tensor(a["input"]).shape
    w = tensors.tensor(a["weight"]).shape
    groups = int(a.get("groups", 1) or 1)
    if _transposed(a):  # weight [C_in, C_out/g, *k]; each input position scatters the kernel
        return multiply_accumulates(x[2:], w[2:], w[0], w[1] * groups, groups, x[0])
    out = tensors.tensor(op.outputs[0]).shape  # weight [C_out, C_in/g, *k]
    return multiply_accumulates(out[2:], w[2:], w[1] * groups, w[0], groups, x[0])


def _bias(op: OpRecord, tensors: Tensors) -> int:
    if not isinstance(op.args.get("bias"), TensorRef):
        return 0
    return tensors.tensor(op.outputs[0]).numel


def _terms(op: OpRecord, tensors: Tensors) -> list[Term]:
    """Normal: N·H_out·W_out·F·F·(C_in/g)·K; transposed: N·H_in·W_in·F·F·C_in·(K/g)."""
    a = op.args
    x = tensors.tensor(a["input"]).shape
    w = tensors.tensor(a["weight"]).shape
    groups = int(a.get("groups", 1) or 1)
    kernel = list(w[2:])
    if _transposed(a):
        factors = [*x[2:], *kernel, w[0], w[1]]
        letters = [*in_letters(len(kernel)), *kernel_letters(kernel), "C_in", "(K/g)" if groups > 1 else "K"]
    else:
        out = tensors.tensor(op.outputs[0]).shape
        factors = [*out[2:], *kernel, w[1], w[0]]
        c_in = "(C_in/g)" if groups > 1 else "C_in"
        letters = [*out_letters(len(kernel)), *kernel_letters(kernel), c_in, "K"]
    if x[0] != 1:
        factors, letters = [x[0], *factors], ["N", *letters]
    return list(zip(letters, factors, strict=True))


def _param_terms(op: OpRecord, tensors: Tensors, tensor: TensorInfo) -> list[Term] | None:
    """Weight [K, C_in/g, *k] as F·F·(C_in/g)·K (transposed: [C_in, K/g, *k] as F·F·C_in·(K/g));
    the bias as K."""
    a = op.args
    groups = int(a.get("groups", 1) or 1)
    shape = tensor.shape
    if isinstance(a.get("weight"), TensorRef) and a["weight"].id == tensor.id:
        kernel = list(shape[2:])
        if _transposed(a):
            letters = [*kernel_letters(kernel), "C_in", "(K/g)" if groups > 1 else "K"]
            return list(zip(letters, [*kernel, shape[0], shape[1]], strict=True))
        letters = [*kernel_letters(kernel), "(C_in/g)" if groups > 1 else "C_in", "K"]
        return list(zip(letters, [*kernel, shape[1], shape[0]], strict=True))
    if isinstance(a.get("bias"), TensorRef) and a["bias"].id == tensor.id:
        return [("K", shape[0])]
    return None


def _check_channels(op: OpRecord, tensors: Tensors) -> Mismatch | None:
    a = op.args
    x = tensors.tensor(a["input"]).shape
    weight = tensors.tensor(a["weight"]).shape
    groups = int(a.get("groups", 1))
    expected = weight[0] if _transposed(a) else weight[1] * groups
    if len(x) < 2 or x[1] == expected:
        return None
    shape = "x".join(map(str, x))
    return Mismatch(
        f"expects {expected} input channels but gets {x[1]} (tensor {shape})",
        "the first number of --input is the channel count, or use --in-channels",
    )


def _meta_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    n = weight.dim() - 2
    if input.dim() != n + 2:
        return NotImplemented
    w = Window(
        kind="tconv" if transposed else "conv",
        kernel=tuple(weight.shape[2:]),
        stride=expand(stride, n),
        padding=expand(padding, n),
        dilation=expand(dilation, n),
        output_padding=expand(output_padding, n, 0) if transposed else (),
    )
    spatial = tuple(output_length(w, size, i) for i, size in enumerate(input.shape[2:]))
    if min(spatial) < 1:
        return NotImplemented
    channels = weight.shape[1] * groups if transposed else weight.shape[0]
    return _meta.empty((input.shape[0], channels, *spatial), input)


def _refine(op: OpRecord) -> OpFamily:
    return TRANSPOSED_CONVOLUTION if op.args.get("transposed") else CONVOLUTION


CONVOLUTION = register(
    OpFamily(
        name="convolution",
        category="conv",
        packets=aten("convolution _convolution conv1d conv2d conv3d"),
        summary="convolution, grouped and depthwise included (a transposed one is refined)",
        receptive_field="window",
        window=_window,
        macs=_macs,
        bias=_bias,
        mac_terms=_terms,
        param_terms=_param_terms,
        check=_check_channels,
        refine=_refine,
        titles={"*": "Conv"},
        meta={"convolution.default": _meta_convolution},
    )
)

TRANSPOSED_CONVOLUTION = register(
    OpFamily(
        name="transposed_convolution",
        category="conv",
        packets=aten("conv_transpose1d conv_transpose2d conv_transpose3d"),
        summary="transposed (fractionally strided) convolution: each input pixel scatters a kernel",
        receptive_field="window",
        window=_window,
        macs=_macs,
        bias=_bias,
        mac_terms=_terms,
        param_terms=_param_terms,
        check=_check_channels,
        titles={"*": "Transposed conv"},
    )
)
