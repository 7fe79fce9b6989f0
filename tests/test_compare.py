"""``cnnarch compare``: the figures are summary's, best values and ratios are right, the derived
figures (depth, dense and convolution shares) agree with independent counts, and names are
checked before anything is traced."""

from __future__ import annotations

import csv
import io
import json

import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnnarch.api
from cnnarch.api import analyze
from cnnarch.catalogue import get_spec
from cnnarch.compare import FigureRow, compare, depth, mark_best
from cnnarch.render import compare as render
from tests.conftest import numel, on_meta, run


@pytest.fixture(scope="module")
def trio():
    """Three models with different defaults (alexnet 227, the others 224), training memory on."""
    return compare(["alexnet", "resnet18", "squeezenet1_0"], optimizer="sgd")


def test_every_figure_equals_what_summary_reports(trio):
    for i, name in enumerate(trio.models):
        report = analyze(name, memory=True, optimizer="sgd")
        t, m = report.totals, report.memory
        expected = {
            "params": t.params,
            "macs": t.macs,
            "flops": t.flops,
            "param_bytes": t.param_bytes,
            "activation_bytes": t.activation_bytes,
            "inference_peak_bytes": m.inference_peak_bytes,
            "inference_total_bytes": m.inference_total_bytes,
            "training_total_bytes": m.training_total_bytes,
            "input": "x".join(map(str, report.input_shape[1:])),
        }
        for key, value in expected.items():
            assert trio.row(key).values[i] == value, (name, key)
        spec = get_spec(name)
        for key in ("top1", "top5"):
            assert trio.row(key).values[i] == spec.published_value(key)
        last = [layer for layer in report.layers if len(layer.output_shape) == 4]
        last = [layer for layer in last if layer.output_shape[2] * layer.output_shape[3] > 1][-1]
        assert trio.row("receptive_field").values[i] == last.receptive_field
        assert trio.row("receptive_field").notes[i] == last.name


def test_json_figures_equal_summary_json():
    code, out, err = run("compare", "lenet5", "alexnet", "--format", "json", "--optimizer", "none")
    assert code == 0, err
    data = json.loads(out)
    for name in ("lenet5", "alexnet"):
        code, summary_out, _ = run("summary", name, "--format", "json")
        totals = json.loads(summary_out)["totals"]
        rows = {row["key"]: row for row in data["rows"]}
        for key in ("params", "macs", "flops", "param_bytes", "activation_bytes"):
            assert rows[key]["values"][name] == totals[key], (name, key)
    assert "training_total_bytes" not in rows


def test_figures_against_independent_counts(trio):
    # parameters: sum(p.numel()) of torchvision's identical builders; MACs: FlopCounterMode / 2
    for name, factory in (
        ("resnet18", torchvision.models.resnet18),
        ("squeezenet1_0", torchvision.models.squeezenet1_0),
    ):
        model = on_meta(factory)
        i = trio.models.index(name)
        assert trio.row("params").values[i] == numel(model)
        x = torch.empty(1, 3, 224, 224, device="meta")
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(x)
        assert trio.row("macs").values[i] == counter.get_total_flops() // 2
        conv = counter.get_flop_counts()["Global"][torch.ops.aten.convolution]
        assert trio.row("conv_mac_share").values[i] == pytest.approx(conv / counter.get_total_flops())
        linear = sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters())
        assert trio.row("dense_param_share").values[i] == pytest.approx(linear / numel(model))


@pytest.mark.parametrize(
    ("name", "factory"),
    [("vgg16", torchvision.models.vgg16), ("mobilenet-v2", torchvision.models.mobilenet_v2)],
)
def test_dense_share_and_weight_layers_against_torchvision_modules(name, factory):
    model = on_meta(factory)
    comparison = compare([name], optimizer=None)
    linear = sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters())
    assert comparison.row("dense_param_share").values[0] == pytest.approx(linear / numel(model))
    layers = sum(isinstance(m, nn.Conv2d | nn.Linear) for m in model.modules())
    assert comparison.row("weight_layers").values[0] == layers
    x = torch.empty(1, 3, 224, 224, device="meta")
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    conv = counter.get_flop_counts()["Global"][torch.ops.aten.convolution]
    assert comparison.row("conv_mac_share").values[0] == pytest.approx(conv / counter.get_total_flops())


def test_vgg16_classifier_holds_most_of_its_weights():
    share = compare(["vgg16"], optimizer=None).row("dense_param_share").values[0]
    # fc6 7·7·512·4096 + 4096, fc7 4096·4096 + 4096, fc8 4096·1000 + 1000, of 138,357,544
    dense = (7 * 7 * 512 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)
    assert share == pytest.approx(dense / 138_357_544)
    assert share > 0.89


@pytest.mark.parametrize(
    ("name", "paper_depth"),
    [
        ("alexnet", 8),  # Krizhevsky et al.: five convolutional and three fully-connected layers
        ("vgg16", 16),  # Simonyan & Zisserman, configuration D: 16 weight layers
        ("googlenet", 22),  # Szegedy et al.: "22 layers deep when counting only layers with parameters"
        ("resnet18", 18),
        ("resnet50", 50),  # He et al. Table 1: 50 layers, projection shortcuts not counted
        ("densenet121", 121),
    ],
)
def test_depth_is_the_papers_count_of_weight_layers_on_the_longest_path(name, paper_depth):
    assert depth(analyze(name)) == paper_depth


def test_best_values_follow_each_rows_direction():
    lower = FigureRow("params", "parameters", "count", [60, 7, None, 7], "lower")
    mark_best(lower)
    assert lower.best == [1, 3]  # ties both marked, a missing value never best
    assert lower.ratios == [1.0, 7 / 60, None, 7 / 60]
    higher = FigureRow("top1", "top-1", "percent", [59.3, None, 76.13], "higher")
    mark_best(higher)
    assert higher.best == [2]
    assert higher.differences[2] == pytest.approx(76.13 - 59.3)
    context = FigureRow("depth", "depth", "integer", [8, 16], None)
    mark_best(context)
    assert context.best == []
    alone = FigureRow("params", "parameters", "count", [5, None], "lower")
    mark_best(alone)
    assert alone.best == []  # one value: nothing to beat


def test_best_and_ratios_in_a_real_comparison(trio):
    for row in trio.rows:
        numbers = [v for v in row.values if isinstance(v, int | float)]
        if row.better and len(numbers) >= 2:
            best = (min if row.better == "lower" else max)(numbers)
            assert [row.values[i] for i in row.best] == [best] * len(row.best)
    params = trio.row("params").values
    squeeze = trio.models.index("squeezenet1_0")
    assert trio.row("params").ratios[squeeze] == params[squeeze] / params[0]
    text = render.relative_text(trio.row("params"), squeeze)
    assert text == f"{params[0] / params[squeeze]:.0f}x fewer"  # 60,965,224 / 1,248,424 = 48.8


def test_relative_text_wording():
    row = FigureRow(
        "params", "parameters", "count", [60_000_000, 5_000_000, 138_000_000, 60_100_000], "lower"
    )
    mark_best(row)
    assert [render.relative_text(row, i) for i in range(4)] == ["", "12x fewer", "2.3x more", "same"]
    memory = FigureRow("param_bytes", "parameter memory", "bytes", [100, 104], "lower")
    mark_best(memory)
    assert render.relative_text(memory, 1) == "1.04x larger"


def test_shares_near_all_or_nothing_are_not_rounded_to_it():
    row = FigureRow("conv_mac_share", "share", "share", [0.9997, 1.0, 0.0003, 0.0, 0.894])
    assert [render.value_text(row, v) for v in row.values] == ["99.97%", "100.0%", "0.03%", "0.0%", "89.4%"]


def test_each_model_runs_at_its_own_default_unless_input_is_given(trio):
    assert trio.inputs == [[3, 227, 227], [3, 224, 224], [3, 224, 224]]
    assert trio.row("input").values == ["3x227x227", "3x224x224", "3x224x224"]
    assert any("own default input" in note and "alexnet 3x227x227" in note for note in trio.notes)
    given = compare(["resnet18", "squeezenet1_0"], "160", optimizer=None)
    assert given.inputs == [[3, 160, 160], [3, 160, 160]]
    assert given.row("input").notes == ["--input", "--input"]
    for i, name in enumerate(given.models):
        assert given.row("macs").values[i] == analyze(name, "160").totals.macs
    # published accuracies hold at 224, not at --input 160: the comparison says so
    assert any("published accuracies" in note for note in given.notes)


def test_input_that_does_not_fit_names_the_model():
    code, _, err = run("compare", "resnet18", "alexnet", "--input", "224", "--optimizer", "none")
    assert code == 2
    assert err.startswith("error: alexnet: ") and "9,216" in err
    assert len(err.strip().splitlines()) == 1


def _no_trace(monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("traced before every name was checked")

    monkeypatch.setattr(cnnarch.api, "trace_source", refuse)
    return calls


def test_unknown_names_fail_before_any_analysis(monkeypatch):
    calls = _no_trace(monkeypatch)
    code, out, err = run("compare", "alexnet", "resnt50", "vgg16")
    assert code == 2 and out == ""
    assert "unknown model 'resnt50'" in err and "did you mean 'resnet50'?" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run("compare", "resnet5", "alexnet", "vgx")
    assert code == 2
    assert "'resnet5' (did you mean 'resnet50'?)" in err and "'vgx'" in err  # every unknown name
    assert calls == []


def test_bad_options_fail_before_any_analysis(monkeypatch, tmp_path):
    calls = _no_trace(monkeypatch)
    for argv, message in (
        (["--convention", "flopz"], "unknown convention 'flopz'"),
        (["--dtype", "fp8"], "unknown dtype 'fp8'"),
        (["--plot", str(tmp_path / "chart.jpg")], "end the name in .png, .svg or .pdf"),
        (["--plot", str(tmp_path / "missing" / "chart.png")], "no such folder"),
    ):
        code, _, err = run("compare", "alexnet", "vgg16", *argv)
        assert code == 2 and message in err, (argv, err)
    assert calls == []


def test_each_model_is_analysed_once(monkeypatch):
    traced = []
    original = cnnarch.api.trace_source

    def counting(source, *args, **kwargs):
        traced.append(source.name)
        return original(source, *args, **kwargs)

    monkeypatch.setattr(cnnarch.api, "trace_source", counting)
    comparison = compare(["lenet5", "lenet-5", "allcnn-model-a", "LeNet5"], optimizer=None)
    assert comparison.models == ["lenet5", "allcnn-model-a"]
    assert traced == ["lenet5", "allcnn-model-a"]
    assert any("analysed once" in note for note in comparison.notes)


def test_a_layer_list_beside_catalogue_names():
    text = "input 3x32x32 > conv 8 k3 > relu > gap > flatten > fc 10"
    comparison = compare([text, "lenet5"], optimizer=None)
    report = analyze(text)
    assert comparison.row("params").values[0] == report.totals.params == 3 * 9 * 8 + 8 + 8 * 10 + 10
    assert comparison.row("depth").values[0] == 2


def test_training_memory_that_cannot_be_computed_is_reported_not_zero():
    # batch norm after global pooling has one value per channel at batch 1: training refuses
    text = "input 3x32x32 > conv 8 k3 > gap > bn > flatten > fc 10"
    comparison = compare([text, "lenet5"], optimizer="adam")
    row = comparison.row("training_total_bytes")
    assert row.values[0] is None and row.values[1] > 0
    assert "Expected more than 1 value per channel" in row.notes[0]
    assert any(note.startswith("no training-step figure") for note in comparison.notes)
    t = analyze(text).totals
    assert (
        comparison.row("inference_total_bytes").values[0]
        == t.param_bytes + t.buffer_bytes + t.peak_activation_bytes
    )


def test_convention_row_uses_the_conventions_totals():
    from cnnarch.analysis import conventions

    comparison = compare(["resnet18", "squeezenet1_0"], optimizer=None, convention="fvcore")
    row = comparison.row("ops_fvcore")
    assert row.label == "FLOPs (fvcore)"
    for i, name in enumerate(comparison.models):
        assert row.values[i] == conventions.total(analyze(name, convention="fvcore"), "fvcore")
    assert row.values[0] > comparison.row("macs").values[0]  # fvcore adds batch norm
    assert "(as fvcore.nn.FlopCountAnalysis(model, x).total())" in render.to_markdown(comparison)
    assert not compare(["lenet5"], optimizer=None, convention="macs").has("ops_macs")


def test_formats(trio):
    data = json.loads(render.to_json(trio))
    rows = {row["key"]: row for row in data["rows"]}
    assert data["models"] == ["alexnet", "resnet18", "squeezenet1_0"]
    assert rows["params"]["best"] == ["squeezenet1_0"]
    assert rows["params"]["ratio_to_first"]["alexnet"] == 1.0
    assert rows["top1"]["notes"]["alexnet"] == "Krizhevsky et al. 2012"
    table = list(csv.reader(io.StringIO(render.to_csv(trio))))
    assert table[0] == ["key", "label", "unit", "better", *trio.models, "best"]
    params = next(r for r in table if r[0] == "params")
    assert [int(v) for v in params[4:7]] == trio.row("params").values and params[7] == "squeezenet1_0"
    markdown = render.to_markdown(trio)
    assert "| Figure | alexnet | resnet18 | squeezenet1_0 |" in markdown
    assert "**1.25M** (49x fewer) ★" in markdown


def test_cli_table_marks_best_and_says_which_input_each_used():
    code, out, err = run("compare", "alexnet", "squeezenet1_0", "--optimizer", "none")
    assert code == 0, err
    assert "3x227x227" in out and "3x224x224" in out
    assert "1.25M (49x fewer) ★" in out
    assert "against the first model, alexnet" in out  # the legend line explaining the marks
