"""The shortcuts that keep analysis time flat and small give the same answers as the slow paths:
integer output sizes equal the worked formulas' results (and PyTorch's), and a trace records
the same function calls whatever the path."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnarch.analysis import conventions
from cnnarch.api import resolve, trace_source
from cnnarch.ops import Window
from cnnarch.ops.window import output_length, output_size
from cnnarch.trace.records import Trace
from cnnarch.trace.tracer import _tensors, trace_module


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, int]:
    kind = draw(st.sampled_from(["conv", "tconv", "maxpool", "avgpool"]))
    kernel = draw(st.integers(1, 7))
    padding = draw(st.integers(0, kernel // 2))
    stride = draw(st.integers(1, 4))
    dilation = draw(st.integers(1, 3)) if kind in ("conv", "tconv", "maxpool") else 1
    ceil = kind in ("maxpool", "avgpool") and draw(st.booleans())
    output_padding = draw(st.integers(0, max(stride, dilation) - 1)) if kind == "tconv" else 0
    w = Window(kind, (kernel,), (stride,), (padding,), (dilation,), ceil, (output_padding,))
    size = draw(st.integers(1, 64))
    return w, size


@settings(max_examples=300, deadline=None)
@given(windows())
def test_integer_output_size_equals_the_worked_formula(case):
    w, size = case
    assert output_length(w, size, 0) == output_size(w, size, 0).result


@settings(max_examples=60, deadline=None)
@given(windows())
def test_integer_output_size_equals_pytorchs(case):
    w, size = case
    x = torch.empty(1, 1, size, device="meta")
    k, s, p, d = w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]
    try:
        if w.kind == "conv":
            y = torch.nn.functional.conv1d(x, torch.empty(1, 1, k, device="meta"), None, s, p, d)
        elif w.kind == "tconv":
            weight = torch.empty(1, 1, k, device="meta")
            y = torch.nn.functional.conv_transpose1d(x, weight, None, s, p, w.output_padding[0], 1, d)
        elif w.kind == "maxpool":
            y = torch.nn.functional.max_pool1d(x, k, s, p, d, ceil_mode=w.ceil_mode)
        else:
            y = torch.nn.functional.avg_pool1d(x, k, s, p, ceil_mode=w.ceil_mode)
    except RuntimeError:  # PyTorch refuses: an output below one
        assert output_length(w, size, 0) < 1
        return
    assert output_length(w, size, 0) == y.shape[-1]


def test_module_arguments_are_read_without_walking_a_pytree():
    a, b = torch.empty(1), torch.empty(2)
    assert _tensors(a) == [a]
    assert _tensors((a, b)) == [a, b]
    assert _tensors([a, 3, (b,)]) == [a, b]  # mixed: the general path
    assert _tensors({"x": a}) == [a]


def _full_trace(name: str, shape: tuple[int, ...] = (1, 3, 224, 224)) -> Trace:
    """A trace that records every function call (``trace_source`` records the ones read)."""
    module = resolve(name).module
    return trace_module(module, [torch.empty(shape, device="meta")], name, device="meta")


def test_every_operation_belongs_to_the_function_call_that_ran_it():
    trace = _full_trace("googlenet")
    assert all(op.function is not None for op in trace.ops)
    for f in trace.functions:
        assert all(trace.ops[i].function == f.index for i in range(f.first_op, f.end_op))
    names = {f.name for f in trace.functions}
    assert {"torch.nn.functional.conv2d", "torch.nn.functional.relu", "torch.cat"} <= names
    lrn = [f for f in trace.functions if f.name == "torch.nn.functional.local_response_norm"]
    assert lrn and all(f.end_op - f.first_op > 5 for f in lrn)  # mul, pad, avg_pool3d, ... inside


@pytest.mark.parametrize("name", ["googlenet", "densenet121", "mobilenet-v2", "shufflenet-v2", "fcn-32s"])
def test_recording_only_the_function_calls_rules_read_changes_no_count(name: str):
    read = trace_source(resolve(name))
    full = _full_trace(name, read.input_shapes[0])
    assert [replace(op, function=None) for op in read.ops] == [replace(op, function=None) for op in full.ops]
    kept = [f for f in full.functions if f.name in conventions.FUNCTIONS_READ]
    assert [(f.name, f.first_op, f.end_op, f.inputs, f.outputs) for f in read.functions] == [
        (f.name, f.first_op, f.end_op, f.inputs, f.outputs) for f in kept
    ]
    assert len(read.functions) < len(full.functions)
    for convention in conventions.NAMES:
        assert (
            conventions.evaluate(read, convention).by_category
            == conventions.evaluate(full, convention).by_category
        ), convention
