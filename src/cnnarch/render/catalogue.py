"""Catalogue entries (``cnnarch list``) as a ``Document`` (``render/table.py``) or JSON.

No torch here: listing the catalogue reads data only. Figures cnnarch computes (``--computed``)
arrive as plain ``Computed`` records, keyed by entry name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console

from cnnarch.catalogue.computed import Computed
from cnnarch.catalogue.spec import ModelSpec, Published
from cnnarch.render import table, units
from cnnarch.render.table import Block, Column, ColumnTable, Document, Notes

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


def _csv_number(value: float | None) -> int | float | str:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


CSV = frozenset({"csv"})
MARKDOWN = frozenset({"markdown"})
TERMINAL = frozenset({"table"})


def _computed_csv(key: str, computed: Mapping[str, Computed]) -> Column[ModelSpec]:
    def value(s: ModelSpec) -> Any:
        c = computed.get(s.name)
        if c is None or c.error:
            return ""
        return shape_text(c.output_shape) if key == "output_shape" else getattr(c, key)

    return Column(key, key, str, value=value, outputs=CSV)


def csv_columns(computed: Mapping[str, Computed] | None) -> list[Column[ModelSpec]]:
    """Every catalogue field, the published figures and their sources one per column."""
    columns: list[Column[ModelSpec]] = [
        Column("name", "", lambda s: s.name),
        Column("aliases", "", lambda s: " ".join(s.aliases)),
        Column("family", "", lambda s: s.family),
        Column("year", "", str, value=lambda s: s.year),
        Column("task", "", lambda s: s.task),
        Column("input", "", lambda s: shape_text(s.input)),
        Column("num_classes", "", str, value=lambda s: s.num_classes),
        *(Column(f"published_{k}", "", str, value=lambda s, k=k: _csv_number(published_figure(s, k)[0]))
          for k in FIGURES),
        *(Column(f"published_{k}_source", "", str, value=lambda s, k=k: published_figure(s, k)[1] or "")
          for k in FIGURES),
        Column("published", "", lambda s: "; ".join(published_text(p) for p in s.published)),
        Column("paper", "", lambda s: s.paper),
        Column("source", "", lambda s: s.source),
        Column("notes", "", lambda s: s.notes),
        Column("torchvision", "", lambda s: s.torchvision or ""),
    ]  # fmt: skip
    if computed:
        columns += [_computed_csv(k, computed) for k in ("params", "macs", "output_shape")]
    return [Column(c.key, c.header, c.cell, value=c.value, outputs=CSV) for c in columns]


def _md(text: str) -> str:
    return text.replace("\n", " ")


def markdown_columns(computed: Mapping[str, Computed] | None) -> list[Column[ModelSpec]]:
    """One row per entry; with ``computed``, cnnarch's own parameter and MAC counts at the default
    input stand beside the published figures (the percentage is their difference)."""
    columns: list[Column[ModelSpec]] = [
        Column("name", "Name", lambda s: f"`{s.name}`" + (
            f" ({', '.join(f'`{a}`' for a in s.aliases)})" if s.aliases else "")),
        Column("paper", "Paper", lambda s: _md(f"{s.paper}, {s.year}")),
        Column("task", "Task", lambda s: s.task),
        Column("input", "Input", lambda s: shape_text(s.input)),
        Column("num_classes", "Classes", lambda s: "" if s.num_classes is None else str(s.num_classes)),
    ]  # fmt: skip
    if computed:
        columns += [
            Column("params", "Params (cnnarch)", lambda s: computed_text("params", s, computed.get(s.name))),
            Column("macs", "MACs (cnnarch)", lambda s: computed_text("macs", s, computed.get(s.name))),
        ]
    columns += [
        Column("published", "Published", lambda s: _md("<br>".join(published_text(p) for p in s.published))),
        Column("follows", "Follows; deviations", lambda s: _md(
            f"Follows {s.source}. {s.notes}" if s.notes else f"Follows {s.source}.")),
    ]  # fmt: skip
    return [Column(c.key, c.header, c.cell, outputs=MARKDOWN) for c in columns]


WIDE = 170
"""Console width from which the table also shows the figures' sources and the notes."""
MEDIUM = 120
"""Console width from which it shows family and year."""


def terminal_columns(
    width: int, computed: Mapping[str, Computed] | None, single: bool
) -> list[Column[ModelSpec]]:
    """The catalogue at a glance: a narrow console gets fewer columns rather than unreadable
    ones (family and year from ``MEDIUM``, the figures' sources and shortened notes from
    ``WIDE``; a listing of one entry prints everything below its row)."""
    extra = 32 if computed else 0
    medium, wide = width >= MEDIUM + extra, width >= WIDE + extra and not single
    columns: list[Column[ModelSpec]] = [Column("name", "Name", names_text, wrap=True)]
    if medium:
        columns += [
            Column("family", "Family", lambda s: s.family),
            Column("year", "Year", lambda s: str(s.year)),
        ]
    columns += [
        Column("task", "Task", lambda s: s.task),
        Column("input", "Input", lambda s: shape_text(s.input)),
        Column("num_classes", "Classes", lambda s: "" if s.num_classes is None else str(s.num_classes)),
    ]
    if computed:
        columns += [
            Column("params", "Params\n(cnnarch)", lambda s: computed_text("params", s, computed.get(s.name)),
                   numeric=True),
            Column("macs", "MACs\n(cnnarch)", lambda s: computed_text("macs", s, computed.get(s.name)),
                   numeric=True),
        ]  # fmt: skip
    headers = {"params": "Published\nparams", "macs": "Published\nMACs", "top1": "Top-1", "top5": "Top-5"}
    columns += [
        Column(
            f"published_{k}",
            headers[k],
            lambda s, k=k: figure_text(k, published_figure(s, k)[0]),
            numeric=True,
        )
        for k in FIGURES
    ]
    if wide:
        columns += [
            Column("sources", "Figures from", lambda s: "; ".join(figure_sources(s)), wrap=True),
            Column("note", "Note", lambda s: short_note(s.notes), wrap=True),
        ]
    return [
        Column(c.key, c.header, c.cell, numeric=c.numeric, wrap=c.wrap, outputs=TERMINAL) for c in columns
    ]


def document(
    specs: Sequence[ModelSpec], computed: Mapping[str, Computed] | None = None, width: int = 200
) -> Document:
    """Everything ``list`` prints, in every format; ``width`` is the terminal's."""
    extra = 32 if computed else 0
    single = len(specs) == 1
    medium, wide = width >= MEDIUM + extra, width >= WIDE + extra and not single
    title = f"{len(specs)} architecture{'s' if len(specs) != 1 else ''}"
    blocks: list[Block] = [
        ColumnTable(terminal_columns(width, computed, single), specs, title=title, outputs=TERMINAL,
                    pad_title=False),
        ColumnTable(markdown_columns(computed), specs, outputs=MARKDOWN),
        ColumnTable(csv_columns(computed), specs, outputs=CSV),
    ]  # fmt: skip
    notes = []
    if computed:
        notes.append(
            "cnnarch's counts at the default input, batch 1; (±x%): their difference from the "
            "published figure."
        )
    if not wide and not single:
        left_out = "sources of the figures and notes" if medium else "family, year, sources and notes"
        notes.append(
            f"A console narrower than {WIDE + extra} columns leaves out the {left_out}: "
            "--format markdown or json shows everything."
        )
    if single:
        notes += details(specs[0])
    elif wide and any(short_note(s.notes) != s.notes for s in specs):
        notes.append(
            "Notes are shortened (…): 'cnnarch list NAME' shows an entry in full, "
            "--format markdown or json shows them all."
        )
    blocks.append(Notes(notes, outputs=TERMINAL))
    return Document(blocks, json=lambda: to_json(specs, computed))


def to_csv(specs: Sequence[ModelSpec], computed: Mapping[str, Computed] | None = None) -> str:
    return table.to_csv(document(specs, computed).csv())


def to_markdown(specs: Sequence[ModelSpec], computed: Mapping[str, Computed] | None = None) -> str:
    return table.to_markdown(document(specs, computed))


def print_table(
    specs: Sequence[ModelSpec], console: Console, computed: Mapping[str, Computed] | None = None
) -> None:
    table.print_document(document(specs, computed, console.width), console)


def details(spec: ModelSpec) -> list[str]:
    """Everything the catalogue knows about one entry, below its row."""
    lines = [f"Paper: {spec.paper}, {spec.year}", f"Follows: {spec.source}"]
    lines += [f"Published: {published_text(p)}" for p in spec.published]
    if spec.notes:
        lines.append(f"Notes: {spec.notes}")
    if spec.torchvision:
        lines.append(f"Identical to torchvision.models.{spec.torchvision}")
    if spec.options:
        lines.append(f"Builder options: {', '.join(spec.options)}")
    return lines
