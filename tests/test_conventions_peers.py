"""Under each tool's preset, cnnarch's total equals the tool's own: fvcore, thop, ptflops and
torchinfo run for real (CPU, random weights) on the same catalogue models at their default input.

The tools are called here directly, as their READMEs say, not through ``cnnarch.peers``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import logging
import warnings

import pytest
import torch

from cnnarch.analysis import conventions
from cnnarch.api import analyze, resolve, trace_source
from cnnarch.catalogue import build, get_spec

SHARED = ("alexnet", "vgg16", "googlenet", "resnet50", "densenet121", "mobilenet-v2", "squeezenet1_0")
REQUIRED = ("fvcore", "thop")  # dependencies of cnnarch: never skipped
OPTIONAL = ("ptflops", "torchinfo")


FVCORE_SPLIT: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
"""Model name -> fvcore's own (by_operator(), by_module()), kept from the same analysis."""


def _fvcore(model: torch.nn.Module, x: torch.Tensor, name: str = "") -> int:
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, x)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    FVCORE_SPLIT[name] = dict(analysis.by_operator()), dict(analysis.by_module())
    return int(analysis.total())


def _thop(model: torch.nn.Module, x: torch.Tensor) -> int:
    from thop import profile

    return int(profile(model, inputs=(x,), verbose=False)[0])


def _ptflops(model: torch.nn.Module, x: torch.Tensor) -> int:
    from ptflops import get_model_complexity_info

    macs, _ = get_model_complexity_info(
        model, tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False, backend="pytorch"
    )
    return int(macs)


def _torchinfo(model: torch.nn.Module, x: torch.Tensor) -> int:
    from torchinfo import summary

    return int(summary(model, input_data=x, verbose=0).total_mult_adds)


TOOLS = {"torchinfo": _torchinfo, "fvcore": _fvcore, "ptflops": _ptflops, "thop": _thop}


@functools.cache
def counted(name: str) -> tuple[dict[str, int], dict[str, int]]:
    """(cnnarch's total under each tool's preset, each installed tool's own total), once per
    model: one meta trace for cnnarch, one CPU copy with random weights for the tools."""
    trace = trace_source(resolve(name))
    ours = {tool: conventions.total(trace, tool) for tool in TOOLS}
    spec = get_spec(name)
    torch.manual_seed(0)
    with torch.device("cpu"):
        model = build(spec).eval()
    x = torch.randn(1, *spec.input)
    theirs = {}
    threads = torch.get_num_threads()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        torch.set_num_threads(1)  # on a shared 2-core machine, 2 threads spin: 5-10x the CPU time
        try:
            for tool, count in TOOLS.items():  # thop last: it leaves buffers on unhooked modules
                if importlib.util.find_spec(tool) is not None:
                    theirs[tool] = _fvcore(model, x, name) if tool == "fvcore" else count(model, x)
        finally:
            logging.disable(logging.NOTSET)
            torch.set_num_threads(threads)
    return ours, theirs


@pytest.mark.parametrize("tool", REQUIRED + OPTIONAL)
@pytest.mark.parametrize("name", SHARED)
def test_preset_total_equals_the_tools_own_total(name, tool):
    ours, theirs = counted(name)
    if tool not in theirs:
        assert tool not in REQUIRED, f"{tool} is a dependency of cnnarch and must be installed"
        pytest.skip(f"{tool} is not installed")
    assert ours[tool] == theirs[tool]


def test_presets_tell_the_shared_models_apart_as_the_tools_do():
    # The four tools disagree with each other on ResNet-50 (4.09G .. 4.13G): equal totals above
    # are not four copies of one number.
    ours, theirs = counted("resnet50")
    assert len({theirs[t] for t in theirs}) == len(theirs)
    assert len({ours[t] for t in theirs}) == len(theirs)


def test_fvcore_split_by_kind_and_by_layer_agrees_with_fvcores_own():
    counted("resnet50")
    by_operator, by_module = FVCORE_SPLIT["resnet50"]
    report = analyze("resnet50", convention="fvcore")
    assert report.totals.ops_by_category == {
        "conv": by_operator["conv"],
        "linear": by_operator["linear"],
        "norm": by_operator["batch_norm"],
        "pool": by_operator["adaptive_avg_pool2d"],
    }
    modules = [layer for layer in report.layers if layer.name in by_module]
    assert len(modules) > 150  # every conv, bn, relu, pool and fc row
    for layer in modules:
        assert layer.ops_count == by_module[layer.name], layer.name
