"""Run a model's builder on the meta device, and say what was done where that is not enough.

Most builders only create parameters, which the meta device holds without memory. A few compute
with tensors while building (torchvision's RegNets round widths with ``torch.round(...).tolist()``),
and reading a value back from a meta tensor fails. Those are built again with real tensors for
their arithmetic while every parameter and buffer moves to the meta device the moment it is
registered: only one layer's weights exist for real at a time, and initialisation runs on meta.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from cnnarch.errors import CnnarchError

_VALUE_ON_META = ("meta tensor", "'meta' backend", "meta backend", "item()", "data-dependent")


def needs_values(error: BaseException) -> bool:
    """Whether building failed because the builder read a value out of a meta tensor."""
    text = str(error).lower()
    return isinstance(error, RuntimeError | NotImplementedError) and any(m in text for m in _VALUE_ON_META)


@contextmanager
def registered_on_meta() -> Iterator[None]:
    """Within: a parameter or buffer is moved to the meta device when a module registers it."""
    register_parameter = nn.Module.register_parameter
    register_buffer = nn.Module.register_buffer

    def parameter_on_meta(self: nn.Module, name: str, param: nn.Parameter | None) -> None:
        if param is not None and param.device.type != "meta":
            param = nn.Parameter(param.detach().to("meta"), requires_grad=param.requires_grad)
        register_parameter(self, name, param)

    def buffer_on_meta(
        self: nn.Module, name: str, tensor: torch.Tensor | None, persistent: bool = True
    ) -> None:
        if tensor is not None and tensor.device.type != "meta":
            tensor = tensor.to("meta")
        register_buffer(self, name, tensor, persistent)

    nn.Module.register_parameter = parameter_on_meta  # type: ignore[method-assign]
    nn.Module.register_buffer = buffer_on_meta  # type: ignore[method-assign]
    try:
        with torch.device("cpu"):
            yield
    finally:
        nn.Module.register_parameter = register_parameter  # type: ignore[method-assign]
        nn.Module.register_buffer = register_buffer  # type: ignore[method-assign]


def call_builder(
    label: str, builder: Callable[..., nn.Module], options: dict[str, Any], fixed: dict[str, Any]
) -> nn.Module:
    """Run a library's builder; a failure the user's keywords caused is one line naming them.
    A failure to read a value from a meta tensor passes through (``build_on_meta`` retries)."""
    try:
        return builder(**{**fixed, **options})  # a user's weights=None / pretrained=False stands
    except CnnarchError:
        raise
    except Exception as error:
        if needs_values(error):
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        given = ", ".join(f"{k}={v!r}" for k, v in options.items())
        raise CnnarchError(
            f"{label} cannot be built" + (f" with {given}" if given else "") + f": {message}",
            "check the keywords against the builder's signature" if given else None,
        ) from None


def build_on_meta(factory: Callable[[], nn.Module], name: str) -> tuple[nn.Module, str | None]:
    """The module built on the meta device, and a notice where its builder needed real values."""
    try:
        with torch.device("meta"):
            return factory(), None
    except (RuntimeError, NotImplementedError) as error:
        if not needs_values(error):
            raise
        reason = str(error).strip().splitlines()[0]
    with registered_on_meta():
        module = factory()
    return to_meta(module), (
        f"{name}'s builder computes with tensors ({reason}): built with real values for that "
        "arithmetic, each parameter and buffer moved to the meta device as it was registered"
    )


def to_meta(module: nn.Module) -> nn.Module:
    """Move ``module``'s parameters and buffers to the meta device in place, each tensor once:
    ``module.to("meta")`` would give each module its own copy of a shared (tied) weight. Lazy
    parameters (``nn.LazyLinear``) stay lazy, so their first forward pass creates them on meta."""
    lazy = nn.parameter.UninitializedTensorMixin
    moved: dict[int, torch.Tensor] = {}
    for owner in module.modules():
        for table in (owner._parameters, owner._buffers):
            for key, value in table.items():
                if value is None or (value.device.type == "meta" and not isinstance(value, lazy)):
                    continue
                found = moved.get(id(value))
                if found is None:
                    found = moved[id(value)] = meta_twin(value)
                table[key] = found
    return module


def tensor_memo(module: nn.Module, meta: bool) -> dict[int, Any]:
    """``copy.deepcopy``'s memo for a copy of a user's module: with ``meta``, every parameter,
    buffer and tensor attribute maps to its meta twin (no weight data read or copied; a shared
    tensor stays shared); without, lazy tensors and pruning's computed weight (non-leaf), which
    deepcopy refuses, get fresh twins and everything else is deep-copied as it is."""
    memo: dict[int, Any] = {}
    for owner in module.modules():
        for table in (owner._parameters, owner._buffers, vars(owner)):
            for value in table.values():
                if not isinstance(value, torch.Tensor) or id(value) in memo:
                    continue
                if meta:
                    memo[id(value)] = meta_twin(value)
                elif isinstance(value, nn.parameter.UninitializedTensorMixin):
                    memo[id(value)] = type(value)(value.requires_grad, value.device, value.dtype)  # type: ignore[call-arg]
                elif not value.is_leaf:
                    memo[id(value)] = value.detach().clone()
    return memo


def meta_twin(value: torch.Tensor) -> torch.Tensor:
    """The same tensor (parameter, buffer, lazy parameter) on the meta device, without its data."""
    if isinstance(value, nn.parameter.UninitializedTensorMixin):
        kind = (
            nn.parameter.UninitializedParameter
            if isinstance(value, nn.parameter.UninitializedParameter)
            else nn.parameter.UninitializedBuffer
        )
        return kind(value.requires_grad, "meta", value.dtype)
    with torch.no_grad():
        moved = value.detach().to("meta")
    if isinstance(value, nn.Parameter):
        return nn.Parameter(moved, requires_grad=value.requires_grad)
    return moved
