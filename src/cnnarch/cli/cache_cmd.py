"""``cnnarch cache``: where the result cache lives, how big it is, and emptying it."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cnnarch.cli.console import Format, write

app = typer.Typer(
    help=(
        "The result cache: analyses of catalogue names, layer lists and torchvision:/timm: models are "
        "kept in the user's cache directory, so asking again answers without importing torch.\n\n"
        "The key holds cnnarch's and torch's versions (and torchvision's or timm's), the model and every "
        "option; path/to/file.py:Class models are never cached. --no-cache on any command skips it; "
        "CNNARCH_NO_CACHE=1 turns it off, CNNARCH_CACHE_DIR moves it, CNNARCH_CACHE_MAX_MB bounds it "
        "(least recently used entries go first).\n\n"
        "Examples:\n\n"
        "  cnnarch cache info\n\n"
        "  cnnarch cache clear"
    ),
    no_args_is_help=True,
)


def _size(count: int) -> str:
    from cnnarch.render.units import size

    return size(count)


@app.command("info")
def info(
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Output format: table or json.")
    ] = Format.table,
) -> None:
    """Where the cache is, how many entries it holds, how big it is and its bound."""
    from cnnarch.cache import store
    from cnnarch.errors import CnnarchError

    if fmt not in (Format.table, Format.json):
        raise CnnarchError(f"--format {fmt.value} is not available here", "use table or json")
    found = store.info()
    if fmt is Format.json:
        data = {
            "directory": str(found.directory),
            "entries": found.entries,
            "bytes": found.bytes,
            "max_bytes": found.max_bytes,
            "enabled": found.enabled,
        }
        write(json.dumps(data, indent=2))
        return
    state = "on" if found.enabled else f"off ({store.OFF_VARIABLE} is set)"
    write(
        f"directory: {found.directory}\n"
        f"entries:   {found.entries}\n"
        f"size:      {_size(found.bytes)} of at most {_size(found.max_bytes)}\n"
        f"cache:     {state}"
    )


@app.command("clear")
def clear() -> None:
    """Delete every cached result (the next run of each question recomputes it)."""
    from cnnarch.cache import store

    removed, freed = store.clear()
    write(f"removed {removed} entr{'y' if removed == 1 else 'ies'} ({_size(freed)}) from {store.directory()}")
