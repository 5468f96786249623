"""LLM backends on one small base class: `LocalLLM` (transformers, the embedded SmolLM2 by
default) and `RemoteLLM` (litellm). Both import their heavy libraries on first use."""

from typing import Any

from .base import LLM, LLMError, LLMResult, Message
from .select import from_env, from_spec

__all__ = [
    "LLM",
    "LLMError",
    "LLMResult",
    "LocalLLM",
    "Message",
    "RemoteLLM",
    "from_env",
    "from_spec",
]


def __getattr__(name: str) -> Any:
    if name == "LocalLLM":
        from .local import LocalLLM

        return LocalLLM
    if name == "RemoteLLM":
        from .remote import RemoteLLM

        return RemoteLLM
    raise AttributeError(name)
