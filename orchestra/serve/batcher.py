"""Micro-batching: concurrent requests are gathered for up to `max_wait_ms` or until
`max_batch` are waiting, then processed as one batch in a worker thread; every caller gets
its own result back. Up to `max_concurrent` batches run at once, and a process that
reports results early (`early=True`: it is called as `process(items, deliver)` and calls
`deliver(index, result)` as each item finishes) answers each caller the moment its own
item is done, so one slow item (an ARC search of a minute) holds up neither its batch's
other callers nor the batches behind it. A bounded queue turns overload into a clear
refusal (429), not unbounded memory."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any


class QueueFull(RuntimeError):
    pass


def _settle(future: asyncio.Future, result: Any) -> None:
    if not future.done():
        future.set_result(result)


class MicroBatcher:
    def __init__(
        self,
        process: Callable[..., Sequence[Any]],
        *,
        max_batch: int = 64,
        max_wait_ms: float = 5.0,
        max_queue: int = 1024,
        max_concurrent: int = 4,
        early: bool = False,
    ):
        if max_batch < 1 or max_queue < 1 or max_wait_ms < 0 or max_concurrent < 1:
            raise ValueError(
                "max_batch, max_queue and max_concurrent must be >= 1, max_wait_ms >= 0"
            )
        self.process, self.early = process, early
        self.max_batch, self.max_wait_s, self.max_queue = max_batch, max_wait_ms / 1000, max_queue
        self.max_concurrent = max_concurrent
        self._queue: asyncio.Queue[tuple[Any, asyncio.Future]] | None = None
        self._task: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()
        self.batch_sizes: Counter[int] = Counter()
        self.in_flight = 0
        # its own threads, one per batch slot: no other work of the process (requests
        # waiting in `asyncio.to_thread`) can hold the threads its batches need
        self._threads: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._threads = ThreadPoolExecutor(self.max_concurrent, thread_name_prefix="batch")
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Finish everything already accepted, then stop."""
        if self._queue is not None:
            await self._queue.join()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._threads is not None:
            self._threads.shutdown(wait=False)

    def free(self) -> int:
        """Requests the queue takes now before it answers QueueFull."""
        waiting = self._queue.qsize() if self._queue is not None else 0
        return max(0, self.max_queue - waiting - self.in_flight)

    async def submit(self, item: Any) -> Any:
        if self._queue is None:
            raise RuntimeError("the batcher is not running")
        if self._queue.qsize() + self.in_flight >= self.max_queue:
            raise QueueFull(f"{self.max_queue} requests are already waiting")
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put((item, future))
        return await future

    async def _loop(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.max_concurrent)
        while True:
            await slots.acquire()  # before taking requests: waiting ones stay counted
            first = await self._queue.get()
            batch = [first]
            deadline = time.monotonic() + self.max_wait_s
            while len(batch) < self.max_batch:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                except TimeoutError:
                    break
            self.in_flight += len(batch)
            self.batch_sizes[len(batch)] += 1
            task = loop.create_task(self._run(batch, slots))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[tuple[Any, asyncio.Future]], slots: asyncio.Semaphore) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        # a caller that left (a timeout, a disconnect) before its batch began costs nothing
        gone = [(x, f) for x, f in batch if f.done()]
        batch = [(x, f) for x, f in batch if not f.done()]
        for _ in gone:
            self.in_flight -= 1
            self._queue.task_done()
        if not batch:
            slots.release()
            return
        inputs = [x for x, _ in batch]
        futures = [f for _, f in batch]

        def deliver(index: int, result: Any) -> None:  # from the worker thread
            loop.call_soon_threadsafe(_settle, futures[index], result)

        def call() -> Sequence[Any]:
            return self.process(inputs, deliver) if self.early else self.process(inputs)

        try:
            results = await loop.run_in_executor(self._threads, call)
            if len(results) != len(batch):
                raise RuntimeError(f"{len(results)} results for {len(batch)} requests")
            for fut, res in zip(futures, results, strict=True):
                _settle(fut, res)
        except Exception as e:  # the batch failed as a whole: every caller hears why
            for fut in futures:
                if not fut.done():
                    fut.set_exception(e)
        finally:
            self.in_flight -= len(batch)
            slots.release()
            for _ in batch:
                self._queue.task_done()
