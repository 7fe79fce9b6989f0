"""The counting conventions' names alone, for the command line's help: importing the conventions
themselves loads every op record (``cnnarch.ops``), a fifth of a warm ``cnnarch summary``.
``analysis/conventions.py`` checks at import that its registry has exactly these names."""

NAMES = ("macs", "flops", "fvcore", "thop", "ptflops", "torchinfo", "torch")
PEERS = ("fvcore", "thop", "ptflops", "torchinfo", "torch")
"""Conventions named after another tool, whose totals ``cnnarch flops --vs`` checks."""
