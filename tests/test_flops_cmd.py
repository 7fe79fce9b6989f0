"""``cnnarch flops``: each tool's own total beside cnnarch's under its rules, tool by tool; a tool
that is missing or fails is reported and the others still run; bad options exit 2."""

from __future__ import annotations

import json

import pytest

from cnnarch import peers
from cnnarch.analysis import conventions
from cnnarch.api import analyze, resolve, trace_source
from tests.test_list import cli as run

MODEL = "lenet5"


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tools run real forward passes; 2 threads spin on a busy machine
    yield
    torch.set_num_threads(threads)


def test_json_puts_each_tools_total_beside_cnnarchs():
    code, out, err = run("flops", MODEL, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    trace = trace_source(resolve(MODEL))
    assert data["model"] == MODEL and data["input_shape"] == [1, 1, 32, 32]
    assert data["macs"] == analyze(MODEL).totals.macs
    assert [t["tool"] for t in data["tools"]] == list(conventions.PEERS)
    for tool in data["tools"]:
        assert tool["cnnarch"] == conventions.total(trace, tool["tool"])
        if tool["status"] == "missing":
            assert tool["tool"] in ("ptflops", "torchinfo"), tool
            continue
        assert tool["status"] == "ok", tool
        assert tool["equal"] is True and tool["total"] == tool["cnnarch"], tool
        assert tool["reason"].startswith(f"{tool['tool']}: ")
        assert tool["version"] == peers.version(tool["tool"])


def test_table_names_each_tool_and_why_it_differs():
    code, out, err = run("flops", MODEL, "--vs", "fvcore,torch")
    assert code == 0, err
    assert "fvcore" in out and "torch" in out and "thop" not in out
    assert out.count(" yes ") == 2
    assert "torch: +" in out  # 2 per MAC: a plus on every product
    assert "By kind of operation" in out


def test_a_missing_tool_is_reported_and_the_others_run(monkeypatch):
    real = peers.version
    monkeypatch.setattr(peers, "version", lambda tool: None if tool == "thop" else real(tool))
    code, out, err = run("flops", MODEL, "--vs", "thop,torch", "--format", "json")
    assert code == 0, err
    thop, torch_ = json.loads(out)["tools"]
    assert thop["status"] == "missing" and thop["total"] is None and "pip install thop" in thop["error"]
    assert torch_["status"] == "ok" and torch_["equal"] is True


def test_a_failing_tool_is_reported_and_the_others_run(monkeypatch):
    from cnnarch.peers import fvcore_count

    def broken(model, x):
        raise RuntimeError("tracing failed\nsecond line")

    monkeypatch.setattr(fvcore_count, "count", broken)
    code, out, err = run("flops", MODEL, "--vs", "fvcore,torch", "--format", "json")
    assert code == 0, err
    fvcore, torch_ = json.loads(out)["tools"]
    assert fvcore["status"] == "failed" and fvcore["error"] == "RuntimeError: tracing failed"
    assert fvcore["equal"] is None
    assert torch_["equal"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--vs", "fvcore,flopz"], "unknown tool 'flopz'"),
        (["--vs", ""], "no tool given"),
        (["--format", "csv"], "--format csv is not available here"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, message):
    code, out, err = run("flops", MODEL, *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_summary_names_the_convention_in_its_count_column():
    code, out, err = run("summary", MODEL, "--convention", "thop")
    assert code == 0, err
    assert "MACs (thop)" in out and f"{conventions.total(trace_source(resolve(MODEL)), 'thop'):,}" in out
    code, out, err = run("summary", MODEL, "--convention", "fvcore", "--format", "json")
    data = json.loads(out)
    assert data["convention"] == "fvcore"
    assert sum(layer["ops_count"] for layer in data["layers"]) == data["totals"]["ops_count"]
    code, _, err = run("summary", MODEL, "--convention", "gflops")
    assert code == 2 and "unknown convention 'gflops'" in err


def test_a_warm_run_does_not_pass_off_the_cached_timing_as_measured(tmp_path):
    """Real processes on a fresh cache: the cold run traces and times cnnarch's counts; the warm
    run reads them from the cache and says so (the time it shows is the cold run's, labelled),
    with the same counts, and each tool's time is measured anew."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CNNARCH_CACHE_DIR": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("CNNARCH_NO_CACHE", None)

    def flops(*extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "cnnarch", "flops", MODEL, "--vs", "torch", *extra],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    cold, warm = json.loads(flops("-f", "json")), json.loads(flops("-f", "json"))
    assert cold["cnnarch_cached"] is False and warm["cnnarch_cached"] is True
    assert warm["cnnarch_seconds"] == cold["cnnarch_seconds"]  # the cold run's, not a new measurement
    assert warm["macs"] == cold["macs"] == analyze(MODEL).totals.macs
    assert warm["tools"][0]["total"] == cold["tools"][0]["total"] == warm["tools"][0]["cnnarch"]
    text = flops()
    assert "came from the result cache: no trace ran in this run" in text
    assert "cnnarch traced and counted" not in text
    assert "cnnarch traced and counted" in flops("--no-cache")
