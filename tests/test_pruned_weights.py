"""Weights ``torch.nn.utils.prune`` masks out are a figure of their own in the report's totals
(summary's footer and JSON), counted against the zeros of the user's own masks."""

from __future__ import annotations

import json

from torch import nn
from torch.nn.utils import prune

from tests.conftest import run

MODEL = """
from torch import nn
from torch.nn.utils import prune


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8 * 6 * 6, 10)
        prune.l1_unstructured(self.conv, "weight", amount=0.4)
        prune.random_unstructured(self.fc, "weight", amount=0.25)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))
"""


def _zeros_in_masks(model: nn.Module) -> int:
    return sum(
        int((buffer == 0).sum()) for name, buffer in model.named_buffers() if name.endswith("weight_mask")
    )


def _pruned() -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3), nn.Flatten(), nn.Linear(4 * 4 * 4, 3)
    )
    prune.l1_unstructured(model[0], "weight", amount=0.5)
    prune.random_unstructured(model[2], "weight", amount=0.3)
    prune.ln_structured(model[4], "weight", amount=1, n=2, dim=0)  # one output row: whole rows zero
    return model


def test_masked_weights_of_a_module_object():
    from cnnarch import analyze
    from cnnarch.report import Report

    model = _pruned()
    report = analyze(model, (3, 8, 8))
    expected = _zeros_in_masks(model)
    assert expected > 0
    assert report.totals.masked_weights == expected
    assert report.totals.params == sum(p.numel() for p in model.parameters())  # *_orig in full
    assert Report.from_data(report.to_data()).totals.masked_weights == expected


def test_an_unpruned_model_has_none():
    from cnnarch import analyze

    report = analyze(nn.Sequential(nn.Conv2d(3, 4, 3)), (3, 8, 8))
    assert report.totals.masked_weights == 0


def test_masked_weights_in_summary_json_and_footer(tmp_path):
    path = tmp_path / "pruned_net.py"
    path.write_text(MODEL)
    namespace: dict = {}
    exec(compile(MODEL, str(path), "exec"), namespace)
    expected = _zeros_in_masks(namespace["Net"]())  # l1 and random pruning zero a fixed count
    code, out, err = run("summary", f"{path}:Net", "--input", "3x8x8", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["totals"]["masked_weights"] == expected
    code, out, err = run("summary", f"{path}:Net", "--input", "3x8x8")
    assert code == 0, err
    assert f"Pruned: {expected:,} weights masked out to zero" in out
    code, out, _ = run("summary", "conv 8 k3", "--input", "3x8x8")
    assert code == 0 and "Pruned" not in out
