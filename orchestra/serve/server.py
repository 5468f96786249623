"""uvicorn, with a shutdown that loses nothing a client has sent.

On SIGTERM or Ctrl-C uvicorn stops listening, closes every connection that has not yet
delivered a request, and waits for the requests in progress. A client whose connection
was accepted a moment before the signal, but whose request bytes had not been read yet,
would see its connection dropped. Here the listening sockets close first; then, while any
open connection has not yet delivered its first request, the server waits for it (up to
`grace_s`: on a loaded machine the bytes can take a while to be read), so those requests
complete normally; only then does uvicorn's own shutdown run.
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn


class GracefulServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, grace_s: float = 5.0):
        super().__init__(config)
        self.grace_s = grace_s

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
