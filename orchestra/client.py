"""`orchestra.Client`: a running `orchestra serve` as if it were the library.

The same calls (`solve`, `solve_many`, their async forms, `stats`) return the same typed
objects (`Solution`, `WorkloadSplit`), the problem re-read by its own family. Busy and
unavailable servers (429, 503) are retried with exponential backoff; a refused key (401)
and a server that cannot be reached are `ClientError`s that say so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

import httpx

from .tasks.base import Problem
from .types import Solution, WorkloadSplit

RETRIED = frozenset({429, 503})


class ClientError(RuntimeError):
    """The server refused or could not be reached.

    Args:
        message: What happened.
        status: The HTTP status, if there was a reply.
    """

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def _problem(data: Any) -> Problem | None:
    if not isinstance(data, dict) or "kind" not in data:
        return None
    from . import family_registry
    from .tasks.text import TextProblem

    family = family_registry.for_kind(str(data["kind"]))
    if family is None:
        return TextProblem.model_validate(data) if data["kind"] == "text" else None
    return family.from_dict(data)


def solution(data: dict) -> Solution:
    """A Solution from the server's JSON, its problem typed by the problem's family."""
    body = dict(data)
    problem = _problem(body.pop("problem", None))
    sol = Solution.model_validate(body)
    return sol.model_copy(update={"problem": problem})


def _wire(x: Any) -> Any:
    return x.model_dump(mode="json") if isinstance(x, Problem) else x


class Client:
    """A running `orchestra serve`, called as if it were the library: the same typed
    Solutions, a bad input as the Solution's error.

    Args:
        base_url: The server's root (`http://127.0.0.1:8000`).
        api_key: Sent as a Bearer token when the server requires one.
        timeout: Seconds one HTTP call may take.
        retries: How many times a 429 or 503 is retried (with exponential backoff,
            honouring `Retry-After`).
        backoff_s: The first wait between retries, doubled each time.

    Raises:
        ClientError: From its methods: a refused key (401), a server it cannot reach, or
            a status it does not retry.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 300.0,
        retries: int = 4,
        backoff_s: float = 0.25,
    ):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout, self.retries, self.backoff_s = timeout, retries, backoff_s

    # -- sync ---------------------------------------------------------------------------

    def solve(self, problem: Any, *, kind: str | None = None) -> Solution:
        """As `orchestra.solve`: a bad input is the Solution's error, not an exception."""
        try:
            body = {"problem": _wire(problem), "kind": kind}
            return solution(self._call("POST", "/v1/solve", body))
        except ClientError as e:
            if e.status == 400:
                return Solution(kind="unknown", error=str(e).removeprefix("400: "))
            raise

    def solve_many(self, problems: Iterable[Any], *, kind: str | None = None) -> list[Solution]:
        body = {"problems": [_wire(p) for p in problems], "kind": kind}
        return [solution(d) for d in self._call("POST", "/v1/solve_many", body)]

    def stats(self) -> WorkloadSplit:
        return WorkloadSplit.model_validate(self._call("GET", "/v1/stats", None))

    def _call(self, method: str, path: str, body: Any) -> Any:
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as http:
            for attempt in range(self.retries + 1):
                try:
                    r = http.request(method, path, json=body, headers=self.headers)
                except httpx.TransportError as e:
                    raise ClientError(f"cannot reach {self.base_url}: {e}") from None
                if r.status_code in RETRIED and attempt < self.retries:
                    time.sleep(self._delay(r, attempt))
                    continue
                return self._read(r)
        raise AssertionError("unreachable")

    # -- async --------------------------------------------------------------------------

    async def asolve(self, problem: Any, *, kind: str | None = None) -> Solution:
        body = {"problem": _wire(problem), "kind": kind}
        try:
            return solution(await self._acall("POST", "/v1/solve", body))
        except ClientError as e:
            if e.status == 400:
                return Solution(kind="unknown", error=str(e).removeprefix("400: "))
            raise

    async def asolve_many(
        self, problems: Iterable[Any], *, kind: str | None = None
    ) -> list[Solution]:
        body = {"problems": [_wire(p) for p in problems], "kind": kind}
        return [solution(d) for d in await self._acall("POST", "/v1/solve_many", body)]

    async def _acall(self, method: str, path: str, body: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout) as http:
            for attempt in range(self.retries + 1):
                try:
                    r = await http.request(method, path, json=body, headers=self.headers)
                except httpx.TransportError as e:
                    raise ClientError(f"cannot reach {self.base_url}: {e}") from None
                if r.status_code in RETRIED and attempt < self.retries:
                    await asyncio.sleep(self._delay(r, attempt))
                    continue
                return self._read(r)
        raise AssertionError("unreachable")

    # -- shared -------------------------------------------------------------------------

    def _delay(self, r: httpx.Response, attempt: int) -> float:
        after = r.headers.get("Retry-After", "")
        return float(after) if after.replace(".", "", 1).isdigit() else self.backoff_s * 2**attempt

    def _read(self, r: httpx.Response) -> Any:
        if r.status_code == 401:
            raise ClientError(
                "the server refused the API key (401): pass api_key= with a key it accepts",
                401,
            )
        if r.status_code >= 400:
            try:
                message = r.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = r.text[:200]
            raise ClientError(f"{r.status_code}: {message}", r.status_code)
        return r.json()
