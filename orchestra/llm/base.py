"""The LLM contract the engine talks to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Literal

from pydantic import BaseModel

from ..tasks.base import Problem
from ..tasks.text import TextProblem


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class LLMResult(BaseModel):
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    model: str = ""
    device: str = ""

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LLM(ABC):
    """A chat model. Subclasses implement `complete`; `answer` turns a problem into a
    prompt and the reply into an answer (prose only here; puzzle prompts and answer
    parsers belong to the backends that support them)."""

    name: str = "llm"
    device: str = "remote"

    @abstractmethod
    def complete(self, messages: list[Message], **options: Any) -> LLMResult: ...

    def answer(self, problem: Problem) -> tuple[Any, LLMResult]:
        if isinstance(problem, TextProblem):
            result = self.complete([Message(role="user", content=problem.text)])
            return result.text, result
        raise NotImplementedError(
            f"{type(self).__name__} has no prompt and answer parser for {problem.kind} problems"
        )
