"""Tables fit the terminal by leaving columns out, never by breaking a figure across lines
(issue 15: at 80 columns ``summary alexnet`` printed ``34,94`` / ``4``)."""

from __future__ import annotations

import io
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from cnnarch import analyze
from cnnarch.render import compare as compare_render
from cnnarch.render import grid, table
from cnnarch.render import summary as summary_render


@cache
def _report():
    return analyze("googlenet", memory=True, optimizer=None)


@cache
def _comparison():
    from cnnarch.compare import compare

    return compare(["alexnet", "vgg16", "resnet18"], optimizer=None)


def _printed(document: table.Document, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    table.print_document(document, console)
    return console.file.getvalue().splitlines()


def _check(document: table.Document, width: int) -> None:
    lines = _printed(document, width)
    for block in document.tables:
        boxes = table.terminal_table(block, width)[0].plain.splitlines()[1:]  # below the title
        assert all(line in lines or line.rstrip() in lines for line in boxes)  # as printed
        columns = block.shown("table")
        cells = [[(c.styled(r).plain if c.styled else c.cell(r)) for c in columns] for r in block.rows]
        fit = grid.layout(
            [grid.Column(c.header, wrap=c.wrap, fold=c.fold, drop=c.drop) for c in columns], cells, width
        )
        kept = [i for i, c in enumerate(columns) if not c.drop]
        floor = grid.layout(
            [grid.Column(columns[i].header, wrap=columns[i].wrap, fold=columns[i].fold) for i in kept],
            [[row[i] for i in kept] for row in cells],
            0,
        )
        if sum(floor.widths) + 3 * len(kept) + 1 <= width:
            assert all(len(line) <= width for line in boxes), width  # it fits
        for i in fit.shown:
            if columns[i].wrap and columns[i].fold:
                continue
            for row in cells:  # every figure shown whole, on one line; a formula's words too
                for part in row[i].split() if columns[i].wrap else [row[i]]:
                    assert any(part in line for line in boxes), (width, columns[i].header, part)
        left_out = [columns[i].header for i in fit.dropped]
        if left_out:
            note = next(line for line in lines if "leaves out" in line)
            assert all(h in note for h in left_out) and "--format markdown or json" in note


@settings(max_examples=40, deadline=None)
@given(st.integers(40, 220))
def test_summary_fits_any_width_without_breaking_a_figure(width):
    _check(summary_render.document(_report()), width)


@settings(max_examples=25, deadline=None)
@given(st.integers(40, 220))
def test_compare_fits_any_width_without_breaking_a_figure(width):
    _check(compare_render.document(_comparison()), width)


def test_alexnet_at_80_and_100_columns_keeps_its_parameter_counts_whole():
    report = analyze("alexnet")
    for width in (80, 100):
        text = "\n".join(_printed(summary_render.document(report), width))
        assert "34,944" in text and "4,097,000" in text
        assert "leaves out" in text
    wide = "\n".join(_printed(summary_render.document(report), 200))
    assert "leaves out" not in wide and "Act. mem" in wide
