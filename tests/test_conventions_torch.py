"""Under the ``torch`` preset, every catalogue model's total equals
``torch.utils.flop_counter.FlopCounterMode().get_total_flops()`` at its default input."""

from __future__ import annotations

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from cnnarch.analysis import conventions
from cnnarch.api import resolve, trace_source
from cnnarch.catalogue import build, get_spec, names
from cnnarch.ops.aten import SHORTCUTS
from tests.conftest import on_meta


class ShapesOnly(TorchDispatchMode):
    """Answers operations from cnnarch's shape rules (each checked against PyTorch's own kernels
    in test_shape_rules.py) so the meta forward pass is quick. FlopCounterMode is entered after
    it, so it sits above and sees every operation before this mode answers it."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        rule = SHORTCUTS.get(str(func))
        out = rule(*args, **kwargs) if rule is not None else NotImplemented
        return func(*args, **kwargs) if out is NotImplemented else out


def flop_counter_total(model: torch.nn.Module, shape: tuple[int, ...]) -> int:
    x = torch.empty(shape, device="meta")
    with torch.no_grad(), ShapesOnly(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops()


@pytest.mark.parametrize("name", names())
def test_torch_preset_equals_flop_counter_mode(name):
    spec = get_spec(name)
    ours = conventions.total(trace_source(resolve(name)), "torch")
    assert ours == flop_counter_total(on_meta(build, spec), (1, *spec.input))


def test_flop_counter_counts_the_same_on_meta_as_on_cpu():
    # The oracle above runs on the meta device; FlopCounterMode reads only shapes.
    spec = get_spec("squeezenet1_0")
    with torch.device("cpu"):
        model = build(spec).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.randn(1, *spec.input))
    assert counter.get_total_flops() == flop_counter_total(on_meta(build, spec), (1, *spec.input))
