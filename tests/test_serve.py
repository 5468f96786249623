"""`orchestra serve` over real HTTP: endpoints, error paths, micro-batching, litellm as a
client. The LLM behind the server is litellm talking to the loopback stub (a stand-in
for a paid API)."""

import asyncio
import json
import threading
import time

import httpx
import pytest
from conftest import PUZZLE
from openai_stub_server import StubServer
from serving import LiveServer

from orchestra import BaseSpecialist, Orchestra
from orchestra.llm import RemoteLLM
from orchestra.serve.app import Settings, create_app
from orchestra.serve.batcher import MicroBatcher, QueueFull
from orchestra.tasks import sudoku


@pytest.fixture
def stub(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-000000")
    with StubServer() as s:
        yield s


@pytest.fixture
def live(stub):
    engine = Orchestra(llm=RemoteLLM("openai/stub", api_base=stub.base, max_retries=0))
    engine.llm.warm_up()  # litellm's import (seconds) is no request's latency
    with LiveServer(create_app(engine, Settings(max_body_bytes=200_000))) as server:
        yield server


def test_health_specialists_and_metrics(live):
    with httpx.Client(base_url=live.url) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        names = {s["name"] for s in c.get("/v1/specialists").json()}
        assert {"exact-sudoku", "bfs-maze"} <= names
        c.post("/v1/solve", json={"problem": PUZZLE})
        text = c.get("/metrics").text
        assert 'orchestra_processor_items_total{processor="trm-sudoku",device="cpu"} 1' in text
        assert "orchestra_batch_size_total" in text


def test_solve_endpoint_and_its_errors(live):
    with httpx.Client(base_url=live.url) as c:
        r = c.post("/v1/solve", json={"problem": PUZZLE})
        assert r.status_code == 200 and r.json()["verified"] is True
        assert r.json()["route"] == "trm-sudoku"
        r = c.post("/v1/solve", json={"problem": "55" + PUZZLE[2:]})
        assert r.status_code == 400 and "appears twice" in r.json()["error"]["message"]
        r = c.post("/v1/solve", json={"problem": PUZZLE, "kind": "maze"})
        assert r.status_code == 400 and "no maze found" in r.json()["error"]["message"]
        r = c.post("/v1/solve", content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 422
        r = c.post("/v1/solve", json={"problem": "x" * 300_000})
        assert r.status_code == 413 and "limit" in r.json()["error"]["message"]


def test_a_chunked_body_over_the_cap_is_refused_while_it_streams(live):
    """The cap once read only Content-Length: a chunked 100 MB body was read and parsed."""

    def chunks(total: int):
        sent = 0
        yield b'{"problem": "'
        while sent < total:
            yield b"x" * 65_536
            sent += 65_536
        yield b'"}'

    with httpx.Client(base_url=live.url, timeout=30) as c:
        r = c.post(
            "/v1/solve", content=chunks(5_000_000), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413 and "over 200,000 bytes" in r.json()["error"]["message"]
        small = iter([b'{"problem": ', json.dumps(PUZZLE).encode(), b"}"])
        r = c.post("/v1/solve", content=small, headers={"content-type": "application/json"})
        assert r.status_code == 200 and r.json()["verified"] is True


def test_chat_completions(live, stub):
    with httpx.Client(base_url=live.url) as c:
        body = {"model": "orchestra", "messages": [{"role": "user", "content": PUZZLE}]}
        r = c.post("/v1/chat/completions", json=body).json()
        assert "5 3 4 | 6 7 8 | 9 1 2" in r["choices"][0]["message"]["content"]
        assert r["orchestra"]["route"] == "trm-sudoku" and r["orchestra"]["verified"] is True
        stub.reply = "Paris."
        prose = {
            "model": "orchestra",
            "messages": [{"role": "user", "content": "Capital of France?"}],
        }
        r = c.post("/v1/chat/completions", json=prose).json()
        assert r["choices"][0]["message"]["content"] == "Paris."
        assert r["orchestra"]["route"] == "llm:openai/stub"
        passthrough = {**prose, "model": "openai/stub"}
        assert c.post("/v1/chat/completions", json=passthrough).json()["model"] == "openai/stub"
        r = c.post("/v1/chat/completions", json={**prose, "model": "gpt-9"})
        assert r.status_code == 404 and "available: orchestra" in r.json()["error"]["message"]
        r = c.post("/v1/chat/completions", json={"model": "orchestra", "messages": []})
        assert r.status_code == 422
        r = c.post(
            "/v1/chat/completions", json={"messages": [{"role": "system", "content": "be nice"}]}
        )
        assert r.status_code == 400 and "no user message" in r.json()["error"]["message"]


def test_litellm_as_a_client(live, monkeypatch):
    import os

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    r = litellm.completion(
        model="openai/orchestra",
        api_base=f"{live.url}/v1",
        api_key="none",
        messages=[{"role": "user", "content": PUZZLE}],
    )
    assert "9 1 2" in r.choices[0].message.content


class Slow(BaseSpecialist):
    name, kinds, priority = "slow-sudoku", ("sudoku",), 99

    def __init__(self, seconds):
        self.seconds = seconds
        self.batches = []

    def solve_batch(self, problems):
        self.batches.append(len(problems))
        time.sleep(self.seconds)
        return [sudoku.solve(p) for p in problems]


def test_concurrent_requests_are_micro_batched_and_kept_apart():
    slow = Slow(0.3)
    engine = Orchestra(specialists=[slow], llm=None)
    puzzles = [sudoku.generate(4, seed=i).problem for i in range(12)]
    with LiveServer(create_app(engine, Settings(max_batch=8, max_wait_ms=100))) as server:
        results = [None] * len(puzzles)

        def call(i):
            with httpx.Client(base_url=server.url, timeout=30) as c:
                results[i] = c.post("/v1/solve", json={"problem": puzzles[i].to_string()}).json()

        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(puzzles))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert max(slow.batches) > 1 and max(slow.batches) <= 8 and sum(slow.batches) == 12
    for p, r in zip(puzzles, results, strict=True):  # each caller got its own answer
        assert r["problem"]["grid"] == p.grid and sudoku.verify(p, r["answer"])


class SlowNine(BaseSpecialist):
    """Slow on 9x9 grids only: smaller ones go straight on to the exact solver."""

    name, kinds, priority = "slow-nine", ("sudoku",), 99

    def supports(self, problem):
        return problem.size == 9

    def solve_batch(self, problems):
        time.sleep(3.0)
        return [sudoku.solve(p) for p in problems]


def test_a_slow_item_holds_up_neither_its_batch_nor_the_next():
    """A minute-long ARC search used to hold every request of the server: the batch it
    was in answered when it ended, and the next batch waited for it to start."""
    engine = Orchestra(specialists=[SlowNine(), "exact-sudoku"], llm=None)
    nine = sudoku.generate(9, seed=1).problem.to_string()
    four = [sudoku.generate(4, seed=i).problem.to_string() for i in range(2)]
    with LiveServer(create_app(engine, Settings(max_wait_ms=300))) as server:
        slow: dict = {}

        def call_slow():
            with httpx.Client(base_url=server.url, timeout=30) as c:
                slow["r"] = c.post("/v1/solve", json={"problem": nine})

        thread = threading.Thread(target=call_slow)
        thread.start()
        with httpx.Client(base_url=server.url, timeout=30) as c:
            time.sleep(0.05)  # within the slow request's gathering window: the same batch
            same = c.post("/v1/solve", json={"problem": four[0]})
            assert thread.is_alive(), "the 4x4 request waited for the 9x9 one"
            time.sleep(0.5)  # that batch is now running: this one is the next batch
            t0 = time.perf_counter()
            after = c.post("/v1/solve", json={"problem": four[1]})
            waited = time.perf_counter() - t0
            assert thread.is_alive(), "the next batch waited for the slow one"
        thread.join()
    assert same.json()["verified"] is True and after.json()["verified"] is True
    assert waited < 2.0
    assert slow["r"].json()["route"] == "slow-nine" and slow["r"].json()["verified"] is True


def test_queue_cap_and_timeout():
    engine = Orchestra(specialists=[Slow(1.0)], llm=None)
    settings = Settings(max_batch=1, max_wait_ms=0, max_queue=1, timeout_s=0.5)
    with LiveServer(create_app(engine, settings)) as server:
        codes = []

        def call():
            with httpx.Client(base_url=server.url, timeout=30) as c:
                codes.append(c.post("/v1/solve", json={"problem": "4.1.....3.4...3."}).status_code)

        _concurrently(call, 3)
    assert 429 in codes and 504 in codes


def _concurrently(call, n: int, gap: float = 0.05) -> None:
    """`call` in `n` threads started `gap` seconds apart (one batch each), all joined."""
    threads = [threading.Thread(target=call) for _ in range(n)]
    for t in threads:
        t.start()
        time.sleep(gap)
    for t in threads:
        t.join()


def test_batcher_keeps_order_and_ownership():
    seen = []

    def process(items):
        seen.append(list(items))
        return [x * 10 for x in items]

    async def main():
        b = MicroBatcher(process, max_batch=4, max_wait_ms=50, max_queue=100)
        b.start()
        out = await asyncio.gather(*(b.submit(i) for i in range(10)))
        await b.stop()
        return out, b

    out, b = asyncio.run(main())
    assert out == [i * 10 for i in range(10)]
    assert all(len(batch) <= 4 for batch in seen) and sum(map(len, seen)) == 10
    assert sum(size * n for size, n in b.batch_sizes.items()) == 10

    async def full():
        b = MicroBatcher(
            lambda xs: (time.sleep(0.2), xs)[1], max_batch=1, max_wait_ms=0, max_queue=1
        )
        b.start()
        first = asyncio.ensure_future(b.submit(1))
        await asyncio.sleep(0.05)
        with pytest.raises(QueueFull):
            await b.submit(2)
        assert await first == 1
        await b.stop()

    asyncio.run(full())


def test_batcher_delivers_early_and_runs_batches_side_by_side():
    def process(items, deliver):
        for i, x in enumerate(items):
            if x != "slow":
                deliver(i, x.upper())
        time.sleep(0.6 if "slow" in items else 0.0)
        return [x.upper() for x in items]

    async def timed(b, x):
        t0 = time.perf_counter()
        out = await b.submit(x)
        return out, time.perf_counter() - t0

    async def main():
        b = MicroBatcher(process, max_batch=8, max_wait_ms=30, early=True, max_concurrent=2)
        b.start()
        first = asyncio.gather(timed(b, "slow"), timed(b, "quick"))
        await asyncio.sleep(0.2)  # the first batch is running; this is a second one
        second = await timed(b, "next")
        results = await first
        await b.stop()
        return results, second

    (slow, quick), nxt = asyncio.run(main())
    assert slow[0] == "SLOW" and quick[0] == "QUICK" and nxt[0] == "NEXT"
    assert slow[1] >= 0.6 and quick[1] < 0.3 and nxt[1] < 0.3


def test_a_failing_batch_reaches_every_caller():
    def process(items):
        raise ValueError("exploded")

    async def main():
        b = MicroBatcher(process, max_batch=4, max_wait_ms=20)
        b.start()
        results = await asyncio.gather(*(b.submit(i) for i in range(3)), return_exceptions=True)
        await b.stop()
        return results

    assert all(isinstance(r, ValueError) for r in asyncio.run(main()))


def test_shutdown_finishes_requests_in_flight():
    engine = Orchestra(specialists=[Slow(1.0)], llm=None)
    server = LiveServer(create_app(engine, Settings(max_wait_ms=0)))
    server.__enter__()
    result = {}

    def call():
        with httpx.Client(base_url=server.url, timeout=30) as c:
            result["r"] = c.post("/v1/solve", json={"problem": "4.1.....3.4...3."})

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.3)  # the request is being solved now
    server.__exit__(None, None, None)  # ask the server to stop
    t.join()
    assert result["r"].status_code == 200 and result["r"].json()["verified"] is True


def test_text_that_is_no_text_is_a_4xx_and_one_bad_element_fails_only_itself(live):
    """A lone surrogate, or a content part whose text is a number, was a 500 (and one such
    element of solve_many failed the whole batch)."""
    headers = {"content-type": "application/json"}
    surrogate = b'"\\ud800abc"'
    with httpx.Client(base_url=live.url, timeout=60) as c:
        r = c.post("/v1/solve", content=b'{"problem": ' + surrogate + b"}", headers=headers)
        assert r.status_code == 400 and "lone surrogate" in r.json()["error"]["message"]
        body = b'{"problems": [' + surrogate + b", " + json.dumps(PUZZLE).encode() + b"]}"
        r = c.post("/v1/solve_many", content=body, headers=headers)
        assert r.status_code == 200
        bad, good = r.json()
        assert "lone surrogate" in bad["error"] and good["verified"] is True
        chat = {"model": "orchestra", "messages": [{"role": "user", "content": None}]}
        chat["messages"][0]["content"] = [{"type": "text", "text": 5}]
        r = c.post("/v1/chat/completions", json=chat)
        assert r.status_code == 400 and "must be a string" in r.json()["error"]["message"]
        body = b'{"model": "orchestra", "messages": [{"role": "user", "content": ' + surrogate
        r = c.post("/v1/chat/completions", content=body + b"}]}", headers=headers)
        assert r.status_code == 400 and "lone surrogate" in r.json()["error"]["message"]


def test_solve_many_is_admitted_or_refused_whole_before_any_work():
    """1,025 problems against a 1,024 queue once computed the first 1,024, then failed 429
    (and the client retried it four times)."""
    from orchestra import Client, ClientError

    engine = Orchestra(llm=None)
    with LiveServer(create_app(engine, Settings(max_queue=4))) as server:
        before = engine.stats().model_dump()
        with httpx.Client(base_url=server.url, timeout=60) as c:
            r = c.post("/v1/solve_many", json={"problems": [PUZZLE] * 5})
            assert r.status_code == 413 and "can never fit" in r.json()["error"]["message"]
            assert engine.stats().model_dump() == before  # nothing was computed
            r = c.post("/v1/solve_many", json={"problems": [PUZZLE] * 4})
            assert r.status_code == 200 and all(s["verified"] for s in r.json())
        t0 = time.perf_counter()
        with pytest.raises(ClientError, match="413"):
            Client(server.url).solve_many([PUZZLE] * 5)
        assert time.perf_counter() - t0 < 5  # not retried


def test_a_connection_that_never_finishes_its_headers_is_closed():
    """300 half-open connections each held a socket forever; the header watchdog closes one
    that has sent no whole request within its timeout, and answers others meanwhile."""
    import socket
    import threading
    import time

    import uvicorn

    from orchestra.serve.server import GracefulServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(Orchestra(llm=None)), host="127.0.0.1", port=port,
                            log_level="error")
    server = GracefulServer(config, header_timeout_s=1.0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        half = socket.create_connection(("127.0.0.1", port))
        half.sendall(b"POST /v1/solve HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
        half.settimeout(10)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        t0 = time.monotonic()
        assert half.recv(1024) == b""  # closed by the server
        assert time.monotonic() - t0 < 8
        half.close()
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# -- lanes, the queue cap on every path, callers who left ------------------------------------

TINY_ARC = {
    "train": [{"input": [[1, 0]], "output": [[0, 1]]}, {"input": [[2, 0]], "output": [[0, 2]]}],
    "test": [{"input": [[3, 0]]}],
}


class SlowArc(BaseSpecialist):
    """An ARC processor that takes `seconds` a batch and answers nothing (so the chain
    moves on to an LLM that is not there), counting its batches."""

    name, kinds, priority = "slow-arc", ("arc",), 100

    def __init__(self, seconds: float):
        self.seconds, self.batches = seconds, 0

    def expected_latency_s(self, problem):
        return self.seconds

    def solve_batch(self, problems):
        self.batches += 1
        time.sleep(self.seconds)
        return [None] * len(problems)


def _slow_server(seconds: float, **settings):
    arc = SlowArc(seconds)
    engine = Orchestra(specialists=[arc, "exact-sudoku"], llm=None, scheduler="priority")
    return arc, LiveServer(create_app(engine, Settings(max_wait_ms=0, **settings)))


def test_a_sudoku_is_answered_while_slow_searches_hold_their_lane():
    """8 slow ARC requests (kind given or not) once took every batch slot and thread: a
    9x9 Sudoku behind them waited for them. Its lane is its own."""
    arc, live = _slow_server(2.0, max_concurrent_batches=2)
    finished: list[str] = []

    def call(name, body):
        with httpx.Client(base_url=live.url, timeout=60) as c:
            r = c.post("/v1/solve", json=body)
            assert r.status_code == 200, r.text
        finished.append(name)

    with live:
        threads = [
            threading.Thread(target=call, args=(f"arc{i}", {"problem": TINY_ARC, **(
                {"kind": "arc"} if i % 2 else {})}))
            for i in range(8)
        ]
        for t in threads:
            t.start()
            time.sleep(0.05)  # one batch each
        sudoku_thread = threading.Thread(target=call, args=("sudoku", {"problem": PUZZLE}))
        sudoku_thread.start()
        for t in [*threads, sudoku_thread]:
            t.join()
    assert finished[0] == "sudoku", finished
    assert arc.batches >= 4


def test_the_queue_cap_counts_requests_that_name_their_kind():
    """With --max-queue 4, 30 kind=arc requests all got 200: that path skipped the cap."""
    _, live = _slow_server(1.0, max_queue=4, max_concurrent_batches=1)
    codes: list[int] = []

    def call():
        with httpx.Client(base_url=live.url, timeout=60) as c:
            codes.append(c.post("/v1/solve", json={"problem": TINY_ARC, "kind": "arc"}).status_code)

    with live:
        _concurrently(call, 12, gap=0)
    assert codes.count(429) >= 6 and set(codes) <= {200, 429}, codes


def test_work_whose_caller_left_before_it_began_is_never_done():
    """A request that timed out while its problem still waited for a batch slot used to be
    computed anyway; now only the batch already running is."""
    arc, live = _slow_server(2.0, timeout_s=0.5, max_concurrent_batches=1)

    def call():
        with httpx.Client(base_url=live.url, timeout=60) as c:
            assert c.post("/v1/solve", json={"problem": TINY_ARC}).status_code == 504

    with live:
        _concurrently(call, 3)
        time.sleep(4.5)  # the first batch ends; the two behind it are skipped
    assert arc.batches == 1


def _noise_arc(seed: int = 0) -> dict:
    """An ARC task no program explains: a search runs to its deadline."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return {
        "train": [
            {"input": rng.integers(0, 10, (8, 8)).tolist(),
             "output": rng.integers(0, 10, (3, 3)).tolist()}
            for _ in range(3)
        ],
        "test": [{"input": rng.integers(0, 10, (8, 8)).tolist()}],
    }


def test_the_callers_deadline_ends_the_search_and_starts_nothing_after_it():
    """A search of 30 s whose caller waits 2 ends by then; a second task queued behind it in
    a one-worker pool is not started at all."""
    from orchestra.specialists.arc_search import ArcSearch

    engine = Orchestra(llm=None, specialists=[ArcSearch(budget_s=30, workers=1)])
    t0 = time.monotonic()
    first, second = engine.solve_many([_noise_arc(0), _noise_arc(1)], timeout_s=2.0)
    assert time.monotonic() - t0 < 15
    assert first.trace.attempts[0].error is None  # it searched, for the time there was
    assert "caller's deadline had passed" in second.trace.attempts[0].reason


def test_an_attempt_after_the_deadline_is_not_started():
    class Slower(SlowArc):
        name = "slower-arc"

    arc, slower = SlowArc(1.0), Slower(1.0)
    engine = Orchestra(
        llm=None, specialists=[arc, slower], fallback={"arc": ["slow-arc", "slower-arc"]}
    )
    sol = engine.solve(TINY_ARC, timeout_s=0.5)
    assert (arc.batches, slower.batches) == (1, 0)
    assert "not started: the caller's deadline had passed" in sol.trace.attempts[-1].error


def test_a_request_that_timed_out_leaves_no_search_running():
    """After a 504 the server once searched on for the whole budget (36 CPU-seconds after
    one request); the request's deadline now ends the search."""
    from orchestra.specialists.arc_search import ArcSearch

    engine = Orchestra(llm=None, specialists=[ArcSearch(budget_s=30, workers=1), "exact-sudoku"])
    with LiveServer(create_app(engine, Settings(timeout_s=2.0))) as live:
        with httpx.Client(base_url=live.url, timeout=60) as c:
            assert c.post("/v1/solve", json={"problem": _noise_arc()}).status_code == 504
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            done = [p for p in engine.stats().processors if p.name == "arc-search" and p.items]
            if done:
                break
            time.sleep(0.2)
        assert done, "the search was still running 8 s after its request's 2 s deadline"
