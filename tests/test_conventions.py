"""The convention tables: their names agree with the tools' own tables, a model with one of
every kind of layer counts exactly as each tool counts it, the split by kind of operation and
by layer adds up, and layer sums equal the totals under every rule set."""

from __future__ import annotations

import functools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnarch import peers
from cnnarch.analysis import conventions
from cnnarch.analysis.breakdown import ORDER
from cnnarch.analysis.summary import build_report
from cnnarch.api import analyze, resolve, trace_source
from cnnarch.errors import CnnarchError


class Zoo(nn.Module):
    """One of (nearly) every layer and functional call the tools treat differently."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.gconv = nn.Conv2d(16, 16, 3, padding=1, groups=4, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.bn_plain = nn.BatchNorm2d(16, affine=False)
        self.gn = nn.GroupNorm(4, 16)
        self.ln = nn.LayerNorm([16, 4, 4])
        self.acts = nn.ModuleList(
            [
                nn.ReLU(),
                nn.ReLU6(),
                nn.LeakyReLU(0.1),
                nn.PReLU(),
                nn.ELU(),
                nn.GELU(),
                nn.SiLU(),
                nn.Hardswish(),
                nn.Sigmoid(),
            ]
        )
        self.maxpool = nn.MaxPool2d(2, return_indices=True)
        self.avgpool = nn.AvgPool2d(3, 1, 1)
        self.lrn = nn.LocalResponseNorm(3)
        self.tconv = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.up_bilinear = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.softmax = nn.Softmax(dim=1)
        self.adapt = nn.AdaptiveAvgPool2d((3, 3))  # from 4x4: a fractional kernel for thop
        self.adapt_max = nn.AdaptiveMaxPool2d(2)
        self.drop = nn.Dropout()
        self.fc = nn.Linear(8 * 3 * 3, 10)
        self.fc_plain = nn.Linear(10, 10, bias=False)
        self.ident = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn_plain(self.gconv(self.bn(self.conv(x))))
        for act in self.acts:
            x = act(x)
        x = F.relu(x) + torch.relu(x) + x.relu()
        x = torch.mul(torch.add(x, x), 0.5)
        x, _ = self.maxpool(x)
        x = self.lrn(self.avgpool(self.ln(self.gn(x))))
        y = self.tconv(x)
        y = self.up(y) + self.up_bilinear(y)
        y = F.max_pool2d(F.interpolate(y, size=(8, 8), mode="nearest"), 2)
        y = F.softmax(y, dim=1) + self.softmax(y)
        y = y * y.mean((2, 3), keepdim=True) + F.adaptive_avg_pool2d(y, 1)
        y = torch.matmul(y, y.transpose(-1, -2)) + y @ y
        y = self.adapt(torch.cat([y, self.ident(y)], 1)[:, :8])
        z = self.adapt_max(y).sum()
        return self.fc_plain(self.fc(self.drop(torch.flatten(y, 1)))) + z


ZOO_INPUT = (3, 8, 8)


@functools.cache
def zoo_counts() -> tuple[dict[str, int], dict[str, peers.PeerResult]]:
    torch.manual_seed(0)
    model = Zoo().eval()
    trace = trace_source(resolve(model), ZOO_INPUT)
    ours = {tool: conventions.total(trace, tool) for tool in conventions.PEERS}
    x = torch.randn(1, *ZOO_INPUT)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 2 threads on a shared 2-core machine spin for nothing
    try:
        theirs = {tool: peers.run(tool, model, x) for tool in peers.SAFE_ORDER}
    finally:
        torch.set_num_threads(threads)
    return ours, theirs


@pytest.mark.parametrize("tool", conventions.PEERS)
def test_every_kind_of_layer_counts_as_the_tool_counts_it(tool):
    ours, theirs = zoo_counts()
    result = theirs[tool]
    if result.status == "missing" and tool in ("ptflops", "torchinfo"):
        pytest.skip(f"{tool} is not installed")
    assert result.status == "ok", result.error
    assert ours[tool] == result.total


def test_ptflops_preset_names_the_functions_ptflops_patches():
    ptflops_ops = pytest.importorskip("ptflops.pytorch_ops")
    from torch.overrides import resolve_name

    patched = {resolve_name(f) for f in (*ptflops_ops.FUNCTIONAL_MAPPING, *ptflops_ops.TENSOR_OPS_MAPPING)}
    # F.linear's patch is commented out in ptflops; Tensor.add/mul/matmul are taken for operators.
    patched -= {"torch.nn.functional.linear", "torch.Tensor.add", "torch.Tensor.mul", "torch.Tensor.matmul"}
    preset = {n for r in conventions.PTFLOPS.rules if r.on == "function" for n in r.names}
    # return_indices=True: the patched F.max_pool2d reaches PyTorch as max_pool2d_with_indices
    indices = {n for n in preset if n.endswith("_with_indices")}
    assert {n.removesuffix("_with_indices") for n in indices} <= patched
    assert preset - indices == patched
    hooked = {m.__name__ for m in ptflops_ops.MODULES_MAPPING}
    ours = {n for r in conventions.PTFLOPS.rules if r.on == "module" for n in r.names}
    assert ours <= hooked
    not_reproduced = {"RNN", "GRU", "LSTM", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention"}
    assert hooked - ours <= not_reproduced | {"DeformConv2d", "Attention"}


def test_thop_preset_names_the_classes_thop_hooks():
    from thop.profile import register_hooks

    hooked = {m.__name__ for m in register_hooks}
    ours = {n for r in conventions.THOP.rules if r.on == "module" for n in r.names}
    assert ours <= hooked
    # Sequential is hooked with zero_ops but thop adds up its children; recurrent modules are
    # listed in the preset's notes.
    assert hooked - ours == {"Sequential", "RNNCell", "GRUCell", "LSTMCell", "RNN", "GRU", "LSTM"}


def test_torch_preset_counts_the_ops_flop_counter_has_formulas_for():
    from torch.utils.flop_counter import flop_registry

    registered = {str(op) for op in flop_registry}
    ours = {n for r in conventions.TORCH.rules for n in r.names}
    assert ours <= registered
    products = {f"aten.{n}" for n in ("mm", "addmm", "bmm", "baddbmm", "convolution", "_convolution")}
    assert products <= ours


LAYERED = ("resnet50", "googlenet", "mobilenet-v2", "fcn8s", "unet", "se-resnet50")


@pytest.mark.parametrize("name", LAYERED)
def test_layer_sums_equal_totals_under_every_convention(name):
    trace = trace_source(resolve(name))
    for depth in (None, 1) if name == "resnet50" else (None,):
        for convention in conventions.NAMES:
            report = build_report(trace, depth, convention=convention)
            t = report.totals
            assert report.convention == convention
            assert (
                sum(layer.ops_count for layer in report.layers)
                == t.ops_count
                == conventions.total(trace, convention)
            )
            for category in ORDER:
                assert sum(
                    layer.ops_by_category.get(category, 0) for layer in report.layers
                ) == t.ops_by_category.get(category, 0), (convention, category)
            assert sum(t.ops_by_category.values()) == t.ops_count
            if convention == "macs":
                assert all(layer.ops_count == layer.macs for layer in report.layers)
            if convention == "flops":
                assert t.ops_count == t.flops == 2 * t.macs
        for category in ORDER:
            assert sum(layer.breakdown.get(category, 0) for layer in report.layers) == t.breakdown.get(
                category, 0
            )


def test_breakdown_counts_work_in_natural_units():
    report = analyze("resnet50")
    work = report.totals.breakdown
    assert work["conv"] + work["linear"] == report.totals.macs
    # 53 batch norms, 49 ReLUs, 16 residual additions: their elements, from the output shapes.
    bn = [layer for layer in report.layers if layer.type == "BatchNorm2d"]
    relu = [layer for layer in report.layers if layer.type == "ReLU"]
    assert len(bn) == 53 and len(relu) == 49
    numel = lambda layer: int(torch.Size(layer.output_shape).numel())  # noqa: E731
    assert work["norm"] == sum(numel(layer) for layer in bn)
    assert work["activation"] == sum(numel(layer) for layer in relu)
    adds = [layer for layer in report.layers if layer.type == "add"]
    assert len(adds) == 16 and work["elementwise"] == sum(numel(layer) for layer in adds)
    assert work["bias"] == 1000  # the classifier's bias, the only one


def test_reason_names_what_a_preset_adds_and_ignores():
    from cnnarch.render.units import scaled

    report = analyze("resnet50")
    trace = trace_source(resolve("resnet50"))
    fvcore = conventions.evaluate(trace, "fvcore")
    text = conventions.reason(
        "fvcore", fvcore.by_category, report.totals.ops_by_category, report.totals.breakdown, scaled
    )
    assert text.startswith("fvcore: +22.23M norm, +100.35K pooling; ignores ")
    assert "9.61M activation" in text and "5.52M add/mul" in text
    same = conventions.reason(
        "macs", report.totals.ops_by_category, report.totals.ops_by_category, {}, scaled
    )
    assert same == "macs: same as macs"


def test_total_reads_a_report_only_under_its_own_convention():
    report = analyze("alexnet", convention="thop")
    assert conventions.total(report, "thop") == report.totals.ops_count
    with pytest.raises(ValueError):
        conventions.total(report, "fvcore")


def test_unknown_convention_is_a_user_error():
    with pytest.raises(CnnarchError, match="unknown convention 'flop'"):
        analyze("alexnet", convention="flop")
