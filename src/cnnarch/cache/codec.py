"""Plain-data results to JSON and back, exactly: the cached value reads back equal to the one
stored, dataclass for dataclass, so a warm run renders the same bytes as a cold one.

JSON holds lists, string-keyed dicts, strings, numbers, booleans and null. Everything else a
result may hold is written as a small tagged object (``{"@": "tuple", ...}``): cnnarch's
dataclasses, tuples, ``Fraction``, enums, dicts with other keys. A value of any other type
(a ``torch.dtype`` slipping into a result) raises ``Unencodable``: such a result is not cached
rather than cached wrongly. Reading imports classes from ``cnnarch`` only and builds nothing
but dataclasses and enums, so a tampered file cannot run code.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from fractions import Fraction
from pkgutil import resolve_name
from typing import Any

TAG = "@"


class Unencodable(TypeError):
    """The result holds a value this codec cannot write back exactly."""


class Undecodable(ValueError):
    """The stored data is not what this codec writes."""


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Enum):
        return {TAG: "enum", "class": _class_path(type(value)), "value": encode(value.value)}
    if isinstance(value, (int, float)):
        if type(value) not in (int, float):  # numpy scalars, IntEnum handled above
            raise Unencodable(f"cannot cache a {type(value).__name__}")
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(type(k) is str for k in value) and TAG not in value:
            return {k: encode(v) for k, v in value.items()}
        return {TAG: "dict", "items": [[encode(k), encode(v)] for k, v in value.items()]}
    if type(value) is tuple:
        return {TAG: "tuple", "items": [encode(v) for v in value]}
    if type(value) is Fraction:
        return {TAG: "fraction", "n": value.numerator, "d": value.denominator}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__module__.startswith("cnnarch."):
            raise Unencodable(f"cannot cache a {_class_path(cls)}")
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {TAG: "dataclass", "class": _class_path(cls), "fields": fields}
    raise Unencodable(f"cannot cache a {type(value).__module__}.{type(value).__qualname__}")


def _cnnarch_class(path: Any) -> type:
    if not isinstance(path, str) or ":" not in path:
        raise Undecodable(f"not a class path: {path!r}")
    module_name = path.split(":", 1)[0]
    if module_name != "cnnarch" and not module_name.startswith("cnnarch."):
        raise Undecodable(f"not a cnnarch class: {path}")
    try:
        found: Any = resolve_name(path)  # 'module:Qual.Name'
    except (ImportError, AttributeError, ValueError) as missing:
        raise Undecodable(f"no class {path}") from missing
    if not isinstance(found, type):
        raise Undecodable(f"not a class: {path}")
    return found


def decode(data: Any) -> Any:
    """The value ``encode`` wrote."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    tag = data.get(TAG)
    if tag is None:
        return {k: decode(v) for k, v in data.items()}
    if tag == "tuple":
        return tuple(decode(v) for v in data["items"])
    if tag == "dict":
        return {decode(k): decode(v) for k, v in data["items"]}
    if tag == "fraction":
        return Fraction(data["n"], data["d"])
    if tag == "enum":
        cls = _cnnarch_class(data["class"])
        if not issubclass(cls, Enum):
            raise Undecodable(f"not an enum: {data['class']}")
        return cls(decode(data["value"]))
    if tag == "dataclass":
        cls = _cnnarch_class(data["class"])
        if not dataclasses.is_dataclass(cls):
            raise Undecodable(f"not a dataclass: {data['class']}")
        stored = data["fields"]
        names = {f.name for f in dataclasses.fields(cls)}
        if set(stored) != names:
            raise Undecodable(f"{data['class']} has other fields now")
        instance = object.__new__(cls)  # no __init__/__post_init__: the stored state as it was
        for name, value in stored.items():
            object.__setattr__(instance, name, decode(value))
        return instance
    raise Undecodable(f"unknown tag {tag!r}")
