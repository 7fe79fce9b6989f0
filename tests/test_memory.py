"""Peak memory of inference and of a training step, against hand-worked graphs and against the
real CPU allocator (see tests/memory_oracle.py)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnarch import analyze
from cnnarch.analysis.liveness import walk
from cnnarch.api import resolve, trace_source
from cnnarch.catalogue import build, get_spec
from tests.memory_oracle import nbytes, profiled_peak

N = 4 * 8 * 8 * 4  # bytes of one [1, 4, 8, 8] float32 tensor


class Block(nn.Module):
    """x = conv0(input); a = conv1(x); b = relu(a); c = conv2(b); out = c (+ x)."""

    def __init__(self, residual: bool) -> None:
        super().__init__()
        self.conv0, self.conv1, self.conv2 = (nn.Conv2d(4, 4, 3, padding=1) for _ in range(3))
        self.relu = nn.ReLU()
        self.residual = residual

    def forward(self, inp):
        x = self.conv0(inp)
        c = self.conv2(self.relu(self.conv1(x)))
        return c + x if self.residual else c


def block_trace(residual: bool):
    return trace_source(resolve(Block(residual)), (4, 8, 8))


def test_strict_liveness_by_hand():
    # Input alive throughout. Plain chain: input + two neighbours at most = 3N.
    plain = walk(block_trace(False), grace=0)
    assert plain.peak_bytes == 3 * N
    # The residual keeps x alive until the add: input, x, c and the sum = 4N.
    residual = walk(block_trace(True), grace=0)
    assert residual.peak_bytes == 4 * N
    trace = block_trace(True)
    assert trace.ops[residual.peak_op].packet in ("aten.relu", "aten.convolution", "aten.add")


def test_in_place_and_views_allocate_nothing():
    in_place = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(inplace=True), nn.Flatten())
    out_of_place = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.Flatten())
    a = walk(trace_source(resolve(in_place), (4, 8, 8)), grace=0)
    b = walk(trace_source(resolve(out_of_place), (4, 8, 8)), grace=0)
    assert a.peak_bytes == 2 * N  # input + conv output, relu and flatten reuse it
    assert b.peak_bytes == 3 * N  # input + conv output + relu output while relu runs


def test_peak_scales_with_batch_and_dtype():
    def peak(batch: int, dtype: str = "fp32") -> int:
        return analyze("lenet5", batch=batch, dtype=dtype).totals.peak_activation_bytes

    assert peak(4) == 4 * peak(1)
    assert peak(1, "fp16") == peak(1) // 2 == peak(1, "bf16")
    # max pooling's int64 indices do not shrink with the dtype
    fp32, fp16 = (analyze("alexnet", dtype=d).totals.peak_activation_bytes for d in ("fp32", "fp16"))
    assert fp32 // 2 < fp16 < fp32
    # resnet50's BN keeps per-channel statistics: linear in the batch, with a constant part
    one, two, four = (analyze("resnet50", 64, batch=b).totals.peak_activation_bytes for b in (1, 2, 4))
    assert four - two == 2 * (two - one) > 0


def test_peak_is_far_below_the_sum_of_all_activations():
    memory = analyze("vgg16", memory=True).memory
    assert memory.inference_peak_bytes < memory.activation_sum_bytes
    # The two largest maps (conv1_1 and conv1_2 outputs, 64x224x224) plus the input.
    assert memory.inference_peak_bytes >= 2 * 64 * 224 * 224 * 4 + 3 * 224 * 224 * 4


INFERENCE = [("alexnet", 227), ("vgg16", 64), ("resnet50", 64), ("googlenet", 224), ("mobilenet-v2", 96)]


@pytest.mark.parametrize(("name", "size"), INFERENCE)
def test_inference_peak_matches_the_cpu_allocator(name, size):
    spec = get_spec(name)
    shape = (2, spec.input[0], size, size)
    model = build(spec).eval()
    with torch.no_grad():
        model(torch.randn(shape))  # warm up one-off allocations
        _, measured = profiled_peak(lambda: model(torch.randn(shape)))
    estimate = analyze(name, shape[1:], batch=2).totals.peak_activation_bytes
    assert estimate == pytest.approx(measured, rel=0.10)


OPTIMIZERS = {
    "sgd": lambda params: torch.optim.SGD(params, lr=0.01),
    "momentum": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
    "adam": lambda params: torch.optim.Adam(params),
}
TRAINING = [
    ("alexnet", 227, "momentum"),
    ("vgg16", 32, "sgd"),
    ("resnet50", 64, "adam"),
    ("googlenet", 224, "adam"),
    ("mobilenet-v2", 96, "adam"),
]


@pytest.mark.parametrize(("name", "size", "optimizer"), TRAINING)
def test_training_step_matches_the_cpu_allocator(name, size, optimizer):
    spec = get_spec(name)
    shape = (2, spec.input[0], size, size)
    torch.manual_seed(0)
    model = build(spec).train()
    opt = OPTIMIZERS[optimizer](model.parameters())
    x = torch.randn(shape)

    def step() -> None:
        out = model(x)
        (out[0] if isinstance(out, tuple) else out).sum().backward()
        opt.step()

    step()  # creates the optimizer state
    opt.zero_grad(set_to_none=True)
    state = nbytes(v for s in opt.state.values() for v in s.values() if torch.is_tensor(v) and v.dim() > 0)
    steady = nbytes(model.parameters()) + nbytes(model.buffers()) + state
    _, dynamic = profiled_peak(step)
    measured = steady + nbytes([x]) + dynamic

    memory = analyze(name, shape[1:], batch=2, memory=True, optimizer=optimizer).memory
    assert memory.optimizer_state_bytes == state
    assert memory.param_bytes + memory.buffer_bytes + memory.optimizer_state_bytes == steady
    assert memory.training_total_bytes == pytest.approx(measured, rel=0.15)
    # The part that depends on the activations, not only the weights, is right too.
    assert memory.training_total_bytes - steady == pytest.approx(measured - steady, rel=0.15)


def test_memory_in_json_and_table():
    from tests.conftest import run

    code, out, _ = run("summary", "lenet5", "--memory", "--optimizer", "sgd", "--format", "json")
    assert code == 0
    import json

    memory = json.loads(out)["memory"]
    assert memory["optimizer"] == "sgd" and memory["optimizer_state_bytes"] == 0
    assert memory["gradient_bytes"] == memory["param_bytes"]
    code, out, _ = run("summary", "lenet5", "--memory")
    assert code == 0 and "training step total" in out and "inference peak" in out
    code, _, err = run("summary", "lenet5", "--memory", "--optimizer", "rmsprop")
    assert code == 2 and "rmsprop" in err


def test_vgg16_activations_match_the_lecture_layer_list():
    """CS231n lists VGG-16's per-layer output sizes and says "24M * 4 bytes ~= 93MB"; the list
    itself sums to 15.2M values (61 MB with the input), which is what cnnarch counts."""
    lecture = [224 * 224 * 64] * 2 + [112 * 112 * 64] + [112 * 112 * 128] * 2 + [56 * 56 * 128]
    lecture += [56 * 56 * 256] * 3 + [28 * 28 * 256] + [28 * 28 * 512] * 3 + [14 * 14 * 512]
    lecture += [14 * 14 * 512] * 3 + [7 * 7 * 512] + [4096, 4096, 1000]
    totals = analyze("vgg16").totals
    avgpool = 7 * 7 * 512  # torchvision's adaptive pool, not in the lecture's list
    assert totals.activation_bytes == 4 * (sum(lecture) + avgpool)
    assert sum(lecture) + 3 * 224 * 224 < 16e6 < 24e6


CUDNN_WORKSPACE_ALLOWANCE = 64 * 2**20
"""An absolute tolerance above the estimate (issue 18): cuDNN's convolution workspaces are
allocated through the caching allocator during the pass and count in max_memory_allocated, while
the estimate counts tensors only; a workspace does not shrink with the input, so at small sizes it
can exceed 10% of the tensors. Below the estimate the tolerance stays 10%."""


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize(("name", "size"), INFERENCE)
def test_inference_peak_matches_cuda_max_memory_allocated(name, size):
    spec = get_spec(name)
    shape = (2, spec.input[0], size, size)
    model = build(spec).eval().cuda()
    with torch.no_grad():
        x = torch.randn(shape, device="cuda")
        model(x)
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        model(x)
        torch.cuda.synchronize()
        measured = torch.cuda.max_memory_allocated() - base + nbytes([x])
    estimate = analyze(name, shape[1:], batch=2).totals.peak_activation_bytes
    assert 0.90 * estimate <= measured <= 1.10 * estimate + CUDNN_WORKSPACE_ALLOWANCE
