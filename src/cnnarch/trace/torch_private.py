"""The private PyTorch APIs cnnarch uses, kept here so that a PyTorch release that changes one
fails a test (``tests/test_torch_private.py``) instead of a trace.

``torch._C._DisableTorchDispatch`` turns off Python dispatch modes (as
``torch._C.DisableTorchFunction``, public, does torch-function modes): a replayed layer makes
its output tensors without the trace's modes recording their creation as operations. The
public alternative, ``torch.utils._python_dispatch._disable_current_modes``, pops and restores
every mode on the stack (private too, and slower).

``torch.nn.modules.module._global_forward_hooks`` and its three siblings hold the global module
hooks: no public API says whether one is registered, which decides whether a module's children
may be replayed without being called.
"""

from __future__ import annotations

from types import TracebackType

import torch

_DISABLE_DISPATCH = torch._C._DisableTorchDispatch
_DISABLE_FUNCTION = torch._C.DisableTorchFunction


class no_python_modes:
    """Within it, tensor calls go straight to PyTorch's kernels: no torch-function or dispatch
    mode sees them."""

    __slots__ = ("_dispatch", "_function")

    def __enter__(self) -> None:
        self._function = _DISABLE_FUNCTION()
        self._function.__enter__()
        self._dispatch = _DISABLE_DISPATCH()
        self._dispatch.__enter__()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._dispatch.__exit__(kind, error, trace)
        self._function.__exit__(kind, error, trace)


def global_module_hooks() -> bool:
    """Whether a global module hook is registered (``register_module_forward_hook`` and the
    like). No public API tells: a replayed module's children are not called, so such a hook
    would miss their calls. Reads the registries ``torch.nn.modules.module`` keeps."""
    registries = torch.nn.modules.module
    return bool(
        registries._global_forward_pre_hooks
        or registries._global_forward_hooks
        or registries._global_backward_pre_hooks
        or registries._global_backward_hooks
    )
