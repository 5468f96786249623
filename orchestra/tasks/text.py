"""Open language: whatever is not a structured puzzle goes to an LLM as a `TextProblem`."""

from __future__ import annotations

from typing import Literal

from .base import Problem

KIND = "text"


class TextProblem(Problem):
    kind: Literal["text"] = KIND
    text: str
