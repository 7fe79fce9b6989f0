"""Layer lists (``"conv 96 k11 s4 > relu > ..."``) and files holding one (``my_net.txt``).

Claims text that contains ``>`` or a line break or starts with a layer keyword, and paths
ending in ``.txt``, ``.cnn`` or ``.layers``. A layer list infers its channels and features from
the input, so its module is built for the input size when it is traced (``Source.build_for``);
an ``input CxHxW`` first line gives it a default input size.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from cnnarch.errors import CnnarchError
from cnnarch.sources.base import Source

SUFFIXES = (".txt", ".cnn", ".layers")
_FIRST_WORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")


def claims(text: str) -> bool:
    """Whether ``text`` is meant as a layer list (or a file holding one)."""
    from cnnarch.dsl.layers import keywords

    if text.lower().endswith(SUFFIXES) or any(c in text for c in ">\n;→(") or "->" in text:
        return True
    first = _FIRST_WORD.match(text)
    return bool(first) and first.group(1).lower() in keywords()


def resolve(text: str, options: dict[str, Any]) -> Source | None:
    if not claims(text):
        return None
    from cnnarch.dsl import build, parse
    from cnnarch.dsl.modules import Unbuilt

    path = Path(text.strip())
    origin = None
    if text.lower().endswith(SUFFIXES) and "\n" not in text:
        if not path.is_file():
            raise CnnarchError(f"no such file: {text}", "a layer-list file ends in .txt, .cnn or .layers")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:
            raise CnnarchError(f"cannot read {path}: {problem}") from None
        origin = path.name
    given = sorted(k for k, v in options.items() if v is not None)
    if given:
        names = ", ".join(f"--{k.replace('_', '-')}" for k in given)
        raise CnnarchError(
            f"a layer list does not take {names}",
            "its input channels come from --input and its classes from its last fc layer",
        )
    program = parse(text, origin)
    name = origin or "layer list"

    def build_for(shape: tuple[int, ...]) -> torch.nn.Module:
        with torch.device("meta"):
            return build(program, shape)

    module = build_for(program.input) if program.input else Unbuilt(name)
    return Source(module, name, program.input, origin="layer-list", build_for=build_for)
