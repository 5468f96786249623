"""uvicorn, with a shutdown that loses nothing a client has sent.

On SIGTERM or Ctrl-C uvicorn stops listening, closes every connection that has not yet
delivered a request, and waits for the requests in progress. A client whose connection
was accepted a moment before the signal, but whose request bytes had not been read yet,
would see its connection dropped. Here the listening sockets close first, then the
connections already open get `grace_s` to deliver their requests (which then complete
normally), and only then does uvicorn's own shutdown run.
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn


class GracefulServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, grace_s: float = 0.5):
        super().__init__(config)
        self.grace_s = grace_s

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # no new connections from here on
        await asyncio.sleep(self.grace_s)  # open connections deliver what they have sent
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
