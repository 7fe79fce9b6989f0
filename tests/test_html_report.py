"""``cnnarch report`` and ``compare --html``: one self-contained page whose figures are
PyTorch's own, for catalogue, layer-list and file models; bad requests fail in one line."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
import torch

from cnnarch.catalogue import build, get_spec
from tests.conftest import flop_counter_macs, numel, on_meta, run

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


class Page(HTMLParser):
    """The parts of a page the tests read: every URL it would load, ids, table rows and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._cell = False
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for key in ("src", "href", "xlink:href", "data", "poster"):
            if values.get(key) and not values[key].startswith("#"):
                self.urls.append(values[key])
        if "id" in values:
            self.ids.append(values["id"])
        if (
            tag == "tr"
            and values.get("id", "").endswith(tuple("0123456789"))
            and "-layer-" in values.get("id", "")
        ):
            self._row = values["id"]
            self.rows[self._row] = []
        elif tag == "td" and self._row:
            self.rows[self._row].append("")
            self._cell = True

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        elif tag == "td":
            self._cell = False

    def handle_data(self, data):
        self.text.append(data)
        if self._row and self._cell:
            self.rows[self._row][-1] += data


def numbers(text: str) -> int:
    return int(text.split()[0].replace(",", ""))


@pytest.fixture(scope="module")
def alexnet_page(tmp_path_factory):
    target = tmp_path_factory.mktemp("report") / "alexnet.html"
    code, _, err = run("report", "alexnet", "-o", str(target))
    assert code == 0, err
    return target.read_text()


@needs_dot
def test_self_contained(alexnet_page):
    page = Page(alexnet_page)
    assert page.urls == ["data:,"]  # the empty favicon, inline: nothing is fetched
    assert "<style>" in alexnet_page and "<script>" in alexnet_page and "<svg" in alexnet_page
    assert "http://" not in re.sub(r'xmlns(:xlink)?="http://www.w3.org/[^"]+"', "", alexnet_page)
    assert len(page.ids) == len(set(page.ids)), "element ids repeat"


@needs_dot
def test_figures_are_pytorchs(alexnet_page):
    """The table's rows carry the modules' own output shapes and parameter counts; the totals
    are sum(p.numel()) and FlopCounterMode's MACs."""
    page = Page(alexnet_page)
    model = on_meta(build, get_spec("alexnet"))
    assert f"{numel(model):,}" in alexnet_page
    assert f"{flop_counter_macs(model, (1, 3, 227, 227)):,}" in alexnet_page
    shapes = {}

    def record(name):
        def hook(module, inputs, output):
            shapes.setdefault(name, list(output.shape))

        return hook

    leaves = {n: m for n, m in model.named_modules() if not list(m.children())}
    for name, module in leaves.items():
        module.register_forward_hook(record(name))
    model(torch.empty(1, 3, 227, 227, device="meta"))
    by_name = {cells[1]: cells for cells in page.rows.values()}
    checked = 0
    for name, shape in shapes.items():
        cells = by_name[name]
        lecture = f"[?, {', '.join(map(str, [*shape[2:], shape[1]]))}]"
        assert cells[3] == lecture
        assert numbers(cells[5]) == sum(p.numel() for p in leaves[name].parameters())
        checked += 1
    assert checked == len(page.rows) == 23  # every row is a leaf module here


@needs_dot
def test_sections_present(alexnet_page):
    text = " ".join(Page(alexnet_page).text)
    for words in (
        "Totals", "Diagram", "Layers", "Activations alive during the forward pass",
        "What a forward pass and a training step need", "FLOP conventions side by side",
        "FLOPs (fvcore)", "MACs (thop)", "Provenance and published figures", "Krizhevsky et al. 2012",
        "(227 − 11 + 2·0)/4 + 1 = 55",
    ):  # fmt: skip
        assert words in text, words


@needs_dot
def test_layer_list_and_file_sources(tmp_path):
    model_file = tmp_path / "tiny.py"
    model_file.write_text(
        "import torch.nn as nn\n"
        "class Tiny(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.a = nn.Conv2d(3, 8, 3)\n"
        "        self.b = nn.Conv2d(3, 8, 3)\n"
        "    def forward(self, x):\n"
        "        return self.a(x) + self.b(x)\n"
    )
    target = tmp_path / "page.html"
    code, _, err = run("report", f"{model_file}:Tiny", "--input", "3x32x32", "-o", str(target))
    assert code == 0, err
    page = Page(target.read_text())
    names = [cells[1] for cells in page.rows.values()]
    assert names == ["a", "b", "add"]
    assert "Provenance" not in page.text  # no catalogue entry, no provenance
    code, _, err = run("report", "conv 16 k3 > relu > maxpool k2 s2 > flatten > fc 10", "--input", "3x32x32",
                       "-o", str(target))  # fmt: skip
    assert code == 0, err
    page = Page(target.read_text())
    params = [numbers(cells[5]) for cells in page.rows.values()]
    assert params[0] == 16 * 3 * 3 * 3 + 16 and params[-1] == 16 * 15 * 15 * 10 + 10


def test_ops_without_a_rule_are_not_shown_as_zero(tmp_path):
    """A row running torch.cumsum (no MAC rule) says "not counted" in the MACs column and the
    total is marked partial; the counted row and the total keep FlopCounterMode's count."""
    source = tmp_path / "cum.py"
    source.write_text(
        "import torch\n"
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 8, 3)\n"
        "    def forward(self, x):\n"
        "        return torch.cumsum(self.conv(x), dim=1)\n"
    )
    target = tmp_path / "page.html"
    code, _, err = run("report", f"{source}:Net", "--input", "3x16x16", "-o", str(target), "--no-diagram")
    assert code == 0, err
    html = target.read_text()
    page = Page(html)
    macs = [cells[6] for cells in page.rows.values()]
    conv = flop_counter_macs(torch.nn.Conv2d(3, 8, 3), (1, 3, 16, 16))
    assert macs == [f"{conv:,}", "not counted"]
    assert "".join(page.text).count(f"{conv:,} + not counted") == 2  # the card and the table's total
    assert "aten.cumsum ×1" in html


@needs_dot
def test_compare_page(tmp_path):
    target = tmp_path / "cmp.html"
    code, _, err = run("compare", "lenet5", "alexnet", "--html", str(target))
    assert code == 0, err
    page = Page(target.read_text())
    assert page.text.count("Comparison") >= 1
    assert sum(1 for i in page.ids if i.endswith("-diagram")) == 2  # each model drawn
    assert len(page.ids) == len(set(page.ids))
    alexnet = on_meta(build, get_spec("alexnet"))
    assert f"{numel(alexnet):,}" in target.read_text()


@pytest.mark.parametrize(
    "args, words",
    [
        (["-o", "out.txt"], "end the name in .html"),
        (["-o", "nowhere/out.html"], "no such folder"),
        (["-o", "out.html", "--optimizer", "rmsprop"], "rmsprop"),
    ],
)
def test_bad_requests(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run("report", "alexnet", *args)
    assert code == 2 and words in err
    assert list(tmp_path.iterdir()) == []


def test_missing_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, err = run("report", "alexnet", "-o", str(tmp_path / "a.html"))
    assert code == 2 and "apt-get install graphviz" in err and "--no-diagram" in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
    code, _, err = run("report", "lenet5", "-o", str(tmp_path / "a.html"), "--no-diagram")
    assert code == 0, err
    assert "<svg" in (tmp_path / "a.html").read_text()  # the memory chart is SVG too
    assert "the diagram was left out" in (tmp_path / "a.html").read_text()


def test_templates_ship_with_the_package():
    from importlib.resources import files

    templates = files("cnnarch.html_report") / "templates"
    names = {p.name for p in templates.iterdir()}
    assert {
        "base.html.j2",
        "report.html.j2",
        "compare.html.j2",
        "model.html.j2",
        "report.css",
        "report.js",
    } <= names


def test_every_template_ships_in_the_wheel():
    """pyproject.toml's package-data globs cover every file in templates/ (a new template left
    out would work from a checkout and fail once installed)."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib")
    from tests.conftest import ROOT

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "cnnarch.html_report"
    ]
    folder = ROOT / "src" / "cnnarch" / "html_report" / "templates"
    for path in folder.iterdir():
        name = f"templates/{path.name}"
        assert any(fnmatch.fnmatch(name, glob) for glob in globs), f"{name} is not package data"


def test_exact_shapes_are_not_divided_into_samples(tmp_path):
    """With ``--input =2x3x224x224`` no batch axis is known: the published-figures table gives
    the whole input's MACs and sets no percentage against the papers' per-sample counts; with a
    batch of 2 it divides by 2 and agrees with FlopCounterMode's count of one sample."""
    exact, batched = tmp_path / "exact.html", tmp_path / "batched.html"
    for args, page in ((["--input", "=2x3x224x224"], exact), (["--input", "224", "--batch", "2"], batched)):
        code, _, err = run("report", "alexnet-owt", *args, "--no-diagram", "-o", str(page))
        assert code == 0, err

    def published(page) -> str:
        html = page.read_text()
        return html[html.index('class="published"') : html.index("a paper may count at another size")]

    one_sample = flop_counter_macs(on_meta(build, get_spec("alexnet-owt")), (1, 3, 224, 224))
    whole = published(exact).count("(whole input)")
    assert whole >= 1  # each paper's MACs row: the whole input's count, no percentage
    assert published(exact).count("%)</span>") == published(batched).count("%)</span>") - whole
    assert "not set against the papers" in published(exact)
    assert f"the page's {2 * one_sample:,} for the batch of 2, divided by 2" in published(batched)
