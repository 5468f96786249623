"""Puzzles for LLMs: a prompt per family that states the rules and the grid plainly and asks
for a fixed answer format, and a parser that finds that answer in a real reply (prose
around it, code fences, separators). A reply that cannot be parsed gives None, which the
verifier scores as wrong; parsing never raises.

This is the "LLM baseline" the benchmarks call, and the LLM fallback of the engine.
"""

from __future__ import annotations

import re
from typing import Any

from .. import family_registry
from ..tasks.base import Problem
from ..tasks.text import TextProblem
from .messages import Message

SYSTEM = "You are a careful solver of logic puzzles. Follow the answer format exactly."


def prompt_for(
    problem: Problem, *, examples: list[tuple[Problem, Any]] | None = None
) -> list[Message]:
    """Chat messages asking for the answer; `examples` are optional solved (problem,
    answer) pairs of the same family, shown as few-shot turns."""
    if isinstance(problem, TextProblem):
        return [Message(role="user", content=problem.text)]
    family = family_registry.family_of(problem)
    if family is None:
        raise ValueError(f"no LLM prompt for {problem.kind} problems")
    messages = [Message(role="system", content=SYSTEM)]
    for ex_problem, ex_answer in examples or []:
        messages.append(Message(role="user", content=family.prompt(ex_problem)))
        messages.append(
            Message(role="assistant", content=family.format_answer(ex_problem, ex_answer))
        )
    messages.append(Message(role="user", content=family.prompt(problem)))
    return messages


def format_answer(problem: Problem, answer: Any) -> str:
    """An answer in the format the prompt asks for (for few-shot examples)."""
    family = family_registry.family_of(problem)
    return str(answer) if family is None else family.format_answer(problem, answer)


def parse_reply(problem: Problem, text: str) -> Any:
    """The answer in an LLM reply, None if there is none. Never raises: a family's parser
    that breaks on an odd reply scores it as no answer."""
    if isinstance(problem, TextProblem):
        return text
    family = family_registry.family_of(problem)
    if family is None:
        return None
    try:
        return family.parse_reply(problem, text)
    except Exception:
        return None


# -- hybrid answers -------------------------------------------------------------------------


def hybrid_prompt(problem: Problem, solution_text: str) -> list[Message]:
    """The user's whole request, with the specialist's verified solution in context."""
    return [
        Message(
            role="system",
            content="A specialist has solved the puzzle in the user's message and a verifier "
            "has checked the solution. Use that solution to answer the user's question "
            "briefly and exactly.",
        ),
        Message(
            role="user",
            content=f"{problem.prompt}\n\nVerified solution:\n{solution_text}",
        ),
    ]


_SOLVE_ONLY = re.compile(
    r"^(please\s+)?((can|could|would|will)\s+you\s+(please\s+)?)?"
    r"(solve|complete|finish|do|find (the |a )?(shortest )?(path|solution|answer))\b"
    r"|^what(\s+is|'s)\s+the\s+(solution|answer|shortest path)\b",
    re.IGNORECASE,
)


def asks_more_than_the_answer(problem: Problem) -> bool:
    """True when the prose around a puzzle asks a question beyond "solve this"."""
    prose = problem.prompt
    if not prose or isinstance(problem, TextProblem):
        return False
    words = re.sub(r"[0-9._#|+\-SG\s]{6,}", "\n", prose)  # drop the puzzle itself
    questions = [q.strip() for q in re.findall(r"[^.?!\n]*\?", words) if q.strip(" ?")]
    return any(not _SOLVE_ONLY.match(q) for q in questions)
