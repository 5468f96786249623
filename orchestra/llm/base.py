"""The LLM contract: one small base class the local and remote backends share."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any, Literal

from pydantic import BaseModel

from ..tasks.base import Problem


class LLMError(RuntimeError):
    """A backend that cannot answer: missing key or model, timeout, a broken reply."""


class ToolCall(BaseModel):
    """One function call a tool-calling model asked for (`arguments`: its JSON text)."""

    id: str
    name: str
    arguments: str


class ToolRound(BaseModel):
    """One tool call of a tool-calling LLM, and what the tool answered."""

    name: str
    arguments: str
    result: str


class Message(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_calls: list[ToolCall] | None = None  # an assistant turn that called tools
    tool_call_id: str | None = None  # a tool turn: which call it answers

    def wire(self) -> dict[str, Any]:
        """The OpenAI chat format of this message."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in self.tool_calls
            ]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        return out


class LLMResult(BaseModel):
    text: str
    tool_calls: list[ToolCall] = []  # what a tool-calling model asked to call
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    model: str = ""
    device: str = ""
    shared_with: int = 1  # replies generated in the same batch (the device's time is shared)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


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
