"""Normalisation: batch, layer, group and instance norm.

Batch norm in inference uses stored statistics, so each value depends on itself only; in
training, and for group and instance norm, the statistics are taken over the spatial positions,
so every value depends on all of them (the receptive field is the whole input).
"""

from __future__ import annotations

from cnnarch.ops import _meta
from cnnarch.ops.record import OpFamily, aten, register


def _statistics(input):
    return _meta.empty((input.shape[1],), input, _meta.statistics_dtype(input))


def _meta_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """The same three tensors in training mode (the running statistics update in place); torch's
    meta kernel for training is a Python reference that imports torch._dynamo on its first call."""
    return _meta.empty(input.shape, input), _statistics(input), _statistics(input)


def _meta_batch_norm_inference(input, weight, bias, running_mean, running_var, momentum, eps):
    return _meta.empty(input.shape, input), _statistics(input), _statistics(input)


BATCH_NORM = register(
    OpFamily(
        name="batch_norm",
        category="norm",
        packets=aten(
            "native_batch_norm _native_batch_norm_legit _native_batch_norm_legit_no_training "
            "_native_batch_norm_legit_functional batch_norm"
        ),
        summary="batch norm: a learned scale and shift per channel over per-channel statistics",
        receptive_field="statistics_if_training",
        meta={
            "native_batch_norm.default": _meta_batch_norm,
            "_native_batch_norm_legit_no_training.default": _meta_batch_norm_inference,
        },
    )
)

LAYER_NORM = register(
    OpFamily(
        name="layer_norm",
        category="norm",
        packets=aten("native_layer_norm"),
        summary="layer norm: statistics over the last (normalized_shape) dimensions",
        receptive_field="layer_norm",
    )
)

GROUP_NORM = register(
    OpFamily(
        name="group_norm",
        category="norm",
        packets=aten("native_group_norm instance_norm"),
        summary="group and instance norm: statistics over the spatial positions of each sample",
        receptive_field="statistics",
    )
)
