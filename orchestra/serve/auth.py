"""API keys for `orchestra serve`, as OpenAI-compatible servers take them: a request
carries `Authorization: Bearer KEY` (or `x-api-key: KEY`); without a known key it gets a
401 with an OpenAI-style error body.

Keys are compared in constant time (digests of equal length, every configured key
compared on every request, so neither the time nor the order says which matched), are
known elsewhere only by their position (`key-1`, `key-2`, ...: the label of their request
counts in /metrics, which is behind the key by default), and are never logged or echoed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping

ENV = "ORCHESTRA_API_KEY"  # one key, or several separated by commas or whitespace
ANONYMOUS = "anonymous"  # the label of requests when no key is required


def split_keys(value: str | None) -> list[str]:
    return [k for k in re.split(r"[,\s]+", value or "") if k]


class KeyRing:
    def __init__(self, keys: Iterable[str] = ()):
        keys = [k for k in keys if k]
        self._digests = [hashlib.sha256(k.encode()).digest() for k in keys]
        # labels by position: even a prefix of a key's hash tells an attacker something
        self.ids = [f"key-{i}" for i in range(1, len(keys) + 1)]

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def match(self, presented: str | None) -> str | None:
        """The fingerprint of the key presented, None when it is no key of ours."""
        digest = hashlib.sha256((presented or "").encode()).digest()
        found = None
        for known, kid in zip(self._digests, self.ids, strict=True):
            if hmac.compare_digest(known, digest) and found is None:
                found = kid
        return found


def presented(headers: Mapping[str, str]) -> str | None:
    """The key a request carries: `Authorization: Bearer KEY`, else `x-api-key`."""
    auth = headers.get("authorization") or ""
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return headers.get("x-api-key") or headers.get("api-key")


UNAUTHORIZED = {
    "error": {
        "message": "Incorrect API key provided. Pass it as `Authorization: Bearer KEY` "
        "(the OpenAI clients' api_key) or `x-api-key: KEY`.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
