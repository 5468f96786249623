"""Open language: whatever is not a structured puzzle goes to an LLM as a `TextProblem`."""

from __future__ import annotations

from typing import Final, Literal

from .base import Problem

KIND: Final = "text"


class TextProblem(Problem):
    """Prose: what goes to the LLM.

    Attributes:
        kind: Always `text`.
        prompt: The text as given.
        text: The prose.
    """

    kind: Literal["text"] = KIND
    text: str
