"""Scale-out on Ray Serve (`pip install 'orchestra-trm[ray]'`, `orchestra serve --ray`).

Each specialist becomes its own deployment, with `num_gpus` (fractional allowed) for TRM
specialists so that a cluster places them on GPU nodes, and micro-batching through
`serve.batch`; the gateway (router, verification, fallback, the LLM client) is a CPU
deployment. The gateway runs the ordinary engine, whose specialists are thin proxies to
the specialist deployments: the CPU/GPU split of the engine made physical.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..specialist import BaseSpecialist


@serve.deployment
class SpecialistDeployment:
    """One registered specialist, resident in its own replica."""

    def __init__(self, name: str, max_batch: int = 64):
        from ..registry import get_specialist

        self.specialist = get_specialist(name)
        self.device = str(getattr(self.specialist, "device", "cpu"))
        self.solve.set_max_batch_size(max_batch)  # type: ignore[attr-defined]

    def supports(self, problem: Any) -> bool:
        supports = getattr(self.specialist, "supports", None)
        return bool(supports(problem)) if supports else problem.kind in self.specialist.kinds

    @serve.batch(max_batch_size=64, batch_wait_timeout_s=0.005)
    async def solve(self, problems: list[Any]) -> list[Any]:
        return list(await asyncio.to_thread(self.specialist.solve_batch, problems))


class RemoteSpecialist(BaseSpecialist):
    """A specialist deployment seen from the gateway's engine."""

    def __init__(self, name: str, kinds: Sequence[str], priority: int, handle: Any):
        self.name, self.kinds, self.priority = name, tuple(kinds), priority  # type: ignore[misc]
        self.handle = handle
        self.device = f"ray:{name}"

    def supports(self, problem: Any) -> bool:
        return self.handle.supports.remote(problem).result()

    def solve_batch(self, problems: Sequence[Any]) -> list[Any]:
        # One call per problem: the deployment's serve.batch gathers them into batches.
        pending = [self.handle.solve.remote(p) for p in problems]
        return [r.result() for r in pending]


def _error(status: int, message: str, kind: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status,
                        headers=headers or None)


@serve.deployment
class Gateway:
    """Routing, verification, fallback and the LLM client, on CPU, behind the same front
    door as `orchestra serve`: API keys, a Host allow-list when keyless, a body cap counted
    on the stream, a queue cap and a per-request deadline that travels into the engine."""

    def __init__(
        self,
        specialists: dict[str, Any],
        llm: str = "none",
        *,
        api_keys: Sequence[str] = (),
        allowed_hosts: Sequence[str] | None = None,
        max_body_bytes: int = 1 << 20,
        max_queue: int = 1024,
        timeout_s: float = 120.0,
    ):
        from ..engine import Orchestra
        from ..registry import info
        from .auth import KeyRing

        remote = [
            RemoteSpecialist(n, info(n).kinds, info(n).priority, h) for n, h in specialists.items()
        ]
        self.engine = Orchestra(specialists=remote, llm=llm)
        self.keys = KeyRing(list(api_keys))
        self.allowed = None if self.keys.enabled or allowed_hosts is None else set(allowed_hosts)
        self.max_body_bytes, self.max_queue, self.timeout_s = max_body_bytes, max_queue, timeout_s
        self.admitted = 0

    async def __call__(self, request: Request) -> JSONResponse:
        from .auth import UNAUTHORIZED, presented
        from .hosts import host_name

        if self.allowed is not None and host_name(request.headers.get("host", "")) not in (
            self.allowed
        ):
            return _error(421, "this Host is not one this server answers to without a key",
                          "misdirected_request")
        path = request.url.path.rstrip("/")
        if path.endswith("/healthz"):
            return JSONResponse({"status": "ok"})
        if self.keys.enabled and self.keys.match(presented(request.headers)) is None:
            return JSONResponse(UNAUTHORIZED, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        if not path.endswith("/v1/solve") or request.method != "POST":
            return _error(404, f"no route {request.method} {path}", "not_found")
        if self.admitted >= self.max_queue:
            return _error(429, f"server busy: {self.max_queue} requests are in; retry later",
                          "rate_limit")
        self.admitted += 1
        try:
            return await self._solve(request)
        finally:
            self.admitted -= 1

    async def _solve(self, request: Request) -> JSONResponse:
        body = bytearray()
        async for chunk in request.stream():  # counted as it streams, chunked or not
            body += chunk
            if len(body) > self.max_body_bytes:
                return _error(413, f"request body over {self.max_body_bytes:,} bytes",
                              "request_too_large")
        try:
            parsed = json.loads(body)
            problem, kind = parsed["problem"], parsed.get("kind")
        except (ValueError, KeyError, TypeError):
            return _error(400, 'expected {"problem": ...}', "invalid_request")
        try:
            sol = await asyncio.wait_for(
                asyncio.to_thread(self.engine.solve, problem, kind=kind, timeout_s=self.timeout_s),
                self.timeout_s,
            )
        except TimeoutError:
            return _error(504, f"no answer within {self.timeout_s:g} s", "timeout")
        if sol.problem is None and sol.error:
            return _error(400, sol.error, "invalid_problem")
        return JSONResponse(sol.model_dump(mode="json"))


def build_app(
    specialists: Sequence[str] | None = None,
    *,
    llm: str = "none",
    trm_gpus: float = 0.0,
    cpus: float = 0.5,
    max_batch: int = 64,
    **front_door: Any,
) -> Any:
    """The Serve application: one deployment per specialist, one gateway.

    Args:
        specialists: The specialists to deploy (default: every registered one).
        llm: The gateway's LLM spec.
        trm_gpus: GPUs per TRM specialist replica (fractions allowed).
        cpus: CPUs per replica.
        max_batch: The most problems one specialist batch takes.
        **front_door: The gateway's limits: `api_keys`, `allowed_hosts`, `max_body_bytes`,
            `max_queue`, `timeout_s` (see `Gateway`).

    Returns:
        The bound application, for `serve.run`.
    """
    from ..registry import names

    handles = {}
    for name in specialists or names():
        gpus = trm_gpus if name.startswith("trm") else 0.0
        handles[name] = SpecialistDeployment.options(  # type: ignore[attr-defined]
            name=f"specialist-{name}", ray_actor_options={"num_cpus": cpus, "num_gpus": gpus}
        ).bind(name, max_batch)
    gateway: Any = Gateway  # a Serve deployment: `options` comes from the decorator
    return gateway.options(ray_actor_options={"num_cpus": cpus}).bind(handles, llm, **front_door)
