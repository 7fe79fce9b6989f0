"""Charts: files are valid images of a sensible size, the figures name the models and layers
they draw, and the bubble chart's labels do not overlap for the lectures' set."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import combinations, pairwise

import matplotlib.image
import pytest

import cnnarch.api
from cnnarch.api import analyze
from cnnarch.catalogue import is_known
from cnnarch.compare import compare
from cnnarch.plots import compare_bubble, layer_bars
from tests.conftest import run

LECTURES = [
    name
    for name in (
        "alexnet",
        "vgg16",
        "googlenet",
        "resnet50",
        "resnet152",
        "inception-v3",
        "mobilenet-v2",
        "squeezenet1_0",
        "densenet121",
    )
    if is_known(name)
]


@pytest.fixture(scope="module")
def lectures():
    return compare(LECTURES, optimizer=None)


def _texts(fig) -> list[str]:
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts]
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        found += [t.get_text() for t in ax.get_xticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            found += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    if fig._suptitle is not None:
        found.append(fig._suptitle.get_text())
    return found


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_bubble_chart_names_every_model_and_its_labels_do_not_overlap(lectures, tmp_path):
    path = tmp_path / "compare.png"
    fig = compare_bubble(lectures, path)
    ax = fig.axes[0]
    labels = {t.get_text(): t for t in ax.texts}
    with_top1 = [
        m for m, v in zip(lectures.models, lectures.row("top1").values, strict=True) if v is not None
    ]
    assert sorted(labels) == sorted(with_top1)
    missing = set(lectures.models) - set(with_top1)
    footer = " ".join(t.get_text() for t in fig.texts)
    assert all(name in footer for name in missing)  # a model without a top-1 is named, not dropped
    renderer = fig.canvas.get_renderer()
    boxes = {name: text.get_window_extent(renderer) for name, text in labels.items()}
    frame = ax.get_window_extent(renderer)
    for (a, box_a), (b, box_b) in combinations(boxes.items(), 2):
        assert not _overlaps(box_a, box_b), (a, b)
    for name, box in boxes.items():
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, name
    assert ax.get_xlabel() == "Operations (GMACs per image, log scale)"
    assert ax.get_ylabel() == "Published top-1 accuracy (%)"
    assert "Parameters" in _texts(fig) and ax.get_legend() is not None
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    assert 800 <= width <= 2000 and 500 <= height <= 1400
    assert path.stat().st_size < 400_000


def test_bubble_positions_are_the_comparisons_figures(lectures):
    fig = compare_bubble(lectures)
    ax = fig.axes[0]
    points = {t.get_text(): t.xy for t in ax.texts}
    for i, name in enumerate(lectures.models):
        if name in points:
            x, y = points[name]
            assert x == pytest.approx(lectures.row("macs").values[i] / 1e9)
            assert y == lectures.row("top1").values[i]
    sizes = ax.collections[0].get_sizes()
    params = [p for p, t in zip(lectures.row("params").values, lectures.row("top1").values, strict=True) if t]
    assert list(sizes / sizes.max()) == pytest.approx([p / max(params) for p in params])  # area ∝ params


def test_svg_and_pdf_files(lectures, tmp_path):
    svg = tmp_path / "compare.svg"
    compare_bubble(lectures, svg)
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    words = " ".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))
    for name in ("vgg16", "resnet50", "alexnet"):
        assert name in words
    pdf = tmp_path / "compare.pdf"
    compare_bubble(lectures, pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-32:] and len(data) > 5_000


def test_without_published_accuracy_the_chart_plots_parameters_against_macs(tmp_path):
    comparison = compare(["lenet5", "allcnn-model-a", "zfnet"], optimizer=None)
    comparison.rows = [row for row in comparison.rows if row.key not in ("top1", "top5")]
    fig = compare_bubble(comparison, tmp_path / "size.png")
    ax = fig.axes[0]
    assert {t.get_text() for t in ax.texts} == {"lenet5", "allcnn-model-a", "zfnet"}
    assert ax.get_ylabel() == "Parameters (millions, log scale)"
    assert fig._suptitle.get_text() == "Parameters against operations"


def test_layer_bars_show_every_layer_with_work(tmp_path):
    report = analyze("alexnet")
    path = tmp_path / "alexnet.png"
    fig = layer_bars(report, path)
    assert len(fig.axes) == 3
    ticks = [t.get_text() for t in fig.axes[2].get_xticklabels()]
    with_work = [
        layer.name for layer in report.layers if layer.params or layer.macs or layer.activation_bytes
    ]
    assert ticks == with_work and "fc6" in ticks and "conv1" in ticks
    heights = [patch.get_height() for patch in fig.axes[0].patches]
    assert heights == [layer.params for layer in report.layers if layer.name in with_work]
    assert [ax.get_ylabel() for ax in fig.axes] == ["Parameters", "MACs", "Activation memory (MiB)"]
    assert any("Linear" in t for t in _texts(fig))  # the legend of layer types
    image = matplotlib.image.imread(path)
    assert image.shape[1] >= 900 and image.shape[0] >= 700


def test_layer_bars_log_scale_and_tick_labels_that_fit():
    fig = layer_bars(analyze("resnet50"), log=True)
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[2].get_xticklabels()]
    assert len(boxes) > 20
    for a, b in pairwise(boxes):
        assert not _overlaps(a, b)


def test_cli_plot_options(tmp_path, monkeypatch):
    chart = tmp_path / "c.svg"
    code, _, err = run("compare", "lenet5", "alexnet", "--optimizer", "none", "--plot", str(chart))
    assert code == 0, err
    assert f"wrote {chart}" in err and "alexnet" in chart.read_text()
    bars = tmp_path / "s.png"
    code, _, err = run("summary", "lenet5", "--plot", str(bars), "--log")
    assert code == 0, err
    assert matplotlib.image.imread(bars).ndim == 3

    def refuse(*args, **kwargs):
        raise AssertionError("traced")

    monkeypatch.setattr(cnnarch.api, "trace_source", refuse)
    code, _, err = run("summary", "lenet5", "--plot", str(tmp_path / "s.gif"))
    assert code == 2 and "end the name in .png, .svg or .pdf" in err
