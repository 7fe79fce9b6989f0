"""Models of installed libraries: ``torchvision:resnet50``, ``timm:convnext_tiny``.

Both are optional extras (``pip install 'cnnarch[torchvision]'``, ``'cnnarch[timm]'``). Nothing
is downloaded: every weights argument a builder has (torchvision's ``weights`` and
``weights_backbone``) is None, timm's ``pretrained`` is False, and keywords that would load
weights are refused. Default inputs come from the built model where it states its size (a ViT's
``image_size``) and from the published weights' metadata otherwise (metadata only).
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from typing import Any

from torch import nn

from cnnarch.errors import CnnarchError, UnknownModelError
from cnnarch.sources.base import Source
from cnnarch.sources.building import build_on_meta, call_builder

_LOADING_WORDS = ("pretrained", "checkpoint", "weights", "url", "download", "hub")
VIDEO_CLIP = 16
"""Frames per clip of torchvision's Kinetics-400 video weights ("clip_len=16" in their docs), where
the metadata names no longer minimum (``min_temporal_size``)."""
FLOW_SIZE = (368, 496)
"""RAFT's training crop on FlyingChairs (torchvision's optical-flow references)."""


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


def refuse_downloads(label: str, options: dict[str, Any]) -> None:
    """Keywords that would load weights (``pretrained``, ``checkpoint_path``, ``weights``) are
    refused unless they ask for nothing (null, false or an empty string)."""
    for key, value in options.items():
        if any(word in key.lower() for word in _LOADING_WORDS) and value not in (None, False, ""):
            raise CnnarchError(
                f"{label} is built without weights: {key}={value!r} is not allowed",
                "cnnarch never downloads or loads weights, and parameters and MACs do not depend on them: "
                "drop the keyword",
            )


def _torchvision_input(models: Any, name: str, builder: Any, module: nn.Module) -> list[tuple[int, ...]]:
    """Per-sample default inputs: from the built model, else the first weights' metadata."""
    size, clip = 224, VIDEO_CLIP
    try:  # metadata only, nothing downloaded
        weights = list(models.get_model_weights(name))
    except Exception:
        weights = []
    if weights:
        crop = getattr(weights[0].transforms(), "crop_size", None)
        size = int(crop[0]) if crop else size
        clip = max(clip, int(weights[0].meta.get("min_temporal_size", 1)))
    built = getattr(module, "image_size", None)  # a ViT's position embedding fixes its size
    if isinstance(built, int):
        size = built
    family = builder.__module__
    if family.startswith("torchvision.models.video"):
        return [(3, clip, size, size)]
    if family.startswith("torchvision.models.optical_flow"):
        return [(3, *FLOW_SIZE), (3, *FLOW_SIZE)]
    return [(3, size, size)]


def _torchvision(name: str, options: dict[str, Any]) -> Source:
    models = _require("torchvision").models
    known = models.list_models()
    if name not in known:
        raise _unknown("torchvision", name, known)
    label = f"torchvision:{name}"
    if "in_channels" in options:
        raise CnnarchError(
            f"{label} takes no --in-channels: torchvision's models read 3-channel images",
            "leave out --in-channels; timm's models take it",
        )
    refuse_downloads(label, options)
    builder = models.get_model_builder(name)
    no_weights = {
        p: None
        for p in inspect.signature(builder).parameters
        if p == "weights" or p.startswith("weights_") or p.endswith("_weights")
    }

    def factory() -> nn.Module:
        return call_builder(label, builder, options, no_weights)

    module, note = build_on_meta(factory, label)
    first, *extra = _torchvision_input(models, name, builder, module)
    return Source(
        module, label, first, origin="torchvision", factory=factory, notes=[note] if note else [],
        extra_inputs=extra,
    )  # fmt: skip


def _timm(name: str, options: dict[str, Any]) -> Source:
    timm = _require("timm")
    known = timm.list_models()
    if name not in known:
        raise _unknown("timm", name, known)
    label = f"timm:{name}"
    options = dict(options)
    if "in_channels" in options:  # timm's own name for it
        options["in_chans"] = options.pop("in_channels")
    refuse_downloads(label, options)

    def factory() -> nn.Module:
        return call_builder(label, timm.create_model, options, {"model_name": name, "pretrained": False})

    module, note = build_on_meta(factory, label)
    cfg = getattr(module, "pretrained_cfg", None) or {}
    default = tuple(cfg.get("input_size", (3, 224, 224)))
    if "in_chans" in options and isinstance(options["in_chans"], int):
        default = (options["in_chans"], *default[1:])
    return Source(module, label, default, origin="timm", factory=factory, notes=[note] if note else [])


_HUBS = {"torchvision": _torchvision, "timm": _timm}


def check_name(text: str) -> bool:
    """True for a known ``torchvision:NAME`` or ``timm:NAME``; raises for an unknown one; False
    for text that names no library."""
    prefix, sep, name = text.strip().partition(":")
    if not sep or prefix.lower() not in _HUBS:
        return False
    package = _require(prefix.lower())
    known = package.models.list_models() if prefix.lower() == "torchvision" else package.list_models()
    if name.strip() not in known:
        raise _unknown(prefix.lower(), name.strip(), known)
    return True


def resolve(text: str, options: dict[str, Any]) -> Source | None:
    prefix, sep, name = text.strip().partition(":")
    if not sep or prefix.lower() not in _HUBS:
        return None
    flags = ("num_classes", "in_channels")  # the CLI's flags: None means not given
    given = {k: v for k, v in options.items() if v is not None or k not in flags}
    return _HUBS[prefix.lower()](name.strip(), given)
