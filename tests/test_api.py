"""The Python API: ``from cnnarch import analyze, list_models`` and the report object."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

import cnnarch
from cnnarch import analyze, list_models
from tests.conftest import run


def test_api_report_matches_the_cli_json():
    report = analyze("alexnet", 227)
    code, out, _ = run("summary", "alexnet", "--input", "227", "--format", "json")
    assert code == 0
    assert json.loads(report.to_json()) == json.loads(out)


def test_list_models_is_the_catalogue():
    names = list_models()
    assert "alexnet" in names and "resnet50" in names
    code, out, _ = run("list", "--format", "json")
    assert code == 0
    assert [entry["name"] for entry in json.loads(out)] == names


def test_report_to_dataframe():
    pd = pytest.importorskip("pandas")
    report = analyze("lenet5")
    frame = report.to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["name"]) == [layer.name for layer in report.layers]
    assert int(frame["params"].sum()) == report.totals.params


def test_report_repr_is_short_and_rich_renders_the_table():
    report = analyze("lenet5")
    assert (
        repr(report)
        == "Report(model='lenet5', input_shape=[1, 1, 32, 32], layers=12, params=61,706, macs=416,520)"
    )
    html = report._repr_html_()
    assert "c1" in html and "61,706" in html


def test_analyze_a_module_in_memory_leaves_it_untouched():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2)
    )
    before = [p.clone() for p in model.parameters()]
    report = analyze(model, (3, 32, 32))
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    assert all(
        p.device.type == "cpu" and torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True)
    )


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        cnnarch.nothing  # noqa: B018


def test_lazy_modules_get_their_shapes_from_the_input():
    model = nn.Sequential(nn.LazyConv2d(8, 3), nn.LazyBatchNorm2d(), nn.Flatten(), nn.LazyLinear(10))
    report = analyze(model, (3, 16, 16))
    materialised = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.Linear(8 * 14 * 14, 10)
    )
    assert report.totals.params == sum(p.numel() for p in materialised.parameters())
    assert [layer.params for layer in report.layers] == [224, 16, 0, 15690]
    assert isinstance(model[0].weight, nn.parameter.UninitializedParameter)  # the user's copy stays lazy


def test_the_report_is_plain_data_that_reads_back_unchanged():
    """What a cache stores: JSON text in, the same report out (memory and convention included)."""
    from cnnarch.report import Report

    report = analyze("resnet18", 64, memory=True, convention="fvcore")
    again = Report.from_data(json.loads(json.dumps(report.to_data())))
    assert again == report
    assert again.to_json() == report.to_json()
    assert again.count_label == "FLOPs (fvcore)" == report.counting.label


def test_one_analysis_feeds_the_report_and_the_explanation():
    """``analysis_of`` traces once; ``explain`` reads the same rows and receptive fields."""
    from cnnarch.api import analysis_of
    from cnnarch.explain import explain

    analysis = analysis_of("alexnet", 227)
    assert [row.name for row in analysis.rows] == [layer.name for layer in analysis.report.layers]
    explanation = explain(analysis, "conv1")
    rf = explanation.layer("conv1").step("Receptive").value
    assert rf == analysis.report.layer("conv1").receptive_field
    with pytest.raises(ValueError, match="without depth"):
        explain(analysis_of("resnet18", depth=2))
