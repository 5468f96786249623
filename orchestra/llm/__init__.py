"""LLM backends on one small base class (local transformers and remote litellm backends
build on `LLM`)."""

from .base import LLM, LLMResult, Message

__all__ = ["LLM", "LLMResult", "Message"]
