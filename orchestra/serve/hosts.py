"""The Host-header allow-list of a server without keys (`serve`, `mcp --http`).

A page on another site can point its own domain name at 127.0.0.1 (DNS rebinding) and then
drive a keyless server on the visitor's machine, spending a remote LLM's credits through
chat completions. The browser still sends the page's domain as `Host`, so a keyless server
answers only the names it was started for: the loopback names, the address it is bound to,
and those the operator adds with `--allow-host`. With keys set, the key is the guard (a
rebinding page does not know it) and any Host is answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

LOOPBACK = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The host names a keyless server bound to `bind` answers to.

    Args:
        bind: The address the server listens on (a wildcard adds nothing).
        extra: Names the operator allows (`--allow-host`), with or without a port.

    Returns:
        Lower-case host names without ports.
    """
    names = {*LOOPBACK, *(host_name(h) for h in extra)}
    if bind not in WILDCARDS:
        names.add(host_name(bind))
    return frozenset(names)


def host_name(header: str) -> str:
    """The host of a `Host` header value, lower case, without the port or IPv6 brackets.

    Args:
        header: `example.com:8000`, `[::1]:8000`, `127.0.0.1`.

    Returns:
        `example.com`, `::1`, `127.0.0.1`.
    """
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value  # a bare IPv6 address, or no port


def header(scope: dict[str, Any], name: bytes) -> str | None:
    """One request header as text; HTTP headers are Latin-1, so any byte decodes."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class HostGuard:
    """ASGI middleware: a request whose `Host` is not allowed gets 421 and never reaches
    the app.

    Args:
        app: The application behind it.
        allowed: The host names answered (`allowed_hosts`); None answers every host.
    """

    def __init__(self, app: Any, allowed: frozenset[str] | None) -> None:
        self.app, self.allowed = app, allowed

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.allowed is not None:
            given = header(scope, b"host") or ""
            if host_name(given) not in self.allowed:
                await _refuse(send, given)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Any, given: str) -> None:
    message = (
        f"Host {given!r} is not a name this server answers to without a key: call it as "
        "localhost, or start it with --allow-host NAME or an API key"
    )
    body = json.dumps({"error": {"message": message, "type": "misdirected_request"}}).encode()
    await send({
        "type": "http.response.start",
        "status": 421,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
