"""The result cache on disk: one file per entry, named by the hash of its key.

An entry is zlib-compressed JSON ``{"format", "key", "value"}``. It is written to a temporary
file in the same directory and renamed over the entry (atomic on POSIX and Windows), so a
reader sees the old entry or the new one, never half of one, and two processes writing the
same entry at once leave one of their two complete files. Reading trusts nothing: a file that
does not decompress, parse, carry the same key or decode is a miss (and is rewritten by the run
that follows). After a write the directory is trimmed to its size bound, least recently used
first (a hit touches its entry).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnarch.cache.codec import decode, encode

FORMAT = 1
"""Bumped when the file layout changes; entries of another format are misses."""
SUFFIX = ".entry"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_BYTES_VARIABLE = "CNNARCH_CACHE_MAX_MB"
DIR_VARIABLE = "CNNARCH_CACHE_DIR"
OFF_VARIABLE = "CNNARCH_NO_CACHE"


def directory() -> Path:
    """``$CNNARCH_CACHE_DIR``, else the platform's user cache directory (``$XDG_CACHE_HOME/cnnarch``
    or ``~/.cache/cnnarch`` on Linux, ``~/Library/Caches/cnnarch`` on macOS) + ``results``."""
    override = os.environ.get(DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("cnnarch", appauthor=False)) / "results"


def enabled() -> bool:
    return os.environ.get(OFF_VARIABLE, "").strip().lower() in ("", "0", "false", "no")


def max_bytes() -> int:
    """``$CNNARCH_CACHE_MAX_MB`` in bytes (256 MiB when unset); a value that is not a size in
    MiB is the user's mistake, not a reason to guess."""
    value = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
    if not value:
        return DEFAULT_MAX_BYTES
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not 0 <= megabytes < float("inf"):  # also refuses nan
        from cnnarch.errors import CnnarchError

        raise CnnarchError(
            f"{MAX_BYTES_VARIABLE}={value!r} is not a size in MiB",
            f"give a number at least 0, e.g. {MAX_BYTES_VARIABLE}=512",
        )
    return int(megabytes * 1024 * 1024)


def canonical(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def entry_path(key: dict[str, Any], root: Path | None = None) -> Path:
    digest = hashlib.sha256(canonical(key).encode()).hexdigest()
    return (root or directory()) / f"{digest}{SUFFIX}"


def load(key: dict[str, Any], root: Path | None = None) -> Any | None:
    """The stored value for ``key``, or None (absent, unreadable, corrupt, another key or format)."""
    path = entry_path(key, root)
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    try:
        stored = json.loads(zlib.decompress(blob))
        if stored["format"] != FORMAT or stored["key"] != json.loads(canonical(key)):
            return None
        value = decode(stored["value"])
    except Exception:  # any damage is a miss: the command recomputes and rewrites the entry
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: trimmed last
    return value


def save(key: dict[str, Any], value: Any, root: Path | None = None) -> Path | None:
    """Store ``value`` under ``key``; returns the entry's path, or None where it could not be
    written (a read-only home, a full disk, a value the codec cannot hold): caching is a
    convenience and never fails a command."""
    from cnnarch.cache.codec import Unencodable

    try:
        payload = {"format": FORMAT, "key": json.loads(canonical(key)), "value": encode(value)}
    except Unencodable:
        return None
    blob = zlib.compress(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(), 1)
    path = entry_path(key, root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, blob)
    except OSError:
        return None
    trim(path.parent, max_bytes())
    return path


def _write_atomically(path: Path, blob: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(blob)  # no fsync: after a power cut a damaged entry is only a miss
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@dataclass
class Info:
    directory: Path
    entries: int
    bytes: int
    max_bytes: int
    enabled: bool


def _entries(root: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(root) as found:
            return [e for e in found if e.name.endswith(SUFFIX) and not e.name.startswith(".")]
    except OSError:
        return []


def info(root: Path | None = None) -> Info:
    root = root or directory()
    sizes = []
    for entry in _entries(root):
        with contextlib.suppress(OSError):
            sizes.append(entry.stat().st_size)
    return Info(root, len(sizes), sum(sizes), max_bytes(), enabled())


def clear(root: Path | None = None) -> tuple[int, int]:
    """Delete every entry (and any temporary file a killed writer left); returns (entries, bytes)."""
    root = root or directory()
    removed = freed = 0
    try:
        with os.scandir(root) as found:
            names = [e for e in found if e.name.endswith(SUFFIX)]
    except OSError:
        return 0, 0
    for entry in names:
        try:
            size = entry.stat().st_size
            os.unlink(entry.path)
        except OSError:
            continue
        if not entry.name.startswith("."):
            removed += 1
        freed += size
    return removed, freed


STALE_TEMPORARY_S = 3600


def trim(root: Path, limit: int) -> int:
    """Delete the least recently used entries until the directory holds at most ``limit`` bytes
    (the newest entry stays even alone above it), and temporary files a killed writer left an
    hour ago; returns how many entries were deleted."""
    _remove_stale_temporaries(root)
    stats = []
    for entry in _entries(root):
        with contextlib.suppress(OSError):
            stat = entry.stat()
            stats.append((stat.st_mtime_ns, stat.st_size, entry.path))
    total = sum(size for _, size, _ in stats)
    removed = 0
    for _, size, path in sorted(stats)[:-1]:
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed += 1
        total -= size
    return removed


def _remove_stale_temporaries(root: Path) -> None:
    import time

    cutoff = time.time() - STALE_TEMPORARY_S
    with contextlib.suppress(OSError), os.scandir(root) as found:
        for entry in found:
            if entry.name.startswith(".tmp-") and entry.stat().st_mtime < cutoff:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def cached(key: dict[str, Any] | None, compute: Callable[[], Any], *, use: bool = True) -> Any:
    """``compute()``'s value, from the cache when ``key`` is stored there; a ``None`` key (a source
    whose identity cannot be stated) or ``use=False`` (``--no-cache``) computes afresh (and
    ``--no-cache`` leaves the cache as it was)."""
    if key is None or not use or not enabled():
        return compute()
    max_bytes()  # a bad size bound fails before the work, not after it
    found = load(key)
    if found is not None:
        return found
    value = compute()
    save(key, value)
    return value
