"""The Ray Serve deployment on a local Ray instance (2 CPUs, no GPU), over real HTTP."""

import socket

import httpx
import pytest
from conftest import PUZZLE

ray = pytest.importorskip("ray")  # the `ray` extra; make test installs it
from ray import serve  # noqa: E402

from orchestra.serve.ray_app import build_app  # noqa: E402

KEY = "sk-orchestra-ray-0001"


@pytest.fixture(scope="module")
def ray_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    serve.run(build_app(["exact-sudoku", "bfs-maze"]), route_prefix="/")
    keyed = build_app(  # small replicas: both apps fit the 2 CPUs
        ["exact-sudoku"], cpus=0.1, api_keys=[KEY], max_body_bytes=100_000, timeout_s=30
    )
    serve.run(keyed, name="keyed", route_prefix="/keyed")
    yield f"http://127.0.0.1:{port}"
    serve.shutdown()
    ray.shutdown()


def test_specialists_run_as_their_own_deployments(ray_url):
    with httpx.Client(base_url=ray_url, timeout=60) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        r = c.post("/v1/solve", json={"problem": PUZZLE}).json()
        assert r["route"] == "exact-sudoku" and r["verified"] is True
        assert r["device"] == "ray:exact-sudoku"  # answered by the specialist's replica
        r = c.post("/v1/solve", json={"problem": "#####\n#S  #\n# # #\n#  G#\n#####"}).json()
        assert r["route"] == "bfs-maze" and r["verified"] is True
        bad = c.post("/v1/solve", json={"problem": "55" + PUZZLE[2:]})
        assert bad.status_code == 400 and "appears twice" in bad.json()["error"]["message"]
        assert c.post("/v1/solve", json={"nope": 1}).status_code == 400
        assert c.get("/v1/other").status_code == 404


def test_the_gateway_checks_keys_and_counts_the_body_as_it_streams(ray_url):
    """`serve --ray` ignored the keys (every request 200 without one) and read any body."""
    auth = {"authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=f"{ray_url}/keyed", timeout=60) as c:
        assert c.get("/healthz").status_code == 200
        r = c.post("/v1/solve", json={"problem": PUZZLE})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        wrong = {"x-api-key": "sk-wrong"}
        assert c.post("/v1/solve", json={"problem": PUZZLE}, headers=wrong).status_code == 401
        r = c.post("/v1/solve", json={"problem": PUZZLE}, headers=auth)
        assert r.status_code == 200 and r.json()["verified"] is True

        def chunks():
            yield b'{"problem": "'
            for _ in range(30):
                yield b"." * 10_000
            yield b'"}'

        r = c.post("/v1/solve", content=chunks(), headers=auth)
        assert r.status_code == 413
