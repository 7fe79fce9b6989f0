"""Render a quiz (``cnnarch.quiz``) as text, Markdown or JSON: questions first, then the key."""

from __future__ import annotations

import json

from cnnarch.quiz.model import Question, Quiz


def to_json(quiz: Quiz, answers: bool) -> str:
    data = quiz.to_dict()
    if not answers:
        for q in data["questions"]:
            for key in ("answer", "working"):
                q.pop(key)
    return json.dumps(data, indent=2, ensure_ascii=False)


def _answer(q: Question) -> str:
    return f"{q.answer:,} {q.unit}"


def to_text(quiz: Quiz, answers: bool) -> str:
    topics = ", ".join(quiz.topics)
    lines = [f"Quiz: {_count(quiz)} on {topics} (seed {quiz.seed})", ""]
    for q in quiz.questions:
        lines += [f"{q.number}. [{q.topic}, {q.difficulty}] {q.text}", ""]
    if answers:
        lines += ["Answers", ""]
        for q in quiz.questions:
            lines.append(f"{q.number}. {_answer(q)}")
            lines += [f"   {line}" for line in q.working]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"``{text}``"


def to_markdown(quiz: Quiz, answers: bool) -> str:
    topics = ", ".join(quiz.topics)
    lines = [f"# Quiz: {topics}", "", f"{_count(quiz)}, seed {quiz.seed}.", ""]
    for q in quiz.questions:
        lines.append(f"{q.number}. *{q.topic}, {q.difficulty}:* {q.text}")
    lines.append("")
    if answers:
        lines += ["## Answers", ""]
        for q in quiz.questions:
            lines += [f"{q.number}. **{_answer(q)}**", ""]
            lines += [f"    - {_code(line)}" for line in q.working]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _count(quiz: Quiz) -> str:
    """``1 question``, ``10 questions``."""
    n = len(quiz.questions)
    return f"{n} question{'' if n == 1 else 's'}"
