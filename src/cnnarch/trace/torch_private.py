"""The one private PyTorch API cnnarch uses, kept here so that a PyTorch release that changes it
fails one test (``tests/test_torch_private.py``) instead of a trace.

``torch._C._DisableTorchDispatch`` turns off Python dispatch modes (as
``torch._C.DisableTorchFunction``, public, does torch-function modes): a replayed layer makes
its output tensors without the trace's modes recording their creation as operations. The
public alternative, ``torch.utils._python_dispatch._disable_current_modes``, pops and restores
every mode on the stack (private too, and slower).
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
