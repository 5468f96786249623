"""The Ray Serve deployment on a local Ray instance (2 CPUs, no GPU), over real HTTP."""

import socket

import httpx
import pytest
from conftest import PUZZLE

ray = pytest.importorskip("ray")  # the `ray` extra; make test installs it
from ray import serve  # noqa: E402

from orchestra.serve.ray_app import build_app  # noqa: E402


@pytest.fixture(scope="module")
def ray_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    serve.run(build_app(["exact-sudoku", "bfs-maze"]), route_prefix="/")
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
