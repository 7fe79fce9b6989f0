"""Put each tool's own total beside cnnarch's total under that tool's rules, with the reason the
tool differs from cnnarch's default (``macs``), kind of operation by kind of operation."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnnarch.analysis import conventions
from cnnarch.analysis.breakdown import LABELS, ORDER, UNITS
from cnnarch.errors import CnnarchError


@dataclass
class ToolCount:
    tool: str
    status: str
    """ok, missing (not installed) or failed (the tool raised)."""
    cnnarch: int
    """cnnarch's total under the tool's rules (``conventions.get(tool)``)."""
    by_category: dict[str, int]
    reason: str
    """How the rules differ from ``macs``: ``fvcore: +22.2M norm; ignores 9.6M activation``."""
    total: int | None = None
    """The tool's own total."""
    version: str | None = None
    seconds: float | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    """What the rules do not reproduce (``Convention.notes``)."""

    @property
    def equal(self) -> bool | None:
        return None if self.total is None else self.total == self.cnnarch


@dataclass
class Kind:
    """A kind of operation as tables print it (``analysis/breakdown.py``)."""

    key: str
    label: str
    unit: str
    """What its work is counted in."""


@dataclass
class CounterTotals:
    """Each FLOP counter's total on one model beside cnnarch's under that counter's rules."""

    model: str
    input_shape: list[int]
    macs: int
    macs_by_category: dict[str, int]
    breakdown: dict[str, int]
    """Work by kind of operation in natural units (``analysis/breakdown.py``)."""
    unknown_ops: dict[str, int]
    cnnarch_seconds: float
    """Trace and count, from the model already built on the meta device, when cnnarch's counts
    were computed (in an earlier run where they come from the result cache)."""
    tools: list[ToolCount]
    kinds: list[Kind] = field(default_factory=list)
    """Every kind of operation, in the order tables show them."""
    cnnarch_cached: bool = False
    """cnnarch's counts were read from the result cache in this run: no trace ran, and
    ``cnnarch_seconds`` is the earlier run's time."""


def parse_tools(text: str | Sequence[str]) -> list[str]:
    names = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = [n for n in names if n not in conventions.PEERS]
    if unknown or not names:
        raise CnnarchError(
            f"unknown tool {unknown[0]!r}" if unknown else "no tool given",
            f"--vs takes a comma-separated list of: {', '.join(conventions.PEERS)}",
        )
    return list(dict.fromkeys(names))


def compare(
    model: Any,
    input_size: str | int | tuple[int, ...] | None = None,
    tools: Sequence[str] = conventions.PEERS,
    on_tool: Callable[[str], None] | None = None,
    use_cache: bool = True,
    **options: Any,
) -> CounterTotals:
    """Count ``model`` (a catalogue name or an ``nn.Module``) with cnnarch under every tool's
    rules, then with each tool itself on a CPU copy with random weights and a random input of
    the same shape (batch 1). ``on_tool(name)`` is called before each tool runs. cnnarch's own
    counts come from the result cache where it holds them (``use_cache=False``: never); the
    tools always run. ``mode="train"`` counts (and runs the tools on) the layers in training
    mode."""
    import torch

    from cnnarch import peers
    from cnnarch.api import resolve
    from cnnarch.cache import result_key
    from cnnarch.cache.store import cached

    tools = parse_tools(list(tools))
    mode = options.pop("mode", "eval")
    if mode not in ("eval", "train"):
        raise CnnarchError(f"unknown mode {mode!r}", "use eval or train")
    source = resolve(model, **options)
    if mode != "eval":  # left out in eval mode: the key a result was cached under before
        options["mode"] = mode
    key = result_key("CounterTotals", model, input_size=input_size, tools=tools, **options)
    computed = []

    def compute() -> CounterTotals:
        computed.append(True)
        return cnnarch_counts(source, input_size, tools, mode)

    totals = cached(key, compute, use=use_cache)
    totals.cnnarch_cached = not computed
    shape = tuple(totals.input_shape)
    rows = {row.tool: row for row in totals.tools}
    real = _real_copy(model, source, shape[1:]).train(mode == "train")
    x = torch.randn(shape)
    for tool in [t for t in peers.SAFE_ORDER if t in tools]:
        if on_tool is not None:
            on_tool(tool)
        result = peers.run(tool, real, x)
        row = rows[tool]
        row.status, row.total, row.version = result.status, result.total, result.version
        row.seconds, row.error = result.seconds, result.error
    return totals


def cnnarch_counts(source: Any, input_size: Any, tools: Sequence[str], mode: str = "eval") -> CounterTotals:
    """cnnarch's side alone: one trace of ``source`` counted under each tool's rules (the
    tools' own totals not yet run: status ``missing``)."""
    from cnnarch.api import analysis_of
    from cnnarch.render.units import scaled

    start = time.perf_counter()
    analysis = analysis_of(source, input_size, mode=mode)
    trace, report = analysis.trace, analysis.report
    counts = conventions.evaluate_all(trace, tools)
    cnnarch_seconds = time.perf_counter() - start
    shape = tuple(report.input_shape)
    default = report.totals.ops_by_category
    rows = {
        tool: ToolCount(
            tool=tool,
            status="missing",
            cnnarch=c.total,
            by_category=c.by_category,
            reason=conventions.reason(tool, c.by_category, default, report.totals.breakdown, scaled),
            notes=list(conventions.get(tool).notes),
        )
        for tool, c in counts.items()
    }
    return CounterTotals(
        model=report.model,
        input_shape=list(shape),
        macs=report.totals.macs,
        macs_by_category=default,
        breakdown=report.totals.breakdown,
        unknown_ops=report.totals.unknown_ops,
        cnnarch_seconds=cnnarch_seconds,
        tools=[rows[t] for t in tools],
        kinds=[Kind(k, LABELS[k], UNITS[k]) for k in ORDER],
    )


def _real_copy(model: Any, source: Any, sample: tuple[int, ...]) -> Any:
    """The model on the CPU with weights (random: the counts do not depend on their values)."""
    import torch

    if isinstance(model, torch.nn.Module):
        # The tools run on a copy: they set training flags and add hooks and buffers, and the
        # user's module must come back as it was (issue 14).
        try:
            return copy.deepcopy(model).eval()
        except Exception as error:
            raise CnnarchError(
                f"cannot copy the module to run the peer tools on it ({type(error).__name__}: {error})",
                "pass a catalogue name or a file.py:Class the tools can build afresh",
            ) from error
    if source.factory is not None:
        with torch.device("cpu"):
            return source.factory().eval()
    meta = source.build_for(sample) if source.build_for is not None else source.module
    real = meta.to_empty(device="cpu")
    for module in real.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset):
            reset()
    return real.eval()
