"""The models to compare: every name checked before anything is traced, repeats merged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cnnarch.errors import CnnarchError, UnknownModelError

if TYPE_CHECKING:
    from cnnarch.catalogue.spec import ModelSpec


@dataclass
class Target:
    """One model to analyze: the text ``analyze`` gets, the name it is shown under, and the
    other spellings the user gave for it (an alias, a repeat)."""

    text: str
    name: str
    spec: ModelSpec | None = None
    given: list[str] = field(default_factory=list)


def resolve_names(names: Sequence[str]) -> list[Target]:
    """Check every name before anything is traced and merge repeats (an alias and its entry
    are one model). Catalogue names cost a dictionary look-up; anything else goes to the source
    resolvers (a layer list is parsed). Unknown names raise one error naming each, with the
    nearest catalogue name."""
    from cnnarch.catalogue import get_spec, is_known
    from cnnarch.sources import check_name, resolve_text

    targets: dict[str, Target] = {}
    problems: list[CnnarchError] = []
    for text in names:  # names first: a typo is reported before a user's file runs
        try:
            check_name(text)
        except CnnarchError as problem:
            problems.append(problem)
    for text in names if not problems else []:
        try:
            if is_known(text):
                spec = get_spec(text)
                key, target = spec.name, Target(spec.name, spec.name, spec)
            else:
                source = resolve_text(text, {})
                key, target = text.strip(), Target(text, source.name)
        except CnnarchError as problem:
            problems.append(problem)
            continue
        targets.setdefault(key, target).given.append(text)
    if problems:
        if len(problems) == 1:
            raise problems[0]
        raise UnknownModelError("; ".join(str(p) for p in problems))
    if not targets:
        raise CnnarchError("no models to compare", "name one or more, e.g. cnnarch compare alexnet vgg16")
    _unique_display_names(list(targets.values()))
    return list(targets.values())


def _unique_display_names(targets: list[Target]) -> None:
    seen: dict[str, int] = {}
    for target in targets:
        seen[target.name] = seen.get(target.name, 0) + 1
        if seen[target.name] > 1:
            target.name = f"{target.name} #{seen[target.name]}"
