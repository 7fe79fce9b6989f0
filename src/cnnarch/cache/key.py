"""What a cached result is keyed by: everything that can change it, stated without importing torch.

- cnnarch's version and a fingerprint of its code (the size and modification time of every file
  of the package), so an edited checkout never reads a result an older version computed;
- the versions of Python, torch, and of torchvision or timm for their models (read from each
  package's ``version.py``: ``importlib.metadata`` alone costs more than the warm run's budget);
- the model's identity (``source_identity``) and every argument of the analysis call.

A source is cached only when its identity can be stated exactly: a catalogue name (cnnarch's
own code), ``torchvision:``/``timm:`` names (the library's version), an inline layer list (its
text) or a layer-list file (its name and a hash of its bytes). A ``file.py:Class`` is never
cached: what it builds depends on whatever it imports (sibling modules, installed packages,
environment variables, files it reads), which no hash of the file itself captures, and a stale
answer for a model being edited is worse than a slow one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from enum import Enum
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from cnnarch import __version__

_VERSION_LINE = re.compile(r"""^__version__\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_PYTHON_FILE = re.compile(r"^.+\.py:[A-Za-z_][A-Za-z0-9_]*$")
_LAYER_LIST_SUFFIXES = (".txt", ".cnn", ".layers")
_HUBS = ("torchvision", "timm")


@cache
def package_version(name: str) -> str | None:
    """An installed package's version without importing it (None where it is not installed)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        try:
            text = (Path(folder) / "version.py").read_text(encoding="utf-8")
        except OSError:
            continue
        found = _VERSION_LINE.search(text)
        if found:
            return found.group(1)
    from importlib.metadata import PackageNotFoundError, version  # slower, and always right

    try:
        return version(name)
    except PackageNotFoundError:
        return None


@cache
def code_fingerprint() -> str:
    """A hash of the path, size and modification time of every file of the cnnarch package."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            stat = os.stat(path)
            digest.update(f"{os.path.relpath(path, root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def versions(hub: str | None = None) -> dict[str, str | None]:
    found = {
        "cnnarch": __version__,
        "code": code_fingerprint(),
        "python": "{}.{}".format(*sys.version_info[:2]),
        "torch": package_version("torch"),
    }
    if hub is not None:
        found[hub] = package_version(hub)
    return found


def _looks_like_layer_list(text: str) -> bool:
    """The layer-list resolver's own test (``sources/layer_list.claims``), without its torch import."""
    from cnnarch.dsl.layers import keywords

    if text.lower().endswith(_LAYER_LIST_SUFFIXES) or any(c in text for c in ">\n;→(") or "->" in text:
        return True
    first = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", text)
    return bool(first) and first.group(1).lower() in keywords()


def source_identity(text: str) -> dict[str, Any] | None:
    """The model's identity for the key, or None where it cannot be stated exactly."""
    if _PYTHON_FILE.match(text.strip()):
        return None
    hub = text.split(":", 1)[0] if ":" in text else None
    if hub in _HUBS:
        return {"text": text, "versions": versions(hub)}
    from cnnarch.catalogue import is_known

    if is_known(text):
        return {"text": text, "versions": versions()}
    if not _looks_like_layer_list(text):
        return None  # not a source whose identity is known (a typo fails before any cache work)
    if text.lower().endswith(_LAYER_LIST_SUFFIXES) and "\n" not in text:
        try:
            content = Path(text.strip()).read_bytes()
        except OSError:
            return None  # the resolver reports the missing file
        return {"text": text, "sha256": hashlib.sha256(content).hexdigest(), "versions": versions()}
    return {"text": text, "versions": versions()}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    raise TypeError(type(value).__name__)


def result_key(kind: str, model: Any, **arguments: Any) -> dict[str, Any] | None:
    """The key of ``kind`` (the result's type) for ``model`` analysed with ``arguments`` (all of
    the analysis call's arguments, as the call gets them), or None where it cannot be cached."""
    if not isinstance(model, str):
        return None  # a module object: its identity is its code and state
    identity = source_identity(model)
    if identity is None:
        return None
    try:
        plain = _plain(arguments)
    except TypeError:
        return None
    return {"kind": kind, "source": identity, "arguments": plain}
