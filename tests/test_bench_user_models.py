"""``cnnarch bench`` on a user's own module: the object in the user's file is never changed, the
timed model holds real weights on the target device, and one that does not is refused (exit 2)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
import torch
from torch import nn

from cnnarch.api import analyze
from cnnarch.bench import runner
from cnnarch.errors import CnnarchError
from cnnarch.sources.python_file import resolve
from tests.conftest import run

FAST = {"device": "cpu", "warmup": 1, "warmup_time": 0.0, "iters": 3}
CLI_FAST = ["--device", "cpu", "--warmup", "1", "--warmup-time", "0", "--iters", "3"]

USER_FILE = textwrap.dedent("""
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.fc = nn.Linear(8, 10)

        def forward(self, x):
            return self.fc(self.bn(self.conv(x)).relu().mean((2, 3)))


    net = Net()                      # an instance, named as my_net.py:net
    net.train()


    def shared():                    # a factory that hands out that same instance
        return net


    def on_meta():                   # a factory whose model has no data
        return Net().to("meta")
""")


@pytest.fixture
def user_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_net.py"
    path.write_text(USER_FILE)
    return path


def user_module(path: Path) -> ModuleType:
    """The module object the latest import of the user's file created."""
    found = [m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == str(path)]
    assert found, "the user's file was not imported"
    return found[-1]


def tensors(module: nn.Module) -> list[torch.Tensor]:
    return [*module.parameters(), *module.buffers()]


def weight_bytes(module: nn.Module) -> int:
    return sum(t.numel() * t.element_size() for t in tensors(module))


@pytest.mark.parametrize("name", ["net", "shared"])
def test_resolving_a_file_leaves_the_users_instance_as_it_was(user_file, name):
    source = resolve(f"{user_file}:{name}", {})
    assert source is not None
    users = user_module(user_file).net
    assert all(t.device.type == "cpu" for t in tensors(users))
    assert users.training  # not switched to eval
    assert source.module is not users
    assert all(t.device.type == "meta" for t in tensors(source.module))


@pytest.mark.parametrize("name", ["net", "shared"])
def test_an_instance_in_a_file_is_timed_with_its_real_weights(user_file, name):
    """The timed model holds the instance's real weights (on the CPU here), so its resident bytes
    are those of the class built afresh; the user's object keeps its device and training flag."""
    settings = runner.BenchSettings(batches=(2,), input_size="3x8x8", **FAST)
    rows = runner.run([f"{user_file}:{name}", f"{user_file}:Net"], settings).rows
    assert [r.status for r in rows] == ["ok", "ok"]
    from_instance, from_class = rows
    weights = weight_bytes(user_module(user_file).Net())
    input_bytes = 2 * 3 * 8 * 8 * 4
    assert from_instance.resident_bytes == from_class.resident_bytes == weights + input_bytes
    users = user_module(user_file).net
    assert all(t.device.type == "cpu" for t in tensors(users)) and users.training


def test_the_cli_times_an_instance_like_its_class(user_file):
    figures = {}
    for name in ("net", "Net"):
        code, out, err = run("bench", f"{user_file}:{name}", "--input", "3x8x8", "-f", "json", *CLI_FAST)
        assert code == 0, err
        row = json.loads(out)["results"][0]
        figures[name] = row["resident_bytes"]
    assert (
        figures["net"]
        == figures["Net"]
        == analyze(f"{user_file}:Net", "3x8x8").totals.param_bytes
        + (analyze(f"{user_file}:Net", "3x8x8").totals.buffer_bytes + 3 * 8 * 8 * 4)
    )


def test_a_model_without_data_is_refused_in_one_line(user_file):
    code, out, err = run("bench", f"{user_file}:on_meta", "--input", "3x8x8", *CLI_FAST)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "meta" in err and "my_net:on_meta" in err


class Weighted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def test_a_ready_module_is_not_changed_by_the_benchmark():
    model = Weighted().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    settings = runner.BenchSettings(
        batches=(1,), input_size="3x8x8", dtype="bf16", channels_last=True, **FAST
    )
    row = runner.run([("weighted", model)], settings).rows[0]
    assert row.status == "ok"
    assert model.training and model.conv.weight.dtype == torch.float32
    assert model.conv.weight.is_contiguous()  # not switched to channels-last
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_a_ready_module_on_meta_is_refused():
    with torch.device("meta"):
        model = Weighted()
    with pytest.raises(CnnarchError, match="meta"):
        runner.run([("weighted", model)], runner.BenchSettings(batches=(1,), input_size="3x8x8", **FAST))


class ExplicitCpuBuffer(nn.Module):
    """Creates a buffer with an explicit device, which ``with torch.device(...)`` does not move."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.register_buffer("scale", torch.ones(4, device="cpu"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) * self.scale[:, None, None]


def test_a_factorys_model_is_moved_to_the_device(monkeypatch):
    """The meta device stands in for a GPU (the real-tensor check is off: meta holds no data):
    every tensor of the built model must be on it, the explicitly placed buffer included."""
    from cnnarch.sources.base import Source

    monkeypatch.setattr(runner, "check_real", lambda *args, **kwargs: None)
    with torch.device("meta"):
        module = ExplicitCpuBuffer()
    target = runner.Target(
        "explicit", module, source=Source(module, "explicit", None, factory=ExplicitCpuBuffer)
    )
    built = runner._build(target, torch.device("meta"), (3, 8, 8))
    assert {t.device.type for t in tensors(built)} == {"meta"}
