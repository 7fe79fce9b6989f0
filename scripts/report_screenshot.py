"""Write docs/images/report.png, AlexNet's HTML report in headless Chromium (the system's
browser, driven by Playwright), and docs/images/resnet-block.svg, the README's drawing (the
Pictures page draws its own at every docs build; the README needs a file in the repository).

    .venv/bin/python scripts/report_screenshot.py [--browser /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "images" / "report.png")
    args = parser.parse_args()
    if not args.browser:
        raise SystemExit("no Chromium found: apt-get install chromium, or give --browser")
    from playwright.sync_api import sync_playwright

    from cnnarch.html_report import write_report

    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "alexnet.html"
        write_report("alexnet", page_path)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=args.browser, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1250}, device_scale_factor=1)
            page.goto(page_path.as_uri())
            page.get_by_role("button", name="MACs").click()  # the table sorted by MACs, as a reader would
            page.evaluate("document.getElementById('alexnet-layers').scrollIntoView()")
            page.screenshot(path=str(args.output), full_page=False)
            browser.close()
    print(f"wrote {args.output}")
    from cnnarch.draw.gallery import PICTURES, draw

    block = next(p for p in PICTURES if p.file == "resnet-block.svg")
    drawing = args.output.parent / block.file
    drawing.write_text(draw(block))
    print(f"wrote {drawing}")


if __name__ == "__main__":
    main()
