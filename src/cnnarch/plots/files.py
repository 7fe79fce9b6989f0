"""Where a chart goes: the format comes from the file's suffix, checked before any work."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cnnarch.errors import CnnarchError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def check_plot_path(path: str | Path) -> str:
    """The format of ``path`` (png, svg, pdf); a clear error for another suffix or a missing
    folder, so a mistake costs no analysis."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CnnarchError(
            f"--plot {str(path)!r}: cannot tell the format from {path.suffix or 'no suffix'!r}",
            "end the name in .png, .svg or .pdf",
        )
    if not path.parent.is_dir():
        raise CnnarchError(f"--plot {str(path)!r}: no such folder {str(path.parent)!r}")
    return fmt


def save(figure: Figure, path: str | Path) -> None:
    """Write ``figure``; SVG keeps its text as text (searchable, and names stay readable)."""
    from matplotlib import rc_context

    fmt = check_plot_path(path)
    with rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        try:
            figure.savefig(
                path,
                format=fmt,
                dpi=figure.dpi,
                metadata=_metadata(fmt),
                bbox_inches="tight",
                pad_inches=0.15,
            )
        except OSError as problem:
            raise CnnarchError(f"cannot write {path}: {problem.strerror or problem}") from None


def _metadata(fmt: str) -> dict[str, str | None]:
    # Reproducible files: no creation date in SVG and PDF.
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return {}
