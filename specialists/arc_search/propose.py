"""An LLM's proposals for an ARC task, in the DSL's own syntax. Nothing the LLM writes is
executed: each line is parsed by the DSL's parser, and what parses is checked against the
demonstrations by the search like any other candidate."""

from __future__ import annotations

import re
from typing import Any

from orchestra.llm.base import Message
from orchestra.tasks.arc.dsl import ProgramError, describe, parse
from orchestra.tasks.family import grid_rows

MAX_PROPOSALS = 5
_LINE = re.compile(r"^\s*(?:[-*]\s*)?program\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def prompt(problem: Any) -> str:
    parts = [
        "Find a program in this grid language that turns every example input into its "
        "output. A program is steps joined by ' |> ', read left to right; each step takes "
        "the value the previous one gave (a program takes a grid and gives a grid).",
        "Steps (name(arguments): takes -> gives):\n" + describe(),
        "Example: objects(diag) |> largest |> crop |> recolour{1:2}",
    ]
    for i, pair in enumerate(problem.train, start=1):
        parts.append(f"Example {i} input:\n{grid_rows(pair.input)}")
        parts.append(f"Example {i} output:\n{grid_rows(pair.output)}")
    parts.append(
        f"Reply with up to {MAX_PROPOSALS} candidate programs, best first, each on its own "
        "line starting with 'program:'. Nothing else is read."
    )
    return "\n\n".join(parts)


def read(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(programs that parse, as (text, normalised text); the parser's message for each
    line that does not)."""
    good: list[tuple[str, str]] = []
    bad: list[str] = []
    for raw in _LINE.findall(text)[:MAX_PROPOSALS]:
        try:
            good.append((str(parse(raw)), raw))
        except ProgramError as e:
            bad.append(f"proposed program {raw[:80]!r} rejected: {e}")
    if not good and not bad:
        bad.append("the proposer's reply held no 'program:' line")
    return good, bad


def propose(llm: Any, problem: Any) -> tuple[list[tuple[str, str]], list[str]]:
    try:
        result = llm.complete([Message(role="user", content=prompt(problem))], max_tokens=400)
    except Exception as e:  # a proposer that fails leaves the search to itself
        return [], [f"proposer failed: {type(e).__name__}: {e}"]
    return read(result.text)
