"""A flag means the same thing, with the same type, on every command that takes it
(``cli/options.py``), and help that lists names comes from their registries."""

from __future__ import annotations

import click
import pytest
import typer

from cnnarch.cli import app as cli

SHARED = ["--input", "--dtype", "--num-classes", "--in-channels", "--kwargs", "--optimizer", "--convention"]


def _commands() -> dict[str, click.Command]:
    cli.register()
    root = typer.main.get_command(cli.app)
    assert isinstance(root, click.Group)
    return {name: command for name, command in root.commands.items() if not isinstance(command, click.Group)}


def _signature(option: click.Option) -> tuple[object, ...]:
    kind = option.type
    choices = tuple(kind.choices) if isinstance(kind, click.Choice) else None
    return (tuple(sorted(option.opts)), kind.name, choices, option.multiple, option.is_flag)


@pytest.mark.parametrize("flag", SHARED)
def test_a_shared_flag_has_one_spelling_type_and_meaning(flag):
    found = {
        name: option
        for name, command in _commands().items()
        for option in command.params
        if isinstance(option, click.Option) and flag in option.opts
    }
    assert found, f"no command takes {flag}"
    signatures = {name: _signature(option) for name, option in found.items()}
    assert len(set(signatures.values())) == 1, signatures


def test_input_repeats_on_every_command_that_takes_a_model():
    for name, command in _commands().items():
        for option in command.params:
            if isinstance(option, click.Option) and "--input" in option.opts:
                assert option.multiple, name


def test_help_lists_every_convention_and_every_source_from_their_registries():
    from cnnarch.analysis import conventions
    from cnnarch.cli.options import MODEL_HELP, convention_help
    from cnnarch.sources import RESOLVERS

    text = convention_help()
    assert all(name in text for name in conventions.NAMES)
    assert all(form in MODEL_HELP for form in RESOLVERS.values())
