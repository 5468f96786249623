"""The HTTP API.

    POST /v1/chat/completions   OpenAI-compatible: model "orchestra" sends the last user
                                message through orchestra.solve; the name of the configured
                                LLM passes the conversation straight to it
    POST /v1/solve              {"problem": text or JSON, "kind"?: ...} -> a Solution
    GET  /v1/specialists        what is installed
    GET  /metrics               the workload split, Prometheus text format
    GET  /healthz

Puzzles are micro-batched (see `batcher.py`) in two lanes: a problem whose fastest
processor is expected (by the performance models) to take more than `SLOW_LANE_S` goes to
the slow lane, everything else to the fast one, each with its own batch slots and threads,
so slow searches never hold the slots a Sudoku needs. Prose goes to the LLM under a
concurrency bound. Limits: a request body cap (413), a per-request timeout (504), a queue
cap that counts every request whatever its path (429), and 400 with the parser's message
for bad input. A caller that left before its batch began costs no work. The reply to a
chat completion carries the answer as text and the route, verification and latency in an
`orchestra` field; `"stream": true` answers as server-sent events, as OpenAI clients expect.

With API keys (`Settings.api_keys`, see `auth.py`) every path but /healthz (and /metrics,
when `protect_metrics` is turned off) answers 401 without a known key; /metrics counts
requests per key (by position: key-1, key-2) and status. CORS is off unless origins are given.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from ..engine import Orchestra
from ..problems import check_text, parse
from ..render import answer_text
from ..tasks.base import ParseError
from ..types import Solution
from .auth import ANONYMOUS, UNAUTHORIZED, KeyRing, presented
from .batcher import MicroBatcher, QueueFull
from .body_cap import BodyCap
from .hosts import HostGuard
from .memory import trim

OPEN_PATHS = frozenset({"/healthz"})


class Settings(BaseModel):
    max_batch: int = 64
    max_wait_ms: float = 5.0
    max_queue: int = 1024
    max_concurrent_batches: int = 4  # batches in flight at once (a slow one blocks no other)
    llm_concurrency: int = 4
    timeout_s: float = 120.0
    max_body_bytes: int = 1 << 20
    api_keys: list[str] = Field(default_factory=list, repr=False)  # empty: no key required
    protect_metrics: bool = True  # /metrics needs a key too (where keys are set)
    cors_origins: list[str] = Field(default_factory=list)  # empty: no CORS headers
    trim_every_s: float = 30.0  # hand freed native memory back this often (0: never)
    # Host names answered without a key (serve/hosts.py); None: any. Ignored with keys set.
    allowed_hosts: list[str] | None = None


class SolveRequest(BaseModel):
    problem: Any
    kind: str | None = None


class SolveManyRequest(BaseModel):
    problems: list[Any] = Field(max_length=4096)
    kind: str | None = None


class ChatMessage(BaseModel):
    role: str
    content: str | list | None = None


class ChatRequest(BaseModel):
    model: str = "orchestra"
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = None
    temperature: float | None = None
    stream: bool = False


def _error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {"message": message, "type": kind}})


class BadContent(ValueError):
    """A chat message's content that is not text (a part whose `text` is a number)."""


def _text(content: Any) -> str:
    if isinstance(content, list):  # OpenAI's content parts
        texts = [p.get("text", "") for p in content if isinstance(p, dict)]
        if not all(isinstance(t, str) for t in texts):
            raise BadContent("a content part's `text` must be a string")
        return "\n".join(texts)
    if content is not None and not isinstance(content, str):
        raise BadContent("a message's `content` must be a string or a list of parts")
    return content or ""


async def _trim_every(seconds: float) -> None:
    """See `memory.py`: without it, memory freed after a burst stays with the process."""
    while seconds > 0:
        await asyncio.sleep(seconds)
        await asyncio.to_thread(trim)


# Expected seconds above which a problem takes the slow lane: an ARC search (seconds to
# a minute) there, an exact solver's Sudoku (milliseconds) or a TRM's batch here.
SLOW_LANE_S = 1.0


def create_app(engine: Orchestra | None = None, settings: Settings | None = None) -> FastAPI:
    """The HTTP API over an engine.

    Args:
        engine: The engine that answers (default: a new `Orchestra()`).
        settings: Limits, keys and the rest (default: `Settings()`).

    Returns:
        The FastAPI app; `serve` runs it under uvicorn.
    """
    engine = engine or Orchestra()
    settings = settings or Settings()

    def process(inputs: list[tuple[Any, float]], deliver: Any) -> list[Solution]:
        """A lane's batch: each problem with its request's deadline, which travels into
        the engine (no attempt starts after it; the ARC search ends by it)."""
        return engine.solve_many(
            [x for x, _ in inputs], deadlines=[d for _, d in inputs], on_solution=deliver
        )

    def lane() -> MicroBatcher:
        return MicroBatcher(
            process,
            early=True,
            max_concurrent=settings.max_concurrent_batches,
            max_batch=settings.max_batch,
            max_wait_ms=settings.max_wait_ms,
            max_queue=settings.max_queue,
        )

    fast, slow = lane(), lane()
    lanes = {"fast": fast, "slow": slow}
    admitted = [0]  # requests in the server now, whatever their path: the queue cap counts these
    llm_slots = asyncio.Semaphore(settings.llm_concurrency)

    def room() -> int:
        return max(0, settings.max_queue - admitted[0])

    def read(x: Any, kind: str | None) -> Any:
        """The typed problem and its lane, or None where it does not parse (the engine
        then says why, at once)."""
        try:
            problem = parse(x, kind=kind)
        except Exception:  # ParseError and the like: the engine's answer says what is wrong
            return None
        try:
            seconds = engine.expected_seconds(problem)
        except Exception:  # no estimate: the fast lane, where nothing is known to be slow
            seconds = 0.0
        return problem, (slow if seconds > SLOW_LANE_S else fast)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Routers and weights load before the server listens: /healthz answers once ready,
        # and no early request waits on a load while later ones pile up unread.
        await asyncio.to_thread(engine.warm_up)
        fast.start()
        slow.start()
        trimmer = asyncio.create_task(_trim_every(settings.trim_every_s))
        yield
        trimmer.cancel()
        await asyncio.gather(fast.stop(), slow.stop())  # graceful: finish what was accepted

    app = FastAPI(title="orchestra", lifespan=lifespan)
    app.state.engine, app.state.lanes, app.state.settings = engine, lanes, settings
    keys = KeyRing(settings.api_keys)
    access = logging.getLogger("orchestra.access")
    requests: Counter[tuple[str, int]] = Counter()  # (key label, status) -> count
    app.state.requests = requests

    @app.middleware("http")
    async def authenticate(request: Request, call_next):
        """A known key, except on the open paths; every answer counted by key and status."""
        key_id = ANONYMOUS
        if keys.enabled:
            key_id = keys.match(presented(request.headers)) or "unauthenticated"
            open_paths = OPEN_PATHS | (set() if settings.protect_metrics else {"/metrics"})
            if key_id == "unauthenticated" and request.url.path not in open_paths:
                requests[(key_id, 401)] += 1
                access.info("%s %s %s 401", key_id, request.method, request.url.path)
                return JSONResponse(
                    status_code=401, content=UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}
                )
        t0 = time.perf_counter()
        response = await call_next(request)
        requests[(key_id, response.status_code)] += 1
        access.info(  # never the key: its label only
            "%s %s %s %d %.1f ms",
            key_id,
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - t0) * 1000,
        )
        return response

    # a body over the cap is refused while it streams, before any other work; outermost,
    # a keyless server answers only the host names it was started for
    app.add_middleware(BodyCap, limit=settings.max_body_bytes)
    if not keys.enabled and settings.allowed_hosts is not None:
        app.add_middleware(HostGuard, allowed=frozenset(settings.allowed_hosts))

    async def solve(x: Any, kind: str | None, deadline: float) -> Solution:
        """Prose to the LLM under its bound; every puzzle, kind given or not, through its
        lane's micro-batcher."""
        read_as = kind
        if kind is None and isinstance(x, str):
            try:  # off the event loop: it must keep reading requests meanwhile
                check_text(x)
                decision = await asyncio.to_thread(engine.router.route, x)
            except ParseError:
                decision = None  # the engine reports the parse error itself
            if decision is not None and decision.kind == "text":
                async with llm_slots:
                    return await asyncio.to_thread(engine.solve, x)
            if decision is not None and decision.abstained:  # the engine decides, as it would
                return await fast.submit((x, deadline))
            if decision is not None:
                read_as = decision.kind  # as the engine reads routed text
        found = await asyncio.to_thread(read, x, read_as)
        if found is None:  # the input itself is bad: the engine's own error, in milliseconds
            return await asyncio.to_thread(engine.solve, x, kind=kind)
        problem, batcher = found
        return await batcher.submit((problem, deadline))

    async def guarded(x: Any, kind: str | None = None) -> Solution | JSONResponse:
        if room() <= 0:
            return _error(
                429, f"server busy: {settings.max_queue} requests are in; retry later",
                "rate_limit",
            )
        admitted[0] += 1
        deadline = time.monotonic() + settings.timeout_s
        try:
            return await asyncio.wait_for(solve(x, kind, deadline), settings.timeout_s)
        except QueueFull as e:
            return _error(429, f"server busy: {e}; retry later", "rate_limit")
        except TimeoutError:
            return _error(504, f"no answer within {settings.timeout_s:g} s", "timeout")
        finally:
            admitted[0] -= 1

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/v1/specialists")
    async def specialists() -> list[dict]:
        from ..registry import specialists as listing

        return [s.model_dump() for s in listing()]

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> str:
        return prometheus(engine, list(lanes.values()), requests)

    @app.post("/v1/solve")
    async def solve_endpoint(req: SolveRequest):
        result = await guarded(req.problem, req.kind)
        if isinstance(result, JSONResponse):
            return result
        if result.problem is None and result.error:  # the input itself was bad
            return _error(400, result.error, "invalid_problem")
        return JSONResponse(result.model_dump(mode="json"))

    @app.post("/v1/solve_many")
    async def solve_many_endpoint(req: SolveManyRequest):
        """Every problem answered, in order; a bad one is its own Solution's error (the
        library's solve_many contract), never a failed request. Admitted or refused as a
        whole before any work starts: a call larger than the queue can never fit (413, not
        worth a retry), one larger than its free room waits its turn (429)."""
        n = len(req.problems)
        if n > settings.max_queue:
            return _error(
                413,
                f"solve_many of {n} problems can never fit: the queue holds {settings.max_queue}"
                "; split the call",
                "request_too_large",
            )
        if n > room():
            return _error(
                429, f"server busy: room for {room()} of {n} problems; retry later",
                "rate_limit",
            )
        results = await asyncio.gather(*(guarded(p, req.kind) for p in req.problems))
        for r in results:
            if isinstance(r, JSONResponse):  # busy or timed out: the whole call says so
                return r
        return JSONResponse([r.model_dump(mode="json") for r in results])  # type: ignore[union-attr]

    @app.get("/v1/stats")
    async def stats_endpoint():
        return JSONResponse(engine.stats().model_dump(mode="json"))

    @app.post("/v1/chat/completions")
    async def chat(req: ChatRequest):
        llm = engine.llm
        t0 = time.perf_counter()
        try:
            for m in req.messages:
                _text(m.content).encode("utf-8")
        except BadContent as e:
            return _error(400, str(e), "invalid_request")
        except UnicodeEncodeError:
            return _error(
                400, "a message holds a lone surrogate: that is no text", "invalid_request"
            )
        if req.model != "orchestra":
            if llm is None or req.model not in (llm.name, f"llm:{llm.name}"):
                names = ["orchestra"] + ([llm.name] if llm is not None else [])
                return _error(
                    404, f"no model {req.model!r}; available: {', '.join(names)}", "model_not_found"
                )
            from ..llm.base import Message

            msgs = [
                Message(role=m.role, content=_text(m.content))  # type: ignore[arg-type]
                for m in req.messages
                if m.role in ("system", "user", "assistant")
            ]
            async with llm_slots:
                r = await asyncio.to_thread(llm.complete, msgs, max_tokens=req.max_tokens)
            if req.stream:
                return _stream(req.model, r.text, None)
            return _completion(req.model, r.text, r.prompt_tokens, r.completion_tokens, None)
        users = [m for m in req.messages if m.role == "user"]
        if not users or not _text(users[-1].content).strip():
            return _error(400, "the conversation has no user message to answer", "invalid_request")
        result = await guarded(_text(users[-1].content))
        if isinstance(result, JSONResponse):
            return result
        if result.error and result.answer is None:
            content = f"orchestra could not answer: {result.error}"
        else:
            content = answer_text(result.problem, result.answer)
            if result.text:
                content += "\n\n" + result.text
        ext = {
            "kind": result.kind,
            "route": result.route,
            "verified": result.verified,
            "confidence": result.confidence,
            "steps": result.steps,
            "latency_s": result.latency_s,
            "server_s": time.perf_counter() - t0,
            "fallback_from": result.fallback_from,
            "error": result.error,
        }
        tokens = result.tokens or 0
        if req.stream:
            return _stream("orchestra", content, ext)
        return _completion("orchestra", content, 0, tokens, ext)

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-api-key"],
        )
    return app


def _chunk(
    cid: str, created: int, model: str, delta: dict, finish: str | None, ext: dict | None = None
) -> str:
    body: dict[str, Any] = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if ext is not None:
        body["orchestra"] = ext
    return f"data: {json.dumps(body)}\n\n"


def _stream(model: str, content: str, ext: dict | None) -> StreamingResponse:
    """The answer as server-sent events: the role, the text line by line, the finish
    (with the `orchestra` field), then `[DONE]`, as OpenAI's streaming clients read it."""
    cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

    def events() -> Iterator[str]:
        yield _chunk(cid, created, model, {"role": "assistant", "content": ""}, None)
        for piece in content.splitlines(keepends=True) or [""]:
            yield _chunk(cid, created, model, {"content": piece}, None)
        yield _chunk(cid, created, model, {}, "stop", ext)
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


def _completion(
    model: str, content: str, prompt_tokens: int, completion_tokens: int, ext: dict | None
) -> dict:
    body = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    if ext is not None:
        body["orchestra"] = ext
    return body


def prometheus(
    engine: Orchestra,
    batchers: list[MicroBatcher],
    requests: Counter[tuple[str, int]] | None = None,
) -> str:
    lines = []
    metrics = (
        ("items_total", "counter", "problems handled", lambda p: p.items),
        ("busy_seconds_total", "counter", "seconds spent working", lambda p: p.busy_s),
        ("verified_total", "counter", "answers the verifier accepted", lambda p: p.verified),
        ("rejected_total", "counter", "answers the verifier rejected", lambda p: p.rejected),
        ("errors_total", "counter", "failed attempts", lambda p: p.errors),
        ("cost_usd_total", "counter", "money spent", lambda p: p.cost_usd),
        ("energy_joules_total", "counter", "energy (estimate)", lambda p: p.energy_j),
        ("latency_p95_seconds", "gauge", "95th percentile latency", lambda p: p.p95_latency_s),
    )
    split = engine.stats()
    for name, kind, help_text, get in metrics:
        lines += [
            f"# HELP orchestra_processor_{name} {help_text}",
            f"# TYPE orchestra_processor_{name} {kind}",
        ]
        for p in split.processors:
            lines.append(
                f'orchestra_processor_{name}{{processor="{p.name}",device="{p.device}"}} {get(p)}'
            )
    lines += [
        "# HELP orchestra_batch_size_total micro-batches by size",
        "# TYPE orchestra_batch_size_total counter",
    ]
    sizes: Counter[int] = Counter()
    for batcher in batchers:
        sizes.update(batcher.batch_sizes)
    for size, count in sorted(sizes.items()):
        lines.append(f'orchestra_batch_size_total{{size="{size}"}} {count}')
    lines += [
        "# HELP orchestra_requests_total HTTP requests by API key (key-1, key-2, ...) and status",
        "# TYPE orchestra_requests_total counter",
    ]
    for (key, status), count in sorted((requests or {}).items()):
        lines.append(f'orchestra_requests_total{{key="{key}",code="{status}"}} {count}')
    return "\n".join(lines) + "\n"
