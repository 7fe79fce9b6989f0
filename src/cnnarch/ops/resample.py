"""Upsampling: nearest-neighbour copies, interpolation (linear, bilinear, bicubic, trilinear)
and max un-pooling, in 1-D, 2-D and 3-D.

The output size is the input's times the scale (or the size asked for). Each output reads one
(copy) or a few (blend) input pixels near its position, which depends on the position: the
receptive field is a bound (``cnnarch.ops.receptive.resample_axis``).
"""

from __future__ import annotations

from cnnarch.ops.record import OpFamily, aten, register

NEAREST = register(
    OpFamily(
        name="upsample_nearest",
        category="upsample",
        packets=aten(
            "upsample_nearest1d upsample_nearest2d upsample_nearest3d _upsample_nearest_exact1d "
            "_upsample_nearest_exact2d _upsample_nearest_exact3d"
        ),
        summary="nearest-neighbour upsampling: each output copies one input pixel",
        receptive_field="upsample_copy",
    )
)

INTERPOLATE = register(
    OpFamily(
        name="upsample_interpolate",
        category="upsample",
        packets=aten(
            "upsample_linear1d upsample_bilinear2d upsample_bicubic2d upsample_trilinear3d "
            "_upsample_bilinear2d_aa"
        ),
        summary="interpolating upsampling: each output blends the input pixels around it",
        receptive_field="upsample_blend",
    )
)

MAX_UNPOOL = register(
    OpFamily(
        name="max_unpool",
        category="upsample",
        packets=aten("max_unpool2d max_unpool3d"),
        summary="max un-pooling (SegNet): each value back to where its pooling window found it",
        receptive_field="unpool",
    )
)

GRID_SAMPLE = register(
    OpFamily(
        name="grid_sample",
        category="upsample",
        packets=aten("grid_sampler_2d grid_sampler_3d"),
        summary="sampling at given positions (spatial transformers): any output may read any pixel",
        receptive_field="statistics",
    )
)
