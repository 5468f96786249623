"""Puzzles told in words, through a tool-calling LLM: the LLM's `solve` calls are parsed,
solved and verified, and the result goes back to it. A scripted OpenAI-compatible server
on loopback stands in for the remote model (a paid API cannot run here): real HTTP, the
real litellm client, scripted turns."""

from __future__ import annotations

import json

import pytest
from openai_stub_server import StubServer

from orchestra import Orchestra
from orchestra.llm import RemoteLLM
from orchestra.llm.formalize import MAX_ROUNDS

WORDS = "Place eight queens on a chessboard so that none attacks another, one of them on b3."
QUEENS = json.dumps({"puzzle": {"kind": "nqueens", "n": 8, "queens": [[5, 1]]}})


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with StubServer() as s:
        yield s


def engine(server) -> Orchestra:
    llm = RemoteLLM("openai/test-model", api_base=server.base, max_retries=0, timeout=10)
    return Orchestra(llm=llm, router="rules")


def test_a_correct_formalization_is_solved_verified_and_answered(server):
    server.turns = [[("solve", QUEENS)], "Here is a placement: the solver verified it."]
    sol = engine(server).solve(WORDS)
    assert sol.kind == "text" and sol.route == "llm:openai/test-model"
    assert sol.verified is True and sol.answer == "Here is a placement: the solver verified it."
    att = sol.trace.attempts[-1]
    assert att.formalization == {"kind": "nqueens", "n": 8, "queens": [[5, 1]]}
    columns = att.solved  # the column of each row's queen
    assert len(columns) == 8 and columns[5] == 1
    # the tool's result went back to the LLM, and the schema listed the families' forms
    second = server.requests[1]["body"]
    tool_turn = second["messages"][-1]
    assert tool_turn["role"] == "tool" and json.loads(tool_turn["content"])["verified"] is True
    schema = server.requests[0]["body"]["tools"][0]["function"]
    assert schema["name"] == "solve" and '"kind": "nqueens"' in schema["description"]


def test_a_malformed_formalization_is_corrected_after_the_parsers_error(server):
    bad = json.dumps({"puzzle": {"kind": "nqueens", "n": 8, "queens": [[5, 1], [5, 4]]}})
    server.turns = [[("solve", bad)], [("solve", QUEENS)], "Done."]
    sol = engine(server).solve(WORDS)
    att = sol.trace.attempts[-1]
    assert sol.verified is True and sol.answer == "Done."
    assert len(att.tool_rounds) == 2
    assert att.tool_rounds[0].result.startswith("error: the puzzle does not parse")
    sent_back = server.requests[1]["body"]["messages"][-1]["content"]
    assert "does not parse" in sent_back and "row" in sent_back


def test_a_formalization_that_never_parses_ends_with_the_reason(server):
    bad = json.dumps({"puzzle": {"kind": "nqueens", "n": 1000}})
    server.turns = [[("solve", bad)], [("solve", bad)], "never asked"]
    sol = engine(server).solve(WORDS)
    att = sol.trace.attempts[-1]
    assert sol.verified is None and att.formalization is None
    assert att.reason.startswith("the formalization never parsed")
    assert len(server.requests) == 2  # no third round after the second failure


def test_unknown_tools_invalid_json_and_loops_are_bounded(server):
    server.turns = [[("launch", "{}")], [("solve", "{not json")]] + [[("solve", QUEENS)]] * 10
    sol = engine(server).solve(WORDS)
    att = sol.trace.attempts[-1]
    assert "unknown tool 'launch'" in att.tool_rounds[0].result
    assert "not JSON" in att.tool_rounds[1].result
    assert att.reason == f"stopped after {MAX_ROUNDS} rounds of tool calls without a final answer"
    assert len(server.requests) == MAX_ROUNDS


def test_prose_without_a_puzzle_is_answered_directly(server):
    server.turns = ["Paris."]
    sol = engine(server).solve("What is the capital of France?")
    assert sol.answer == "Paris." and sol.verified is None
    assert sol.trace.attempts[-1].reason == "answered as prose: the LLM called no tool"


def test_an_llm_that_cannot_call_tools_answers_as_before_and_says_so():
    from orchestra.llm.base import LLM, LLMResult

    class Plain(LLM):
        name = "plain"
        device = "cpu"

        def complete(self, messages, **kw):
            return LLMResult(text="Paris.")

    sol = Orchestra(llm=Plain(), router="rules").solve("What is the capital of France?")
    assert sol.answer == "Paris."
    assert sol.trace.attempts[-1].reason == "answered as prose: this LLM cannot call tools"
