"""The examples in README.md and docs/ are real output: each ```text block made of ``$ cnnarch ...``
lines and what they print is run again (in this process) and compared.

A block is checked when every ``$`` line in it is a plain ``cnnarch`` command, optionally preceded
by ``COLUMNS=N`` (the console width; a pipe gets 200). A block is left alone when a ``$`` line
pipes, chains or comments (``| grep``, ``;``, ``# excerpt``: an excerpt is not the whole output),
when it times something (``bench``, ``flops``: the figures change from run to run), or when an
HTML comment ``<!-- example: not checked (why) -->`` stands on the line before it.

    .venv/bin/python -m tests.doc_examples            # list the examples that differ
    .venv/bin/python -m tests.doc_examples --update   # write the real output into the files
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIPE_WIDTH = 200
"""The width cnnarch's console takes when stdout is not a terminal and COLUMNS is unset."""
TIMED = {"bench", "flops"}
"""Commands whose output holds timings."""
SKIP = "<!-- example: not checked"
BLOCK = re.compile(r"^```text\n(.*?)^```$", flags=re.MULTILINE | re.DOTALL)
SHELL = re.compile(r"[|;&<>#`]")


@dataclass(frozen=True)
class Command:
    line: str
    """The ``$`` line as the file writes it."""
    argv: tuple[str, ...]
    width: int
    shown: str
    """The output printed under the ``$`` line in the file."""


@dataclass(frozen=True)
class Example:
    path: Path
    start: int
    """Offset of the block's body in the file."""
    end: int
    commands: tuple[Command, ...]

    @property
    def where(self) -> str:
        line = self.path.read_text()[: self.start].count("\n") + 1
        return f"{self.path.relative_to(ROOT)}:{line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _command(line: str) -> tuple[tuple[str, ...], int] | None:
    """``$ [COLUMNS=N] cnnarch ARGS`` -> (argv, width); None for anything else."""
    text = line[2:].strip()
    if SHELL.search(re.sub(r"'[^']*'|\"[^\"]*\"", "", text)):  # a shell character outside quotes
        return None
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    width = PIPE_WIDTH
    if words and words[0].startswith("COLUMNS="):
        width = int(words.pop(0).split("=", 1)[1])
    if len(words) < 2 or words[0] != "cnnarch" or words[1] in TIMED:
        return None
    return tuple(words[1:]), width


def examples(path: Path) -> list[Example]:
    text = path.read_text()
    found = []
    for block in BLOCK.finditer(text):
        before = text[: block.start()].rstrip("\n").rsplit("\n", 1)[-1]
        body = block.group(1)
        if before.startswith(SKIP) or not body.startswith("$ "):
            continue
        parts = re.split(r"^(?=\$ )", body, flags=re.MULTILINE)
        commands = []
        for part in filter(None, parts):
            line, _, shown = part.partition("\n")
            parsed = _command(line)
            if parsed is None:
                break
            commands.append(Command(line, parsed[0], parsed[1], shown))
        else:
            found.append(Example(path, block.start(1), block.end(1), tuple(commands)))
    return found


def run_at(argv: tuple[str, ...], width: int) -> str:
    """stdout then stderr of the command at a console ``width``, trailing spaces trimmed."""
    from cnnarch.cli import console
    from tests.conftest import run

    saved = console.out.width, console.err.width
    console.out.width = console.err.width = width
    try:
        _, out, err = run(*argv)
    finally:
        console.out.width, console.err.width = saved
    lines = (out + err).splitlines()
    return "".join(line.rstrip() + "\n" for line in lines)


def rendered(example: Example) -> str:
    """The block's body as the commands print it today."""
    return "".join(f"{c.line}\n{run_at(c.argv, c.width)}" for c in example.commands)


def shown(example: Example) -> str:
    return example.path.read_text()[example.start : example.end]


def main(argv: list[str]) -> int:
    update = "--update" in argv
    stale = 0
    for path in doc_files():
        for example in reversed(examples(path)):  # from the end: offsets stay valid
            real = rendered(example)
            if real == shown(example):
                continue
            stale += 1
            print(f"{example.where}: {' / '.join(c.line for c in example.commands)}", file=sys.stderr)
            if update:
                text = path.read_text()
                path.write_text(text[: example.start] + real + text[example.end :])
    print(f"{stale} example(s) {'updated' if update else 'differ'}", file=sys.stderr)
    return 1 if stale and not update else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
