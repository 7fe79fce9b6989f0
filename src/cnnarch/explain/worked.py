"""Assemble the worked answers of a network from one ``Analysis``: its report and the trace behind it.

``explain`` never works a shape, a count or a receptive field out its own way: results are the
``Report``'s, rows and receptive fields the analysis' own (the ones the summary's figures come
from); what it adds is the working and the branch structure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnnarch.explain.branches import Block, find_blocks
from cnnarch.explain.grid import grid_step
from cnnarch.explain.layer import (
    LAYOUT,
    LayerView,
    feature_map,
    mac_step,
    param_step,
    rf_step,
    rf_text,
    shape_steps,
    shape_text,
    title,
)
from cnnarch.explain.model import Explanation, Heading, LayerAnswer, Step
from cnnarch.explain.notation import count, lecture_shape, nchw
from cnnarch.explain.select import select
from cnnarch.report import Report

if TYPE_CHECKING:
    from torch import nn

    from cnnarch.api import Analysis

MAX_TERMS = 12
"""Totals list their terms up to this many; beyond, they say how many layers they add."""


def explain_model(
    model: str | nn.Module,
    input_size: str | int | tuple[int, ...] | list[str] | None = None,
    *,
    batch: int = 1,
    layers: str | None = None,
    verbose: bool = False,
    **options: Any,
) -> Explanation:
    """Analyse ``model`` as ``cnnarch.analyze`` does and explain every layer (or those selected)."""
    from cnnarch.api import analysis_of

    return explain(analysis_of(model, input_size, batch=batch, **options), layers, verbose=verbose)


def explain(
    analysis: Analysis, layers: str | None = None, program: str | None = None, verbose: bool = False
) -> Explanation:
    """Worked answers for the layers ``layers`` selects (all by default), with totals: the whole
    network's for the whole network; for a selection, the sums of the selected layers (the whole
    network's too with ``verbose``: nobody asked for them)."""
    report, trace, rows, op_row = analysis.report, analysis.trace, analysis.rows, analysis.op_row
    if analysis.depth is not None:
        raise ValueError("explain needs an analysis built without depth: one row per layer")
    rfs = analysis.receptive_fields
    sources = [
        [op_row[p] if (p := trace.tensors[t].producer) is not None else -1 for t in row.inputs]
        for row in rows
    ]
    names = [layer.name for layer in report.layers]
    chosen = select(names, layers, [layer.type for layer in report.layers])
    all_blocks = find_blocks(sources)
    headings = _headings([b for b in all_blocks if b.disjoint], report)
    merge_notes = {b.merge: _merge_notes(b, report, sources[b.merge]) for b in all_blocks}
    parts: list[LayerAnswer | Heading] = []
    for i in chosen:
        parts.extend(headings.get(i, []))
        layer = report.layers[i]
        view = LayerView(layer, rows[i], trace, rfs, sources[i])
        grid = grid_step(report.model, layer)
        steps = [*([grid] if grid else shape_steps(view)), param_step(view), mac_step(view)]
        after = grid_step(report.model, report.layers[i + 1]) if i + 1 < len(report.layers) else None
        if after is not None and report.layers[i + 1].inputs == [layer.name]:
            grid_size = "×".join(str(d) for d in after.value[1:])
            steps[0].notes.append(
                f"{count(layer.output_shape[-1])} = {after.formula} = {after.substituted}: "
                f"the next layer ({names[i + 1]}) makes it the {grid_size} grid"
            )
        rf = rf_step(view)
        if rf is not None:
            steps.append(rf)
        inputs = ["input" if s < 0 else names[s] for s in dict.fromkeys(sources[i])]
        parts.append(
            LayerAnswer(
                number=i + 1,
                name=layer.name,
                type=layer.type,
                title=title(view),
                inputs=inputs,
                input_shapes=layer.input_shapes,
                output_shape=layer.output_shape,
                steps=steps,
                notes=merge_notes.get(i, []),
            )
        )
    return Explanation(
        model=report.model,
        input_shape=report.input_shape,
        parts=parts,
        totals=_totals(
            report,
            chosen,
            verbose,
            feature_map(LayerView(report.layers[-1], rows[-1], trace, rfs, sources[-1])),
        ),
        notes=_notes(report),
        program=program,
    )


def _name(report: Report, index: int) -> str:
    return "the input" if index < 0 else report.layers[index].name


def _shape(report: Report, index: int) -> list[int]:
    return report.input_shape if index < 0 else report.layers[index].output_shape


def _headings(blocks: list[Block], report: Report) -> dict[int, list[Heading]]:
    """Headings to print before a layer: the block's before its first layer, then each branch's."""
    out: dict[int, list[Heading]] = {}
    for block in sorted(blocks, key=lambda b: (b.fork, -b.merge)):
        filled = [b for b in block.branches if b]
        if not filled:
            continue
        level = 1 + sum(
            1 for a in blocks if a is not block and a.fork <= block.fork and block.merge < a.merge
        )
        merge = report.layers[block.merge]
        owner = merge.name.rpartition(".")[0] or merge.name
        k = len(block.branches)
        identity = [i for i, b in enumerate(block.branches, 1) if not b]
        kind = {"cat": "concatenated", "add": "added", "add_": "added"}.get(
            merge.type, f"merged by {merge.type}"
        )
        fork = f"{_name(report, block.fork)} {lecture_shape(_shape(report, block.fork))}"
        text = f"{owner}: {k} branches from {fork}, {kind} in {merge.name} (layer {block.merge + 1})"
        if identity:
            what = "the identity (a shortcut)" if merge.type.startswith("add") else "the block's input itself"
            text += "; " + ", ".join(f"branch {i} is {what}" for i in identity)
        first = min(min(b) for b in filled)
        out.setdefault(first, []).append(Heading(text, level))
        for i, branch in enumerate(block.branches, 1):
            if branch:
                last = report.layers[branch[-1]]
                plural = "s" if len(branch) > 1 else ""
                span = f"{len(branch)} layer{plural}, output {lecture_shape(last.output_shape)}"
                out.setdefault(branch[0], []).append(Heading(f"Branch {i} of {k} ({span})", level + 1))
    return out


def _merge_notes(block: Block, report: Report, sources: list[int]) -> list[str]:
    notes = []
    for i, s in enumerate(dict.fromkeys(sources), 1):
        what = ""
        if s == block.fork and block.disjoint:
            add = report.layers[block.merge].type.startswith("add")
            what = " (the identity shortcut)" if add else " (the block's input itself)"
        notes.append(f"input {i}: {_name(report, s)} {lecture_shape(_shape(report, s))}{what}")
    return notes


def _sum_step(question: str, values: list[int], total: int, notes: list[str]) -> Step:
    terms = [count(v) for v in values if v]
    if len(terms) <= 1:
        sub = None
    elif len(terms) <= MAX_TERMS:
        sub = " + ".join(terms)
    else:
        sub = f"the sum over {len(terms)} layers"
    return Step(question, count(total), None, sub, total, notes)


def _totals(report: Report, chosen: list[int], verbose: bool = False, mapped: bool = True) -> list[Step]:
    t = report.totals
    steps = []
    if len(chosen) < len(report.layers):
        if len(chosen) == 1 and not verbose:
            return []  # one layer: its answer is all that was asked
        picked = [report.layers[i] for i in chosen]
        steps.append(
            _sum_step(
                "Parameters of the selected layers?",
                [x.params for x in picked],
                sum(x.params for x in picked),
                [],
            )
        )
        steps.append(
            _sum_step(
                "MACs of the selected layers?", [x.macs for x in picked], sum(x.macs for x in picked), []
            )
        )
        if not verbose:
            return steps
    param_notes = [f"{count(t.trainable_params)} trainable, {count(t.frozen_params)} frozen"]
    if t.unused_params:
        param_notes.append(
            f"{count(t.unused_params)} in modules that never ran ({', '.join(t.unused_modules)})"
        )
    if t.buffers:
        param_notes.append(f"buffers (not parameters): {count(t.buffers)}")
    steps.append(_sum_step("Total parameters?", [x.params for x in report.layers], t.params, param_notes))
    steps.append(
        _sum_step(
            "Total MACs?", [x.macs for x in report.layers], t.macs, [f"FLOPs = 2·MACs = {count(t.flops)}"]
        )
    )
    steps.append(
        Step(
            "Output shape?",
            shape_text(report.output_shape, mapped),
            value=report.output_shape,
            notes=[f"{LAYOUT[len(report.output_shape)]} {nchw(report.output_shape)}"]
            if mapped and len(report.output_shape) in LAYOUT
            else [],
        )
    )
    last = next((x for x in reversed(report.layers) if x.receptive_field), None)
    if last is not None:
        text = rf_text(last.receptive_field, last.effective_stride, last.rf_whole_input, last.rf_approximate)
        steps.append(Step("Receptive field of the output?", text, value=last.receptive_field))
    return steps


def _notes(report: Report) -> list[str]:
    notes = [report.conventions["macs"]]
    if report.totals.unknown_ops:
        ops = ", ".join(f"{k} x{v}" for k, v in sorted(report.totals.unknown_ops.items()))
        notes.append(f"Ops without a rule (not counted, not zero): {ops}")
    return notes + [note for note in report.notes if note not in notes]  # --freeze's share, a fallback
