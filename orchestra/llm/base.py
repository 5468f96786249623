"""The LLM contract: one small base class the local and remote backends share."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any

from ..tasks.base import Problem
from .messages import LLMError, LLMResult, Message, ToolCall, ToolRound

__all__ = ["LLM", "LLMError", "LLMResult", "Message", "ToolCall", "ToolRound"]


class LLM(ABC):
    """A chat model. Backends implement `complete`; `answer` turns any problem into a
    prompt and the reply into an answer (for puzzles, through `orchestra.llm.puzzles`)."""

    name: str = "llm"
    device: str = "remote"
    max_concurrency: int | None = None  # calls the backend can serve at once (None: many)
    supports_tools: bool = False  # `complete(..., tools=...)` returns tool calls

    @abstractmethod
    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        timeout: float | None = None,
    ) -> LLMResult: ...

    def warm_up(self) -> None:  # noqa: B027  (optional hook: most backends need nothing)
        """Load whatever the first call would load (weights, clients), outside any timing."""

    async def acomplete(self, messages: list[Message], **options: Any) -> LLMResult:
        return await asyncio.to_thread(self.complete, messages, **options)

    def answer(self, problem: Problem) -> tuple[Any, LLMResult]:
        """The LLM's answer to a problem (None where its reply could not be parsed)."""
        from .puzzles import parse_reply, prompt_for

        result = self.complete(prompt_for(problem))
        return parse_reply(problem, result.text), result
