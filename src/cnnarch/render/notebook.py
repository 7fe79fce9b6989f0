"""A report in a notebook (``_repr_html_``) or through ``rich.print(report)``: the summary
table and its footer, as the terminal shows them."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnnarch.report import Report

HTML_WIDTH = 160
"""Characters per line of the HTML table (a notebook cell is wider than a terminal)."""


def renderables(report: Report, width: int = HTML_WIDTH) -> list[Any]:
    from cnnarch.render import summary

    return summary.renderables(report, width)


def html(report: Report) -> str:
    from rich.console import Console

    console = Console(record=True, width=HTML_WIDTH, file=io.StringIO())
    for part in renderables(report):
        console.print(part)
    return console.export_html(inline_styles=True)
