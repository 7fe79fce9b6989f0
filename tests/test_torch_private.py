"""The private PyTorch APIs cnnarch uses (``cnnarch.trace.torch_private``): these tests fail
loudly when a PyTorch release renames one or changes what it does."""

from __future__ import annotations

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from cnnarch.trace.torch_private import global_module_hooks, no_python_modes


class Seen(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.ops: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        self.ops.append(str(func))
        return func(*args, **(kwargs or {}))


class Called(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        self.calls.append(getattr(func, "__name__", repr(func)))
        return func(*args, **(kwargs or {}))


def test_the_private_api_still_exists() -> None:
    assert callable(torch._C._DisableTorchDispatch), (
        "torch._C._DisableTorchDispatch is gone: see torch_private.py"
    )


def test_no_mode_sees_what_runs_inside_and_both_see_what_runs_after() -> None:
    with Seen() as dispatch, Called() as function:
        with no_python_modes():
            inside = torch.empty_strided((2, 3), (3, 1), device="meta")
            torch.relu(inside)
        assert dispatch.ops == [] and function.calls == []
        torch.relu(inside)
    assert dispatch.ops == ["aten.relu.default"]
    assert "relu" in function.calls


def test_every_kind_of_global_module_hook_is_seen() -> None:
    hooks = torch.nn.modules.module
    assert not global_module_hooks()
    for register, hook in (
        (hooks.register_module_forward_pre_hook, lambda m, a: None),
        (hooks.register_module_forward_hook, lambda m, a, o: None),
        (hooks.register_module_full_backward_pre_hook, lambda m, g: None),
        (hooks.register_module_full_backward_hook, lambda m, gi, go: None),
    ):
        handle = register(hook)
        try:
            assert global_module_hooks(), f"{register.__name__}'s registry moved: see torch_private.py"
        finally:
            handle.remove()
        assert not global_module_hooks()
