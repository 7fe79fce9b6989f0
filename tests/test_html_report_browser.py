"""The HTML report in a real browser: Debian's Chromium driven by Playwright (pointed at the
installed browser, never downloading one). No console errors, the table sorts by MACs on a
click and filters by a typed layer name, the diagram shows, the page fits a phone, prints
without its controls and reads without JavaScript. Skipped, saying why, where no browser is."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cnnarch.catalogue import names

playwright = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)
CHROMIUM = os.environ.get("CNNARCH_CHROMIUM") or next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))),
    None,
)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]
MACS = 6
"""The MACs column of the layer table."""


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def write_page(model: str, folder: Path, **options) -> Path:
    from cnnarch.html_report import write_report

    path = folder / f"{model}.html"
    write_report(model, path, **options)
    return path


def open_page(browser, path: Path, **context):
    """A page with every console error, script error and failed request collected."""
    page = browser.new_context(**context).new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def visible_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "table.layers tbody tr:not([hidden])",
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))",
    )


def sort_keys(page, column: int) -> list[float]:
    return page.eval_on_selector_all(
        "table.layers tbody tr",
        f"rows => rows.map(r => parseFloat(r.cells[{column}].getAttribute('data-sort')))",
    )


def test_sort_filter_and_diagram(browser, tmp_path):
    page, problems = open_page(
        browser, write_page("alexnet", tmp_path), viewport={"width": 1280, "height": 900}
    )
    before = sort_keys(page, MACS)
    page.get_by_role("button", name="MACs").click()
    after = sort_keys(page, MACS)
    assert after == sorted(before, reverse=True)
    assert page.get_attribute("table.layers thead th:nth-child(7)", "aria-sort") == "descending"
    assert visible_rows(page)[0][1] == "conv2"  # 223,948,800 MACs: AlexNet's costliest layer
    page.get_by_role("button", name="MACs").click()
    assert sort_keys(page, MACS) == sorted(before)

    page.fill("input[type=search]", "fc")
    rows = visible_rows(page)
    assert [r[1] for r in rows] == ["fc8", "fc7", "fc6"]  # in the current order: ascending MACs
    assert page.text_content(".shown") == "3 of 23 rows"
    page.fill("input[type=search]", "")
    assert len(visible_rows(page)) == 23

    diagram = page.locator("figure.diagram svg")
    assert diagram.is_visible()
    box = diagram.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    assert page.locator("figure.diagram svg g.node").count() == 24  # 23 layers and the input

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert problems == []


def test_box_links_to_its_row(browser, tmp_path):
    page, problems = open_page(browser, write_page("lenet5", tmp_path))
    page.locator("#lenet5-svg-L0 polygon").click()  # the first layer's box
    assert page.evaluate("location.hash") == "#lenet5-layer-0"
    assert page.locator("#lenet5-layer-0").is_visible()
    assert problems == []


def test_phone_width_print_and_no_javascript(browser, tmp_path):
    path = write_page("resnet18", tmp_path, depth=2)
    page, problems = open_page(browser, path, viewport={"width": 390, "height": 844}, is_mobile=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, "the page scrolls sideways on a phone (wide tables scroll inside their box)"
    page.emulate_media(media="print")
    assert not page.locator(".controls").is_visible()
    assert problems == []

    page, problems = open_page(browser, path, java_script_enabled=False)
    assert not page.locator(".controls").is_visible()  # no filter box that cannot work
    assert len(visible_rows(page)) == page.locator("table.layers tbody tr").count() > 10
    assert problems == []


@pytest.mark.slow
@pytest.mark.parametrize("model", names())
def test_every_catalogue_report_loads_cleanly(browser, tmp_path, model):
    page, problems = open_page(browser, write_page(model, tmp_path, depth=2))
    assert problems == []
    assert page.locator("figure.diagram svg").is_visible()
    page.context.close()
