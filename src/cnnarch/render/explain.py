"""Render worked answers (``cnnarch.explain``) as plain text, Markdown or JSON.

Text reads like a marked homework sheet: a title per layer, then one line per question with the
formula, the numbers substituted and the result; questions with nothing to work out (a ReLU's
parameters) share one line. Markdown pastes into notes: a heading per layer, one bullet per
question, formulas in code spans so that nothing in them is taken for Markdown.
"""

from __future__ import annotations

import json

from cnnarch.explain.model import Alternatives, Explanation, Heading, LayerAnswer, Step
from cnnarch.explain.notation import lecture_shape, nchw

QUESTION_WIDTH = 18


def to_json(item: Explanation | Alternatives) -> str:
    return json.dumps(item.to_dict(), indent=2, ensure_ascii=False)


# -- text --------------------------------------------------------------------------------------
def _text_step(step: Step, indent: str) -> list[str]:
    lines = [f"{indent}{step.question:<{QUESTION_WIDTH}} {step.line}"]
    pad = indent + " " * (QUESTION_WIDTH + 1)
    lines += [f"{pad}{note}" for note in step.notes]
    return lines


def _trivial(steps: list[Step]) -> str:
    return " · ".join(f"{s.question} {s.result}" for s in steps)


def _text_layer(layer: LayerAnswer, indent: str = "") -> list[str]:
    lines = [f"{indent}Layer {layer.number}: {layer.name} — {layer.title}"]
    inner = indent + "  "
    if len(layer.input_shapes) == 1:
        lines.append(f"{inner}Input {lecture_shape(layer.input_shapes[0])} from {layer.inputs[0]}")
    lines += [f"{inner}{note}" for note in layer.notes]
    for step in layer.steps:
        if not step.trivial:
            lines += _text_step(step, inner)
    trivial = [s for s in layer.steps if s.trivial]
    if trivial:
        lines.append(f"{inner}{_trivial(trivial)}")
    return lines


def _text_heading(heading: Heading) -> str:
    indent = "  " * (heading.level - 1)
    mark = "===" if heading.level == 1 else "---"
    return f"{indent}{mark} {heading.text} {mark}"


def explanation_text(e: Explanation, title: bool = True, totals: bool = True) -> list[str]:
    lines = []
    if title:
        shapes = f"{nchw(e.input_shape)} (NCHW) = {lecture_shape(e.input_shape)}"
        lines += [f"{e.model} — worked answers, input {shapes}", ""]
    if e.program:
        lines += [f"As a layer list: {e.program}", ""]
    for part in e.parts:
        if isinstance(part, Heading):
            lines += [_text_heading(part), ""]
        else:
            lines += [*_text_layer(part), ""]
    if totals and e.totals:
        lines.append("Totals")
        for step in e.totals:
            lines += _text_step(step, "  ")
        lines.append("")
    if totals:
        lines += e.notes
    return lines


def alternatives_text(c: Alternatives) -> list[str]:
    lines = [c.title, ""]
    for label, candidate in ((chr(ord("A") + i), x) for i, x in enumerate(c.candidates)):
        lines += [f"{label}: {candidate.label} — {candidate.program}"] + ([""] if c.details else [])
        if not c.details:
            continue
        for part in candidate.explanation.parts:
            if isinstance(part, Heading):
                lines += [_text_heading(part), ""]
            else:
                lines += [*_text_layer(part, "  "), ""]
    if not c.details and c.candidates:
        lines.append("")
    lines.append("Compared" if len(c.candidates) > 1 else "Answer")
    for step in c.verdict:
        lines += _text_step(step, "  ")
    if c.notes:
        lines += ["", *c.notes]
    return lines


def to_text(item: Explanation | Alternatives) -> str:
    lines = alternatives_text(item) if isinstance(item, Alternatives) else explanation_text(item)
    return "\n".join(lines).rstrip() + "\n"


# -- Markdown ----------------------------------------------------------------------------------
def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"``{text}``"


def _md_step(step: Step) -> list[str]:
    lines = [f"- **{step.question}** {_code(step.line)}"]
    if step.notes:
        lines.append("  " + "; ".join(step.notes))
    return lines


def _md_layer(layer: LayerAnswer, level: str = "###") -> list[str]:
    lines = [f"{level} Layer {layer.number}: {_code(layer.name)} — {layer.title}", ""]
    if len(layer.input_shapes) == 1:
        lines += [f"Input {_code(lecture_shape(layer.input_shapes[0]))} from {_code(layer.inputs[0])}", ""]
    for note in layer.notes:
        lines.append(f"- {note}")
    for step in layer.steps:
        if not step.trivial:
            lines += _md_step(step)
    trivial = [s for s in layer.steps if s.trivial]
    if trivial:
        lines.append("- " + " · ".join(f"**{s.question}** {_code(s.result)}" for s in trivial))
    return [*lines, ""]


def _md_heading(heading: Heading) -> list[str]:
    quote = "> " * heading.level
    text = f"**{heading.text}**" if heading.level == 1 else f"*{heading.text}*"
    return [f"{quote}{text}", ""]


def explanation_markdown(e: Explanation, title: bool = True, level: str = "###") -> list[str]:
    lines = []
    if title:
        lines += [
            f"## {e.model}: worked answers",
            "",
            f"Input {_code(nchw(e.input_shape))} (NCHW) = {_code(lecture_shape(e.input_shape))}",
            "",
        ]
    if e.program:
        lines += [f"As a layer list: {_code(e.program)}", ""]
    for part in e.parts:
        lines += _md_heading(part) if isinstance(part, Heading) else _md_layer(part, level)
    if title and e.totals:
        lines += [f"{level} Totals", ""]
        for step in e.totals:
            lines += _md_step(step)
        lines.append("")
    if title:
        lines += [f"*{note}*" for note in e.notes]
    return lines


def to_markdown(item: Explanation | Alternatives) -> str:
    if isinstance(item, Explanation):
        lines = explanation_markdown(item)
    else:
        lines = [f"## {item.title}", ""]
        for i, candidate in enumerate(item.candidates):
            lines += [f"### {chr(ord('A') + i)}: {candidate.label}", "", _code(candidate.program), ""]
            if item.details:
                lines += explanation_markdown(candidate.explanation, title=False, level="####")
        lines += ["### Compared" if len(item.candidates) > 1 else "### Answer", ""]
        for step in item.verdict:
            lines += _md_step(step)
        if item.notes:
            lines += ["", *(f"*{note}*" for note in item.notes)]
    return "\n".join(lines).rstrip() + "\n"
