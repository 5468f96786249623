"""Answers as text a person reads in a terminal: each family renders its own."""

from __future__ import annotations

from typing import Any

from . import family_registry
from .tasks.base import Problem


def answer_text(problem: Problem | None, answer: Any) -> str:
    if answer is None:
        return "(no answer)"
    family = family_registry.family_of(problem) if problem is not None else None
    if family is not None:
        try:
            return family.render(problem, answer)  # type: ignore[arg-type]
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):
            pass  # an answer of an unexpected shape is shown as it is
    return answer if isinstance(answer, str) else repr(answer)


def summary(problem: Problem | None, answer: Any, width: int = 40) -> str:
    """One line: enough to recognise the answer in a table."""
    if answer is None:
        return ""
    family = family_registry.family_of(problem) if problem is not None else None
    text = None
    if family is not None:
        try:
            text = family.summary(problem, answer)  # type: ignore[arg-type]
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):
            text = None
    if text is None:
        text = answer_text(problem, answer).replace("\n", " / ")
    return text if len(text) <= width else text[: width - 1] + "…"
