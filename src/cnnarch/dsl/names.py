"""Layer names as the lectures and Caffe write them (conv1 ... conv5, fc6, relu1, pool1): no torch
here, so a layer list can be named without building it."""

from __future__ import annotations


class Namer:
    """Conv, transposed conv and fc layers (and blocks) advance the number; every other layer
    takes the number of the layer before it; a name already taken gets a suffix (relu1_2)."""

    def __init__(self) -> None:
        self.number = 0
        self.used: set[str] = set()

    def name(self, prefix: str, advance: bool, numbered: bool = True) -> str:
        if advance:
            self.number += 1
        base = f"{prefix}{self.number}" if numbered and self.number else prefix
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name
