"""Pooling: max and average windows (1-D, 2-D, 3-D), adaptive pooling, and reductions.

A pooling window has no parameters and keeps the channels; its output size is the convolution's
formula (with ``ceil_mode`` rounding up). Global pooling reaches PyTorch as an adaptive pooling
to 1 or as ``mean`` over the spatial dimensions: both mix every position (``reduce``).
"""

from __future__ import annotations

from typing import Any

from cnnarch.ops import _meta
from cnnarch.ops.record import Mismatch, OpFamily, Tensors, aten, register
from cnnarch.ops.window import Window, WindowKind, expand, output_length
from cnnarch.trace.records import OpRecord


def _dims(packet: str) -> int:
    """Spatial dimensions of a pooling op, from its name: ``max_pool3d...`` -> 3."""
    for digit in "123":
        if f"pool{digit}d" in packet:
            return int(digit)
    return 2


def _pooling(
    kind: WindowKind, n: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: Any
) -> Window:
    kernel = expand(kernel_size, n)
    return Window(
        kind=kind,
        kernel=kernel,
        stride=expand(stride, n, 0) if stride else kernel,
        padding=expand(padding, n, 0),
        dilation=expand(dilation, n, 1),
        ceil_mode=bool(ceil_mode),
    )


def _window(op: OpRecord, tensors: Tensors) -> Window:
    a = op.args
    kind: WindowKind = "maxpool" if "max" in op.packet else "avgpool"
    return _pooling(
        kind,
        _dims(op.packet),
        a["kernel_size"],
        a.get("stride"),
        a.get("padding"),
        a.get("dilation"),
        a.get("ceil_mode", False),
    )


def _pooled_shape(w: Window, input: Any) -> tuple[int, ...] | None:
    """The output shape, or None where PyTorch's kernel must speak: a collapsed output, or a
    padding over half the (dilated) kernel, which PyTorch refuses."""
    n = w.spatial
    if any(2 * p > d * (k - 1) + 1 for p, d, k in zip(w.padding, w.dilation, w.kernel, strict=True)):
        return None
    spatial = tuple(output_length(w, size, i) for i, size in enumerate(input.shape[-n:]))
    return None if min(spatial) < 1 else (*input.shape[:-n], *spatial)


def _meta_max_pool(n: int):
    def shortcut(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
        w = _pooling("maxpool", n, kernel_size, stride, padding, dilation, ceil_mode)
        shape = _pooled_shape(w, input)
        if shape is None:
            return NotImplemented
        return _meta.empty(shape, input), _meta.empty(shape, input, _meta.int64())

    return shortcut


def _smaller_than_kernel(w: Window, sizes: tuple[int, ...]) -> bool:
    """PyTorch's 3-D average pooling (and it alone) refuses an input smaller than its kernel along
    any axis, whatever the padding: ``input image (T: 1 ...) smaller than kernel size``."""
    return w.kind == "avgpool" and w.spatial == 3 and any(n < k for n, k in zip(sizes, w.kernel, strict=True))


def _check_avg_pool(op: OpRecord, tensors: Tensors) -> Mismatch | None:
    w = _window(op, tensors)
    sizes = tuple(tensors.tensors[op.inputs[0]].shape[-w.spatial :])
    if not _smaller_than_kernel(w, sizes):
        return None
    shape, kernel = "x".join(map(str, sizes)), "x".join(map(str, w.kernel))
    return Mismatch(
        f"gets {shape}, too small for its {kernel} kernel: 3-D average pooling needs every input "
        "size at least the kernel's, padding not counted"
    )


def _meta_avg_pool(n: int):
    def shortcut(input, kernel_size, stride=(), padding=0, ceil_mode=False, *_options, **_named):
        w = _pooling("avgpool", n, kernel_size, stride, padding, 1, ceil_mode)
        if _smaller_than_kernel(w, tuple(input.shape[-n:])):
            return NotImplemented  # PyTorch's kernel refuses it, and says why
        shape = _pooled_shape(w, input)
        return NotImplemented if shape is None else _meta.empty(shape, input)

    return shortcut


MAX_POOL = register(
    OpFamily(
        name="max_pool",
        category="pool",
        packets=aten(
            "max_pool1d max_pool2d max_pool3d max_pool1d_with_indices max_pool2d_with_indices "
            "max_pool3d_with_indices"
        ),
        summary="max pooling: the largest value in each window",
        receptive_field="window",
        window=_window,
        titles={"*": "Max pool"},
        meta={
            "max_pool2d_with_indices.default": _meta_max_pool(2),
            "max_pool3d_with_indices.default": _meta_max_pool(3),
        },
    )
)

AVG_POOL = register(
    OpFamily(
        name="avg_pool",
        category="pool",
        packets=aten("avg_pool1d avg_pool2d avg_pool3d"),
        summary="average pooling: the mean of each window",
        receptive_field="window",
        window=_window,
        check=_check_avg_pool,
        titles={"*": "Average pool"},
        meta={"avg_pool2d.default": _meta_avg_pool(2), "avg_pool3d.default": _meta_avg_pool(3)},
    )
)


def _meta_adaptive_avg_pool(self, output_size):
    """The given output size (torch's meta kernel checks with ``torch._check``, which imports sympy)."""
    return _meta.empty((*self.shape[: self.dim() - len(output_size)], *output_size), self)


ADAPTIVE_POOL = register(
    OpFamily(
        name="adaptive_pool",
        category="pool",
        packets=aten(
            "_adaptive_avg_pool2d _adaptive_avg_pool3d adaptive_avg_pool1d adaptive_max_pool1d "
            "adaptive_max_pool2d adaptive_max_pool3d"
        ),
        summary="adaptive pooling to a given output size: window i reads floor(i·n/o) to ceil((i+1)·n/o)",
        receptive_field="adaptive",
        titles={
            **dict.fromkeys(
                ("_adaptive_avg_pool2d", "_adaptive_avg_pool3d", "adaptive_avg_pool1d"), "Average pool"
            ),
            **dict.fromkeys(
                ("adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"), "Max pool"
            ),
        },
        meta={
            "_adaptive_avg_pool2d.default": _meta_adaptive_avg_pool,
            "_adaptive_avg_pool3d.default": _meta_adaptive_avg_pool,
        },
    )
)


def _meta_mean(self, dim, keepdim=False, *, dtype=None):
    if dim is None or dtype is not None:
        return NotImplemented
    dims = [dim] if isinstance(dim, int) else list(dim)
    if not dims or any(not -self.dim() <= d < self.dim() for d in dims):
        return NotImplemented  # an empty list reduces everything; a bad dim is PyTorch's to report
    dims = {d % self.dim() for d in dims}
    shape = [1 if i in dims else s for i, s in enumerate(self.shape) if keepdim or i not in dims]
    return _meta.empty(shape, self)


REDUCTION = register(
    OpFamily(
        name="reduction",
        category="pool",
        packets=aten("mean sum amax amin max min var std var_mean std_mean logsumexp prod"),
        summary="a reduction over dimensions (global pooling as mean, statistics)",
        receptive_field="reduce",
        titles={"mean": "Average pool", "amax": "Max pool", "max": "Max pool"},
        meta={"mean.dim": _meta_mean},
    )
)
