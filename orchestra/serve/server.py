"""uvicorn, with a shutdown that loses nothing a client has sent.

On SIGTERM or Ctrl-C uvicorn stops listening, closes every connection that has not yet
delivered a request, and waits for the requests in progress. A client whose connection
was accepted a moment before the signal, but whose request bytes had not been read yet,
would see its connection dropped. Here the listening sockets close first; then, while any
open connection has not yet delivered its first request, the server waits for it (up to
`grace_s`: on a loaded machine the bytes can take a while to be read), so those requests
complete normally; only then does uvicorn's own shutdown run.

uvicorn times out idle keep-alive connections but not one that opened and never finished
sending its request's headers: hundreds of such half-open connections would each hold a
socket forever. A watchdog closes any connection still without a request `header_timeout_s`
after it was first seen.
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn

HEADER_TIMEOUT_S = 30.0


class GracefulServer(uvicorn.Server):
    """uvicorn's server with the shutdown above and a header timeout.

    Args:
        config: uvicorn's configuration.
        grace_s: How long shutdown waits for accepted connections' first requests.
        header_timeout_s: How long a connection may stay open without a request.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        grace_s: float = 5.0,
        header_timeout_s: float = HEADER_TIMEOUT_S,
    ):
        super().__init__(config)
        self.grace_s = grace_s
        self.header_timeout_s = header_timeout_s
        self._watchdog: asyncio.Task | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._watchdog = asyncio.create_task(self._close_half_open())

    async def _close_half_open(self) -> None:
        seen: dict[int, float] = {}
        loop = asyncio.get_running_loop()
        step = max(0.05, min(1.0, self.header_timeout_s / 4))
        while not self.should_exit:
            await asyncio.sleep(step)
            now = loop.time()
            waiting = {
                id(c): c for c in self.server_state.connections
                if getattr(c, "cycle", True) is None
            }
            seen = {k: seen.get(k, now) for k in waiting}
            for key, since in seen.items():
                transport = getattr(waiting[key], "transport", None)
                if now - since >= self.header_timeout_s and transport is not None:
                    transport.close()

    def _awaiting_first_request(self) -> bool:
        # uvicorn's HTTP protocols (h11 and httptools) set `cycle` at a request's headers
        return any(getattr(c, "cycle", True) is None for c in self.server_state.connections)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # no new connections from here on
        deadline = asyncio.get_running_loop().time() + self.grace_s
        await asyncio.sleep(0.05)  # bytes already on the wire are read
        while self._awaiting_first_request() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)  # accepted connections deliver what they send
        if self._watchdog is not None:
            self._watchdog.cancel()
        await super().shutdown(sockets)


def run(app, *, host: str, port: int, graceful_timeout_s: float) -> None:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=int(graceful_timeout_s),
    )
    GracefulServer(config).run()
