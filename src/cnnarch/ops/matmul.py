"""Matrix products: dense layers (``addmm``), ``mm``, batched ``bmm``, matrix-vector and dot.

A ``Linear`` layer reaches PyTorch as ``addmm(bias, x, Wᵀ)`` (or ``mm`` without a bias): its
MACs are N · N_in · N_out, and its bias adds one per output element when ``beta`` != 0.
"""

from __future__ import annotations

from math import isqrt, prod

from cnnarch.ops import _meta
from cnnarch.ops.record import Mismatch, OpFamily, Tensors, Term, aten, register
from cnnarch.trace.records import OpRecord, TensorRef


def _shape(tensors: Tensors, value: object) -> tuple[int, ...]:
    return tensors.tensor(value).shape if isinstance(value, TensorRef) else ()


def _bias(op: OpRecord, tensors: Tensors) -> int:
    """Additions of the bias of ``addmm``, ``baddbmm``, ``addmv`` (``self``, scaled by ``beta``):
    one per output element; ``mm``, ``bmm`` and ``mv`` (no ``beta``) have none."""
    if "beta" not in op.args or op.args["beta"] == 0 or not isinstance(op.args.get("self"), TensorRef):
        return 0
    return tensors.tensor(op.outputs[0]).numel


def dense_parameters(n_in: int, n_out: int, bias: bool = True) -> int:
    """A dense layer's N_in·N_out weights plus N_out biases (plain numbers, for ``calc``)."""
    return n_in * n_out + (n_out if bias else 0)


def dense_macs(n_in: int, n_out: int, batch: int = 1) -> int:
    """N · N_in · N_out: one multiply-accumulate per weight per sample."""
    return batch * n_in * n_out


def _mm_macs(op: OpRecord, tensors: Tensors) -> int:
    a = op.args
    m1 = _shape(tensors, a["mat1" if "mat1" in a else "self"])
    m2 = _shape(tensors, a["mat2"])
    return dense_macs(m1[1], m2[1], m1[0])


def _mm_terms(op: OpRecord, tensors: Tensors) -> list[Term]:
    a = op.args
    m1 = _shape(tensors, a["mat1" if "mat1" in a else "self"])
    m2 = _shape(tensors, a["mat2"])
    terms = [("N_in", m1[1]), ("N_out", m2[1])]
    return [("N", m1[0]), *terms] if m1[0] != 1 else terms


def _check_features(op: OpRecord, tensors: Tensors) -> Mismatch | None:
    """A dense layer fixes its input size: name the sizes, and the feature map they came from."""
    a = op.args
    m1 = a.get("mat1", a.get("self"))
    m2 = a.get("mat2")
    if not isinstance(m1, TensorRef) or not isinstance(m2, TensorRef):
        return None
    x = tensors.tensor(m1)
    w = tensors.tensor(m2)
    if len(x.shape) != 2 or len(w.shape) != 2 or x.shape[1] == w.shape[0]:
        return None
    want, got = f"{w.shape[0]:,}", f"{x.shape[1]:,}"
    ops = getattr(tensors, "ops", None)
    source = tensors.tensors[ops[x.producer].inputs[0]] if x.producer is not None and ops else None
    if source is not None and len(source.shape) == 4 and prod(source.shape[1:]) == x.shape[1]:
        channels = source.shape[1]
        got += f" = {'·'.join(map(str, source.shape[1:]))}"
        side = isqrt(w.shape[0] // channels)
        if side * side * channels == w.shape[0]:
            want += f" = {channels}·{side}·{side}"
    return Mismatch(
        f"expects {want} input features but gets {got} at {{input}}: dense layers fix the input size"
    )


def _meta_addmm(self, mat1, mat2, *, beta=1, alpha=1):
    if mat1.shape[1] != mat2.shape[0]:
        return NotImplemented
    return _meta.empty((mat1.shape[0], mat2.shape[1]), mat1)


MATRIX_PRODUCT = register(
    OpFamily(
        name="matrix_product",
        category="linear",
        packets=aten("mm addmm"),
        summary="a matrix product (a dense layer): N·N_in·N_out MACs",
        receptive_field="matmul",
        macs=_mm_macs,
        bias=_bias,
        mac_terms=_mm_terms,
        check=_check_features,
        meta={"addmm.default": _meta_addmm},
    )
)


def _bmm_macs(op: OpRecord, tensors: Tensors) -> int:
    a = op.args
    b1 = _shape(tensors, a["batch1" if "batch1" in a else "self"])
    b2 = _shape(tensors, a["batch2" if "batch2" in a else "mat2"])
    return b1[0] * b1[1] * b1[2] * b2[2]


BATCHED_MATRIX_PRODUCT = register(
    OpFamily(
        name="batched_matrix_product",
        category="linear",
        packets=aten("bmm baddbmm"),
        summary="a batch of matrix products (attention): B·M·K·N MACs",
        receptive_field="matmul",
        macs=_bmm_macs,
        bias=_bias,
    )
)


def _mv_macs(op: OpRecord, tensors: Tensors) -> int:
    m = _shape(tensors, op.args["mat"] if "mat" in op.args else op.args["self"])
    return m[0] * m[1]


MATRIX_VECTOR = register(
    OpFamily(
        name="matrix_vector",
        category="linear",
        packets=aten("mv addmv"),
        summary="a matrix-vector product: M·N MACs",
        macs=_mv_macs,
        bias=_bias,
    )
)

DOT = register(
    OpFamily(
        name="dot",
        category="linear",
        packets=aten("dot"),
        summary="a dot product: n MACs",
        macs=lambda op, tensors: _shape(tensors, op.args["self"])[0],
    )
)

MATMUL_ENTRY = register(
    OpFamily(
        name="matmul_entry",
        category="linear",
        packets=aten("matmul"),
        summary="torch.matmul's entry point; PyTorch runs it as mm or bmm, which count",
        receptive_field="matmul",
    )
)

LINEAR_ENTRY = register(
    OpFamily(
        name="linear_entry",
        category="linear",
        packets=aten("linear einsum"),
        summary="entry points PyTorch runs as addmm, mm or bmm, which count",
    )
)
