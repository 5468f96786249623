"""Ask the configured LLM to classify the input, in a constrained one-word format.
A reply that names no known kind abstains."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from orchestra.llm.base import LLM, Message
from orchestra.types import LLM_TARGET, RouteDecision

from .rules import _registry_target
from .text import text_of

KINDS = ("sudoku", "maze", "arc", "text")
PROMPT = (
    "Classify the user's message. Answer with exactly one word:\n"
    "sudoku - it contains a Sudoku grid to solve\n"
    "maze - it contains a maze drawn in characters (# walls, S start, G goal)\n"
    "arc - it contains an ARC task as JSON with train and test grids\n"
    "text - anything else (questions, prose, code, numbers), even if it talks about puzzles"
)


class LLMRouter:
    name = "llm"

    def __init__(
        self, llm: LLM, targets: Callable[[str], str] | None = None, max_chars: int = 1500
    ):
        self.llm, self.max_chars = llm, max_chars
        self._target = targets or _registry_target

    def route(self, problem_or_text: Any) -> RouteDecision:
        text = text_of(problem_or_text)[: self.max_chars]
        try:
            reply = self.llm.complete(
                [Message(role="system", content=PROMPT), Message(role="user", content=text)],
                max_tokens=4,
            ).text
        except Exception as e:
            return RouteDecision(
                kind="text",
                target=LLM_TARGET,
                abstained=True,
                router=self.name,
                reason=f"the LLM could not classify: {type(e).__name__}: {e}",
            )
        found = re.findall(r"\b(sudoku|maze|arc|text)\b", reply.lower())
        if len(set(found)) != 1:
            return RouteDecision(
                kind="text",
                target=LLM_TARGET,
                abstained=True,
                router=self.name,
                reason=f"unparseable classification {reply[:40]!r}",
            )
        kind = found[0]
        return RouteDecision(
            kind=kind,
            target=LLM_TARGET if kind == "text" else self._target(kind),
            scores={k: float(k == kind) for k in KINDS},
            router=self.name,
            reason=f"the LLM answered {reply[:40]!r}",
        )
