"""Every catalogue entry, whoever added it: it builds on meta, summarizes at its default input with
no unknown operation, and its counts agree with PyTorch's (``sum(p.numel())``, FlopCounterMode);
``cnnarch list`` shows all of them."""

from __future__ import annotations

import json

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode, flop_registry

from cnnarch.api import analyze
from cnnarch.catalogue import all_specs, build, get_spec, names
from tests.conftest import numel, on_meta
from tests.test_list import cli as run

BATCH_NORM = torch.ops.aten.native_batch_norm.default


class BatchNormShapesOnly(TorchDispatchMode):
    """Answers eval-mode batch norm on meta with an empty tensor of the input's shape instead of
    running PyTorch's Python decomposition (about 2 ms a call, most of a meta forward pass).
    FlopCounterMode has no formula for batch norm, so its total is unchanged."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is BATCH_NORM and args[0].device.type == "meta":
            x = args[0]
            return torch.empty_like(x), x.new_empty((0,)), x.new_empty((0,))
        return func(*args, **(kwargs or {}))


def flop_counter_macs(model: torch.nn.Module, shape: tuple[int, ...]) -> int:
    """``tests.conftest.flop_counter_macs`` with batch norm short-circuited (see above)."""
    assert BATCH_NORM not in flop_registry and BATCH_NORM.overloadpacket not in flop_registry
    x = torch.empty(shape, device="meta")
    with torch.no_grad(), FlopCounterMode(display=False) as counter, BatchNormShapesOnly():
        model(x)
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("name", names())
def test_entry_summarizes_at_its_default_input_with_pytorchs_counts(name):
    spec = get_spec(name)
    report = analyze(name)
    module = on_meta(build, spec)
    assert report.input_shape == [1, *spec.input]
    assert report.totals.unknown_ops == {}
    assert all(not layer.unknown_ops for layer in report.layers)
    counted = sum(layer.params for layer in report.layers) + report.totals.unused_params
    assert counted == report.totals.params == numel(module)
    assert report.totals.macs == flop_counter_macs(module, (1, *spec.input))
    assert report.totals.flops == 2 * report.totals.macs


def test_every_entry_has_its_metadata():
    for spec in all_specs():
        assert spec.family and spec.paper and spec.task, spec.name
        assert 1950 < spec.year < 2100, spec.name
        assert len(spec.input) == 3 and all(n > 0 for n in spec.input), spec.name
        assert spec.notes, f"{spec.name} says nothing about how it follows its source"
        for published in spec.published:
            figures = (published.params, published.macs, published.top1, published.top5)
            assert published.source and (any(f is not None for f in figures) or published.note), spec.name


def test_list_json_shows_every_entry():
    code, out, err = run("list", "--format", "json")
    assert code == 0, err
    listed = json.loads(out)
    assert [entry["name"] for entry in listed] == names()
    for entry in listed:
        spec = get_spec(entry["name"])
        assert entry["input"] == list(spec.input) and entry["notes"] == spec.notes


def test_list_table_shows_every_entry():
    code, out, err = run("list")
    assert code == 0, err
    assert f"{len(names())} architectures" in out
    cells = {cell.strip() for line in out.splitlines() for cell in line.split("│")}
    for name in names():
        assert name in cells or any(cell.startswith(name + " (") for cell in cells), name
