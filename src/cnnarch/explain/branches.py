"""Forks and merges: which layers form each branch of an Inception block or a residual block.

A merge is a layer that reads two or more layers (``cat``, ``add``, ``mul``). Its fork is the
latest layer that every one of its inputs descends from; branch i is every layer after the fork
that input i descends from. An input that *is* the fork is an empty branch (an identity
shortcut). When branches share layers (DenseNet's concatenations reuse earlier features) there
is no clean split, and only the merge itself is explained.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Block:
    merge: int
    """Row index of the merging layer."""
    fork: int
    """Row index of the layer the branches start from; -1 for the network input."""
    branches: list[list[int]]
    """Row indices of each branch's layers, in execution order (empty: identity)."""
    disjoint: bool


def _mask(i: int) -> int:
    return 1 << (i + 1)  # bit 0 is the network input (index -1)


def find_blocks(sources: list[list[int]]) -> list[Block]:
    """``sources[i]``: the rows that row i reads (-1: the network input)."""
    ancestors: list[int] = []
    for i, srcs in enumerate(sources):
        mask = _mask(i)
        for s in srcs:
            mask |= _mask(-1) if s < 0 else (ancestors[s] if s < i else _mask(s))
        ancestors.append(mask)

    def of(s: int) -> int:
        return _mask(-1) if s < 0 else ancestors[s]

    blocks = []
    for i, srcs in enumerate(sources):
        distinct = list(dict.fromkeys(srcs))
        if len(distinct) < 2:
            continue
        common = of(distinct[0])
        for s in distinct[1:]:
            common &= of(s)
        fork = common.bit_length() - 2  # the highest common ancestor
        above = ~((1 << (fork + 2)) - 1)
        masks = [of(s) & above for s in distinct]
        branches = [[b - 1 for b in range(m.bit_length()) if m >> b & 1] for m in masks]
        disjoint = all(masks[a] & masks[b] == 0 for a in range(len(masks)) for b in range(a))
        blocks.append(Block(i, fork, branches, disjoint))
    return blocks
