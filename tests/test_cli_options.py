"""A flag means the same thing, with the same type, on every command that takes it
(``cli/options.py``), and help that lists names comes from their registries."""

from __future__ import annotations

import click
import pytest
import typer

from cnnarch.cli import app as cli

SHARED = ["--input", "--dtype", "--num-classes", "--in-channels", "--kwargs", "--optimizer", "--convention"]
CALC_INPUT = {
    "calc rf",
    "calc stack",
    "calc factorize",
    "calc bottleneck",
    "calc separable",
    "calc fire",
    "calc residual",
    "calc group",
}
"""The calculator's comparisons take one feature-map size as --input (a single HxW, the question's
default), not a model's repeatable inputs; the one exception to a shared flag's type."""


def _commands() -> dict[str, click.Command]:
    """Every command and subcommand (``calc conv``, ``cache info`` ...) by its full name."""
    cli.register()
    root = typer.main.get_command(cli.app)
    assert isinstance(root, click.Group)

    def walk(group: click.Group, prefix: str) -> dict[str, click.Command]:
        found: dict[str, click.Command] = {}
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found.update(walk(command, f"{prefix}{name} "))
            else:
                found[f"{prefix}{name}"] = command
        return found

    return walk(root, "")


def _options() -> list[tuple[str, click.Option]]:
    return [
        (name, option)
        for name, command in _commands().items()
        for option in command.params
        if isinstance(option, click.Option)
    ]


def _signature(option: click.Option) -> tuple[object, ...]:
    kind = option.type
    choices = tuple(kind.choices) if isinstance(kind, click.Choice) else None
    return (tuple(sorted(option.opts)), kind.name, choices, option.multiple, option.is_flag, option.default)


def test_the_walk_reaches_the_calculator_and_the_quiz():
    assert {"calc conv", "calc pool", "calc tconv", "calc rf", "quiz", "summary"} <= set(_commands())


@pytest.mark.parametrize("flag", SHARED)
def test_a_shared_flag_has_one_spelling_type_and_meaning(flag):
    found = {
        name: option
        for name, option in _options()
        if flag in option.opts and not (flag == "--input" and name in CALC_INPUT)
    }
    assert found, f"no command takes {flag}"
    signatures = {name: _signature(option) for name, option in found.items()}
    assert len(set(signatures.values())) == 1, signatures


def test_input_repeats_on_every_command_that_takes_a_model():
    for name, option in _options():
        if "--input" in option.opts and name not in CALC_INPUT:
            assert option.multiple, name


def test_a_short_flag_stands_for_one_option_on_every_command():
    """``-c`` is the input's channels wherever it is taken, never --convention on one command and
    --channels on another; ``-n`` and ``-s`` mean the same on calc and quiz."""
    meaning: dict[str, dict[tuple[str, ...], list[str]]] = {}
    for name, option in _options():
        long = tuple(sorted(o for o in option.opts + option.secondary_opts if o.startswith("--")))
        for flag in option.opts + option.secondary_opts:
            if not flag.startswith("--"):
                meaning.setdefault(flag, {}).setdefault(long, []).append(name)
    assert "-c" in meaning and "-n" in meaning
    clashes = {flag: spellings for flag, spellings in meaning.items() if len(spellings) > 1}
    assert not clashes, clashes


def test_in_channels_is_the_short_c_everywhere_and_no_value_means_the_default():
    found = {name: option for name, option in _options() if "--in-channels" in option.opts}
    assert {"calc conv", "calc pool", "calc tconv", "summary"} <= set(found)
    assert all(option.opts == ["--in-channels", "-c"] and option.default is None for option in found.values())


def test_help_lists_every_convention_and_every_source_from_their_registries():
    from cnnarch.analysis import conventions
    from cnnarch.cli.options import MODEL_HELP, convention_help
    from cnnarch.sources import RESOLVERS

    text = convention_help()
    assert all(name in text for name in conventions.NAMES)
    assert all(form in MODEL_HELP for form in RESOLVERS.values())
