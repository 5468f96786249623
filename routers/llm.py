"""Ask the configured LLM to classify the input, in a constrained one-word format.
A reply that names no known kind abstains."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from orchestra import family_registry
from orchestra.llm.base import LLM, Message
from orchestra.types import LLM_TARGET, RouteDecision

from .rules import _registry_target
from .text import text_of

TEXT = "text - anything else (questions, prose, code, numbers), even if it talks about puzzles"


def classes() -> dict[str, str]:
    """Kind -> its line of the prompt: every family with fixed kinds says what its
    problems look like (`Family.routing_hint`), then prose."""
    lines = {
        f.name: f"{f.name} - {f.routing_hint or f'it contains a {f.name} problem to solve'}"
        for f in family_registry.all_families()
        if not f.dynamic_kinds
    }
    return lines | {family_registry.TEXT_KIND: TEXT}


def prompt() -> str:
    return "Classify the user's message. Answer with exactly one word:\n" + "\n".join(
        classes().values()
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
                [Message(role="system", content=prompt()), Message(role="user", content=text)],
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
        kinds = list(classes())
        pattern = r"\b(" + "|".join(re.escape(k) for k in kinds) + r")\b"
        found = re.findall(pattern, reply.lower())
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
            target=LLM_TARGET if kind == family_registry.TEXT_KIND else self._target(kind),
            scores={k: float(k == kind) for k in kinds},
            router=self.name,
            reason=f"the LLM answered {reply[:40]!r}",
        )
