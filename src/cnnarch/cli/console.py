"""Consoles for results (stdout) and messages (stderr). Rich turns colour off when the stream
is not a terminal or ``NO_COLOR`` is set; piped tables get a wide fixed width instead of 80."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from typing import TYPE_CHECKING, Any

from cnnarch.errors import CnnarchError

if TYPE_CHECKING:
    from rich.console import Console


def _width(stream) -> int | None:  # type: ignore[no-untyped-def]
    if stream is None:  # a closed stdout (``>&-``): main() says so in one line
        return 200
    if stream.isatty() or os.environ.get("COLUMNS"):
        return None
    return 200


def _console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, width=_width(sys.stderr if stderr else sys.stdout), highlight=False)


out: Console
err: Console


def __getattr__(name: str) -> Any:
    """``out`` and ``err``, made on first use: `cnnarch calc` writes plain text and never needs
    rich.console (deferred: ~20 ms of its ~300 ms start, measured with ``-X importtime``)."""
    if name in ("out", "err"):
        globals()[name] = console = _console(stderr=name == "err")
        return console
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def write(text: str) -> None:
    """Machine-readable output goes to stdout untouched by rich (no wrapping, no markup)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def parse_kwargs(text: str | None) -> dict[str, Any]:
    """``--kwargs '{"num_classes": 10}'``: keywords for a model's builder, as a JSON object."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as problem:
        raise CnnarchError(
            f"--kwargs is not JSON: {problem}", "e.g. --kwargs '{\"num_classes\": 10}'"
        ) from None
    if not isinstance(value, dict):
        raise CnnarchError("--kwargs must be a JSON object", "e.g. --kwargs '{\"num_classes\": 10}'")
    return value
