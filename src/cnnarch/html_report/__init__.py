"""The whole analysis in one self-contained HTML page (``cnnarch report``, ``compare --html``):
``build`` gathers plain data (``page``) from traces, ``render`` fills Jinja2 templates with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_compare", "write_report"]


def write_report(model: Any, path: Path, input_size: Any = None, **options: Any) -> None:
    """Analyse ``model`` and write its page to ``path`` (whole, or not at all)."""
    from cnnarch.draw.output import write_atomic
    from cnnarch.html_report.build import model_page
    from cnnarch.html_report.render import model_html

    write_atomic(path, model_html(model_page(model, input_size, **options)))


def write_compare(comparison: Any, path: Path, **options: Any) -> None:
    """A page with ``comparison``'s table and each model's full section, at the input each ran."""
    from cnnarch.draw.output import write_atomic
    from cnnarch.html_report.build import compare_page, model_page, slug
    from cnnarch.html_report.render import compare_html

    pages = []
    for i, (name, shape) in enumerate(zip(comparison.models, comparison.inputs, strict=True)):
        pages.append(model_page(name, tuple(shape), key=f"m{i}-{slug(name)}", **options))
    write_atomic(path, compare_html(compare_page(comparison, pages)))
