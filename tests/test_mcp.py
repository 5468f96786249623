"""`orchestra mcp` through the official SDK's own client: over stdio (the real CLI as a
subprocess) and over streamable HTTP on loopback (with and without the API key). Tools
listed, a Sudoku, a maze and an ARC task solved, bad calls answered with errors while
the server keeps serving."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

# the MCP SDK is a dependency of `orchestra mcp`: a missing one fails here, never skips
import mcp.shared.exceptions
import pytest
from conftest import PUZZLE
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from serving import LiveServer

from orchestra import Orchestra
from orchestra.serve.mcp import build_server, http_app
from orchestra.tasks.arc import load

BIN = Path(sys.executable).parent
MAZE = "#####\n#S  #\n# # #\n#  G#\n#####"
KEY = "sk-orchestra-mcp-0001"
TOOLS = ["solve", "solve_many", "parse", "families", "explain"]


def _arc(task_id: str = "195ba7dc"):
    return next(t for t in load(1, "evaluation") if t.id == task_id)


def _arc_task() -> dict:
    return _arc().without_outputs().to_json()


async def _session_checks(client, http: bool = False) -> None:
    tools = [t.name for t in (await client.list_tools()).tools]
    assert tools == TOOLS
    r = await client.call_tool("solve", {"problem": PUZZLE})
    assert not r.is_error and r.structured_content["verified"] is True
    assert r.structured_content["kind"] == "sudoku" and r.structured_content["rendered"]
    r = await client.call_tool("solve", {"problem": MAZE})
    assert not r.is_error and r.structured_content["verified"] is True
    r = await client.call_tool("solve", {"problem": _arc_task()})
    arc = r.structured_content
    assert not r.is_error and arc["route"] == "arc-search" and arc["consistent"] is True
    assert arc["program"] and arc["verified"] is None
    assert arc["answer"] == _arc().test_outputs  # the held-back output: the answer is right
    r = await client.call_tool("explain", {"problem": PUZZLE})
    why = r.structured_content
    assert not r.is_error and why["policy"] and why["route"] in why["order"]
    assert {e["processor"] for e in why["estimates"]} >= {"exact-sudoku"}
    # bad calls: each an error, and the server still answers after them
    r = await client.call_tool("solve", {"problem": "55" + PUZZLE[2:]})
    assert r.is_error and "appears twice" in r.content[0].text
    r = await client.call_tool("solve", {"problem": 5})
    assert r.is_error
    r = await client.call_tool("solve", {"problem": PUZZLE, "kind": "no-such-kind"})
    assert r.is_error and "no-such-kind" in r.content[0].text
    try:  # over stdio the tool refuses it; over HTTP the body cap does, before any tool
        r = await client.call_tool("solve", {"problem": "x" * 10_000_000})
        assert r.is_error and "the limit is" in r.content[0].text
    except mcp.shared.exceptions.MCPError as e:
        assert http, e
    r = await client.call_tool("parse", {"problem": MAZE})
    assert not r.is_error and r.structured_content["kind"] == "maze"
    r = await client.call_tool("solve_many", {"problems": [PUZZLE, MAZE]})
    assert [s["kind"] for s in r.structured_content["solutions"]] == ["sudoku", "maze"]


def test_stdio_server_through_the_sdk_client():
    env = {**os.environ, "ORCHESTRA_SCHEDULER": "priority", "ORCHESTRA_ARC_BUDGET": "20"}
    params = StdioServerParameters(
        command=str(BIN / "orchestra"), args=["mcp", "--llm", "none"], env=env
    )

    async def run() -> None:
        async with Client(params, read_timeout_seconds=300) as client:
            await _session_checks(client)
            fams = await client.call_tool("families", {})
            names = [f["name"] for f in fams.structured_content["families"]]
            assert {"sudoku", "maze", "arc", "grid"} <= set(names)
            text = (await client.read_resource("orchestra://families/maze")).contents[0].text
            assert '"name": "maze"' in text
            card = await client.read_resource("orchestra://checkpoints/sudoku-9x9")
            assert '"steps"' in card.contents[0].text

    asyncio.run(run())


@pytest.fixture(scope="module")
def live():
    server = build_server(Orchestra(llm=None))
    with LiveServer(http_app(server, api_keys=[KEY], max_body_bytes=1 << 20)) as s:
        yield s


def test_http_server_with_the_key(live):
    import httpx2

    async def run() -> None:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=300)
        async with Client(streamable_http_client(f"{live.url}/mcp", http_client=http)) as c:
            await _session_checks(c, http=True)

    asyncio.run(run())


def test_http_server_refuses_a_missing_or_wrong_key(live):
    import httpx

    with httpx.Client(base_url=live.url, timeout=30) as c:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        r = c.post("/mcp", json=body)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
        r = c.post("/mcp", json=body, headers={"Authorization": "Bearer sk-wrong"})
        assert r.status_code == 401


def test_a_client_that_disconnects_mid_call_leaves_the_server_serving():
    import httpx2
    import numpy as np

    from orchestra.specialists.arc_search import ArcSearch

    rng = np.random.default_rng(0)
    noise = {  # an ARC task with no program: the search runs to its deadline
        "train": [
            {
                "input": rng.integers(0, 10, (8, 8)).tolist(),
                "output": rng.integers(0, 10, (3, 3)).tolist(),
            }
            for _ in range(3)
        ],
        "test": [{"input": rng.integers(0, 10, (8, 8)).tolist()}],
    }
    engine = Orchestra(llm=None, specialists=["exact-sudoku", ArcSearch(budget_s=3, workers=1)])
    with LiveServer(http_app(build_server(engine), api_keys=[], max_body_bytes=1 << 20)) as s:

        async def run() -> None:
            url = f"{s.url}/mcp"
            async with Client(streamable_http_client(url, http_client=httpx2.AsyncClient())) as c:
                call = asyncio.create_task(c.call_tool("solve", {"problem": noise}))
                await asyncio.sleep(0.5)
                call.cancel()  # the client goes away mid-call
            async with Client(streamable_http_client(url, http_client=httpx2.AsyncClient())) as c:
                r = await c.call_tool("solve", {"problem": PUZZLE})
                assert not r.is_error and r.structured_content["verified"] is True

        asyncio.run(run())


def test_http_a_remote_name_with_the_key_and_a_stray_header_byte():
    """Bound to 0.0.0.0 the SDK's own Host check answered every remote client 421; a
    header byte that is not UTF-8 was a 500 before the key check."""
    import httpx

    from orchestra.serve.hosts import allowed_hosts

    server = build_server(Orchestra(llm=None))
    app = http_app(server, api_keys=[KEY], max_body_bytes=1 << 20,
                   allowed_hosts=allowed_hosts("0.0.0.0"))
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"}}}
    accept = {"accept": "application/json, text/event-stream"}
    with LiveServer(app) as s, httpx.Client(base_url=s.url, timeout=60) as c:
        r = c.post("/mcp", json=body, headers={
            **accept, "authorization": f"Bearer {KEY}", "host": "orchestra.example.com:8765"})
        assert r.status_code == 200, r.text[:300]
        r = c.post("/mcp", json=body, headers=[(b"x-api-key", b"sk-\xff\xfe")])
        assert r.status_code == 401


def _over_http(server, checks) -> None:
    """`checks(client)` against `server` behind the keyless HTTP app, on loopback."""
    import httpx2

    with LiveServer(http_app(server, api_keys=[], max_body_bytes=1 << 20)) as s:

        async def run() -> None:
            url = f"{s.url}/mcp"
            async with Client(streamable_http_client(url, http_client=httpx2.AsyncClient())) as c:
                await checks(c)

        asyncio.run(run())


def test_a_tool_call_has_a_time_limit():
    """MCP tool calls had none: one could run as long as its search did."""
    from test_serve import TINY_ARC, SlowArc

    arc = SlowArc(2.0)
    engine = Orchestra(llm=None, specialists=[arc, "exact-sudoku"])
    async def checks(c) -> None:
        r = await c.call_tool("solve", {"problem": TINY_ARC})
        assert r.is_error and "no answer within 0.5 s" in r.content[0].text
        r = await c.call_tool("solve", {"problem": PUZZLE})
        assert not r.is_error and r.structured_content["verified"] is True

    _over_http(build_server(engine, timeout_s=0.5), checks)


def test_one_size_rule_for_the_library_http_and_mcp():
    """HTTP read JSON problems of any size under the body cap while MCP counted their
    characters: now both (and the library) apply `problems.check_size`."""
    import httpx

    from orchestra import parse
    from orchestra.serve.app import Settings, create_app
    from orchestra.tasks.base import MAX_INPUT_CHARS, ParseError

    grid = [[1] * 30] * 30
    big = {"train": [{"input": grid, "output": grid}] * 150, "test": [{"input": grid}]}
    body = json.dumps({"problem": big}, separators=(",", ":"))
    assert MAX_INPUT_CHARS < len(body) and len(json.dumps(big)) < 1 << 20
    with pytest.raises(ParseError, match="the limit is 524,288"):
        parse(big)
    engine = Orchestra(llm=None)
    with LiveServer(create_app(engine, Settings())) as s, httpx.Client(base_url=s.url) as c:
        r = c.post("/v1/solve", content=body, timeout=60,
                   headers={"content-type": "application/json"})
        assert r.status_code == 400 and "the limit is 524,288" in r.json()["error"]["message"]
    async def checks(c) -> None:
        r = await c.call_tool("solve", {"problem": big})
        assert r.is_error and "the limit is 524,288" in r.content[0].text

    _over_http(build_server(engine), checks)
