"""What one task's search sends back across a process (or a Ray cluster): plain, typed,
picklable; the grids as lists."""

from __future__ import annotations

import os
import resource
import threading
import time
from typing import Any

from pydantic import BaseModel

Grid = list[list[int]]
MEMORY_BYTES = 3 * 1024**3  # per search process: a task that explodes fails, not the machine
MIN_BUDGET_S = 0.2  # less time left than this before a search begins: it does not begin


class TaskOutcome(BaseModel):
    attempts: list[list[Grid]] = []  # up to two, each one grid per test input
    programs: list[str] = []  # the program of each attempt
    # per attempt: its last step's table does not survive leaving a demonstration out
    memorised: list[bool] = []
    found: int = 0  # consistent programs found (distinct test outputs)
    evaluated: int = 0
    seconds: float = 0.0
    depth: int = 0
    timed_out: bool = False
    reason: str = ""
    dropped: list[str] = []  # primitives left out of this task's search as too slow
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.evaluated / self.seconds if self.seconds > 0 else 0.0


def start_worker(owner_pid: int, max_bytes: int = MEMORY_BYTES) -> None:
    """Process-pool initializer: bound the search process's memory, and end it when the
    process that owns the pool is gone (a server stopped or killed mid-search must not
    leave searches running: a process killed outright does not take its children along)."""
    limit_memory(max_bytes)
    threading.Thread(target=_watch_owner, args=(owner_pid,), daemon=True).start()


def _watch_owner(owner_pid: int, period_s: float = 0.5) -> None:
    while True:
        time.sleep(period_s)
        try:
            os.kill(owner_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # alive, another user's (cannot happen for our own)
            pass


def limit_memory(max_bytes: int = MEMORY_BYTES) -> None:
    """Bound the address space of a search process."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):  # a platform without the limit: the state cap still holds
        pass


def run_task(payload: dict[str, Any]) -> TaskOutcome:
    """One task's search (runs in a worker process): never raises."""
    from orchestra.tasks.arc.dsl import parse

    from .search import search

    budget = float(payload["budget_s"])
    deadline_at = payload.get("deadline_at")
    if deadline_at is not None:
        budget = min(budget, deadline_at - time.time())
        if budget < MIN_BUDGET_S:
            return TaskOutcome(reason="not started: the caller's deadline had passed")
    try:
        extra = [parse(text) for text in payload.get("extra", ())]
        r = search(
            payload["pairs"],
            payload["tests"],
            extra=extra,
            budget_s=budget,
            max_depth=payload["max_depth"],
        )
    except MemoryError:
        return TaskOutcome(error="the search ran out of its memory bound")
    except Exception as e:  # a bug of ours fails this task only
        return TaskOutcome(error=f"{type(e).__name__}: {e}")
    attempts = r.attempts()
    return TaskOutcome(
        attempts=[[g.tolist() for g in grids] for _, grids in attempts],
        programs=[f.text for f, _ in attempts],
        memorised=[f.memorised for f, _ in attempts],
        found=len(r.found),
        evaluated=r.evaluated,
        seconds=r.seconds,
        depth=r.depth,
        timed_out=r.timed_out,
        reason=r.reason,
        dropped=r.dropped,
    )
