"""`orchestra.Client` against a real server on loopback (uvicorn, real HTTP): the same
typed Solutions as the library, keys, retries on 429/503, a server that is down."""

from __future__ import annotations

import asyncio
import socket

import pytest
from conftest import PUZZLE
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from serving import LiveServer

from orchestra import Client, ClientError, Orchestra, SudokuProblem
from orchestra.serve.app import Settings, create_app
from orchestra.tasks.maze import MazeProblem

KEY = "sk-orchestra-client-0001"
MAZE = "#####\n#S  #\n# # #\n#  G#\n#####"


@pytest.fixture(scope="module")
def live():
    with LiveServer(create_app(Orchestra(llm=None), Settings(api_keys=[KEY]))) as server:
        yield server


def test_solve_returns_the_librarys_typed_solution(live):
    c = Client(live.url, api_key=KEY)
    sol = c.solve(PUZZLE)
    local = Orchestra(llm=None).solve(PUZZLE)
    assert sol.verified is True and sol.answer == local.answer and sol.route
    assert isinstance(sol.problem, SudokuProblem) and sol.problem == local.problem
    bad = c.solve("55" + PUZZLE[2:])
    assert bad.answer is None and "appears twice" in bad.error


def test_solve_many_and_stats(live):
    c = Client(live.url, api_key=KEY)
    sols = c.solve_many([PUZZLE, MAZE, "55" + PUZZLE[2:]])
    assert [s.kind for s in sols[:2]] == ["sudoku", "maze"]
    assert isinstance(sols[1].problem, MazeProblem) and sols[1].verified is True
    assert sols[2].error and "appears twice" in sols[2].error  # one bad item, not the call
    split = c.stats()
    assert sum(p.items for p in split.processors) >= 3


def test_async_calls(live):
    c = Client(live.url, api_key=KEY)

    async def both():
        return await asyncio.gather(c.asolve(PUZZLE), c.asolve_many([MAZE, PUZZLE]))

    one, many = asyncio.run(both())
    assert one.verified is True and [s.kind for s in many] == ["maze", "sudoku"]


def test_a_refused_key_is_a_clear_error(live):
    with pytest.raises(ClientError, match="refused the API key") as e:
        Client(live.url, api_key="sk-wrong").solve(PUZZLE)
    assert e.value.status == 401
    with pytest.raises(ClientError, match="refused the API key"):
        Client(live.url).stats()


def test_a_server_that_is_down_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    with pytest.raises(ClientError, match=f"cannot reach http://127.0.0.1:{port}"):
        Client(f"http://127.0.0.1:{port}", retries=0).solve(PUZZLE)


def test_busy_and_unavailable_are_retried_with_backoff():
    """A stand-in server that is busy (429), then unavailable (503), then answers."""
    replies = [429, 503]
    seen: list[int] = []
    answer = Orchestra(llm=None).solve(PUZZLE).model_dump(mode="json")
    app = FastAPI()

    @app.post("/v1/solve")
    async def solve():
        code = replies.pop(0) if replies else 200
        seen.append(code)
        if code != 200:
            return JSONResponse({"error": {"message": "busy"}}, status_code=code)
        return JSONResponse(answer)

    with LiveServer(app) as server:
        sol = Client(server.url, backoff_s=0.01).solve(PUZZLE)
        assert seen == [429, 503, 200] and sol.verified is True
        replies[:] = [503] * 5
        with pytest.raises(ClientError, match="503: busy"):
            Client(server.url, retries=2, backoff_s=0.01).solve(PUZZLE)
