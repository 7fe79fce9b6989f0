"""``--mode train|eval`` on every command that builds an analysis: the counts match a real CPU
forward in training mode (FlopCounterMode, fvcore run live), the mode reaches the trace, and a
train and an eval run never share a cache entry."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from tests.conftest import run

MODEL = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 6 * 6, 5)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.bn(self.conv(x))), 1))
"""
SHAPE = (1, 3, 6, 6)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("train_mode") / "bn_net.py"
    path.write_text(MODEL)
    return path


def _module(path: Path) -> nn.Module:
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace["Net"]()


def _torch_flops(model: nn.Module, mode: str) -> int:
    """FlopCounterMode on a real CPU forward in ``mode``."""
    model = copy.deepcopy(model).train(mode == "train")
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.randn(SHAPE))
    return counter.get_total_flops()


def _fvcore(model: nn.Module, mode: str, shape: tuple[int, ...] = SHAPE) -> int:
    """fvcore run live on a real CPU copy in ``mode``."""
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(copy.deepcopy(model).train(mode == "train"), torch.randn(shape))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return int(analysis.total())


def _fresh(argv: list[str]) -> list[str]:
    """``--no-cache`` where the command has a cache (draw and report never read one)."""
    return [*argv, "--no-cache"] if argv[0] not in ("draw", "report") else argv


def _json(*argv: str) -> dict:
    code, out, err = run(*_fresh(list(argv)))
    assert code == 0, err
    return json.loads(out)


def _macs(command: str, data: dict) -> int:
    if command == "summary":
        return data["totals"]["macs"]
    if command == "explain":
        return next(t["value"] for t in data["totals"] if t["question"] == "Total MACs?")
    if command == "compare":
        return next(iter(next(r for r in data["rows"] if r["key"] == "macs")["values"].values()))
    if command == "flops":
        return data["macs"]
    return sum(node.get("macs") or 0 for node in data["nodes"])  # draw


@pytest.mark.parametrize("command", ["summary", "explain", "compare", "flops", "draw"])
def test_train_mode_counts_match_a_training_forward(model_file, command):
    argv = [command, f"{model_file}:Net", "--input", "3x6x6", "--mode", "train", "--format", "json"]
    if command == "flops":
        argv += ["--vs", "fvcore"]
    assert 2 * _macs(command, _json(*argv)) == _torch_flops(_module(model_file), "train")


@pytest.mark.parametrize(
    "argv",
    [
        ["summary", "--format", "json"],
        ["explain", "--format", "json"],
        ["compare", "--format", "json", "--optimizer", "none"],  # no training-step trace
        ["flops", "--vs", "fvcore", "--format", "json"],
        ["draw", "--format", "json"],
        ["report", "--no-diagram", "-o", "{tmp}/page.html"],
    ],
    ids=lambda argv: argv[0],
)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_mode_reaches_the_trace(model_file, tmp_path, monkeypatch, argv, mode):
    """The batch norm op each command traces normalises with the batch's statistics exactly
    when ``--mode train`` was asked for."""
    import cnnarch.api as api

    seen: list[bool] = []
    original = api.trace_source

    def spy(*args, **kwargs):
        trace = original(*args, **kwargs)
        seen.extend(bool(op.args.get("training")) for op in trace.ops if "batch_norm" in op.target)
        return trace

    monkeypatch.setattr(api, "trace_source", spy)
    command, *rest = argv
    rest = [a.replace("{tmp}", str(tmp_path)) for a in rest]
    code, _, err = run(*_fresh([command, f"{model_file}:Net", "--input", "3x6x6", "--mode", mode, *rest]))
    assert code == 0, err
    assert seen and set(seen) == {mode == "train"}


def test_fvcore_preset_counts_training_batch_norm_as_fvcore(model_file):
    """fvcore counts a training-mode batch norm 4 per element (+1 if affine), eval mode 1 (+1)."""
    module = _module(model_file)
    for mode in ("train", "eval"):
        argv = ["summary", f"{model_file}:Net", "--input", "3x6x6", "--mode", mode]
        data = _json(*argv, "--convention", "fvcore", "--format", "json")
        assert data["totals"]["ops_count"] == _fvcore(module, mode)
        tools = _json(
            "flops", f"{model_file}:Net", "--input", "3x6x6", "--mode", mode, "--vs", "fvcore", "-f", "json"
        )
        row = tools["tools"][0]
        assert row["status"] == "ok" and row["cnnarch"] == row["total"] == _fvcore(module, mode)
    assert _fvcore(module, "train") != _fvcore(module, "eval")  # the case tells the modes apart


@pytest.mark.parametrize("affine", [True, False])
def test_fvcore_preset_training_batch_norm_without_affine(affine):
    from cnnarch.analysis import conventions
    from cnnarch.api import analysis_of

    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, affine=affine), nn.ReLU())
    for mode in ("train", "eval"):
        trace = analysis_of(copy.deepcopy(model), (3, 9, 9), mode=mode).trace
        counted = conventions.evaluate_all(trace, ["fvcore"])["fvcore"].total
        assert counted == _fvcore(model, mode, (1, 3, 9, 9))


def test_train_and_eval_runs_do_not_share_a_cache_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNARCH_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CNNARCH_NO_CACHE", raising=False)
    from cnnarch.cache import result_key

    assert result_key("Report", "resnet18", mode="train") != result_key("Report", "resnet18")
    layers = "conv 8 k3 > bn > relu"
    oracle = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
    counts = {}
    for mode in ("train", "eval", "train"):  # the second train run is read from the cache
        argv = ["summary", layers, "--input", "3x8x8", "--mode", mode, "--convention", "fvcore"]
        code, out, err = run(*argv, "--format", "json")
        assert code == 0, err
        counts.setdefault(mode, set()).add(json.loads(out)["totals"]["ops_count"])
    assert counts == {mode: {_fvcore(oracle, mode, (1, 3, 8, 8))} for mode in ("train", "eval")}
    assert len(list(tmp_path.glob("*.entry"))) == 2
