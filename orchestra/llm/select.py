"""Choosing the LLM from a short spec string, the environment or the command line.

local                     the embedded SmolLM2-135M-Instruct (default)
hf:/path/to/model         a Hugging Face model directory, or a .gguf file
litellm:openai/gpt-4o-mini   any litellm model string (api base: ORCHESTRA_LLM_API_BASE)
none                      no LLM: prose gets a clear error instead of an answer
"""

from __future__ import annotations

import os

from .base import LLM, LLMError

ENV = "ORCHESTRA_LLM"
ENV_API_BASE = "ORCHESTRA_LLM_API_BASE"


def from_spec(spec: str, *, api_base: str | None = None) -> LLM | None:
    spec = spec.strip()
    if spec in ("", "local"):
        from .local import LocalLLM

        return LocalLLM()
    if spec == "none":
        return None
    scheme, sep, rest = spec.partition(":")
    if sep and scheme == "hf" and rest:
        from .local import LocalLLM

        return LocalLLM(rest)
    if sep and scheme == "litellm" and rest:
        from .remote import RemoteLLM

        return RemoteLLM(rest, api_base=api_base or os.environ.get(ENV_API_BASE) or None)
    raise LLMError(
        f"unknown LLM spec {spec!r}: use local, none, hf:/path/to/model or litellm:provider/model"
    )


def from_env() -> LLM | None:
    return from_spec(os.environ.get(ENV, "local"))
