"""The efficient-block, head and memory questions, each against PyTorch's own modules: weights
by ``numel``, MACs by FlopCounterMode, shapes by a forward pass on CPU tensors, bytes by
``element_size``; the subcommands answer without importing torch."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnarch import calc
from cnnarch.errors import CnnarchError
from tests.conftest import numel, run


def _macs(model: nn.Module, shape: tuple[int, ...]) -> int:
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *shape))
    return counter.get_total_flops() // 2


@settings(max_examples=15, deadline=None)
@given(k=st.sampled_from([1, 3, 5]), c_in=st.sampled_from([4, 8, 32]), c_out=st.sampled_from([8, 16, 64]))
def test_separable_is_pytorchs(k, c_in, c_out):
    answer = calc.separable(k, c_in, c_out, size="12")
    standard = nn.Conv2d(c_in, c_out, k, padding=(k - 1) // 2, bias=False)
    separable = nn.Sequential(
        nn.Conv2d(c_in, c_in, k, padding=(k - 1) // 2, groups=c_in, bias=False),
        nn.Conv2d(c_in, c_out, 1, bias=False),
    )
    assert answer.verdict[0].value == [numel(standard), numel(separable)]
    macs = next(s for s in answer.verdict if s.question.startswith("MACs"))
    assert macs.value == [_macs(standard, (c_in, 12, 12)), _macs(separable, (c_in, 12, 12))]
    ratio = Fraction(numel(separable), numel(standard))
    assert ratio == Fraction(1, c_out) + Fraction(1, k * k)
    assert f"= {ratio.numerator}/{ratio.denominator}" in answer.notes[0]


def test_gap_head_against_the_dense_head():
    answer = calc.head("512x7x7", classes=1000)
    dense, pooled = nn.Linear(512 * 7 * 7, 1000), nn.Linear(512, 1000)
    assert answer.verdict[0].value == [numel(dense), numel(pooled)] == [25_089_000, 513_000]
    assert "512·7·7·1000 + 1000 = 25,088,000 + 1,000 = 25,089,000" in answer.verdict[0].line
    assert calc.head("7x7x512", layout="hwc").verdict[0].value == answer.verdict[0].value
    out = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), pooled)(torch.zeros(1, 512, 7, 7))
    assert answer.verdict[1].value[1] == list(out.shape)


DTYPES = [("fp32", torch.float32), ("fp16", torch.float16), ("bf16", torch.bfloat16), ("int8", torch.int8)]


@pytest.mark.parametrize(("dtype", "torch_dtype"), DTYPES)
def test_memory_is_bytes_of_real_tensors(dtype, torch_dtype):
    answer = calc.memory("96x55x55", dtype, batch=8, params=34_944)
    x = torch.zeros(8, 96, 55, 55, dtype=torch_dtype)
    weights = torch.zeros(34_944, dtype=torch_dtype)
    assert answer.verdict[0].value == x.numel() * x.element_size()
    assert answer.verdict[1].value == weights.numel() * weights.element_size()
    assert f"8·96·55·55·{x.element_size()}" in answer.verdict[0].line


def test_bad_input():
    with pytest.raises(CnnarchError, match="is not a number type"):
        calc.memory("96x55x55", "fp8")
    with pytest.raises(CnnarchError, match="is not CxHxW"):
        calc.head("512x7")


@pytest.mark.parametrize(
    "argv",
    [["separable", "-k", "3", "--in", "64", "--out", "128"], ["head", "512x7x7"],
     ["memory", "96x55x55", "--batch", "32", "--dtype", "fp16"], ["anchors"], ["group", "-g", "4"], ["fire"],
     ["residual"],
     ["anchors", "--maps", "38x50", "--scales", "3", "--ratios", "3", "--roi", "7"]],
)  # fmt: skip
def test_subcommands_answer_without_torch(argv):
    import subprocess
    import sys

    probe = (
        "import sys\nfrom cnnarch.cli.app import main\n"
        "try: main(sys.argv[1:])\nexcept SystemExit as e: assert not e.code, e.code\n"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    done = subprocess.run([sys.executable, "-c", probe, "calc", *argv], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    code, out, _ = run("calc", *argv, "--help")
    assert code == 0 and "Examples" in out


def test_fits_gives_the_largest_batch_that_fits():
    answer = calc.memory("64x224x224", "fp16", batch=32, params=1_000_000, fits="1GiB")
    step = answer.verdict[-1]
    limit = 1024**3

    def need(batch: int) -> int:
        x = torch.empty(batch, 64, 224, 224, dtype=torch.float16, device="meta")
        w = torch.empty(1_000_000, dtype=torch.float16, device="meta")
        return x.numel() * x.element_size() + w.numel() * w.element_size()

    assert step.value is (need(32) <= limit)
    largest = int(step.result.rpartition("largest batch ")[2].replace(",", ""))
    assert need(largest) <= limit < need(largest + 1)
    with pytest.raises(CnnarchError, match="is not an amount of memory"):
        calc.memory("64x224x224", fits="8 gigs")


def test_fits_without_parameters_shows_only_the_terms_there_are():
    """No "N = N bytes" and no "− 0" when --params is not given; the numbers still follow from
    the shapes PyTorch gives."""
    step = calc.memory("64x224x224", batch=256, fits="8GiB").verdict[-1]
    x = torch.empty(256, 64, 224, 224, device="meta")
    need, per_sample = x.numel() * x.element_size(), x[0].numel() * x.element_size()
    assert step.working.startswith(f"{need:,} bytes ≤ 8·1024³ = {8 * 1024**3:,} bytes: yes")
    assert f"⌊{8 * 1024**3:,}/{per_sample:,}⌋ = {8 * 1024**3 // per_sample:,}" in step.working
    assert "− 0" not in step.working and f"{need:,} = {need:,}" not in step.working


@pytest.mark.parametrize("params", [3_000_000_000, 2 * 1024**3])
def test_fits_says_when_the_weights_alone_exceed_the_budget(params):
    """Weights of 12 GB (or exactly 8 GiB) in fp32 leave no room in 8 GiB: the answer says so
    instead of a largest batch of ⌊negative⌋ printed as 0."""
    weights = torch.empty(params, dtype=torch.float32, device="meta")
    assert weights.numel() * weights.element_size() >= 8 * 1024**3
    step = calc.memory("64x224x224", params=params, fits="8GiB").verdict[-1]
    assert step.value is False
    assert step.result == "no: the weights alone exceed the budget, no batch fits"
    assert "largest batch" not in step.working and step.working.endswith("no batch fits")
    code, out, err = run("calc", "memory", "64x224x224", "--params", str(params), "--fits", "8GiB")
    assert code == 0, err
    assert "no batch fits" in out and "= 0" not in out


def test_fits_says_when_not_even_one_sample_fits():
    x = torch.empty(1, 64, 224, 224, dtype=torch.float32, device="meta")
    assert x.numel() * x.element_size() > 1024**2
    step = calc.memory("64x224x224", fits="1MiB").verdict[-1]
    assert step.value is False and step.result == "no: not even a batch of 1 fits"


@settings(max_examples=12, deadline=None)
@given(g=st.sampled_from([2, 3, 4, 8]), per=st.sampled_from([4, 8, 16]), k=st.sampled_from([1, 3]))
def test_grouped_convolution_and_shuffle_are_pytorchs(g, per, k):
    c = g * per
    answer = calc.group(c, c, g, k, size="10")
    full = nn.Conv2d(c, c, k, padding=(k - 1) // 2, bias=False)
    grouped = nn.Sequential(
        nn.Conv2d(c, c, k, padding=(k - 1) // 2, groups=g, bias=False), nn.ChannelShuffle(g)
    )
    assert answer.verdict[0].value == [numel(full), numel(grouped)]
    macs = next(s for s in answer.verdict if s.question.startswith("MACs"))
    assert macs.value == [_macs(full, (c, 10, 10)), _macs(grouped, (c, 10, 10))]
    out = grouped(torch.zeros(1, c, 10, 10))
    assert answer.verdict[-1].value[1] == list(out.shape)
    assert f"1/g = 1/{g}" in answer.notes[0]


def test_shuffle_in_a_layer_list_must_divide_the_channels():
    code, _, err = run("summary", "conv 6 k1 > shuffle 4", "--input", "6x4x4")
    assert code == 2 and "shuffle 4 must divide the channels (6) evenly" in err


@pytest.mark.parametrize(
    ("c_in", "s", "e1", "e3"), [(96, 16, 64, 64), (512, 64, 256, 256), (128, 32, 128, 64)]
)
def test_fire_module_is_torchvisions(c_in, s, e1, e3):
    from torchvision.models.squeezenet import Fire

    module = Fire(c_in, s, e1, e3)
    weights = sum(p.numel() for name, p in module.named_parameters() if name.endswith("weight"))
    answer = calc.fire(c_in, s, e1, e3, size="13")
    assert answer.verdict[0].value == list(module(torch.zeros(1, c_in, 13, 13)).shape)[1]
    assert answer.verdict[1].value == [numel(nn.Conv2d(c_in, e1 + e3, 3, bias=False)), weights]
    assert calc.fire(c_in, s, e1, e3, size="13", bias=True).verdict[1].value[1] == numel(module)
    plain = nn.Sequential(nn.Conv2d(c_in, e1 + e3, 3, padding=1, bias=False))
    assert answer.verdict[2].value == [_macs(plain, (c_in, 13, 13)), _macs(module, (c_in, 13, 13))]


@pytest.mark.parametrize(("c", "width"), [(256, 64), (512, 128), (1024, 256)])
def test_resnet_blocks_are_torchvisions(c, width):
    from torchvision.models.resnet import BasicBlock, Bottleneck

    def conv_weights(block: nn.Module) -> int:
        return sum(m.weight.numel() for m in block.modules() if isinstance(m, nn.Conv2d))

    answer = calc.residual(c, width, 4, size="7")
    basic, bottleneck = BasicBlock(c, c), Bottleneck(c, width)
    assert answer.verdict[0].value == [conv_weights(basic), conv_weights(bottleneck)]
    assert answer.verdict[-1].value[1] == list(bottleneck.eval()(torch.zeros(1, c, 7, 7)).shape)
    with pytest.raises(CnnarchError, match="is not --in"):
        calc.residual(c, width, 2)
