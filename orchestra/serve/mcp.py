"""`orchestra mcp`: the engine as a Model Context Protocol server, so an agent can hand
it the structured problems it cannot solve itself and get verified answers back.

Tools: `solve`, `solve_many`, `parse`, `families`, `explain`. Resources: each family's
description and accepted formats (`orchestra://families/{name}`) and each shipped
checkpoint's card (`orchestra://checkpoints/{name}`). Built on the official `mcp` SDK;
stdio by default, streamable HTTP on loopback with the same API keys and body cap as
`orchestra serve`. A bad input is a tool error carrying the parser's message; the server
keeps serving.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, Field

from ..engine import Orchestra
from ..extras import needs
from ..problems import check_size
from ..tasks.base import ParseError
from ..types import Solution

Input = str | dict[str, Any] | list[Any]
MAX_MANY = 256


class ToolSolution(BaseModel):
    """A Solution as an agent reads it: the answer, whether it was checked, and how."""

    kind: str
    route: str | None = None
    verified: bool | None = None
    consistent: bool | None = None
    answer: Any = None
    alternatives: list[Any] = Field(default_factory=list)
    program: str | None = None  # ARC: the DSL program behind the answer
    notes: list[str] = Field(default_factory=list)
    error: str | None = None
    latency_s: float = 0.0
    rendered: str = ""  # the answer as a person reads it (a grid, a path drawn)


class Solutions(BaseModel):
    solutions: list[ToolSolution]


class Parsed(BaseModel):
    kind: str
    problem: dict[str, Any]


class FamilyCard(BaseModel):
    name: str
    kinds: list[str]
    provides: list[str]
    source: str
    example: str | None = None  # an input this family reads, as text


class Families(BaseModel):
    families: list[FamilyCard]


class Explanation(BaseModel):
    policy: str
    order: list[str]
    note: str = ""
    estimates: list[dict[str, Any]] = Field(default_factory=list)
    route: str | None = None


def tool_solution(sol: Solution) -> ToolSolution:
    from ..render import answer_text

    rendered = ""
    if sol.problem is not None and sol.answer is not None:
        try:
            rendered = answer_text(sol.problem, sol.answer)
        except Exception:  # rendering is a courtesy; the answer is in `answer`
            rendered = ""
    evidence = sol.evidence
    return ToolSolution(
        kind=sol.kind,
        route=sol.route,
        verified=sol.verified,
        consistent=sol.consistent,
        answer=sol.answer,
        alternatives=sol.alternatives,
        program=evidence.program if evidence is not None else None,
        notes=sol.notes,
        error=sol.error,
        latency_s=sol.latency_s,
        rendered=rendered,
    )


def _checked(problem: Any) -> Any:
    """The input, or a tool error when it is too large to be a puzzle: the size rule of
    every path (`problems.check_size`), before any work."""
    try:
        check_size(problem)
    except ParseError as e:
        from mcp.server.mcpserver.exceptions import ToolError

        raise ToolError(str(e)) from None
    return problem


TOOL_TIMEOUT_S = 120.0


def build_server(engine: Orchestra | None = None, *, timeout_s: float = TOOL_TIMEOUT_S) -> Any:
    """The MCP server over an engine.

    Args:
        engine: The engine (default: `orchestra.solve`'s own).
        timeout_s: How long one tool call may take; past it the call is a tool error and
            what it had not yet begun is not computed.

    Returns:
        The SDK's server, to run over stdio or behind `http_app`.
    """
    with needs("mcp", "orchestra's MCP server"):
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError

    from .. import family_registry
    from ..engine import default
    from ..problems import parse

    eng = engine or default()
    server = MCPServer(
        "orchestra",
        instructions=(
            "Verified solvers for structured problems: Sudoku, mazes, ARC-AGI grid tasks, "
            "N-Queens, graph colouring and every installed family. Call `families` to see "
            "what each accepts; `solve` returns the answer and whether it was verified."
        ),
    )

    def bad_input(sol: Solution) -> None:
        if sol.problem is None and sol.error:
            raise ToolError(sol.error)

    async def limited(work: Any) -> Any:
        try:
            return await asyncio.wait_for(work, timeout_s)
        except TimeoutError:
            raise ToolError(f"no answer within {timeout_s:g} s") from None

    @server.tool(description="Solve one problem (text or JSON; `kind` forces a family).")
    async def solve(problem: Input, kind: str | None = None) -> ToolSolution:
        sol = await limited(eng.asolve(_checked(problem), kind=kind))
        bad_input(sol)
        return tool_solution(sol)

    @server.tool(description="Solve several problems side by side; results in order.")
    async def solve_many(problems: list[Input], kind: str | None = None) -> Solutions:
        if len(problems) > MAX_MANY:
            raise ToolError(f"{len(problems)} problems; at most {MAX_MANY} per call")
        sols = await limited(eng.asolve_many([_checked(p) for p in problems], kind=kind))
        return Solutions(solutions=[tool_solution(s) for s in sols])

    @server.tool(name="parse", description="What orchestra reads in an input, or its error.")
    async def parse_problem(problem: Input, kind: str | None = None) -> Parsed:
        try:
            p = parse(_checked(problem), kind=kind)
        except ParseError as e:
            raise ToolError(str(e)) from None
        return Parsed(kind=p.kind, problem=p.model_dump(mode="json"))

    @server.tool(description="Every problem family: its kinds, what it provides, an example.")
    async def families() -> Families:
        return Families(families=[_card(f) for f in family_registry.all_families()])

    @server.tool(description="Solve, and show the scheduler's estimates and the order it chose.")
    async def explain(problem: Input, kind: str | None = None) -> Explanation:
        sol = await limited(eng.asolve(_checked(problem), kind=kind))
        bad_input(sol)
        d = sol.trace.schedule
        if d is None:
            return Explanation(policy="-", order=[], note="nothing was scheduled", route=sol.route)
        return Explanation(
            policy=d.policy,
            order=d.order,
            note=d.note,
            estimates=[e.model_dump(mode="json") for e in d.candidates],
            route=sol.route,
        )

    @server.resource("orchestra://families/{name}", description="A family and its formats.")
    def family_resource(name: str) -> str:
        try:
            family = family_registry.get(name)
        except Exception:
            raise ResourceNotFoundError(f"no family {name!r}") from None
        return _card(family).model_dump_json(indent=2) + "\n\n" + (type(family).__doc__ or "")

    @server.resource("orchestra://checkpoints/{name}", description="A TRM checkpoint's card.")
    def checkpoint_resource(name: str) -> str:
        from orchestra import catalog

        for path in catalog.checkpoints():
            if path.name == name:
                card = path / "card.json"
                return card.read_text() if card.is_file() else "{}"
        raise ResourceNotFoundError(f"no checkpoint {name!r}")

    return server


def _card(family: Any) -> FamilyCard:
    from .. import family_registry

    example = None
    try:
        label, obj = family.demo(0)[0]
        example = family.to_text(obj) if hasattr(obj, "kind") else str(obj)
    except Exception:  # a family without a demo has no example to show
        example = None
    if example is not None and len(example) > 4000:
        example = example[:4000] + " ..."
    return FamilyCard(
        name=family.name,
        kinds=list(family.kinds()),
        provides=list(family.provides()),
        source=family_registry.source(family.name),
        example=example,
    )


def http_app(
    server: Any,
    *,
    api_keys: list[str],
    max_body_bytes: int,
    allowed_hosts: frozenset[str] | None = None,
) -> Any:
    """The streamable-HTTP app, behind the same API keys, body cap and (without keys) Host
    allow-list as `serve`.

    Args:
        server: The MCP server (`build_server`).
        api_keys: Keys a request must carry; empty: none.
        max_body_bytes: The body cap, counted on the stream.
        allowed_hosts: Without keys, the host names answered (`hosts.allowed_hosts`);
            None answers any.

    Returns:
        The ASGI app.
    """
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.responses import JSONResponse

    from .auth import UNAUTHORIZED, KeyRing, presented
    from .hosts import HostGuard

    # The SDK's own Host check answers only loopback names (421 to every remote client of
    # a server bound to 0.0.0.0); the guard below applies the operator's list instead.
    app = server.streamable_http_app(
        max_request_body_size=max_body_bytes,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    keys = KeyRing(api_keys)

    async def guard(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and keys.enabled:
            # HTTP headers are Latin-1: any byte decodes, so a stray one is a 401, not a 500
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1")
                for k, v in scope.get("headers", [])
            }
            if keys.match(presented(headers)) is None:
                response = JSONResponse(
                    UNAUTHORIZED, status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return HostGuard(guard, None if keys.enabled else allowed_hosts)
