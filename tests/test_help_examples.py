"""Every example in a calc subcommand's --help runs as written (exit 0), and the options a
subcommand documents as defaulted may be left out."""

from __future__ import annotations

import re
import shlex

import pytest

from cnnarch.cli import calc_cmd
from tests.conftest import run


def _examples() -> list[list[str]]:
    found = []
    for command in calc_cmd.app.registered_commands:
        for line in (command.callback.__doc__ or "").splitlines():
            line = line.strip()
            if line.startswith("cnnarch calc "):
                found.append(shlex.split(re.split(r"\s{2,}\(", line)[0])[1:])
    return found


EXAMPLES = _examples()


def test_there_are_examples_for_every_subcommand() -> None:
    documented = {argv[1] for argv in EXAMPLES}
    assert documented == {c.name or c.callback.__name__ for c in calc_cmd.app.registered_commands}


@pytest.mark.parametrize("argv", EXAMPLES, ids=[" ".join(a) for a in EXAMPLES])
def test_help_example_runs(argv: list[str]) -> None:
    code, out, err = run(*argv)
    assert code == 0, err
    assert out.strip()


@pytest.mark.parametrize(
    "argv", [["calc", "tconv", "7", "-k", "3", "-s", "2", "-p", "1"], ["calc", "conv", "32", "-k", "3"]]
)
def test_default_channels_may_be_left_out(argv: list[str]) -> None:
    code, out, err = run(*argv)
    assert code == 0, err
    assert "[1, 3, " in out  # the documented default of 3 input channels
