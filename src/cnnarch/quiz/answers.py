"""Reading a student's answer: ``34944``, ``34,944``, ``34 944``, ``34.9K``, ``1.2M``, ``55x55``.

An answer in full must equal the key; a rounded one (``34.9K``) is right when the key rounds to
it at the digits given (34,944 → 34.9K, not 35.1K).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SCALE = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "b": 10**9}
_NUMBER = re.compile(r"^([0-9][0-9,_ ]*(?:\.[0-9]+)?)\s*([kmgb]?)$")


def parse_answer(text: str) -> list[tuple[Decimal, Decimal]] | None:
    """(value, tolerance) for each number given (``55x55`` gives two); None if not numbers."""
    parts = re.split(r"\s*[x×*]\s*", text.strip().lower().rstrip("."))
    found = []
    for part in parts:
        match = _NUMBER.match(part)
        if match is None:
            return None
        digits, suffix = match.group(1).replace(",", "").replace("_", "").replace(" ", ""), match.group(2)
        try:
            value = Decimal(digits)
        except InvalidOperation:
            return None
        scale = _SCALE[suffix]
        places = len(digits.partition(".")[2])
        tolerance = Decimal(0) if suffix == "" else Decimal(scale) / (2 * 10**places)
        found.append((value * scale, tolerance))
    return found


def is_right(text: str, answer: int) -> bool:
    """Whether ``text`` states ``answer`` (in full, with separators, or rounded with K/M/G)."""
    numbers = parse_answer(text)
    return bool(numbers) and all(abs(value - answer) <= tolerance for value, tolerance in numbers)
