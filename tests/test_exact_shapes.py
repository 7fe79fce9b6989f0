"""``--input =20x10 --input =10x100``: exact tensor shapes with no batch axis added, for inputs of
different ranks, checked against FlopCounterMode on a real CPU forward at those shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from tests.conftest import run

MODEL = """
from torch import nn


class Net(nn.Module):
    def forward(self, a, b):
        return a @ b
"""
CASES = [((20, 10), (10, 100)), ((4, 20, 10), (10, 100)), ((3, 7, 5), (3, 5, 2)), ((6, 5), (5,))]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("exact") / "matmul_net.py"
    path.write_text(MODEL)
    return f"{path}:Net"


def _torch(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, list[int]]:
    """FlopCounterMode's total and the output's shape, on a real CPU forward."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = torch.randn(a) @ torch.randn(b)
    return counter.get_total_flops(), list(out.shape)


def _spell(shape: tuple[int, ...]) -> str:
    return "=" + "x".join(map(str, shape))


@pytest.mark.parametrize(("a", "b"), CASES)
def test_summary_counts_a_matmul_of_exact_shapes(model, a, b):
    code, out, err = run(
        "summary", model, "--input", _spell(a), "--input", _spell(b), "-f", "json", "--no-cache"
    )
    assert code == 0, err
    data = json.loads(out)
    flops, shape = _torch(a, b)
    assert data["input_shapes"] == [list(a), list(b)]
    assert data["output_shape"] == shape
    if flops:  # torch counts mm, bmm and their broadcasts, not mv
        assert data["totals"]["flops"] == flops


@pytest.mark.parametrize("command", ["explain", "draw"])
def test_other_commands_take_exact_shapes(model, command):
    a, b = CASES[1]
    code, out, err = run(command, model, "--input", _spell(a), "--input", _spell(b), "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    flops, _ = _torch(a, b)
    if command == "explain":
        assert 2 * next(t["value"] for t in data["totals"] if t["question"] == "Total MACs?") == flops
    else:
        assert 2 * sum(node.get("macs") or 0 for node in data["nodes"]) == flops


def test_report_takes_exact_shapes(model, tmp_path):
    page = tmp_path / "page.html"
    code, _, err = run(
        "report", model, "--input", "=20x10", "--input", "=10x100", "--no-diagram", "-o", str(page)
    )
    assert code == 0, err
    assert "20,000" in page.read_text()  # the MACs of a (20, 10) @ (10, 100) product


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["summary", "{m}", "--input", "=20x10", "--input", "10x100"], "every input"),
        (["summary", "{m}", "--input", "=20x10", "--input", "=10x100", "--batch", "4"], "--batch 4"),
        (["summary", "{m}", "--input", "=20xx10", "--input", "=10x100"], "not a size"),
        (["flops", "{m}", "--input", "=20x10", "--input", "=10x100"], "flops cannot"),
        (["compare", "{m}", "{m}", "--input", "=20x10", "--input", "=10x100"], "compare cannot"),
    ],
)
def test_mistakes_with_exact_shapes(model, argv, named):
    code, out, err = run(*[a.replace("{m}", model) for a in argv])
    assert code == 2 and out == ""
    assert named in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_help_and_docs_spell_it():
    from tests.conftest import ROOT

    code, out, _ = run("summary", "--help")
    assert code == 0 and "=20x10" in " ".join(out.split())
    assert "--input =20x10 --input =10x100" in (Path(ROOT) / "docs" / "models.md").read_text()


def test_the_table_title_names_every_input(model):
    code, out, err = run("summary", model, "--input", "=20x10", "--input", "=10x100", "--no-cache")
    assert code == 0, err
    title = out.splitlines()[0].strip()
    assert title.endswith("— input [20, 10] + [10, 100]"), title


def test_memory_of_exact_shapes_claims_no_batch(model):
    """With exact shapes no batch axis is added, so the memory section names no batch: it said
    "batch 20" for --input =20x10 (the first operand's rows). Its activation bytes are still
    those of the tensors PyTorch makes at those shapes."""
    a, b = (20, 10), (10, 100)
    args = ("summary", model, "--input", _spell(a), "--input", _spell(b), "--memory", "--no-cache")
    code, out, err = run(*args, "-f", "json")
    assert code == 0, err
    memory = json.loads(out)["memory"]
    assert memory["batch"] is None
    product = torch.randn(a) @ torch.randn(b)
    assert memory["activation_sum_bytes"] == product.numel() * product.element_size()
    code, out, err = run(*args)
    assert code == 0, err
    assert "Memory, exact input shapes" in out and "batch 20" not in out


def test_report_of_exact_shapes_claims_no_batch(model, tmp_path):
    page = tmp_path / "page.html"
    code, _, err = run("report", model, "--input", "=20x10", "--input", "=10x100", "-o", str(page),
                       "--no-diagram", "--optimizer", "sgd")  # fmt: skip
    assert code == 0, err
    html = page.read_text()
    assert "exact input shapes" in html and "batch 20" not in html


def test_memory_batch_is_the_batch_asked_for():
    from cnnarch import analyze

    report = analyze(torch.nn.Linear(10, 3), (10,), batch=4, memory=True)
    x = torch.randn(4, 10)
    assert report.memory.batch == 4 == x.shape[0] == report.input_shape[0]
    assert report.memory.activation_sum_bytes == torch.nn.Linear(10, 3)(x).nbytes
