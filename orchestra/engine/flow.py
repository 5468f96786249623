"""One call's items moving through the processors' queues, each item to its next
processor the moment its own attempt ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from ..types import LLM_TARGET, Attempt
from .item import Item
from .llm_attempts import LLMAttempts
from .planning import Planning
from .specialist_runs import SpecialistRuns
from .timeouts import error_text


class Flow:
    """One call's items moving through the processors' queues.

    Each processor gets a queue and a worker task on first use. A specialist's worker
    takes what is queued (up to its batch size) and runs it in a thread; the LLM's
    worker starts each item as soon as a slot of its concurrency is free. When an
    attempt ends, its item goes straight to its next processor's queue, or is finished.

    Args:
        planning: Each processor's batch size.
        runs: Runs a specialist on a batch.
        llm: Runs the LLM's attempts.
        pool: The threads the attempts run in (the event loop only waits).
        loop: The call's event loop.
        on_done: Hears of each item the moment it is finished.
    """

    def __init__(
        self,
        planning: Planning,
        runs: SpecialistRuns,
        llm: LLMAttempts,
        pool: Executor,
        loop: asyncio.AbstractEventLoop,
        on_done: Callable[[Item], None] | None = None,
    ) -> None:
        self.planning, self.runs, self.llm, self.pool = planning, runs, llm, pool
        self.loop, self.on_done = loop, on_done
        self.queues: dict[str, asyncio.Queue[Item]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.left = 0
        self.finished = asyncio.Event()
        self.crash: str | None = None

    async def run(self, items: list[Item]) -> None:
        todo = [it for it in items if not it.done]
        self.left = len(todo)
        if not todo:
            return
        for it in todo:
            self._enqueue(it)
        try:
            await self.finished.wait()
        finally:
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.crash is not None:  # a bug of ours: the items it stranded say so, nothing hangs
            for it in todo:
                if not it.done:
                    it.attempts.append(
                        Attempt(processor=it.next_processor, device="?", error=self.crash)
                    )
                    it.done = True

    def _spawn(self, coro: Any) -> None:
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and (e := task.exception()) is not None:
            self.crash = f"internal error in the engine: {error_text(e)}"
            self.finished.set()

    def _enqueue(self, it: Item) -> None:
        name = it.next_processor
        queue = self.queues.get(name)
        if queue is None:
            queue = self.queues[name] = asyncio.Queue()
            worker = self._llm_worker(queue) if name == LLM_TARGET else self._worker(name, queue)
            self._spawn(worker)
        queue.put_nowait(it)

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self.loop.run_in_executor(self.pool, fn, *args)

    async def _worker(self, name: str, queue: asyncio.Queue[Item]) -> None:
        size = await self._call(self.planning.max_batch_of, name)
        while True:
            batch = [await queue.get()]
            while len(batch) < size and not queue.empty():
                batch.append(queue.get_nowait())
            await self._call(self.runs.run, name, batch)
            for it in batch:
                self._advance(it)

    async def _llm_worker(self, queue: asyncio.Queue[Item]) -> None:
        unavailable = await self._call(self.llm.unavailable)
        slots = asyncio.Semaphore(self.llm.workers())

        async def one(it: Item) -> None:
            try:
                await self._call(self.llm.attempt, it, unavailable)
            except Exception as e:  # never leave an item without its attempt
                it.attempts.append(Attempt(processor=LLM_TARGET, device="?", error=error_text(e)))
            finally:
                slots.release()
            self._advance(it)

        while True:
            it = await queue.get()
            await slots.acquire()
            self._spawn(one(it))

    def _advance(self, it: Item) -> None:
        it.position += 1
        last = it.attempts[-1]
        if not (last.accepted or last.unsolvable or it.position >= len(it.chain)):
            if it.deadline is not None and time.monotonic() >= it.deadline:
                # nobody waits for an answer now: the rest of the chain is not started
                it.attempts.append(Attempt(
                    processor=it.next_processor, device="?",
                    error="not started: the caller's deadline had passed",
                ))
                self._finish(it)
                return
            self._enqueue(it)
        elif self.llm.wants_hybrid(it):
            self._spawn(self._hybrid(it))
        else:
            self._finish(it)

    async def _hybrid(self, it: Item) -> None:
        try:
            await self._call(self.llm.hybrid, it)
        finally:
            self._finish(it)

    def _finish(self, it: Item) -> None:
        it.done = True
        self.left -= 1
        if self.on_done is not None:
            try:
                self.on_done(it)
            except Exception:  # a caller's callback must not strand the other items
                pass
        if self.left == 0:
            self.finished.set()
