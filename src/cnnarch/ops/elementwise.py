"""Element-wise operations: activations, arithmetic, softmax and dropout.

Each output element comes from the elements at the same position of the inputs (broadcast where
an input has size 1), so the receptive field is the union of the inputs' (``merge``); softmax
mixes the positions along its dimension.
"""

from __future__ import annotations

from cnnarch.ops import _meta
from cnnarch.ops.record import OpFamily, aten, register

_UNARY = "relu sigmoid tanh silu hardswish hardsigmoid"


def _meta_unary_in_place(self, *args, **kwargs):
    return self


def _meta_binary_in_place(self, other, *args, **kwargs):
    if _meta.is_tensor(other) and _meta.broadcast_shapes(self.shape, other.shape) != self.shape:
        return NotImplemented
    return self


def _meta_scalar_in_place(self, other, *args, **kwargs):
    """``x.div_(0.5)`` (dropout's rescaling in training mode): torch's meta kernel is a Python
    reference that imports torch._dynamo on its first call."""
    return self if self.is_floating_point() else NotImplemented


def _meta_binary(self, other, *args, **kwargs):
    if not _meta.is_tensor(other):  # a Python number: the shape of ``self``
        return _meta.empty(self.shape, self, _meta.result_type(self, other))
    shape = _meta.broadcast_shapes(self.shape, other.shape)
    return _meta.empty(shape, self, _meta.result_type(self, other))


ACTIVATION = register(
    OpFamily(
        name="activation",
        category="activation",
        packets=aten(
            "relu relu_ relu6 hardtanh hardtanh_ sigmoid sigmoid_ tanh tanh_ gelu gelu_ silu silu_ "
            "hardswish hardswish_ hardsigmoid hardsigmoid_ leaky_relu leaky_relu_ elu elu_ "
            "softplus mish mish_ prelu _prelu_kernel clamp clamp_ clamp_min clamp_min_ threshold "
            "threshold_ selu selu_ celu celu_ log_sigmoid_forward"
        ),
        summary="an activation function, one output per input element",
        meta={
            **{f"{name}_.default": _meta_unary_in_place for name in _UNARY.split()},
            **dict.fromkeys(
                ("hardtanh_.default", "leaky_relu_.default", "clamp_.default", "clamp_min_.default"),
                _meta_unary_in_place,
            ),
            **{f"{name}.default": _meta.same_shape for name in (*_UNARY.split(), "gelu")},
            **dict.fromkeys(
                ("hardtanh.default", "leaky_relu.default", "clamp.default", "clamp_min.default"),
                _meta.same_shape,
            ),
        },
    )
)

ADDITION = register(
    OpFamily(
        name="addition",
        category="elementwise",
        packets=aten("add add_ sub sub_"),
        summary="addition and subtraction (residual connections)",
        passes_gradient=True,
        titles={"add": "Addition", "sub": "Subtraction"},
        symbols={"add": "+", "sub": "−"},
        meta={
            **dict.fromkeys(("add_.Tensor", "sub_.Tensor"), _meta_binary_in_place),
            **dict.fromkeys(("add.Tensor", "sub.Tensor"), _meta_binary),
        },
    )
)

ELEMENTWISE = register(
    OpFamily(
        name="elementwise",
        category="elementwise",
        packets=aten(
            "rsub mul mul_ div div_ pow pow_ sqrt rsqrt exp log neg abs square reciprocal addcmul "
            "addcdiv where maximum minimum erf"
        ),
        summary="element-wise arithmetic (multiply, divide, ...), broadcast where a size is 1",
        titles={"mul": "Multiplication"},
        symbols={"mul": "·", "div": "/", "maximum": "max", "minimum": "min"},
        meta={
            **dict.fromkeys(("mul_.Tensor", "div_.Tensor"), _meta_binary_in_place),
            **dict.fromkeys(("mul.Tensor", "div.Tensor"), _meta_binary),
            # torch's meta kernel for pow is a Python reference that imports torch._dynamo on its
            # first call (local response norm: a second of alexnet's and googlenet's cold start)
            "pow.Tensor_Scalar": _meta_binary,
            **dict.fromkeys(("mul_.Scalar", "div_.Scalar"), _meta_scalar_in_place),
        },
    )
)

SOFTMAX = register(
    OpFamily(
        name="softmax",
        category="softmax",
        packets=aten("_softmax _log_softmax softmax log_softmax _safe_softmax"),
        summary="softmax along one dimension: each output depends on that whole dimension",
        receptive_field="softmax",
    )
)

DROPOUT = register(
    OpFamily(
        name="dropout",
        category="dropout",
        packets=aten("dropout native_dropout feature_dropout"),
        summary="dropout (training only; a copy or nothing in inference)",
    )
)
