"""Human-readable numbers: exact counts with separators, large counts scaled, bytes in binary units."""

from __future__ import annotations


def count(n: int | float) -> str:
    """34,944."""
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.2f}"


def scaled(n: int | float, digits: int = 2) -> str:
    """105.42M, 15.47G: SI prefixes for parameter and operation counts."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= factor:
            return f"{n / factor:.{digits}f}{suffix}"
    return f"{n:.0f}"


def size(n: int | float) -> str:
    """1.11 MiB: binary prefixes for memory."""
    value = float(n)
    for suffix in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or suffix == "GiB":
            return f"{value:.0f} {suffix}" if suffix == "B" else f"{value:.2f} {suffix}"
        value /= 1024
    raise AssertionError("unreachable")


def shape(dims: list[int] | tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in dims) + "]"


def per_axis(values: list[int | float] | None) -> str:
    """``212`` when every axis agrees, ``212x180`` otherwise; fractions kept short."""
    if not values:
        return ""
    texts = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else "x".join(texts)
