"""The one-pass table ``cnnarch list`` draws: a rectangle of the requested width (where its
wrapping columns allow), every word of every cell kept, in the same layout rich's Table gives."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from cnnarch.render.grid import MIN_WRAP, Column, box_table

words = st.text(alphabet="abcdefghij-()%.", min_size=1, max_size=14)
cells = st.lists(words, min_size=0, max_size=6).map(" ".join)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[Column], list[list[str]], int]:
    n = draw(st.integers(1, 5))
    columns = [
        Column(draw(words), draw(st.sampled_from(["left", "right"])), draw(st.booleans())) for _ in range(n)
    ]
    rows = draw(st.lists(st.lists(cells, min_size=n, max_size=n), min_size=1, max_size=6))
    return columns, rows, draw(st.integers(20, 160))


def _body(text: str) -> list[str]:
    return text.split("\n")[1:]  # below the title


@settings(max_examples=200, deadline=None)
@given(tables())
def test_the_table_is_a_rectangle_that_fits_when_its_wrapping_columns_can_narrow(case):
    columns, rows, width = case
    lines = _body(box_table("t", columns, rows, width).plain)
    assert len({len(line) for line in lines}) == 1  # every line as wide as the borders
    fixed = sum(
        max(len(x) for x in (c.header, *(r[i] for r in rows))) for i, c in enumerate(columns) if not c.wrap
    )
    floor = sum(MIN_WRAP for c in columns if c.wrap)
    if fixed + floor + 3 * len(columns) + 1 <= width:
        assert len(lines[0]) <= width


@settings(max_examples=200, deadline=None)
@given(tables())
def test_every_word_of_every_cell_is_kept_in_order(case):
    columns, rows, width = case
    text = box_table("t", columns, rows, width).plain
    lines = text.split("\n")
    lines = lines[next(k for k, line in enumerate(lines) if line.startswith("┡")) + 1 :]  # the rows
    for i in range(len(columns)):
        shown = [line.split("│")[i + 1].strip() for line in lines if line.startswith("│")]
        joined = "".join("".join(part.split()) for part in shown)
        assert joined == "".join("".join(row[i].split()) for row in rows)


def test_the_layout_is_rich_tables_where_nothing_wraps():
    columns = [Column("Name", wrap=True), Column("Task"), Column("Published\nparams", "right")]
    rows = [["vgg16", "classification", "138.36M"], ["resnet50 (resnet-50)", "classification", "25.56M"]]
    table = Table(title="2 architectures", title_justify="left")
    table.add_column("Name", overflow="fold")
    table.add_column("Task", no_wrap=True)
    table.add_column("Published\nparams", justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(table)
    expected = [line.rstrip() for line in console.file.getvalue().splitlines()]
    assert box_table("2 architectures", columns, rows, 120).plain.split("\n") == expected
