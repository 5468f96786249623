"""The time a caller will wait, carried to the processors working for it.

A server's request has a timeout; a library caller may give one (`solve_many(...,
timeout_s=)`). The engine runs each specialist batch inside `until(deadline)`, the latest
deadline of the batch's problems, and a processor that can stop early reads
`seconds_left()` (the ARC search takes `min(its budget, the time left)`), so that work
nobody will wait for is not started and long work ends when its caller's time does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_DEADLINE: ContextVar[float | None] = ContextVar("orchestra_deadline", default=None)


def seconds_left() -> float | None:
    """Seconds until the deadline of the work now running (None: no deadline).

    Returns:
        The seconds left, possibly negative (passed), or None.
    """
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def wall_deadline() -> float | None:
    """The deadline as wall-clock time (`time.time()`), for work handed to other processes.

    Returns:
        The epoch seconds at which the deadline passes, or None.
    """
    left = seconds_left()
    return None if left is None else time.time() + left


@contextmanager
def until(deadline: float | None) -> Iterator[None]:
    """Run the block under a deadline.

    Args:
        deadline: A `time.monotonic()` value, or None for no deadline.

    Yields:
        Nothing; `seconds_left()` inside the block (and in threads started with a copy of
        its context) counts down to `deadline`.
    """
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)
