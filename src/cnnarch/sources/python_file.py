"""A user's own model: ``path/to/file.py:ClassOrFactory`` (keywords from ``--kwargs``).

The file is imported as a module of its own; the name after the colon may be an ``nn.Module``
subclass, a function returning a module, or a module instance. A failure inside the user's
code is reported with the user's own traceback frames (cnnarch's are left out) and one line.

cnnarch never changes an object the user's code holds: a class is instantiated afresh, but an
instance, or whatever a function returns (it may hand out an object the file keeps), is copied.
The analysis traces a meta copy (no weight data copied); ``factory`` gives a real copy that
``bench`` may move and cast.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from torch import nn

from cnnarch.errors import CnnarchError
from cnnarch.sources.base import Source
from cnnarch.sources.building import build_on_meta, needs_values, tensor_memo

_PATTERN = re.compile(r"^(?P<path>.+\.py):(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


def user_frames(error: BaseException, path: Path) -> str:
    """The traceback of ``error`` limited to frames in the user's file."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).resolve() == path]
    if not frames:
        return ""
    return "Traceback (your code):\n" + "".join(traceback.format_list(frames))


def _load(path: Path) -> ModuleType:
    module_name = f"cnnarch_user_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise CnnarchError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.parent))  # so the file can import its neighbours
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit, GeneratorExit) as error:  # user code may call sys.exit()
        raise CnnarchError(
            f"{path.name} failed to import: {type(error).__name__}: {error}", details=user_frames(error, path)
        ) from None
    finally:
        sys.path.remove(str(path.parent))
    return module


def resolve(text: str, options: dict[str, Any]) -> Source | None:
    match = _PATTERN.match(text.strip())
    if match is None:
        return None
    path = Path(match["path"]).expanduser().resolve()
    if not path.is_file():
        raise CnnarchError(f"no such file: {match['path']}", "give path/to/file.py:ClassOrFactory")
    module = _load(path)
    name = match["name"]
    target = getattr(module, name, None)
    if target is None:
        found = sorted(
            n for n, v in vars(module).items()
            if not n.startswith("_") and ((isinstance(v, type) and issubclass(v, nn.Module)) or callable(v))
            and getattr(v, "__module__", None) == module.__name__
        )  # fmt: skip
        hint = f"it defines: {', '.join(found)}" if found else "it defines no model class or function"
        raise CnnarchError(f"{path.name} has no {name!r}", hint)
    flags = ("num_classes", "in_channels")  # the CLI's flags: None means not given; a JSON null is kept
    kwargs = {k: v for k, v in options.items() if v is not None or k not in flags}
    label = f"{path.stem}:{name}"
    fresh = isinstance(target, type)  # a class builds a new object; anything else may be the user's

    def build() -> nn.Module:
        try:
            built = target(**kwargs) if callable(target) and not isinstance(target, nn.Module) else target
        except (Exception, SystemExit, GeneratorExit) as error:
            if isinstance(error, RuntimeError | NotImplementedError) and needs_values(error):
                raise  # a builder that computes with tensors: build_on_meta retries it with values
            raise CnnarchError(
                f"{path.name}:{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())}) failed: "
                f"{type(error).__name__}: {error}",
                details=user_frames(error, path),
            ) from None
        if not isinstance(built, nn.Module):
            raise CnnarchError(f"{path.name}:{name} gave a {type(built).__name__}, not a torch.nn.Module")
        return built

    def factory() -> nn.Module:
        """A module cnnarch may change: built afresh, or a copy of the user's."""
        built = build()
        return built if fresh else copy_module(built, label)

    model, built_note = build_on_meta(build, label)
    from cnnarch.sources.module_object import masked_out

    found = masked_out(model)  # from the user's own masks, before the meta copy drops them
    if found is None and _masks_on_meta(model):  # pruned while built on the meta device: no values
        found = masked_out(build())  # a CPU build has them (pruning by amount zeroes a fixed count)
    masked, note = found or (0, None)
    if not fresh:
        model = copy_module(model, label, meta=True)
    default = getattr(model, "default_input", None) or getattr(target, "default_input", None)
    return Source(
        model, label, tuple(default) if default else None, origin="file", factory=factory, user_file=path,
        notes=[n for n in (built_note, note) if n], masked_weights=masked,
    )  # fmt: skip


def _masks_on_meta(module: nn.Module) -> bool:
    """Whether ``torch.nn.utils.prune`` masks were made on the meta device (zeros unknown)."""
    return any(
        key.endswith("_mask") and mask is not None and mask.device.type == "meta"
        for owner in module.modules()
        for key, mask in owner._buffers.items()
    )


def copy_module(module: nn.Module, label: str, meta: bool = False) -> nn.Module:
    """A deep copy of a user's module (its tensors on the meta device with ``meta``): cnnarch
    never changes the user's own object."""
    try:
        return copy.deepcopy(module, tensor_memo(module, meta))
    except Exception as error:
        raise CnnarchError(
            f"{label} cannot be copied ({type(error).__name__}: {error}); cnnarch never changes your object",
            "name a class, or a function that builds a new model",
        ) from None
