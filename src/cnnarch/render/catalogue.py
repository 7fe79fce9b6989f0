"""Render catalogue entries (``cnnarch list``) as a rich table, JSON, CSV or Markdown.

No torch here: listing the catalogue reads data only. Figures cnnarch computes (``--computed``)
arrive as plain ``Computed`` records, keyed by entry name.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console

from cnnarch.catalogue.computed import Computed
from cnnarch.catalogue.spec import ModelSpec, Published
from cnnarch.render import units
from cnnarch.render.grid import Column, box_table

FIGURES = ("params", "macs", "top1", "top5")
"""Published figures, in column order."""

FIGURE_LABELS = {"params": "params", "macs": "MACs", "top1": "top-1", "top5": "top-5"}


def shape_text(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


def figure_text(key: str, value: float | None) -> str:
    """A published figure as printed: ``60M``, ``6.8M``, ``138.36M``, ``15.47G``, ``71.592%``."""
    if value is None:
        return ""
    if key in ("top1", "top5"):
        return f"{value:g}%"
    text = units.scaled(value, 2)
    digits, suffix = (text[:-1], text[-1]) if text[-1].isalpha() else (text, "")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return digits + suffix


def published_figure(spec: ModelSpec, key: str) -> tuple[float | None, str | None]:
    """The first published value of ``key`` and the source that printed it."""
    for p in spec.published:
        value = getattr(p, key)
        if value is not None:
            return value, p.source
    return None, None


def figure_sources(spec: ModelSpec) -> list[str]:
    """The sources of the figures shown in the table's columns, in column order."""
    sources: list[str] = []
    for key in FIGURES:
        _, source = published_figure(spec, key)
        if source and source not in sources:
            sources.append(source)
    return sources


def published_text(p: Published) -> str:
    """``Source: 138.36M params, 15.47G MACs, top-1 71.592% (note)``."""
    parts = []
    for key in FIGURES:
        value = getattr(p, key)
        if value is None:
            continue
        label = FIGURE_LABELS[key]
        text = figure_text(key, value)
        parts.append(f"{label} {text}" if key in ("top1", "top5") else f"{text} {label}")
    body = ", ".join(parts)
    if p.note:
        body = f"{body} ({p.note})" if body else p.note
    return f"{p.source}: {body}"


def names_text(spec: ModelSpec) -> str:
    return spec.name + (f" ({', '.join(spec.aliases)})" if spec.aliases else "")


SHORT_NOTE = 90
"""Characters of a note the table shows when it lists several entries."""


def short_note(text: str, limit: int = SHORT_NOTE) -> str:
    """The note's first sentence (a full stop before a capital: "Fig. 1" does not end one), cut
    at a word boundary near ``limit`` characters; ``…`` marks what was left out."""
    match = re.search(r"\.\s+(?=[A-Z])", text)
    short = text[: match.start() + 1] if match else text
    if len(short) > limit:
        short = short[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return short if short == text else short + " …"


def difference(computed: int, published: float | None) -> str:
    """``+1.6%``: how far cnnarch's count is from the published one."""
    if not published:
        return ""
    change = (computed - published) / published * 100
    return "=" if abs(change) < 0.05 else f"{change:+.1f}%"


def computed_text(key: str, spec: ModelSpec, computed: Computed | None) -> str:
    if computed is None:
        return ""
    if computed.error:
        return "error"
    value = computed.params if key == "params" else computed.macs
    published, _ = published_figure(spec, key)
    delta = difference(value, published)
    return units.scaled(value, 2) + (f" ({delta})" if delta else "")


def spec_dict(spec: ModelSpec, computed: Computed | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "family": spec.family,
        "paper": spec.paper,
        "year": spec.year,
        "task": spec.task,
        "input": list(spec.input),
        "num_classes": spec.num_classes,
        "source": spec.source,
        "notes": spec.notes,
        "torchvision": spec.torchvision,
        "options": list(spec.options),
        "published": [vars(p) for p in spec.published],
    }
    if computed is not None:
        data["computed"] = vars(computed)
    return data


def to_json(specs: Sequence[ModelSpec], computed: Mapping[str, Computed] | None = None) -> str:
    computed = computed or {}
    return json.dumps([spec_dict(s, computed.get(s.name)) for s in specs], indent=2)


CSV_COLUMNS = [
    "name", "aliases", "family", "year", "task", "input", "num_classes",
    *(f"published_{k}" for k in FIGURES), *(f"published_{k}_source" for k in FIGURES),
    "published", "paper", "source", "notes", "torchvision",
]  # fmt: skip


def _csv_number(value: float | None) -> int | float | str:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


def to_csv(specs: Sequence[ModelSpec], computed: Mapping[str, Computed] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = ["params", "macs", "output_shape"] if computed else []
    writer.writerow(CSV_COLUMNS + extra)
    for s in specs:
        figures = [published_figure(s, k) for k in FIGURES]
        row: list[Any] = [
            s.name, " ".join(s.aliases), s.family, s.year, s.task, shape_text(s.input), s.num_classes,
            *(_csv_number(value) for value, _ in figures),
            *(source or "" for _, source in figures),
            "; ".join(published_text(p) for p in s.published), s.paper, s.source, s.notes,
            s.torchvision or "",
        ]  # fmt: skip
        if computed:
            c = computed.get(s.name)
            ok = c is not None and not c.error
            row += [c.params if ok else "", c.macs if ok else "", shape_text(c.output_shape) if ok else ""]  # type: ignore[union-attr]
        writer.writerow(row)
    return buffer.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(specs: Sequence[ModelSpec], computed: Mapping[str, Computed] | None = None) -> str:
    """One row per entry; with ``computed``, cnnarch's own parameter and MAC counts at the default
    input stand beside the published figures (the percentage is their difference)."""
    header = ["Name", "Paper", "Task", "Input", "Classes"]
    if computed:
        header += ["Params (cnnarch)", "MACs (cnnarch)"]
    header += ["Published", "Follows; deviations"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in specs:
        cells = [
            f"`{s.name}`" + (f" ({', '.join(f'`{a}`' for a in s.aliases)})" if s.aliases else ""),
            f"{s.paper}, {s.year}",
            s.task,
            shape_text(s.input),
            "" if s.num_classes is None else str(s.num_classes),
        ]
        if computed:
            c = computed.get(s.name)
            cells += [computed_text("params", s, c), computed_text("macs", s, c)]
        cells += [
            "<br>".join(published_text(p) for p in s.published),
            f"Follows {s.source}. {s.notes}" if s.notes else f"Follows {s.source}.",
        ]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


WIDE = 170
"""Console width from which the table also shows the figures' sources and the notes."""
MEDIUM = 120
"""Console width from which it shows family and year."""


def print_table(
    specs: Sequence[ModelSpec], console: Console, computed: Mapping[str, Computed] | None = None
) -> None:
    """The catalogue at a glance. Notes are shortened to their first sentence (JSON, CSV and
    Markdown give them whole; a listing of one entry prints everything below its row), and a
    narrow console gets fewer columns rather than unreadable ones."""
    extra = 32 if computed else 0
    single = len(specs) == 1  # its sources and notes follow the table in full
    medium, wide = console.width >= MEDIUM + extra, console.width >= WIDE + extra and not single
    columns = [Column("Name", wrap=True)]
    if medium:
        columns += [Column("Family"), Column("Year")]
    columns += [Column("Task"), Column("Input"), Column("Classes")]
    if computed:
        columns += [Column("Params\n(cnnarch)", "right"), Column("MACs\n(cnnarch)", "right")]
    columns += [Column(f"Published\n{c}", "right") for c in ("params", "MACs")]
    columns += [Column("Top-1", "right"), Column("Top-5", "right")]
    if wide:
        columns += [Column("Figures from", wrap=True), Column("Note", wrap=True)]
    rows: list[list[str]] = []
    for s in specs:
        cells = [names_text(s)]
        if medium:
            cells += [s.family, str(s.year)]
        cells += [s.task, shape_text(s.input), "" if s.num_classes is None else str(s.num_classes)]
        if computed:
            c = computed.get(s.name)
            cells += [computed_text("params", s, c), computed_text("macs", s, c)]
        cells += [figure_text(k, published_figure(s, k)[0]) for k in FIGURES]
        if wide:
            cells += ["; ".join(figure_sources(s)), short_note(s.notes)]
        rows.append(cells)
    title = f"{len(specs)} architecture{'s' if len(specs) != 1 else ''}"
    console.print(box_table(title, columns, rows, console.width), soft_wrap=True, highlight=False)
    if computed:
        console.print(
            "cnnarch's counts at the default input, batch 1; (±x%): their difference from the "
            "published figure.",
            soft_wrap=True,
        )
    if not wide and not single:
        left_out = "sources of the figures and notes" if medium else "family, year, sources and notes"
        console.print(
            f"A console narrower than {WIDE + extra} columns leaves out the {left_out}: "
            "--format markdown or json shows everything.",
            soft_wrap=True,
        )
    if single:
        print_details(specs[0], console)
    elif wide and any(short_note(s.notes) != s.notes for s in specs):
        console.print(
            "Notes are shortened (…): 'cnnarch list NAME' shows an entry in full, "
            "--format markdown or json shows them all.",
            soft_wrap=True,
        )


def print_details(spec: ModelSpec, console: Console) -> None:
    """Everything the catalogue knows about one entry, below its row."""
    console.print(f"Paper: {spec.paper}, {spec.year}", soft_wrap=True, markup=False)
    console.print(f"Follows: {spec.source}", soft_wrap=True, markup=False)
    for p in spec.published:
        console.print(f"Published: {published_text(p)}", soft_wrap=True, markup=False)
    if spec.notes:
        console.print(f"Notes: {spec.notes}", soft_wrap=True, markup=False)
    if spec.torchvision:
        console.print(f"Identical to torchvision.models.{spec.torchvision}", markup=False)
    if spec.options:
        console.print(f"Builder options: {', '.join(spec.options)}", soft_wrap=True, markup=False)
