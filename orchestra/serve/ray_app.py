"""Scale-out on Ray Serve (`pip install 'orchestra-trm[ray]'`, `orchestra serve --ray`).

Each specialist becomes its own deployment, with `num_gpus` (fractional allowed) for TRM
specialists so that a cluster places them on GPU nodes, and micro-batching through
`serve.batch`; the gateway (router, verification, fallback, the LLM client) is a CPU
deployment. The gateway runs the ordinary engine, whose specialists are thin proxies to
the specialist deployments: the CPU/GPU split of the engine made physical.
"""

from __future__ import annotations

import asyncio
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


@serve.deployment
class Gateway:
    """Routing, verification, fallback and the LLM client, on CPU."""

    def __init__(self, specialists: dict[str, Any], llm: str = "none"):
        from ..engine import Orchestra
        from ..registry import info

        remote = [
            RemoteSpecialist(n, info(n).kinds, info(n).priority, h) for n, h in specialists.items()
        ]
        self.engine = Orchestra(specialists=remote, llm=llm)

    async def __call__(self, request: Request) -> JSONResponse:
        path = request.url.path.rstrip("/")
        if path.endswith("/healthz"):
            return JSONResponse({"status": "ok"})
        if not path.endswith("/v1/solve") or request.method != "POST":
            return JSONResponse(
                {"error": {"message": f"no route {request.method} {path}"}}, status_code=404
            )
        try:
            body = await request.json()
            problem, kind = body["problem"], body.get("kind")
        except (ValueError, KeyError, TypeError):
            return JSONResponse(
                {"error": {"message": 'expected {"problem": ...}'}}, status_code=400
            )
        sol = await asyncio.to_thread(self.engine.solve, problem, kind=kind)
        if sol.problem is None and sol.error:
            return JSONResponse({"error": {"message": sol.error}}, status_code=400)
        return JSONResponse(sol.model_dump(mode="json"))


def build_app(
    specialists: Sequence[str] | None = None,
    *,
    llm: str = "none",
    trm_gpus: float = 0.0,
    cpus: float = 0.5,
    max_batch: int = 64,
) -> Any:
    """The Serve application: one deployment per specialist, one gateway."""
    from ..registry import names

    handles = {}
    for name in specialists or names():
        gpus = trm_gpus if name.startswith("trm") else 0.0
        handles[name] = SpecialistDeployment.options(  # type: ignore[attr-defined]
            name=f"specialist-{name}", ray_actor_options={"num_cpus": cpus, "num_gpus": gpus}
        ).bind(name, max_batch)
    gateway: Any = Gateway  # a Serve deployment: `options` comes from the decorator
    return gateway.options(ray_actor_options={"num_cpus": cpus}).bind(handles, llm)
