"""What flows between the engine and an LLM backend: messages, tool calls and replies.
Apart from the backend contract (`orchestra.llm.base`) so that the puzzle prompts and the
results' types can use them without reaching the backends."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


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
