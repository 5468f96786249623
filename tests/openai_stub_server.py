"""A small OpenAI-compatible HTTP server on 127.0.0.1 for the RemoteLLM tests.

It stands in for a paid remote API (which cannot be reached from here): real HTTP, real
litellm client, scripted replies. Each request pops the next mode from `script`
("ok", "429", "500", "slow", "malformed", "401"); when the script is empty it answers "ok".
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubServer:
    def __init__(self) -> None:
        self.script: list[str] = []
        self.requests: list[dict] = []
        self.reply = "Paris."
        self.slow_s = 3.0
        # scripted assistant turns for tool-calling tests: each a reply text, or a list of
        # (tool name, arguments text) calls; popped one per request before `reply` is used
        self.turns: list[str | list[tuple[str, str]]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization", "")}
                )
                mode = stub.script.pop(0) if stub.script else "ok"
                if mode == "slow":
                    time.sleep(stub.slow_s)
                    mode = "ok"
                if mode in ("429", "500", "401"):
                    key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    msg = {
                        "429": "rate limited",
                        "500": "server exploded",
                        "401": f"Incorrect API key provided: {key}",
                    }[mode]
                    self._send(int(mode), {"error": {"message": msg, "type": "error"}})
                    return
                if mode == "malformed":
                    self._send(200, None, raw=b"{not json")
                    return
                message: dict = {"role": "assistant", "content": stub.reply}
                finish = "stop"
                if stub.turns:
                    turn = stub.turns.pop(0)
                    if isinstance(turn, str):
                        message = {"role": "assistant", "content": turn}
                    else:
                        finish = "tool_calls"
                        message = {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "id": f"call-{len(stub.requests)}-{i}",
                                    "type": "function",
                                    "function": {"name": name, "arguments": args},
                                }
                                for i, (name, args) in enumerate(turn)
                            ],
                        }
                self._send(
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "x"),
                        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
                        "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14},
                    },
                )

            def _send(self, code, obj, raw=None):
                data = raw if raw is not None else json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
