"""Where a picture or page goes: the format from the file's suffix (or ``--format``), checked
before any work, and written whole or not at all (a temporary file beside it, then a rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cnnarch.errors import CnnarchError

SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot", ".json": "json"}
FORMATS = ("dot", "svg", "png", "pdf", "json")


def choose_format(path: Path | None, fmt: str | None) -> str:
    """The output format: ``--format`` if given, else the suffix of ``-o``, else DOT text."""
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise CnnarchError(f"--format {fmt!r} is not a picture format", f"use {', '.join(FORMATS)}")
    if path is None:
        if fmt in ("png", "pdf"):
            raise CnnarchError(
                f"--format {fmt} writes binary data", f"give a file with -o, e.g. -o net.{fmt}"
            )
        return fmt or "dot"
    by_suffix = SUFFIXES.get(path.suffix.lower())
    if by_suffix is None and fmt is None:
        raise CnnarchError(
            f"-o {str(path)!r}: cannot tell the format from {path.suffix or 'no suffix'!r}",
            "end the name in .svg, .png, .pdf, .dot or .json, or give --format",
        )
    if fmt is not None and by_suffix is not None and by_suffix != fmt:
        raise CnnarchError(f"-o {str(path)!r} says {by_suffix} but --format says {fmt}", "give one of them")
    return fmt or by_suffix  # type: ignore[return-value]


def check_writable(path: Path, option: str = "-o") -> None:
    """A clear error now, before any analysis, for a file that cannot be written."""
    parent = path.parent
    if path.is_dir():
        raise CnnarchError(f"{option} {str(path)!r} is a folder", "give a file name")
    if not parent.is_dir():
        raise CnnarchError(f"{option} {str(path)!r}: no such folder {str(parent)!r}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CnnarchError(f"{option} {str(path)!r}: cannot write in {str(parent)!r} (permission denied)")


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so a
    failure leaves the old file (or none), never half of a new one."""
    payload = data.encode() if isinstance(data, str) else data
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as problem:
        raise CnnarchError(f"cannot write {path}: {problem.strerror or problem}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        os.chmod(temporary, 0o666 & ~_umask())  # as open() would have made it
        os.replace(temporary, path)
    except OSError as problem:
        Path(temporary).unlink(missing_ok=True)
        raise CnnarchError(f"cannot write {path}: {problem.strerror or problem}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
