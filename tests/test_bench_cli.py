"""``cnnarch bench`` on the command line: JSON schema and figures, table and CSV, one-line
errors with exit 2, and Ctrl-C printing the rows finished so far (exit 130)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from cnnarch.api import analyze
from cnnarch.bench import runner
from tests.conftest import run

FAST = ["--device", "cpu", "--warmup", "1", "--warmup-time", "0", "--iters", "3"]


@pytest.fixture(scope="module")
def lenet_json() -> dict:
    code, out, err = run("bench", "lenet5", "--batch", "1,2", "--format", "json", *FAST)
    assert code == 0, err
    return json.loads(out)


def test_json_carries_the_environment_and_settings(lenet_json):
    env = lenet_json["environment"]
    for key in (
        "torch",
        "device",
        "device_name",
        "cuda",
        "cudnn",
        "threads",
        "dtype",
        "date",
        "python",
        "load_average",
    ):
        assert key in env
    assert env["torch"] == torch.__version__ and env["device"] == "cpu" and env["dtype"] == "fp32"
    settings = lenet_json["settings"]
    assert settings["batches"] == [1, 2] and settings["iters"] == 3 and settings["warmup"] == 1
    assert settings["warmup_time"] == 0
    assert "cast" in settings["precision"] and settings["timer"] == "time.perf_counter_ns"
    cal = lenet_json["calibration"]
    assert cal["ridge_point"] == pytest.approx(cal["peak_flops"] / cal["bandwidth"])
    assert lenet_json["interrupted"] is False and set(lenet_json["conventions"]) >= {"latency", "roofline"}


def test_json_rows_agree_with_their_samples_and_the_analysis(lenet_json):
    cal = lenet_json["calibration"]
    rows = lenet_json["results"]
    assert [(r["model"], r["batch"], r["status"]) for r in rows] == [("lenet5", 1, "ok"), ("lenet5", 2, "ok")]
    for row in rows:
        samples = row["samples_ms"]
        latency = row["latency_ms"]
        assert len(samples) == latency["n"] == 3
        assert latency["median"] == pytest.approx(np.median(samples))
        assert latency["mean"] == pytest.approx(np.mean(samples))
        assert latency["p10"] == pytest.approx(np.percentile(samples, 10))
        assert latency["p90"] == pytest.approx(np.percentile(samples, 90))
        assert latency["min"] == min(samples)
        assert latency["iqr"] == pytest.approx(np.subtract(*np.percentile(samples, [75, 25])))
        assert latency["cv"] == pytest.approx(np.std(samples, ddof=1) / np.mean(samples))
        median_s = latency["median"] / 1e3
        assert row["input_shape"] == [row["batch"], 1, 32, 32]
        assert row["throughput_images_per_s"] == pytest.approx(row["batch"] / median_s)
        assert row["flops"] == analyze("lenet5", batch=row["batch"]).totals.flops
        assert row["achieved_flops_per_s"] == pytest.approx(row["flops"] / median_s)
        assert row["peak_fraction"] == pytest.approx(row["achieved_flops_per_s"] / cal["peak_flops"])
        assert row["arithmetic_intensity"] == pytest.approx(row["flops"] / row["bytes_moved_estimate"])
        assert row["bound"] == ("memory" if row["arithmetic_intensity"] < cal["ridge_point"] else "compute")
        assert isinstance(row["peak_memory_bytes"], int) and row["peak_memory_bytes"] > row["resident_bytes"]
        assert row["layers"] is None and row["error"] is None


def test_table_on_stdout_and_nothing_else_there():
    code, out, err = run("bench", "lenet5", *FAST)
    assert code == 0, err
    for header in ("Median ms", "p10", "p90", "IQR", "CV", "img/s", "FLOP/s", "% peak", "FLOP/B", "Bound"):
        assert header in out
    assert "lenet5" in out and "1x32x32" in out and "ridge point" in out
    assert "Traceback" not in err


def test_layers_table():
    code, out, err = run("bench", "lenet5", "--layers", "--top", "2", *FAST)
    assert code == 0, err
    assert "top 2 of" in out and "Time/MAC vs model" in out


def test_csv_has_one_line_per_row(tmp_path):
    target = tmp_path / "bench.csv"
    code, out, err = run("bench", "lenet5", "--batch", "1,3", "-f", "csv", "-o", str(target), *FAST)
    assert code == 0 and out == ""
    assert "wrote 2 row(s)" in err
    rows = list(csv.DictReader(target.open()))
    assert [r["batch"] for r in rows] == ["1", "3"]
    assert all(float(r["median_ms"]) > 0 and r["status"] == "ok" and r["device"] == "cpu" for r in rows)


def test_cuda_without_a_device_is_one_line_and_exit_2(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, out, err = run("bench", "lenet5", "--device", "cuda")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no CUDA device is visible" in err and f"torch {torch.__version__}" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "resnet5", "--device", "cpu"], "unknown model 'resnet5'"),
        (["bench", "lenet5", "--batch", "1,x"], "--batch '1,x' is not a list of batch sizes"),
        (["bench", "lenet5", "--batch", "0"], "--batch '0' is not a list of batch sizes"),
        (["bench", "lenet5", "--iters", "3", "--min-time", "1"], "--iters or --min-time, not both"),
        (["bench", "lenet5", "--device", "tpu"], "--device 'tpu' is not a device"),
        (["bench", "lenet5", "--dtype", "fp8", "--device", "cpu"], "unknown dtype 'fp8'"),
        (["bench", "alexnet", "--input", "32", "--device", "cpu"], "is too small"),
    ],
)
def test_bad_input_is_one_line_with_exit_2(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_interrupt_prints_the_finished_rows_and_exits_130(monkeypatch):
    measure = runner._measure
    calls = []

    def interrupted_on_the_second_row(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return measure(*args, **kwargs)

    monkeypatch.setattr(runner, "_measure", interrupted_on_the_second_row)
    code, out, err = run("bench", "lenet5", "--batch", "1,2,4", "--format", "json", *FAST)
    assert code == 130
    data = json.loads(out)
    assert data["interrupted"] is True
    assert [(r["batch"], r["status"]) for r in data["results"]] == [(1, "ok")]
    assert "interrupted: 1 row(s) finished" in err


def test_kwargs_reach_the_builder_and_the_analysis():
    code, out, err = run("bench", "lenet5", "--kwargs", '{"num_classes": 3}', "-f", "json", *FAST)
    assert code == 0, err
    data = json.loads(out)
    assert data["settings"]["options"] == {"num_classes": 3}
    assert data["results"][0]["flops"] == analyze("lenet5", num_classes=3).totals.flops
    assert data["results"][0]["flops"] != analyze("lenet5").totals.flops


def test_a_model_file_is_benchmarked(tmp_path):
    source = tmp_path / "net.py"
    source.write_text(
        "from torch import nn\n"
        "class Net(nn.Sequential):\n"
        "    def __init__(self, width=4):  # 3x6x6 -> width x 4 x 4\n"
        "        super().__init__(nn.Conv2d(3, width, 3), nn.ReLU(),\n"
        "                         nn.Flatten(), nn.Linear(16 * width, 2))\n"
    )
    model = f"{source}:Net"
    code, out, err = run("bench", model, "--input", "3x6x6", "--kwargs", '{"width": 5}', "-f", "json", *FAST)
    assert code == 0, err
    row = json.loads(out)["results"][0]
    assert row["model"] == "net:Net" and row["status"] == "ok"
    assert row["flops"] == analyze(model, "3x6x6", width=5).totals.flops
