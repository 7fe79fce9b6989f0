"""Models nobody on the team wrote, passed as objects or built by libraries: each class of model
that used to fail or be miscounted, checked against an independent oracle (unique
``sum(numel)`` by identity, FlopCounterMode on a real CPU forward pass, PyTorch's own shapes)."""

from __future__ import annotations

import copy
import functools

import pytest
import torch
import torch.nn.utils.prune as prune
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnarch import analyze
from cnnarch.api import analysis_of
from cnnarch.errors import CnnarchError, InputSpecError


def unique_numel(model: nn.Module) -> int:
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())


def cpu_macs(model: nn.Module, *inputs: torch.Tensor) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(*inputs)
    return counter.get_total_flops() // 2


class TiedLanguageModel(nn.Module):
    """A decoder that reuses the embedding matrix (``decoder.weight is encoder.weight``)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Embedding(1000, 64)
        self.mix = nn.Linear(64, 64)
        self.decoder = nn.Linear(64, 1000, bias=False)
        self.decoder.weight = self.encoder.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.mix(self.encoder(tokens)))


def test_a_tied_weight_is_counted_once_and_stays_tied_in_the_users_object():
    model = TiedLanguageModel()
    report = analyze(model, "16:int64")
    assert report.totals.params == unique_numel(model) == 64_000 + 64 * 64 + 64
    assert report.totals.macs == cpu_macs(model, torch.zeros(1, 16, dtype=torch.int64))
    assert model.decoder.weight is model.encoder.weight


def test_a_tied_weight_row_says_so_and_each_preset_attributes_it_as_its_tool():
    torchinfo = pytest.importorskip("torchinfo")
    from fvcore.nn import FlopCountAnalysis

    model = TiedLanguageModel()
    tokens = torch.zeros(1, 16, dtype=torch.int64)
    report = analyze(model, "16:int64", convention="torchinfo")
    decoder = next(layer for layer in report.layers if layer.name == "decoder")
    assert decoder.params == 0 and any("shared with encoder" in note for note in decoder.notes)
    live = torchinfo.summary(model, input_data=tokens, verbose=0)
    assert report.totals.ops_count == live.total_mult_adds  # torchinfo credits every module using it
    fvcore = FlopCountAnalysis(model, tokens).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    assert analyze(model, "16:int64", convention="fvcore").totals.ops_count == fvcore.total()


def test_the_users_module_is_unchanged_by_analyze():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    model(torch.randn(2, 3, 12, 12))  # materialise the lazy layer, run the BatchNorm once
    model.train()
    calls: list[str] = []
    handle = model[0].register_forward_hook(lambda *_: calls.append("hook"))
    before = {name: (t, t.detach().clone()) for name, t in model.state_dict(keep_vars=True).items()}
    hooks_before = {name: dict(m._forward_hooks) for name, m in model.named_modules()}
    report = analyze(model, (3, 12, 12))
    assert report.totals.params == unique_numel(model)
    after = model.state_dict(keep_vars=True)
    assert after.keys() == before.keys()
    for name, (tensor, values) in before.items():
        assert after[name] is tensor, name  # the same objects, not replacements
        assert tensor.device.type == "cpu" and torch.equal(tensor.detach(), values), name
    assert all(m.training for m in model.modules())
    assert {name: dict(m._forward_hooks) for name, m in model.named_modules()} == hooks_before
    handle.remove()


def test_a_pruned_module_is_analysed_and_its_masked_weights_reported():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3))
    prune.l1_unstructured(model[0], "weight", amount=0.5)
    x = torch.randn(1, 3, 16, 16)
    report = analyze(model, (3, 16, 16))
    assert report.totals.params == unique_numel(model)  # weight_orig in full, as every tool counts
    assert report.totals.macs == cpu_macs(model, x)
    masked = int((model[0].weight_mask == 0).sum())
    assert any(f"{masked:,} of {model[0].weight_mask.numel():,}" in note for note in report.notes)
    assert hasattr(model[0], "weight_orig")  # still pruned, untouched


@pytest.mark.parametrize("kind", ["script", "trace", "scripted-child"])
def test_torchscript_modules_are_analysed_with_a_real_forward_pass(kind):
    plain = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3))
    x = torch.randn(1, 3, 16, 16)
    if kind == "script":
        model = torch.jit.script(plain)
    elif kind == "trace":
        model = torch.jit.trace(plain, x)
    else:
        model = nn.Sequential(torch.jit.script(nn.Conv2d(3, 8, 3)), nn.ReLU(), nn.Conv2d(8, 4, 3))
    report = analyze(model, (3, 16, 16))
    assert report.totals.params == unique_numel(model)
    assert report.totals.macs == cpu_macs(model, x)
    assert any("TorchScript" in note for note in report.notes)


class DataDependent(nn.Module):
    """The output size depends on the values (``nonzero``): no meta tensor can say it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.head = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        kept = y.flatten(2).mean(-1)
        return self.head(kept[kept.sum(1) > -1e9])


def test_a_data_dependent_object_gets_the_real_forward_pass():
    model = DataDependent()
    report = analyze(model, (3, 16, 16))
    assert report.totals.params == unique_numel(model)
    assert report.totals.macs == cpu_macs(model, torch.randn(1, 3, 16, 16))
    assert any("real CPU forward" in note for note in report.notes)


def test_the_real_forward_pass_is_refused_over_the_memory_bound(monkeypatch):
    monkeypatch.setenv("CNNARCH_REAL_MEMORY", "1MB")
    with pytest.raises(CnnarchError, match=r"estimated at .* over the 1 MiB bound.*CNNARCH_REAL_MEMORY"):
        analyze(DataDependent(), (3, 256, 256), batch=8)


def test_a_bare_size_is_an_image_only_where_the_first_layer_is_a_convolution():
    embed = nn.Sequential(nn.Embedding(100, 8), nn.Flatten(), nn.Linear(80, 2))
    report = analyze(embed, 10)
    assert report.input_shape == [1, 10]  # ten token ids, int64, not a 3x10x10 image
    assert report.totals.macs == cpu_macs(embed, torch.zeros(1, 10, dtype=torch.int64))
    dense = nn.Linear(100, 8)
    assert analyze(dense, 100).input_shape == [1, 100]
    conv1d = nn.Sequential(nn.Conv1d(4, 8, 3))
    assert analyze(conv1d, 50).input_shape == [1, 4, 50]
    with pytest.raises(InputSpecError, match="full per-sample shape"):
        analyze(nn.LSTM(10, 20), 100)
    lstm = nn.LSTM(10, 20, batch_first=True)
    assert analyze(lstm, "5x10").input_shape == [1, 5, 10]


class MatMul(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a @ b


def test_exact_shapes_without_a_batch_axis_and_inputs_of_different_ranks():
    report = analyze(MatMul(), [(20, 10), (10, 100)], batch=None)
    assert report.input_shape == [20, 10]
    assert report.totals.macs == cpu_macs(MatMul(), torch.randn(20, 10), torch.randn(10, 100)) == 20_000


class TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 6)
        self.dense = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self.dense(x) + self.embed(tokens)


def test_each_input_may_carry_its_own_dtype_in_python():
    model = TwoInputs()
    report = analyze(model, [(4, 6), ((4,), torch.int64)])
    assert report.totals.macs == cpu_macs(model, torch.randn(1, 4, 6), torch.zeros(1, 4, dtype=torch.int64))
    with pytest.raises(CnnarchError):  # an embedding cannot index with floats
        analyze(model, [(4, 6), ((4,), torch.float32)])


def test_training_mode_runs_batchnorm_with_batch_statistics():
    from torch.utils._python_dispatch import TorchDispatchMode

    class Recorder(TorchDispatchMode):
        def __init__(self) -> None:
            super().__init__()
            self.training: list[bool] = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if "batch_norm" in str(func):
                self.training.append(bool(args[5]) if "no_training" not in str(func) else False)
            return func(*args, **(kwargs or {}))

    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    for mode in ("eval", "train"):
        analysis = analysis_of(model, (3, 8, 8), batch=2, mode=mode)
        recorded = [op.args["training"] for op in analysis.trace.ops if "batch_norm" in op.target]
        oracle = copy.deepcopy(model).train(mode == "train")
        with torch.no_grad(), Recorder() as seen:
            oracle(torch.randn(2, 3, 8, 8))
        assert recorded == seen.training == [mode == "train"]
        assert analysis.report.totals.params == unique_numel(model)
    assert model.training  # analyze did not change the user's flag (a new module trains)
    with pytest.raises(CnnarchError, match="unknown mode"):
        analyze(model, (3, 8, 8), mode="test")


FILE_MODELS = """
import torch
from torch import nn
import torch.nn.utils.prune as prune

pruned = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
prune.l1_unstructured(pruned[0], "weight", amount=0.5)
scripted = torch.jit.script(nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()))


def make(width=8):
    return nn.Sequential(nn.Conv2d(3, width or 4, 3))
"""


@pytest.mark.parametrize("name", ["pruned", "scripted"])
def test_pruned_and_scripted_objects_in_a_file_are_analysed(name, tmp_path):
    import importlib.util

    path = tmp_path / "models.py"
    path.write_text(FILE_MODELS)
    report = analyze(f"{path}:{name}", (3, 16, 16))
    spec = importlib.util.spec_from_file_location("oracle_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, name)
    assert report.totals.params == unique_numel(model)
    assert report.totals.macs == cpu_macs(model, torch.randn(1, 3, 16, 16))
    if name == "pruned":
        masked = int((model[0].weight_mask == 0).sum())
        assert any(f"{masked:,} of {model[0].weight_mask.numel():,}" in note for note in report.notes)


def test_a_json_null_reaches_the_builder(tmp_path):
    from tests.conftest import run

    path = tmp_path / "models.py"
    path.write_text(FILE_MODELS)
    given = analyze(f"{path}:make", (3, 16, 16), width=None)  # width None: the builder's `or 4`
    assert given.totals.params == 4 * 3 * 9 + 4
    code, out, err = run(
        "summary", f"{path}:make", "--input", "3x16x16", "--kwargs", '{"width": null}', "-f", "json"
    )
    assert code == 0, err
    import json

    assert json.loads(out)["totals"]["params"] == 4 * 3 * 9 + 4


def test_library_defaults_come_from_the_built_model_and_the_clip_length_from_metadata():
    torchvision = pytest.importorskip("torchvision")
    from cnnarch.api import resolve

    with torch.device("meta"):
        vit = torchvision.models.vit_h_14()
    assert resolve("torchvision:vit_h_14").default_input == (3, vit.image_size, vit.image_size)  # not 518
    meta = torchvision.models.video.MViT_V2_S_Weights.DEFAULT.meta  # metadata only, nothing downloaded
    assert resolve("torchvision:mvit_v2_s").default_input == (3, meta["min_temporal_size"], 224, 224)
    assert resolve("torchvision:r3d_18").default_input == (3, 16, 112, 112)
    report = analyze("torchvision:r3d_18", "3x8x64x64")
    assert report.input_shape == [1, 3, 8, 64, 64]


def test_a_builder_that_computes_with_tensors_is_built_and_says_how():
    torchvision = pytest.importorskip("torchvision")
    report = analyze("torchvision:regnet_x_400mf", 64)
    torch.manual_seed(0)
    model = torchvision.models.regnet_x_400mf().eval()
    assert report.totals.params == unique_numel(model)
    assert report.totals.macs == cpu_macs(model, torch.randn(1, 3, 64, 64))
    assert any("computes with tensors" in note for note in report.notes)


def test_weights_keywords_are_refused_and_none_is_passed_for_every_weights_argument(monkeypatch):
    torchvision = pytest.importorskip("torchvision")
    seen: dict[str, object] = {}
    real = torchvision.models.get_model_builder("fcn_resnet50")

    @functools.wraps(real)  # the builder's own signature, as cnnarch reads it
    def spy(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(torchvision.models, "get_model_builder", lambda name: spy)
    analyze("torchvision:fcn_resnet50", 64)
    assert seen["weights"] is None and seen["weights_backbone"] is None
    with pytest.raises(CnnarchError, match="without weights"):
        analyze("torchvision:fcn_resnet50", weights_backbone="DEFAULT")


class EmptyTensors(nn.Module):
    """Operations on zero-size tensors (a detection head with no boxes left does the same)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.head = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        empty = y[:, :, :0].reshape(0, 4)  # reshaping an empty tensor
        boxes = self.head(empty)  # a dense layer over no rows
        folded = y[:, :, :0].reshape(4, 6, 0).permute(2, 0, 1).reshape(0, 24)
        return y.mean() + boxes.sum() + torch.cat([empty, empty]).flatten().sum() + folded.sum()


def test_operations_on_empty_tensors_are_analysed():
    model = EmptyTensors()
    report = analyze(model, (3, 8, 8))
    assert report.totals.params == unique_numel(model)
    assert report.totals.macs == cpu_macs(model, torch.randn(1, 3, 8, 8))
    assert any(layer.output_shape == [0, 2] for layer in report.layers)
