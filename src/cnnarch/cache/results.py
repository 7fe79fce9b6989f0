"""The analyses the commands print, answered from the result cache where they can be.

Each function takes the arguments of the library call it stands for, plus ``use_cache``
(``--no-cache`` turns it off), and returns the same plain data: ``analyze`` a ``Report``
(``summary``, and each model of ``compare``), ``explain_model`` an ``Explanation``. On a hit
nothing imports torch or an analysis module; on a miss the library call runs (and checks its
options, and raises the user's errors) and its result is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnnarch.cache.key import result_key
from cnnarch.cache.store import cached

if TYPE_CHECKING:
    from cnnarch.explain.model import Explanation
    from cnnarch.report import Report


def analyze(model: str, input_size: Any = None, *, use_cache: bool = True, **arguments: Any) -> Report:
    """``cnnarch.api.analyze(model, input_size, **arguments)``."""

    def compute() -> Report:
        from cnnarch.api import analyze

        return analyze(model, input_size, **arguments)

    key = result_key("Report", model, input_size=input_size, **arguments)
    return cached(key, compute, use=use_cache)


def explain_model(
    model: str, input_size: Any = None, *, use_cache: bool = True, **arguments: Any
) -> Explanation:
    """``cnnarch.explain.explain_model(model, input_size, **arguments)``."""

    def compute() -> Explanation:
        from cnnarch.explain import explain_model

        return explain_model(model, input_size, **arguments)

    key = result_key("Explanation", model, input_size=input_size, **arguments)
    return cached(key, compute, use=use_cache)


def is_cached(model: str, input_size: Any = None, **arguments: Any) -> bool:
    """Whether ``analyze`` with these arguments would find an entry (not yet read: a damaged one
    is still a miss then)."""
    from cnnarch.cache.store import enabled, entry_path

    key = result_key("Report", model, input_size=input_size, **arguments)
    return key is not None and enabled() and entry_path(key).is_file()
