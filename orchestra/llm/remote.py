"""Remote LLMs through litellm: any litellm model string (`openai/...`, `anthropic/...`,
`ollama/...`, `hosted_vllm/...`) and an optional `api_base` for OpenAI-compatible servers.

Keys come from the environment only (the variable litellm names for the provider) and never
appear in results, traces or errors. Rate limits and 5xx replies are retried with
exponential backoff; timeouts and other errors are not. litellm is imported on first use,
with its cost map read from the package (no network fetch).
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..extras import needs
from .base import LLM, LLMError, LLMResult, Message, ToolCall

_litellm: Any = None


def _lib() -> Any:
    global _litellm
    if _litellm is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        with needs("llm", "a remote LLM"):
            import litellm

        litellm.suppress_debug_info = True
        _litellm = litellm
    return _litellm


class RemoteLLM(LLM):
    device = "remote"
    supports_tools = True  # litellm passes OpenAI-style tools to any model that has them

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_tokens: int = 512,
    ):
        if "/" not in model:
            raise LLMError(
                f"litellm model strings name the provider: e.g. openai/{model}, not {model!r}"
            )
        self.model, self.api_base = model, api_base
        self.name = model
        self.timeout, self.max_retries, self.backoff_s = timeout, max_retries, backoff_s
        self.max_tokens = max_tokens

    def warm_up(self) -> None:
        """Import litellm (seconds) before the first call, so no request's latency pays it."""
        _lib()

    def missing_keys(self) -> list[str]:
        """Environment variables the provider needs that are not set."""
        check = _lib().validate_environment(model=self.model)
        missing = list(check.get("missing_keys", []))
        if self.api_base:  # the base URL is given directly
            missing = [k for k in missing if not k.endswith("_API_BASE")]
        return missing

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        timeout: float | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> LLMResult:
        lib = _lib()
        missing = self.missing_keys()
        if missing:
            raise LLMError(f"{self.model} needs {', '.join(missing)} in the environment (not set)")
        exc = lib.exceptions
        retryable = (
            exc.RateLimitError,
            exc.InternalServerError,
            exc.ServiceUnavailableError,
            exc.BadGatewayError,
        )
        t0 = time.perf_counter()
        for attempt in range(self.max_retries + 1):
            try:
                extra = {"tools": tools} if tools else {}
                resp = lib.completion(
                    **extra,
                    model=self.model,
                    messages=[m.wire() for m in messages],
                    api_base=self.api_base,
                    max_tokens=max_tokens or self.max_tokens,
                    temperature=temperature,
                    stop=stop,
                    timeout=timeout or self.timeout,
                    num_retries=0,
                )
                break
            except retryable as e:
                if attempt == self.max_retries:
                    raise LLMError(
                        f"{self.model}: gave up after {attempt + 1} tries: {_short(e)}"
                    ) from None
                time.sleep(self.backoff_s * 2**attempt)
            except exc.Timeout:
                raise LLMError(
                    f"{self.model}: no reply within {timeout or self.timeout:g} s"
                ) from None
            except Exception as e:  # bad request, auth, malformed reply: say which, once
                raise LLMError(f"{self.model}: {_short(e)}") from None
        try:
            message = resp.choices[0].message
            text = message.content or ""
            calls = [
                ToolCall(
                    id=str(c.id or f"call-{i}"),
                    name=str(c.function.name or ""),
                    arguments=str(c.function.arguments or ""),
                )
                for i, c in enumerate(getattr(message, "tool_calls", None) or [])
            ]
            usage = getattr(resp, "usage", None)
            prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
            completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        except (AttributeError, IndexError, TypeError, ValueError) as e:
            raise LLMError(f"{self.model}: malformed reply ({e})") from None
        return LLMResult(
            text=text.strip(),
            tool_calls=calls,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_s=time.perf_counter() - t0,
            cost_usd=self._cost(resp),
            model=self.model,
            device=self.device,
        )

    def _cost(self, resp: Any) -> float:
        try:
            return float(_lib().completion_cost(completion_response=resp) or 0.0)
        except Exception:  # models absent from the cost map (local servers) cost nothing known
            return 0.0


def _short(e: BaseException) -> str:
    """One line about an error, with any API key from the environment blanked out."""
    text = str(e).strip().split("\n")[0][:300]
    for key, value in os.environ.items():
        if key.endswith(("_API_KEY", "_TOKEN")) and len(value) >= 6:
            text = text.replace(value, "***")
    return f"{type(e).__name__}: {text}"
