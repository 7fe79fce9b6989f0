"""``cnnarch list``: the catalogue, filtered by wildcard, family or task.

Listing reads data only and imports no torch; ``--computed`` builds every listed entry on the
meta device to add cnnarch's own counts.
"""

from __future__ import annotations

import difflib
from typing import Annotated

import typer

from cnnarch.cli import console
from cnnarch.cli.console import Format, write

PATTERN_HELP = (
    "Wildcard over names and aliases, e.g. 'resnet*'. Without * ? or [ ], an exact name shows that "
    "entry in full and anything else matches as a prefix (vgg = 'vgg*')."
)
COMPUTED_HELP = (
    "Also build each listed entry (meta device) and show cnnarch's parameters and MACs at its "
    "default input beside the published figures."
)


def _checked(kind: str, value: str | None, valid: set[str]) -> str | None:
    """``value`` if it names one of ``valid`` (case-insensitive); otherwise a user error."""
    from cnnarch.errors import CnnarchError

    if value is None:
        return None
    key = value.strip().lower()
    if key in valid:
        return key
    listing = ", ".join(sorted(valid))
    near = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.5)
    hint = f"did you mean {near[0]!r}? {kind} values: {listing}" if near else f"{kind} values: {listing}"
    raise CnnarchError(f"unknown --{kind} {value!r}", hint)


def list_models(
    pattern: Annotated[str | None, typer.Argument(help=PATTERN_HELP, show_default=False)] = None,
    family: Annotated[str | None, typer.Option("--family", help="Only this family, e.g. resnet.")] = None,
    task: Annotated[
        str | None, typer.Option("--task", help="Only this task: classification, segmentation, detection.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    computed: Annotated[bool, typer.Option("--computed", help=COMPUTED_HELP)] = False,
) -> None:
    """List the catalogued architectures: family, paper and year, task, default input, classes,
    the figures their sources published (parameters, multiply-adds, top-1/top-5) and how each
    entry deviates from its paper.

    A pattern, family or task that matches nothing is an error (exit 2), so a typo is not
    mistaken for an empty catalogue.

    Examples:

      cnnarch list

      cnnarch list 'resnet*'

      cnnarch list --task segmentation

      cnnarch list --family vgg --format json

      cnnarch list --computed --format markdown
    """
    from cnnarch.catalogue import all_specs, find, get_spec, is_known, suggest
    from cnnarch.errors import CnnarchError
    from cnnarch.render import catalogue as render
    from cnnarch.render.table import write as emit

    specs = all_specs()
    family = _checked("family", family, {s.family.lower() for s in specs})
    task = _checked("task", task, {s.task.lower() for s in specs})
    if pattern is not None and not any(c in pattern for c in "*?["):
        if is_known(pattern):  # an exact name or alias: that entry alone
            pattern = get_spec(pattern).name
        else:
            pattern += "*"
    found = find(pattern, family, task)
    if not found:
        filters = " ".join(
            f for f in (f"--family {family}" if family else "", f"--task {task}" if task else "") if f
        )
        named = find(pattern) if pattern else []
        if pattern and not named:
            near = suggest(pattern.rstrip("*"))
            hint = f"did you mean {near!r}?" if near else "run 'cnnarch list' to see the catalogue"
            raise CnnarchError(f"no architecture matches {pattern!r}", hint)
        what = f"{pattern!r} matches {len(named)}, none" if named else "no architecture"
        raise CnnarchError(f"{what} with {filters}")
    figures = None
    if computed:
        from cnnarch.catalogue.computed import compute

        figures = {s.name: compute(s) for s in found}
    emit(render.document(found, figures, console.out.width), fmt.value, lambda: console.out, write)
