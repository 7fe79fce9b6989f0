"""Laying DOT out with Graphviz's ``dot`` program (through the ``graphviz`` package).

Graphviz is the standard layered-graph engine (ranks, crossing minimisation, clusters); its
program is a system package, so its absence is one clear error naming how to install it.
"""

from __future__ import annotations

import graphviz

from cnnarch.errors import CnnarchError

INSTALL = (
    "install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS) "
    "or conda install graphviz; --format dot prints the graph without it"
)
IMAGE_FORMATS = ("svg", "png", "pdf")


class EngineMissing(CnnarchError):
    """Graphviz's ``dot`` program is not on PATH."""


def require_dot(what: str, fix: str = INSTALL) -> None:
    """Graphviz's program must be on PATH before any work (a trace can take seconds), or
    ``EngineMissing`` says how to install it (``fix``)."""
    import shutil

    if shutil.which("dot") is None:
        raise EngineMissing(f"cannot draw {what}: Graphviz's 'dot' program is not installed", fix)


def layout(source: str, fmt: str) -> bytes:
    """The picture, laid out by ``dot``: SVG, PNG or PDF bytes."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(fmt)
    try:
        return graphviz.pipe("dot", fmt, source.encode(), quiet=True)
    except graphviz.ExecutableNotFound:
        raise EngineMissing(
            f"cannot draw {fmt}: Graphviz's 'dot' program is not installed", INSTALL
        ) from None
    except graphviz.CalledProcessError as failure:
        text = (failure.stderr or b"").decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"Graphviz failed to lay out the graph: {text[-1] if text else failure}") from None
