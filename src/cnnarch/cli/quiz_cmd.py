"""``cnnarch quiz``: exam questions with an answer key, or one at a time (``--interactive``)."""

from __future__ import annotations

import random
import sys
from enum import Enum
from typing import Annotated

import typer

from cnnarch.cli.console import write

TOPIC_HELP = (
    "Only these topics (comma-separated): conv, pool, params, macs, rf, memory, blocks, models. "
    "Default: all but models (which traces catalogued networks)."
)


class QuizFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


def quiz(
    topic: Annotated[str | None, typer.Option("--topic", "-t", help=TOPIC_HELP, show_default=False)] = None,
    n: Annotated[int, typer.Option("--questions", min=1, max=500, help="How many questions.")] = 10,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="The same seed gives the same sheet.", show_default="a new one"),
    ] = None,
    answers: Annotated[bool, typer.Option("--answers", help="Print the key: each answer worked.")] = False,
    interactive: Annotated[
        bool,
        typer.Option("--interactive", help="Ask one question at a time and check each answer."),
    ] = False,
    fmt: Annotated[QuizFormat, typer.Option("--format", "-f", help="Output format.")] = QuizFormat.text,
) -> None:
    """Exam questions drawn from the calculator's question types and the catalogue, with an answer
    key worked by the same engine as 'explain' and 'calc'. The sheet says its seed; give it
    again with --seed for the same questions.

    --interactive reads an answer after each question: 34944, 34,944 and 34.9K are all accepted
    (a rounded answer must round the key correctly); a wrong answer shows the working.

    Examples:

      cnnarch quiz --questions 5 --seed 7

      cnnarch quiz --topic conv,pool --seed 7 --answers

      cnnarch quiz --topic models --questions 3 --format markdown --answers > sheet.md

      cnnarch quiz --topic rf --interactive
    """
    from cnnarch.quiz import make_quiz

    topics = None if topic is None else [t.strip().lower() for t in topic.split(",") if t.strip()]
    chosen_seed = seed if seed is not None else random.SystemRandom().randrange(10_000)
    sheet = make_quiz(topics, n, chosen_seed)
    if interactive:
        _ask(sheet)
        return
    from cnnarch.render import quiz as render

    if fmt is QuizFormat.json:
        write(render.to_json(sheet, answers))
    elif fmt is QuizFormat.markdown:
        write(render.to_markdown(sheet, answers))
    else:
        write(render.to_text(sheet, answers))


def _ask(sheet) -> None:  # type: ignore[no-untyped-def]
    """One question at a time on stdin; a blank line skips (and shows the answer)."""
    from cnnarch.quiz import is_right, parse_answer

    right = 0
    total = len(sheet.questions)
    write(f"Quiz, seed {sheet.seed}: {total} questions. Answer with a number (34944, 34,944 or 34.9K).\n")
    for q in sheet.questions:
        write(f"{q.number}. {q.text}")
        while True:
            sys.stdout.write("> ")
            sys.stdout.flush()
            line = sys.stdin.readline()
            if not line:  # end of input: stop here
                write(f"\nStopped: {right} of {q.number - 1} right.")
                return
            text = line.strip()
            if text and parse_answer(text) is None:
                write("  give a number, e.g. 34944, 34,944 or 34.9K (a blank line skips)")
                continue
            break
        if text and is_right(text, q.answer):
            right += 1
            write(f"  right: {q.answer:,} {q.unit}\n")
            continue
        write(f"  {'not quite' if text else 'skipped'}: the answer is {q.answer:,} {q.unit}")
        for working in q.working:
            write(f"    {working}")
        write("")
    write(f"{right} of {total} right.")
