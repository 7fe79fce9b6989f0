"""Operations that move values without arithmetic: views, permutes, copies, slices, splits,
concatenation and padding.

Views write nothing (``analysis.breakdown`` counts the elements the others write, as
``other``); the receptive field follows each dimension to the input axes it holds, so a
``flatten`` or a channels-last ``permute`` keeps track of H and W.
"""

from __future__ import annotations

from cnnarch.ops import _meta
from cnnarch.ops.record import OpFamily, aten, register

VIEW = register(
    OpFamily(
        name="view",
        category="reshape",
        packets=aten(
            "view _unsafe_view reshape _reshape_alias flatten unflatten squeeze unsqueeze alias pixel_shuffle"
        ),
        summary="a view or reshape: the same values in new dimensions (flatten merges C·H·W)",
        receptive_field="view",
    )
)

PERMUTE = register(
    OpFamily(
        name="permute",
        category="reshape",
        packets=aten("permute transpose t permute_copy transpose_copy"),
        summary="a permutation of the dimensions (channels-last blocks, a transposed weight)",
        receptive_field="permute",
    )
)

COPY = register(
    OpFamily(
        name="copy",
        category="reshape",
        packets=aten("expand clone contiguous"),
        summary="a copy or broadcast view of a tensor",
        receptive_field="view_if_same_shape",
        meta={"clone.default": _meta.same_shape},
    )
)

SPLIT = register(
    OpFamily(
        name="split",
        category="reshape",
        packets=aten("split split_with_sizes chunk unbind"),
        summary="pieces of a tensor along one dimension",
        receptive_field="split",
    )
)

SLICE = register(
    OpFamily(
        name="slice",
        category="reshape",
        packets=aten("slice narrow"),
        summary="a slice along one dimension (a crop)",
        receptive_field="slice",
    )
)

SELECT = register(
    OpFamily(
        name="select",
        category="reshape",
        packets=aten("select"),
        summary="one index along a dimension, which disappears",
        receptive_field="select",
    )
)

MOVE = register(
    OpFamily(
        name="move",
        category="reshape",
        packets=aten(
            "expand_as detach as_strided copy_ _to_copy to lift_fresh channel_shuffle pixel_unshuffle"
        ),
        summary="a copy, conversion or shuffle that keeps every value",
    )
)


def _meta_cat(tensors, dim=0):
    tensors = [t for t in tensors if t.dim() > 1 or t.shape[0] != 0]
    if not tensors or not -tensors[0].dim() <= dim < tensors[0].dim():
        return NotImplemented  # PyTorch's kernel reports a bad dim (or concatenates empties)
    first = tensors[0]
    dim = dim % first.dim()

    def rest(t) -> tuple[int, ...]:
        return (*t.shape[:dim], *t.shape[dim + 1 :])

    same, rank, dtype = rest(first), first.dim(), first.dtype
    if any(t.dim() != rank or rest(t) != same or t.dtype != dtype for t in tensors):
        return NotImplemented
    shape = list(first.shape)
    shape[dim] = sum(t.shape[dim] for t in tensors)
    return _meta.empty(shape, first)


CONCAT = register(
    OpFamily(
        name="concat",
        category="concat",
        packets=aten("cat stack"),
        summary="concatenation along one dimension (Inception, DenseNet): the sizes add up",
        receptive_field="concat",
        meta={"cat.default": _meta_cat},
    )
)


def _meta_constant_pad(self, pad, value=0):
    """(left, right) pairs from the last dimension. torch's meta kernel is a Python reference that
    imports sympy on its first call."""
    shape = list(self.shape)
    if len(pad) % 2 or len(pad) // 2 > len(shape) or any(p < 0 for p in pad):
        return NotImplemented  # cropping and mistakes: PyTorch's own kernel decides and explains
    for i in range(len(pad) // 2):
        shape[-1 - i] += pad[2 * i] + pad[2 * i + 1]
    return _meta.empty(shape, self)


PAD = register(
    OpFamily(
        name="pad",
        category="pad",
        packets=aten(
            "constant_pad_nd pad reflection_pad1d reflection_pad2d reflection_pad3d "
            "replication_pad1d replication_pad2d replication_pad3d"
        ),
        summary="explicit padding (left, right) per dimension from the last",
        receptive_field="pad",
        meta={"constant_pad_nd.default": _meta_constant_pad},
    )
)
