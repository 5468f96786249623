"""`orchestra serve` with API keys, per-key counts, CORS and streaming, over real HTTP on
loopback, called by the official `openai` client and by litellm."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import PUZZLE
from serving import LiveServer

from orchestra import Orchestra
from orchestra.serve.app import Settings, create_app
from orchestra.serve.auth import KeyRing, split_keys

BIN = Path(sys.executable).parent

KEYS = ["sk-orchestra-alpha-0001", "sk-orchestra-beta-0002"]


@pytest.fixture(scope="module")
def live():
    engine = Orchestra(llm=None)
    with LiveServer(create_app(engine, Settings(api_keys=KEYS))) as server:
        yield server


def test_keys_are_required_except_on_health(live):
    with httpx.Client(base_url=live.url, timeout=60) as c:
        r = c.post("/v1/solve", json={"problem": PUZZLE})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["code"] == "invalid_api_key"
        r = c.post("/v1/solve", json={"problem": PUZZLE}, headers={"x-api-key": "sk-wrong"})
        assert r.status_code == 401
        auth = {"authorization": f"Bearer {KEYS[1]}"}
        r = c.post("/v1/solve", json={"problem": PUZZLE}, headers=auth)
        assert r.status_code == 200 and r.json()["verified"] is True
        assert c.get("/healthz").status_code == 200
        assert c.get("/metrics").status_code == 401  # behind the key by default
        metrics = c.get("/metrics", headers=auth)
        assert metrics.status_code == 200
        counted = 'orchestra_requests_total{key="key-2",code="200"}'
        assert counted in metrics.text
        assert 'key="unauthenticated",code="401"' in metrics.text
        for key in KEYS:  # a key is never shown, nor any part of its hash
            assert key not in metrics.text and key not in r.text
            assert hashlib.sha256(key.encode()).hexdigest()[:8] not in metrics.text


def test_the_openai_client_with_a_key_plain_and_streamed(live):
    import openai

    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=KEYS[0], max_retries=0)
    messages = [{"role": "user", "content": PUZZLE}]
    whole = client.chat.completions.create(model="orchestra", messages=messages)
    text = whole.choices[0].message.content
    assert "5 3 4 | 6 7 8 | 9 1 2" in text
    chunks = list(client.chat.completions.create(model="orchestra", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == text
    assert chunks[-1].choices[0].finish_reason == "stop"
    wrong = openai.OpenAI(base_url=f"{live.url}/v1", api_key="sk-nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model="orchestra", messages=messages)


def test_litellm_as_a_client_with_a_key(live):
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    call = dict(
        model="openai/orchestra",
        api_base=f"{live.url}/v1",
        messages=[{"role": "user", "content": PUZZLE}],
        num_retries=0,
    )
    r = litellm.completion(api_key=KEYS[1], **call)
    assert "9 1 2" in r.choices[0].message.content
    streamed = litellm.completion(api_key=KEYS[1], stream=True, **call)
    assert "9 1 2" in "".join(c.choices[0].delta.content or "" for c in streamed)
    with pytest.raises(litellm.AuthenticationError):
        litellm.completion(api_key="sk-nope", **call)


def test_protected_metrics_and_cors():
    settings = Settings(api_keys=KEYS[:1], cors_origins=["https://app.test"])
    with LiveServer(create_app(Orchestra(llm=None), settings)) as server:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            assert c.get("/metrics").status_code == 401
            assert c.get("/healthz").status_code == 200
            assert c.get("/metrics", headers={"x-api-key": KEYS[0]}).status_code == 200
            pre = c.options(
                "/v1/solve",
                headers={"origin": "https://app.test", "access-control-request-method": "POST"},
            )
            assert pre.headers["access-control-allow-origin"] == "https://app.test"
    opened = Settings(api_keys=KEYS[:1], protect_metrics=False)  # the operator's explicit choice
    with LiveServer(create_app(Orchestra(llm=None), opened)) as server:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            assert c.get("/metrics").status_code == 200
    with LiveServer(create_app(Orchestra(llm=None), Settings())) as server:  # defaults: open
        with httpx.Client(base_url=server.url, timeout=30) as c:
            r = c.get("/healthz", headers={"origin": "https://app.test"})
            assert "access-control-allow-origin" not in r.headers
            assert c.get("/v1/specialists").status_code == 200


def test_keys_compare_by_digest_and_parse_from_the_environment():
    ring = KeyRing(["a", "bb", ""])
    assert ring.ids == ["key-1", "key-2"]
    assert ring.match("bb") == "key-2" and ring.match("b") is None
    assert ring.match(None) is None and not KeyRing([]).enabled
    assert split_keys(" k1, k2\nk3 ") == ["k1", "k2", "k3"]


def _refused(*argv: str, env_key: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ORCHESTRA_API_KEY"}
    if env_key is not None:
        env["ORCHESTRA_API_KEY"] = env_key
    return subprocess.run(
        [str(BIN / "orchestra"), *argv], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    "argv, env_key, said",
    [
        (["serve", "--host", "0.0.0.0"], None, "refusing to serve 0.0.0.0 without an API key"),
        (["mcp", "--http", "--host", "0.0.0.0"], None, "refusing to serve 0.0.0.0"),
        (["serve", "--api-key", " "], None, "an API key is empty"),
        (["serve"], "  ", "holds no key"),
        (["serve", "--api-key", "clé-secrète"], None, "API keys must be ASCII"),
    ],
)
def test_the_front_door_refuses_to_open_unguarded(argv, env_key, said):
    """Each of these once started a server that answered everyone (or never matched)."""
    r = _refused(*argv, env_key=env_key)
    assert r.returncode == 2 and said in r.stderr, r.stderr[-500:]
    assert "Traceback" not in r.stderr


def test_a_key_on_the_command_line_earns_a_warning_and_a_key_file_does_not(tmp_path):
    keyfile = tmp_path / "keys"
    keyfile.write_text("k-one\nclé\n", encoding="utf-8")
    # a non-ASCII key is refused before anything starts: the warning is what we look at
    r = _refused("serve", "--api-key", "k1", "--api-key", "clé")
    assert "shows in the process list" in r.stderr and "must be ASCII" in r.stderr
    r = _refused("serve", "--api-key-file", str(keyfile))
    assert "shows in the process list" not in r.stderr and "must be ASCII" in r.stderr


def test_the_access_log_names_the_key_by_label_never_the_key(live, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="orchestra.access")
    with httpx.Client(base_url=live.url, timeout=60) as c:
        c.post("/v1/solve", json={"problem": PUZZLE}, headers={"x-api-key": KEYS[0]})
        c.post("/v1/solve", json={"problem": PUZZLE}, headers={"x-api-key": "sk-wrong"})
    lines = [r.getMessage() for r in caplog.records if r.name == "orchestra.access"]
    assert any(line.startswith("key-1 POST /v1/solve 200 ") for line in lines), lines
    assert "unauthenticated POST /v1/solve 401" in lines
    assert not any(k in line for line in lines for k in [*KEYS, "sk-wrong"])


def test_verbosity_flags():
    r = _refused("-q", "families")
    assert r.returncode == 0 and "sudoku" in r.stdout
    r = _refused("-vv", "families")
    assert r.returncode == 0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [["serve"], ["mcp", "--http"]])
def test_a_keyless_server_answers_only_its_own_host_names(command):
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: without a key, `serve` and
    `mcp --http` (started as an operator starts them) answer loopback names and the names
    given with --allow-host, and 421 to any other Host, before any work."""
    import time

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "ORCHESTRA_API_KEY"}
    proc = subprocess.Popen(
        [str(BIN / "orchestra"), *command, "--port", str(port), "--llm", "none",
         "--allow-host", "orchestra.internal"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    path = "/healthz" if command == ["serve"] else "/mcp"
    url = f"http://127.0.0.1:{port}{path}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(url, timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.3)
        for host, refused in (("evil.example", True), (f"evil.example:{port}", True),
                              (f"localhost:{port}", False), ("orchestra.internal", False),
                              (f"[::1]:{port}", False)):
            r = httpx.get(url, headers={"host": host}, timeout=30)
            assert (r.status_code == 421) is refused, (host, r.status_code, r.text[:200])
            if refused:
                assert "--allow-host" in r.json()["error"]["message"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_with_a_key_any_host_is_answered_and_the_key_decides():
    from orchestra.serve.hosts import allowed_hosts

    loopback = sorted(allowed_hosts("127.0.0.1"))
    app = create_app(Orchestra(llm=None), Settings(api_keys=KEYS, allowed_hosts=loopback))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as c:
        auth = {"authorization": f"Bearer {KEYS[0]}", "host": "orchestra.example.com"}
        assert c.post("/v1/solve", json={"problem": PUZZLE}, headers=auth).status_code == 200
        r = c.post("/v1/solve", json={"problem": PUZZLE}, headers={"host": "evil.example"})
        assert r.status_code == 401
