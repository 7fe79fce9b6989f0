"""Output shapes of the most common operations, computed directly.

PyTorch's meta kernels for several of these are Python decompositions (batch norm costs about
2 ms on ``meta``, more than the real CPU kernel at small sizes). The tracer asks this table
first and only falls back to the meta kernel when an op is missing or a rule declines
(returns ``NotImplemented``). A test traces every catalogue model both ways and compares every
tensor, so a rule that disagrees with PyTorch cannot go unnoticed; a trace that fails with the
rules is retried without them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from cnnarch.analysis.formulas import output_length
from cnnarch.analysis.ops import Window, expand

Shortcut = Callable[..., Any]
SHORTCUTS: dict[str, Shortcut] = {}


def rule(*names: str) -> Callable[[Shortcut], Shortcut]:
    def register(fn: Shortcut) -> Shortcut:
        for name in names:
            SHORTCUTS[f"aten.{name}"] = fn
        return fn

    return register


def _empty(
    shape: tuple[int, ...] | list[int], like: torch.Tensor, dtype: torch.dtype | None = None
) -> torch.Tensor:
    return torch.empty(shape, dtype=dtype or like.dtype, device=like.device)


def _window_out(w: Window, sizes: tuple[int, ...]) -> tuple[int, ...] | None:
    out = tuple(output_length(w, n, i) for i, n in enumerate(sizes))
    return out if min(out) >= 1 else None


@rule("convolution.default")
def _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
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
    spatial = _window_out(w, tuple(input.shape[2:]))
    if spatial is None:
        return NotImplemented
    channels = weight.shape[1] * groups if transposed else weight.shape[0]
    return _empty((input.shape[0], channels, *spatial), input)


def _batch_norm_stats(input: torch.Tensor) -> torch.Tensor:
    low = input.dtype in (torch.float16, torch.bfloat16)
    return _empty((input.shape[1],), input, torch.float32 if low else input.dtype)


@rule("native_batch_norm.default")
def _native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    if training:
        return NotImplemented
    return _empty(input.shape, input), _batch_norm_stats(input), _batch_norm_stats(input)


@rule("_native_batch_norm_legit_no_training.default")
def _bn_no_training(input, weight, bias, running_mean, running_var, momentum, eps):
    return _empty(input.shape, input), _batch_norm_stats(input), _batch_norm_stats(input)


@rule(*(f"{name}_.default" for name in ("relu", "sigmoid", "tanh", "silu", "hardswish", "hardsigmoid")))
@rule("hardtanh_.default", "leaky_relu_.default", "clamp_.default", "clamp_min_.default")
def _unary_in_place(self, *args, **kwargs):
    return self


@rule(
    *(f"{name}.default" for name in ("relu", "sigmoid", "tanh", "silu", "hardswish", "hardsigmoid", "gelu"))
)
@rule("hardtanh.default", "leaky_relu.default", "clone.default", "clamp.default", "clamp_min.default")
def _unary(self, *args, **kwargs):
    return _empty(self.shape, self)


@rule("add_.Tensor", "mul_.Tensor", "sub_.Tensor", "div_.Tensor")
def _binary_in_place(self, other, *args, **kwargs):
    if isinstance(other, torch.Tensor) and torch.broadcast_shapes(self.shape, other.shape) != self.shape:
        return NotImplemented
    return self


@rule("add.Tensor", "mul.Tensor", "sub.Tensor", "div.Tensor")
def _binary(self, other, *args, **kwargs):
    if not isinstance(other, torch.Tensor):  # a Python number: the shape of ``self``
        return _empty(self.shape, self, torch.result_type(self, other))
    shape = torch.broadcast_shapes(self.shape, other.shape)
    return _empty(shape, self, torch.result_type(self, other))


def _pool_window(
    kind: str, input, kernel_size, stride, padding, dilation, ceil_mode
) -> tuple[int, ...] | None:
    n = len(kernel_size) if not isinstance(kernel_size, int) else 2
    kernel = expand(kernel_size, n)
    w = Window(
        kind=kind,  # type: ignore[arg-type]
        kernel=kernel,
        stride=expand(stride, n) if stride else kernel,
        padding=expand(padding, n),
        dilation=expand(dilation, n),
        ceil_mode=bool(ceil_mode),
    )
    spatial = _window_out(w, tuple(input.shape[-n:]))
    return None if spatial is None else (*input.shape[:-n], *spatial)


@rule("max_pool2d_with_indices.default")
def _max_pool_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    shape = _pool_window("maxpool", input, kernel_size, stride, padding, dilation, ceil_mode)
    if shape is None:
        return NotImplemented
    return _empty(shape, input), _empty(shape, input, torch.int64)


@rule("avg_pool2d.default")
def _avg_pool(
    input,
    kernel_size,
    stride=(),
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    shape = _pool_window("avgpool", input, kernel_size, stride, padding, 1, ceil_mode)
    return NotImplemented if shape is None else _empty(shape, input)


@rule("addmm.default")
def _addmm(self, mat1, mat2, *, beta=1, alpha=1):
    if mat1.shape[1] != mat2.shape[0]:
        return NotImplemented
    return _empty((mat1.shape[0], mat2.shape[1]), mat1)


@rule("cat.default")
def _cat(tensors, dim=0):
    tensors = [t for t in tensors if t.dim() > 1 or t.shape[0] != 0]
    first = tensors[0]
    dim = dim % first.dim()

    def rest(t: torch.Tensor) -> tuple[int, ...]:
        return (*t.shape[:dim], *t.shape[dim + 1 :])

    same, rank, dtype = rest(first), first.dim(), first.dtype
    if any(t.dim() != rank or rest(t) != same or t.dtype != dtype for t in tensors):
        return NotImplemented
    shape = list(first.shape)
    shape[dim] = sum(t.shape[dim] for t in tensors)
    return _empty(shape, first)


@rule("mean.dim")
def _mean(self, dim, keepdim=False, *, dtype=None):
    if dim is None or dtype is not None:
        return NotImplemented
    dims = {d % self.dim() for d in ([dim] if isinstance(dim, int) else dim)}
    shape = [1 if i in dims else s for i, s in enumerate(self.shape) if keepdim or i not in dims]
    return _empty(shape, self)
