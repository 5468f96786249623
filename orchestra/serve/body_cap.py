"""The request body cap, counted on the stream: a `Content-Length` over the cap is refused
before anything is read, and a body sent without one (chunked) is read only up to the cap,
then refused with the same 413. A chunked 100 MB upload was once read and parsed in full.

A pure ASGI middleware: it buffers at most the cap, then hands the body on as one message.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyCap:
    """Refuse request bodies larger than `limit` bytes with a 413, whatever their framing.

    Args:
        app: The ASGI application behind it.
        limit: The most bytes a request body may hold.
    """

    def __init__(self, app: App, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        try:
            declared = int(length) if length is not None else None
        except ValueError:
            declared = None
        if declared is not None and declared > self.limit:
            await _too_large(send, f"request body is {declared:,} bytes", self.limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the caller left: nothing to answer
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await _too_large(send, f"request body is over {self.limit:,} bytes", self.limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()  # after the body: a disconnect, when it comes

        await self.app(scope, replay, send)


async def _too_large(send: Send, what: str, limit: int) -> None:
    body = json.dumps(
        {"error": {"message": f"{what}; the limit is {limit:,}", "type": "request_too_large"}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
