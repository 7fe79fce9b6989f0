"""A replayed layer call (``cnnarch.trace.replay``) leaves exactly the records dispatch would have
made: every catalogue model and every torchvision classification model is traced with replay
off (the oracle: each operation through PyTorch's dispatch), on in a fresh process (a block
replays only a call made earlier in the same trace), on again (every call met before is noted)
and a third time (the network replays whole, from the second trace's notes), and the traces must
be equal record for record."""

from __future__ import annotations

import functools

import pytest
import torch
import torchvision
from torch import nn

from cnnarch import api
from cnnarch.catalogue import names
from cnnarch.trace import replay
from cnnarch.trace.torch_private import no_python_modes
from cnnarch.trace.tracer import trace_module


def traces(source: api.Source, monkeypatch: pytest.MonkeyPatch, **options: object) -> list[object]:
    """Replay off, then on three times starting with nothing kept."""
    monkeypatch.setattr(api, "trace_module", functools.partial(trace_module, replay=False))
    found = [api.trace_source(source, **options)]  # type: ignore[arg-type]
    monkeypatch.setattr(api, "trace_module", functools.partial(trace_module, replay=True))
    with replay.nothing_kept():
        found += [api.trace_source(source, **options) for _ in range(3)]  # type: ignore[arg-type]
    return found


def assert_same(model: str, found: list[object]) -> None:
    oracle, *replayed = found
    for when, trace in zip(("first", "second", "third"), replayed, strict=True):
        assert trace == oracle, f"{model}: the {when} trace with replay differs from dispatch"


@pytest.mark.slow
@pytest.mark.parametrize("model", names())
def test_catalogue_traces_equal_with_and_without_replay(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(model, traces(api.resolve(model), monkeypatch))


CLASSIFIERS = sorted(torchvision.models.list_models(module=torchvision.models))


@pytest.mark.slow
@pytest.mark.parametrize("model", CLASSIFIERS)
def test_torchvision_traces_equal_with_and_without_replay(
    model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same(model, traces(api.resolve(f"torchvision:{model}"), monkeypatch))


def test_training_mode_and_half_precision_replay_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    source = api.resolve("resnet18")
    assert_same("resnet18 train", traces(source, monkeypatch, mode="train"))
    assert_same("resnet18 fp16", traces(source, monkeypatch, dtype="fp16"))
    assert_same("resnet18 batch 3", traces(source, monkeypatch, batch=3))


class Shared(nn.Module):
    """One ReLU object called on three shapes, an in-place ReLU, a view, two outputs, a layer
    called twice on one tensor, and a layer whose setting changes between two calls."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.flat = nn.Flatten()
        self.act = nn.LeakyReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.conv(x))
        z, _ = self.pool(y)
        z = self.relu(z)
        a = self.act(z)
        self.act.negative_slope = 0.5
        b = self.act(z)
        self.act.negative_slope = 0.01
        return self.flat(self.relu(a + b))


def test_shared_and_in_place_layers_replay_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    source = api.resolve(Shared())
    found = traces(source, monkeypatch, input_size=(3, 8, 8))
    assert_same("Shared", found)
    slopes = [op.args.get("negative_slope") for op in found[3].ops if op.packet == "aten.leaky_relu"]
    assert slopes == [0.01, 0.5]  # the setting is part of the key: no template of the other call


class Subclassed(nn.Conv2d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x) * 2


class Block(nn.Module):
    """A user's block: its forward may read anything."""

    def __init__(self) -> None:
        super().__init__()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(x)


def test_only_classes_whose_forward_cnnarch_knows_replay() -> None:
    with no_python_modes():
        assert replay.static_signature(nn.Conv2d(3, 8, 3).to("meta")) is not None
        assert replay.static_signature(Subclassed(3, 8, 3)) is None  # its forward is its own
        assert replay.static_signature(nn.Sequential(nn.ReLU())) is not None  # a whole tree
        assert replay.static_signature(nn.Sequential(nn.ReLU(), Subclassed(3, 8, 3))) is None
        assert replay.static_signature(Block()) is None
        assert replay.static_signature(nn.Sequential(Block())) is None
        assert replay.static_signature(api.resolve("squeezenet1_0").module) is not None  # cnnarch's
        assert replay.static_signature(nn.LazyLinear(4)) is None
        assert replay.static_signature(nn.LSTM(4, 4)) is None
        hooked = nn.ReLU()
        hooked.register_forward_hook(lambda m, a, o: o * 2)
        assert replay.static_signature(hooked) is None
        odd = nn.ReLU()
        odd.scale = torch.ones(1)  # a setting added to one object: not keyed
        assert replay.static_signature(odd) is None


def test_the_module_is_left_as_it_was() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()).to("meta").eval()
    before = [dict(vars(m)) for m in model.modules()]
    trace_module(model, [torch.empty(1, 3, 8, 8, device="meta")], "m")
    assert [dict(vars(m)) for m in model.modules()] == before
    assert all("forward" not in vars(m) for m in model.modules())


def test_repeated_layers_are_replayed_not_dispatched(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed-up engages: in one trace, ResNet-18's repeated blocks (same settings, same input
    shapes) replay whole from their second repeat; the third trace of the same network replays the
    network's own call (noted in the second), which stands for every module below it."""
    replayed: list[list[nn.Module]] = []
    original = replay._replay
    monkeypatch.setattr(replay, "_replay", lambda *a: replayed.append(a[2]) or original(*a))
    source = api.resolve("resnet18")
    with replay.nothing_kept():
        first = api.trace_source(source)
        assert 0 < sum(len(modules) for modules in replayed) < len(first.calls)
        replayed.clear()
        assert api.trace_source(source) == first
        assert any(type(modules[0]).__name__ == "BasicBlock" for modules in replayed)
        replayed.clear()
        third = api.trace_source(source)
    assert [modules[0] for modules in replayed] == [source.module]
    assert len(replayed[0]) == len(list(source.module.modules())) and third == first


class Changing(nn.Module):
    """A user's forward calling one ``nn.Sequential`` twice, changing a setting of a layer inside
    it in between, and a Sequential holding a user's block."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.LeakyReLU())
        self.mixed = nn.Sequential(nn.Conv2d(3, 3, 1), Block())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.body(x)
        self.body[1].negative_slope = 0.5
        b = self.body(a)
        self.body[1].negative_slope = 0.01
        return self.mixed(self.body(b))


def test_a_setting_changed_below_a_replayed_module_is_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    found = traces(api.resolve(Changing()), monkeypatch, input_size=(3, 8, 8))
    assert_same("Changing", found)
    slopes = [op.args.get("negative_slope") for op in found[3].ops if op.packet == "aten.leaky_relu"]
    assert slopes == [0.01, 0.5, 0.01]
    assert [c.call_number for c in found[3].calls if c.path == "body.0"] == [1, 2, 3]


def test_a_global_hook_of_the_user_sees_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a global module hook registered, a module's children are called, not replayed."""
    source = api.resolve("resnet18")
    api.trace_source(source)
    api.trace_source(source)  # notes for the next trace
    seen: list[nn.Module] = []
    handle = nn.modules.module.register_module_forward_hook(lambda m, a, o: seen.append(m))
    try:
        trace = api.trace_source(source)
    finally:
        handle.remove()
    assert len(seen) == len(trace.calls) > len(list(source.module.modules()))  # a ReLU called twice


def test_a_setting_that_cannot_be_keyed_is_traced_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tuple setting holding a list cannot be hashed: the layer runs through dispatch, the trace
    does not fail, and the records are those of replay off."""
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3), nn.Conv2d(4, 4, 3))
    for conv in (model[2], model[3]):
        conv.kernel_size = (3, [3])  # read by no forward, but part of the layer's settings
    found = traces(api.resolve(model), monkeypatch, input_size=(3, 12, 12))
    assert_same("unhashable", found)
