"""Faults, injected for real: an LLM that times out, answers garbage or fails mid-batch (the
loopback OpenAI stub standing in for a paid API), a specialist that hangs, a checkpoint
truncated on disk, a cache that cannot be written, and the server stopped by SIGTERM under
load. Each ends in an answer from the next processor or a clear error on that item only."""

import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import PUZZLE
from openai_stub_server import StubServer

from orchestra import BaseSpecialist, Orchestra, registry
from orchestra.llm import LLMError, LocalLLM, RemoteLLM
from orchestra.specialists import CHECKPOINTS
from orchestra.tasks import sudoku

SHIPPED_6X6 = CHECKPOINTS / "sudoku-6x6"


@pytest.fixture
def stub(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-000000")
    with StubServer() as s:
        yield s


def _remote(stub: StubServer, timeout: float = 30.0) -> RemoteLLM:
    llm = RemoteLLM("openai/stub", api_base=stub.base, max_retries=0, timeout=timeout)
    llm.warm_up()
    return llm


def test_an_llm_timeout_fails_that_item_only(stub):
    stub.script, stub.slow_s = ["slow"], 5.0
    engine = Orchestra(llm=_remote(stub, timeout=0.5), llm_concurrency=1)
    prose, puzzle = engine.solve_many(["What is the capital of France?", PUZZLE])
    assert prose.answer is None and "no reply within 0.5 s" in prose.error
    assert puzzle.verified is True and puzzle.error is None


def test_garbage_from_the_llm_is_rejected_and_the_chain_goes_on(stub):
    stub.reply = "I believe the answer is 42, trust me."
    engine = Orchestra(llm=_remote(stub), fallback={"sudoku": ["llm", "exact-sudoku"]})
    sol = engine.solve(PUZZLE)
    first = sol.trace.attempts[0]
    assert first.processor.startswith("llm") and first.verified is False
    assert "no answer could be parsed" in first.reason
    assert sol.route == "exact-sudoku" and sol.verified is True


def test_an_llm_failing_mid_batch_fails_only_its_item(stub):
    stub.script = ["ok", "500", "ok"]
    engine = Orchestra(llm=_remote(stub), llm_concurrency=1)
    sols = engine.solve_many(["Question one?", "Question two?", "Question three?"])
    assert [s.answer for s in sols].count("Paris.") == 2
    broken = next(s for s in sols if s.answer is None)
    assert "server exploded" in broken.error


class Hanging(BaseSpecialist):
    name, kinds, priority = "hanging-sudoku", ("sudoku",), 99

    def solve_batch(self, problems):
        time.sleep(30)
        return [None] * len(problems)


def test_a_hanging_specialist_times_out_and_the_problem_falls_back():
    engine = Orchestra(specialists=[Hanging(), "exact-sudoku"], llm=None, processor_timeout_s=0.5)
    t0 = time.perf_counter()
    sols = engine.solve_many([PUZZLE, sudoku.generate(4, seed=1).problem])
    assert time.perf_counter() - t0 < 10
    for sol in sols:
        assert sol.route == "exact-sudoku" and sol.verified is True
        assert "did not answer within 0.5 s" in sol.trace.attempts[0].error


def test_a_truncated_checkpoint_is_a_clear_error_and_the_solver_takes_over(tmp_path, monkeypatch):
    broken = tmp_path / "sudoku-6x6"
    shutil.copytree(SHIPPED_6X6, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    monkeypatch.setenv("ORCHESTRA_CHECKPOINTS", str(tmp_path))
    registry.refresh()
    try:
        six = sudoku.generate(6, seed=3).problem
        sol = Orchestra(llm=None).solve(six)
        first = sol.trace.attempts[0]
        assert first.processor == "trm-sudoku" and "cannot load" in first.error
        assert "CheckpointError" in first.error and "model.safetensors" in first.error
        assert sol.route == "exact-sudoku" and sol.verified is True
    finally:
        monkeypatch.delenv("ORCHESTRA_CHECKPOINTS")
        registry.refresh()


def test_a_cache_that_cannot_be_written_is_a_clear_llm_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ORCHESTRA_CACHE", str(blocker / "cache"))
    with pytest.raises(LLMError, match="cannot write the model cache .* set ORCHESTRA_CACHE"):
        LocalLLM().warm_up()
    engine = Orchestra(llm=LocalLLM())
    prose, puzzle = engine.solve_many(["Hello there?", PUZZLE])
    assert "cannot write the model cache" in prose.error
    assert puzzle.verified is True


def test_sigterm_under_load_loses_no_accepted_request():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [Path(sys.executable).parent / "orchestra", "serve", "--port", str(port), "--llm", "none"],
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        puzzles = [sudoku.generate(9, seed=i, tier="easy") for i in range(40)]
        outcomes: list[str] = [""] * len(puzzles)

        def call(i: int) -> None:
            time.sleep(0.05 * i)  # a stream of requests that SIGTERM lands in the middle of
            try:
                r = httpx.post(
                    f"{url}/v1/solve",
                    json={"problem": puzzles[i].problem.to_string()},
                    timeout=60,
                )
                right = r.status_code == 200 and r.json()["answer"] == puzzles[i].solution
                outcomes[i] = "answered" if right else f"wrong {r.status_code}"
            except httpx.ConnectError:
                outcomes[i] = "refused"  # never accepted: the server had stopped listening
            except httpx.TransportError as e:
                outcomes[i] = f"lost {type(e).__name__}"  # accepted, then dropped

        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(puzzles))]
        for t in threads:
            t.start()
        time.sleep(0.05 * len(puzzles) / 2)
        server.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=90)
        # uvicorn shuts down gracefully, then re-raises the signal: exit by SIGTERM
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
    assert set(outcomes) <= {"answered", "refused"}, sorted(set(outcomes))
    assert outcomes.count("answered") >= 1 and outcomes.count("refused") >= 1, outcomes
