"""Defects a review of this session's change found, each checked against an independent oracle."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnarch import analyze
from cnnarch.catalogue import build, get_spec
from cnnarch.freeze import freeze
from cnnarch.trace import real
from tests.conftest import run


class DataDependent(nn.Module):
    """Two convolutions, then a data-dependent reduction (nonzero): analysed by a real CPU pass."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3)
        self.b = nn.Conv2d(8, 8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.b(self.a(x))
        return y[y > 0].sum()


def test_freeze_reaches_the_model_of_a_real_cpu_pass() -> None:
    oracle = DataDependent()
    freeze(oracle, "a")
    frozen = sum(p.numel() for p in oracle.parameters() if not p.requires_grad)
    assert frozen > 0
    report = analyze(DataDependent(), (3, 16, 16), freeze="a")
    assert report.totals.frozen_params == frozen
    assert report.totals.trainable_params == sum(p.numel() for p in oracle.parameters() if p.requires_grad)


@pytest.mark.parametrize("keyword", [{"weights": None}])
def test_a_no_weights_keyword_is_taken_as_given(keyword) -> None:
    import torchvision

    report = analyze("torchvision:resnet18", **keyword)
    assert report.totals.params == sum(p.numel() for p in torchvision.models.resnet18().parameters())


@pytest.mark.parametrize(
    ("text", "expected"), [("1TB", 2**40), ("1TiB", 2**40), ("2t", 2**41), ("500MB", 500 * 2**20)]
)
def test_memory_bound_units(monkeypatch, text, expected) -> None:
    monkeypatch.setenv(real.LIMIT_VARIABLE, text)
    assert real.memory_limit() == expected


def _text(path) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", path.read_text()).split())


def test_the_report_compares_published_macs_per_sample(tmp_path) -> None:
    from cnnarch.html_report import write_report

    one, four = tmp_path / "one.html", tmp_path / "four.html"
    write_report("resnet18", one, batch=1, diagram=False)
    write_report("resnet18", four, batch=4, diagram=False)

    def published(path) -> str:
        text = _text(path)
        return text[text.index("Published in") : text.index("cnnarch's figures are recomputed")]

    assert published(one) == published(four)  # the per-sample figures do not grow with the batch


def test_compare_html_sections_are_frozen_like_the_table(tmp_path) -> None:
    page = tmp_path / "c.html"
    code, _, err = run("compare", "lenet5", "alexnet", "--freeze", "conv1", "--html", str(page), "--no-cache")
    assert code == 0, err
    oracle = build(get_spec("alexnet"))
    freeze(oracle, "conv1")
    trainable = sum(p.numel() for p in oracle.parameters() if p.requires_grad)
    assert f"Parameters {sum(p.numel() for p in oracle.parameters()):,} {trainable:,} trainable" in _text(
        page
    )


class _Op(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


OPS = {
    "maxpool pad over half": nn.MaxPool2d(2, padding=2),
    "avgpool pad over half": nn.AvgPool2d(2, padding=2),
    "maxpool pad half": nn.MaxPool2d(3, padding=1),
    "cat dim out of range": _Op(lambda x: torch.cat([x, x], dim=5)),
    "cat last dim": _Op(lambda x: torch.cat([x, x], dim=-1)),
    "mean dim out of range": _Op(lambda x: x.mean(dim=7)),
    "mean no dims": _Op(lambda x: x.mean(dim=[])),
    "mean two dims": _Op(lambda x: x.mean(dim=(-1, 1), keepdim=True)),
}


@pytest.mark.parametrize("name", list(OPS))
def test_shape_shortcuts_agree_with_pytorch(name) -> None:
    """cnnarch's shape shortcuts give PyTorch's shape, and refuse what PyTorch refuses."""
    from cnnarch.errors import CnnarchError

    module = OPS[name]
    try:
        expected = list(module(torch.zeros(1, 3, 8, 8)).shape)
    except (RuntimeError, IndexError):
        with pytest.raises(CnnarchError):
            analyze(module, (3, 8, 8))
        return
    assert analyze(module, (3, 8, 8)).output_shape == expected


def test_report_numbers_rows_as_summary_does(tmp_path) -> None:
    """The page's # column counts from 1, as summary's table does (conv1 is row 1 of AlexNet)."""
    import re

    from cnnarch.html_report import write_report

    page = tmp_path / "a.html"
    write_report("alexnet", page, diagram=False)
    rows = re.findall(
        r'<td class="num" data-sort="\d+">(\d+)</td>\s*<td class="name">(?:<[^>]+>)*([\w.]+)',
        page.read_text(),
    )
    assert rows[:2] == [("1", "conv1"), ("2", "relu1")]
    assert [int(n) for n, _ in rows] == list(range(1, len(analyze("alexnet").layers) + 1))


def test_a_file_builder_that_computes_with_tensors(tmp_path) -> None:
    """A RegNet returned from a file builds as the torchvision: route builds it (its builder calls
    .tolist() on tensors, which the meta device cannot give)."""
    import json

    import torchvision

    (tmp_path / "net.py").write_text(
        "import torchvision\n\n\ndef net():\n    return torchvision.models.regnet_y_400mf()\n"
    )
    code, out, err = run(
        "summary", f"{tmp_path / 'net.py'}:net", "--input", "3x224x224", "-f", "json", "--no-cache"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["totals"]["params"] == sum(
        p.numel() for p in torchvision.models.regnet_y_400mf().parameters()
    )
    assert data["totals"]["macs"] == analyze("torchvision:regnet_y_400mf").totals.macs
