"""Models of installed libraries: ``torchvision:resnet50``, ``timm:convnext_tiny``.

Both are optional extras (``pip install 'cnnarch[torchvision]'``, ``'cnnarch[timm]'``). Models are
built without pretrained weights: nothing is downloaded.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

import torch
from torch import nn

from cnnarch.errors import CnnarchError, UnknownModelError
from cnnarch.sources.base import Source


def _require(package: str) -> Any:
    try:
        return importlib.import_module(package)
    except ImportError:
        raise CnnarchError(
            f"{package} is not installed", f"install the extra: pip install 'cnnarch[{package}]'"
        ) from None


def _unknown(kind: str, name: str, known: list[str]) -> UnknownModelError:
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"did you mean '{kind}:{near[0]}'?" if near else f"see {kind}'s list of models"
    return UnknownModelError(f"unknown {kind} model {name!r}", hint)


def _torchvision(name: str, options: dict[str, Any]) -> Source:
    models = _require("torchvision").models
    known = models.list_models()
    if name not in known:
        raise _unknown("torchvision", name, known)

    def factory() -> nn.Module:
        return models.get_model(name, weights=None, **options)

    size = 224
    try:  # the crop size of the first published weights: metadata only, nothing downloaded
        weights = list(models.get_model_weights(name))
        crop = weights[0].transforms().crop_size if weights else None
        size = int(crop[0]) if crop else size
    except Exception:  # metadata is a nicety; 224 is the convention
        pass
    with torch.device("meta"):
        module = factory()
    return Source(module, f"torchvision:{name}", (3, size, size), origin="torchvision", factory=factory)


def _timm(name: str, options: dict[str, Any]) -> Source:
    timm = _require("timm")
    known = timm.list_models()
    if name not in known:
        raise _unknown("timm", name, known)

    def factory() -> nn.Module:
        return timm.create_model(name, pretrained=False, **options)

    with torch.device("meta"):
        module = factory()
    cfg = getattr(module, "pretrained_cfg", None) or {}
    default = tuple(cfg.get("input_size", (3, 224, 224)))
    return Source(module, f"timm:{name}", default, origin="timm", factory=factory)


_HUBS = {"torchvision": _torchvision, "timm": _timm}


def resolve(text: str, options: dict[str, Any]) -> Source | None:
    prefix, sep, name = text.strip().partition(":")
    if not sep or prefix.lower() not in _HUBS:
        return None
    return _HUBS[prefix.lower()](name.strip(), {k: v for k, v in options.items() if v is not None})
