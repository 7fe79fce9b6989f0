"""The trace records every operation, with its module and the operations that produced its inputs."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cnnarch.api import resolve, trace_source
from cnnarch.trace.tracer import trace_module


class Functional(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 5)

    def forward(self, x):
        y = F.relu(self.conv(x))
        y = y + x.mean(1, keepdim=True)
        y = torch.flatten(F.max_pool2d(y, 2), 1)
        return self.fc(y)


def meta_trace(model: nn.Module, shape: tuple[int, ...]):
    with torch.device("meta"):
        model = model.to("meta")
        return trace_module(model, [torch.empty(shape, device="meta")], "m")


def test_functional_calls_are_recorded_with_their_module():
    trace = meta_trace(Functional(), (1, 3, 8, 8))
    packets = [op.packet for op in trace.ops]
    for expected in (
        "aten.convolution",
        "aten.relu",
        "aten.add",
        "aten.max_pool2d_with_indices",
        "aten.view",
        "aten.addmm",
    ):
        assert expected in packets
    conv = next(op for op in trace.ops if op.packet == "aten.convolution")
    assert trace.calls[conv.call].path == "conv"
    relu = next(op for op in trace.ops if op.packet == "aten.relu")
    assert trace.calls[relu.call].path == ""  # ran in the model's own forward


def test_inputs_name_the_operations_that_produced_them():
    trace = meta_trace(Functional(), (1, 3, 8, 8))
    add = next(op for op in trace.ops if op.packet == "aten.add")
    producers = {trace.ops[trace.tensors[t].producer].packet for t in add.inputs}
    assert producers == {"aten.relu", "aten.mean"}  # a merge of two branches


def test_inception_concat_is_a_merge_of_four_branches():
    source = resolve("googlenet")
    trace = trace_source(source)
    cats = [op for op in trace.ops if op.packet == "aten.cat"]
    assert len(cats) == 9  # one per Inception module
    for cat in cats:
        assert len(cat.inputs) == 4
        assert len({trace.tensors[t].producer for t in cat.inputs}) == 4


def test_residual_add_reads_the_block_input_and_the_last_bn():
    trace = trace_source(resolve("resnet50"))
    adds = [op for op in trace.ops if op.packet == "aten.add_"]
    assert len(adds) == 16  # 3 + 4 + 6 + 3 bottlenecks
    first = adds[0]
    sources = {trace.calls[trace.ops[trace.tensors[t].producer].call].path for t in first.inputs}
    assert sources == {"layer1.0.bn3", "layer1.0.downsample.1"}


def test_in_place_and_views_share_storage():
    trace = trace_source(resolve("resnet50"))
    relu = next(op for op in trace.ops if op.packet == "aten.relu_")
    assert relu.aliasing == "inplace"
    assert trace.tensors[relu.outputs[0]].storage == trace.tensors[relu.inputs[0]].storage
    view = next(op for op in trace.ops if op.packet == "aten.view")
    assert view.aliasing == "view"


def test_trace_at_high_resolution_records_the_same_graph():
    small, large = trace_source(resolve("vgg16"), 224), trace_source(resolve("vgg16"), 2048)
    assert [op.target for op in small.ops] == [op.target for op in large.ops]
    conv = next(op for op in large.ops if op.packet == "aten.convolution")
    assert large.tensors[conv.outputs[0]].shape == (1, 64, 2048, 2048)


def test_function_names_read_by_the_rules_round_trip_through_torch() -> None:
    """The tracer finds a recorded call's name by its object (``tracer._objects_named``) instead of
    ``torch.overrides.resolve_name``: each name the rules read must name an object that
    ``resolve_name`` names the same, or a PyTorch release has moved it."""
    import pkgutil

    from torch.overrides import resolve_name

    from cnnarch.analysis.conventions import FUNCTIONS_READ

    for name in sorted(FUNCTIONS_READ):
        assert resolve_name(pkgutil.resolve_name(name)) == name


def test_the_garbage_collector_is_back_on_after_a_trace_even_a_failed_one() -> None:
    import gc

    import pytest

    from cnnarch.trace.tracer import TraceFailure

    class Fails(nn.Module):
        def forward(self, x):
            raise ValueError("broken model")

    assert gc.isenabled()
    meta_trace(nn.Sequential(nn.Conv2d(3, 4, 3)), (1, 3, 8, 8))
    assert gc.isenabled()
    with pytest.raises(TraceFailure):
        meta_trace(Fails(), (1, 3, 8, 8))
    assert gc.isenabled()
