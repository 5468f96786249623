"""Running a processor under a deadline, and naming its errors the same way everywhere."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any


def error_text(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


class ProcessorTimeout(TimeoutError):
    """A processor that did not answer in time; its problems move on along their chain."""


def run_with_timeout(fn: Callable[[], Any], timeout_s: float | None, what: str) -> Any:
    """`fn()`, or ProcessorTimeout after `timeout_s`. The call runs in a daemon thread that
    is left to finish on its own (Python cannot stop a thread): a hung processor costs a
    thread, not the batch."""
    if timeout_s is None:
        return fn()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the caller below
            box["error"] = e

    context = contextvars.copy_context()  # the caller's deadline goes with the call
    worker = threading.Thread(
        target=context.run, args=(target,), daemon=True, name=f"orchestra:{what}"
    )
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise ProcessorTimeout(f"{what} did not answer within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]
