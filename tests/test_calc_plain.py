"""The calculator's torch-free trace: for random layer lists it must give the very answer the
traced PyTorch module gives (every step of the worked answer, every number of the report), and
that module's real forward pass on a CPU tensor must agree on the output shape. Calculator
answers must never import torch."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnarch.calc import networks
from cnnarch.calc.plain_trace import plain_trace
from cnnarch.dsl import build, parse
from cnnarch.errors import CnnarchError


def _both(program: str, shape: tuple[int, ...]):
    """(plain analysed, torch analysed), or the two error messages."""
    parsed = parse(program)
    results = []
    for how in ("plain", "torch"):
        try:
            if how == "plain":
                trace = plain_trace(parsed, shape, "calc")
                if trace is None:
                    return None
                analysis = networks._plain_analysis(trace)
            else:
                analysis = networks._torch_analysis(parsed, shape, "calc")
            results.append(
                networks.explain(analysis, program=program).to_dict() | {"_report": analysis.report}
            )
        except CnnarchError as problem:
            results.append(str(problem).splitlines()[0])
    return results


def _size(draw, low=1, high=4):
    a, b = draw(st.integers(low, high)), draw(st.integers(low, high))
    return str(a) if a == b else f"{a}x{b}"


@st.composite
def layer(draw, channels):
    kind = draw(st.sampled_from(["conv", "conv", "tconv", "maxpool", "avgpool", "relu", "gap", "shuffle"]))
    k = _size(draw)
    s = _size(draw, 1, 3)
    if kind == "conv":
        p = draw(st.sampled_from(["0", "1", "2", "1x0", "same", "valid"]))
        g = draw(st.sampled_from([1, 1, 2]))
        d = _size(draw, 1, 2)
        filters = draw(st.sampled_from([2, 4, 6]))
        bias = draw(st.booleans())
        text = f"conv {filters} k{k} s{s} p={p} d{d} g{g}" + ("" if bias else " nobias")
        return text, filters
    if kind == "tconv":
        p = draw(st.integers(0, 2))
        op = draw(st.integers(0, 1))
        return f"tconv {channels} k{k} s{s} p{p} op{op}" + draw(st.sampled_from(["", " nobias"])), channels
    if kind in ("maxpool", "avgpool"):
        p = draw(st.integers(0, 2))
        ceil = draw(st.sampled_from(["", " ceil"]))
        d = f" d{_size(draw, 1, 2)}" if kind == "maxpool" else ""
        return f"{kind} k{k} s{s} p{p}{d}{ceil}", channels
    if kind == "shuffle":
        return f"shuffle {draw(st.sampled_from([1, 2, 3]))}", channels
    return kind, channels


@st.composite
def programs(draw):
    channels = draw(st.sampled_from([2, 4]))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        text, channels = draw(layer(channels))
        layers.append(text)
    if draw(st.booleans()):  # a head: flatten, dense layers
        layers.append("flatten")
        layers += [f"fc {draw(st.integers(1, 12))}" + draw(st.sampled_from(["", " nobias", " > relu"]))
                   for _ in range(draw(st.integers(0, 2)))]  # fmt: skip
    return " > ".join(layers)


@settings(max_examples=80, deadline=None)
@given(program=programs(), hw=st.tuples(st.integers(1, 20), st.integers(1, 20)), c=st.sampled_from([2, 4]))
def test_plain_trace_gives_the_traced_modules_answer(program, hw, c):
    shape = (c, *hw)
    both = _both(program, shape)
    if both is None:  # a layer only the real module can answer: traced instead
        return
    plain, traced = both
    if isinstance(traced, str) or isinstance(plain, str):
        assert plain == traced
        return
    plain_report, traced_report = plain.pop("_report"), traced.pop("_report")
    assert plain == traced
    assert plain_report.to_data() == traced_report.to_data()
    out = build(parse(program), shape)(torch.zeros(1, *shape))  # a real CPU forward pass
    assert list(out.shape) == plain_report.output_shape


@settings(max_examples=40, deadline=None)
@given(features=st.integers(1, 64), out=st.integers(1, 64), bias=st.booleans(), relu=st.booleans())
def test_plain_fc_gives_the_traced_modules_answer(features, out, bias, relu):
    program = f"fc {out}" + ("" if bias else " nobias") + (" > relu" if relu else "")
    plain, traced = _both(program, (features,))
    plain_report, traced_report = plain.pop("_report"), traced.pop("_report")
    assert plain == traced
    assert plain_report.to_data() == traced_report.to_data()
    module = build(parse(program), (features,))
    assert plain_report.totals.params == sum(p.numel() for p in module.parameters())


CALC_COMMANDS = [
    ["conv", "227", "-k", "11", "-s", "4", "-c", "3", "-n", "96"],
    ["conv", "64x48", "-k", "4", "-p", "same", "-c", "16", "-n", "16"],
    ["pool", "55", "-k", "3", "-s", "2", "-c", "96"],
    ["tconv", "14", "-k", "4", "-s", "2", "-p", "1", "-c", "64", "-n", "32"],
    ["fc", "9216", "4096"],
    ["gap", "512x7x7"],
    ["rf", "conv7s2 pool3s2 conv3 conv3"],
    ["stack", "7"],
    ["factorize", "7"],
    ["bottleneck", "--in", "192", "--reduce", "64", "--out", "256"],
]


@pytest.mark.parametrize("argv", CALC_COMMANDS, ids=lambda a: a[0])
def test_calc_answers_without_importing_torch(argv):
    probe = (
        "import sys\nfrom cnnarch.cli.app import main\n"
        "try: main(sys.argv[1:])\nexcept SystemExit as e: assert not e.code, e.code\n"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    done = subprocess.run([sys.executable, "-c", probe, "calc", *argv], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
