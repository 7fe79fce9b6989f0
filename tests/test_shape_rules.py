"""The shape shortcuts give exactly what PyTorch's own meta kernels give, tensor for tensor."""

from __future__ import annotations

import pytest
import torch

from cnnarch.analysis.checks import ShapeChecks
from cnnarch.api import resolve
from cnnarch.catalogue import names
from cnnarch.ops.aten import SHORTCUTS
from cnnarch.trace.tracer import trace_module


def both_ways(name: str, dtype: torch.dtype = torch.float32):
    source = resolve(name)
    source.module.to(dtype)
    x = torch.empty((2, *source.spec.input), device="meta", dtype=dtype)
    with torch.device("meta"):
        fast = trace_module(source.module, [x], name, check=ShapeChecks(), shortcuts=SHORTCUTS)
        slow = trace_module(source.module, [x], name, check=ShapeChecks())
    return fast, slow


@pytest.mark.parametrize("name", names())
def test_shortcuts_agree_with_meta_kernels(name):
    fast, slow = both_ways(name)
    assert [op.target for op in fast.ops] == [op.target for op in slow.ops]
    assert [(t.shape, t.dtype, t.kind, t.storage) for t in fast.tensors] == [
        (t.shape, t.dtype, t.kind, t.storage) for t in slow.tensors
    ]
    used = {op.target for op in fast.ops} & set(SHORTCUTS)
    assert used, "no shortcut exercised"


def test_shortcuts_agree_in_half_precision():
    fast, slow = both_ways("resnet50", torch.float16)
    assert [(t.shape, t.dtype) for t in fast.tensors] == [(t.shape, t.dtype) for t in slow.tensors]
