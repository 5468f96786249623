"""The server's allocator settings (orchestra/serve/memory.py), measured in a fresh process:
how many malloc arenas eight allocating threads leave behind, with and without the cap."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from orchestra.serve import memory

pytestmark = pytest.mark.skipif(memory._libc() is None, reason="glibc's allocator only")

# Eight threads start together, each allocating blocks above pymalloc's 512-byte limit, so
# every one goes to malloc; then glibc's malloc_info lists one <heap> per arena.
PROBE = textwrap.dedent(
    """
    import ctypes, sys, tempfile, threading
    from orchestra.serve import memory
    if sys.argv[1] == "cap":
        assert memory.limit_arenas(2)
    start = threading.Barrier(8)
    def work():
        start.wait()
        blocks = [bytearray(4096) for _ in range(2000)]
        del blocks
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    libc = memory._libc()
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        fp = libc.fopen(f.name.encode(), b"w")
        libc.malloc_info(0, fp)
        libc.fclose(fp)
        print(open(f.name).read().count("<heap nr="))
    """
)


def _arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != memory.ENV}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_the_cap_keeps_threads_to_two_arenas():
    free = _arenas("free")
    capped = _arenas("cap")
    assert free > 2, f"without the cap eight threads made only {free} arenas: the probe is weak"
    assert capped <= 2


def test_a_cap_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        memory.limit_arenas(0)


@pytest.mark.parametrize("argv", [["serve"], ["mcp", "--http"]])
def test_the_serving_commands_cap_the_arenas_before_they_start(argv, monkeypatch):
    """The figures of the soak rest on this: deleting the call in `serve` or `mcp` broke no
    test before."""
    from orchestra import cli
    from orchestra.serve import server

    calls: list[str] = []
    monkeypatch.setattr(memory, "limit_arenas", lambda *a, **k: calls.append("arenas") or True)
    monkeypatch.setattr(server, "run", lambda app, **k: calls.append("run"))
    monkeypatch.delenv("ORCHESTRA_API_KEY", raising=False)
    assert cli.main([*argv, "--llm", "none"]) == 0
    assert calls == ["arenas", "run"]


def test_the_app_hands_freed_memory_back_while_it_serves(monkeypatch):
    import time

    import httpx
    from serving import LiveServer

    from orchestra import Orchestra
    from orchestra.serve import app as app_module

    trims: list[float] = []
    monkeypatch.setattr(app_module, "trim", lambda: trims.append(time.monotonic()) or 0)
    app = app_module.create_app(Orchestra(llm=None), app_module.Settings(trim_every_s=0.1))
    with LiveServer(app) as live:
        assert httpx.get(f"{live.url}/healthz").status_code == 200
        time.sleep(0.6)
    assert len(trims) >= 3
