"""RemoteLLM over real HTTP (litellm's OpenAI client) against a loopback stub server that
stands in for a paid API: success, retries, 5xx, timeout, malformed replies, keys."""

import pytest
from openai_stub_server import StubServer

from orchestra import Orchestra
from orchestra.llm import LLMError, Message, RemoteLLM, from_spec

KEY = "sk-test-secret-123456"
HELLO = [Message(role="user", content="What is the capital of France?")]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with StubServer() as s:
        yield s


def llm(server, **kw):
    opts = dict(api_base=server.base, max_retries=2, backoff_s=0.01, timeout=1.0) | kw
    return RemoteLLM("openai/test-model", **opts)


def test_success_reports_text_tokens_and_model(server):
    r = llm(server).complete(HELLO, max_tokens=20, temperature=0.0)
    assert r.text == "Paris." and (r.prompt_tokens, r.completion_tokens) == (11, 3)
    assert r.model == "openai/test-model" and r.device == "remote" and r.latency_s > 0
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["body"]["max_tokens"] == 20
    assert req["body"]["messages"][0]["content"] == HELLO[0].content
    assert req["auth"] == f"Bearer {KEY}"


def test_rate_limit_is_retried_then_succeeds(server):
    server.script = ["429", "429", "ok"]
    assert llm(server).complete(HELLO).text == "Paris."
    assert len(server.requests) == 3


def test_5xx_retries_then_gives_up(server):
    server.script = ["500"] * 5
    with pytest.raises(LLMError, match="gave up after 3 tries"):
        llm(server).complete(HELLO)
    assert len(server.requests) == 3


def test_timeout_is_not_retried(server):
    server.script = ["slow"]
    server.slow_s = 2.0
    with pytest.raises(LLMError, match="no reply within 0.5 s"):
        llm(server, timeout=0.5).complete(HELLO)
    assert len(server.requests) == 1


def test_malformed_json_is_a_clear_error(server):
    server.script = ["malformed"] * 5
    with pytest.raises(LLMError, match="openai/test-model"):
        llm(server).complete(HELLO)


def test_missing_key_and_key_never_leaks(server, monkeypatch):
    server.script = ["401"]
    with pytest.raises(LLMError) as err:
        llm(server).complete(HELLO)
    assert KEY not in str(err.value) and "***" in str(err.value)
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(LLMError, match="needs OPENAI_API_KEY"):
        llm(server).complete(HELLO)
    assert len(server.requests) == 1  # no request without a key


def test_engine_uses_a_remote_llm_and_keeps_the_key_out_of_traces(server):
    server.reply = "5 3 4\n6 7 2"  # an unparseable Sudoku answer: scored, not crashed
    engine = Orchestra(
        llm=from_spec("litellm:openai/test-model", api_base=server.base),
        fallback={"sudoku": ["llm"]},
    )
    prose, puzzle = engine.solve_many(["Hello?", "4.1.....3.4...3."])
    assert prose.route == "llm:openai/test-model" and prose.answer == "5 3 4\n6 7 2"
    assert prose.tokens == 14 and prose.device == "remote"
    assert puzzle.answer is None and puzzle.verified is False
    assert "no answer could be parsed" in puzzle.error
    assert KEY not in prose.model_dump_json() + puzzle.model_dump_json()
    assert engine.stats().by_name("llm:openai/test-model").items == 2


def test_spec_errors():
    with pytest.raises(LLMError, match="name the provider"):
        RemoteLLM("gpt-4o-mini")
    with pytest.raises(LLMError, match="unknown LLM spec"):
        from_spec("gpt4")
    assert from_spec("none") is None
