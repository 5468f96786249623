"""`Orchestra`: the engine's public face. Configuration, the solve calls and the
accounting; the jobs behind them are objects it holds and calls through their public
methods (`Routing`, `Planning`, `SpecialistRuns`, `LLMAttempts`) and the `Flow` of one
call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .. import registry
from .. import schedulers as scheduling
from ..accounting import Accounting
from ..llm.base import LLM
from ..perfmodel import Estimate, PerfModels
from ..router_registry import make_router
from ..tasks.base import Problem
from ..types import LLM_TARGET, Solution, WorkloadSplit
from .flow import Flow
from .item import Item
from .llm_attempts import LLMAttempts
from .planning import Planning
from .results import solution
from .routing import Routing
from .specialist_runs import SpecialistRuns

OnSolution = Callable[[int, Solution], None]


class Orchestra:
    """A router, a set of specialists and an optional LLM, with their accounting.

    Args:
        router: A router or a router name ("cascade", the default: rules, then the
            learned router; "rules", "learned", "llm", "cascade+llm", or a plug-in's).
        specialists: Names from the registry and/or specialist instances (default: every
            registered specialist).
        llm: An `LLM`, a spec string ("local", "none", "hf:/path",
            "litellm:openai/gpt-4o-mini"), or "auto" for `$ORCHESTRA_LLM` (default local,
            the embedded SmolLM2; nothing loads until the first prose problem).
        fallback: Per kind, the chain of processor names to try in order (default: the
            kind's specialists by priority, then "llm").
        max_batch: The most problems one specialist batch takes.
        llm_concurrency: The most LLM calls in flight at once.
        processor_timeout_s: How long one specialist batch or one LLM call may take
            before its problems move on (None: wait).
        scheduler: A policy name ("latency", the default, or `$ORCHESTRA_SCHEDULER`;
            "priority", "cost", "accuracy", or a plug-in's) or a `Scheduler`.
        perf_models: The `PerfModels` it reads and feeds, or a path to keep them in
            (default: the cache).

    Raises:
        RouterError: An unknown router name.
        SchedulerError: An unknown scheduler name.
        RegistryError: An unknown specialist name.
        LLMError: An LLM spec that cannot be read.
    """

    def __init__(
        self,
        router: Any = "cascade",
        specialists: Iterable[str | Any] | None = None,
        llm: LLM | str | None = "auto",
        *,
        fallback: Mapping[str, Sequence[str]] | None = None,
        max_batch: int = 64,
        llm_concurrency: int = 16,
        processor_timeout_s: float | None = 600.0,
        scheduler: str | scheduling.Scheduler | None = None,
        perf_models: PerfModels | str | Path | None = None,
    ) -> None:
        if max_batch < 1 or llm_concurrency < 1:
            raise ValueError("max_batch and llm_concurrency must be >= 1")
        if processor_timeout_s is not None and processor_timeout_s <= 0:
            raise ValueError("processor_timeout_s must be > 0 (or None: no limit)")
        self.processor_timeout_s = processor_timeout_s
        if isinstance(llm, str):
            from ..llm.select import from_env, from_spec

            llm = from_env() if llm == "auto" else from_spec(llm)
        self.max_batch = max_batch
        self.llm_concurrency = llm_concurrency
        local: dict[str, Any] = {}
        allowed: set[str] | None = None
        if specialists is not None:
            allowed = set()
            for s in specialists:
                if isinstance(s, str):
                    registry.info(s)  # fail now, clearly, on an unknown name
                    allowed.add(s)
                else:
                    if not getattr(s, "name", ""):
                        raise ValueError(f"specialist {s!r} has no name")
                    local[s.name] = s
                    allowed.add(s.name)
        fallbacks = {k: list(v) for k, v in (fallback or {}).items()}
        self.routing = Routing(local=local, allowed=allowed, fallback=fallbacks)
        if router is None or isinstance(router, str):
            router = make_router(router or "cascade", targets=self.routing.first, llm=llm)
        self.routing.router = router
        self.planning = Planning(
            self.routing,
            llm=llm,
            scheduler=(
                scheduler
                if scheduler is not None and not isinstance(scheduler, str)
                else scheduling.get(scheduler)
            ),
            perf=perf_models if isinstance(perf_models, PerfModels) else PerfModels(perf_models),
            max_batch=max_batch,
        )
        accounting = Accounting()
        self.runs = SpecialistRuns(
            self.routing, self.planning, accounting, max_batch=max_batch,
            timeout_s=processor_timeout_s,
        )
        self.llm_attempts = LLMAttempts(
            self.planning, accounting, concurrency=llm_concurrency, timeout_s=processor_timeout_s
        )
        # threads for processor batches, LLM calls and parsing; a call's event loop waits
        self._pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="orchestra")

    # -- what it holds, by name --------------------------------------------------------------

    @property
    def llm(self) -> LLM | None:
        """The LLM backend (None: prose gets an error)."""
        return self.planning.llm

    @property
    def router(self) -> Any:
        """The router every input goes through first."""
        return self.routing.router

    @property
    def scheduler(self) -> scheduling.Scheduler:
        """The scheduling policy that orders each item's processors."""
        return self.planning.scheduler

    @property
    def perf(self) -> PerfModels:
        """The performance models the scheduler reads and every attempt feeds."""
        return self.planning.perf

    @property
    def accounting(self) -> Accounting:
        """The workload split's counters (`stats()` reads them)."""
        return self.runs.accounting

    @accounting.setter
    def accounting(self, value: Accounting) -> None:
        """Share another engine's counters: one table for both (the demo's two passes)."""
        self.runs.accounting = self.llm_attempts.accounting = value

    def specialist_names(self) -> list[str]:
        """Every specialist this engine may use.

        Returns:
            Their names, sorted.
        """
        return self.routing.specialist_names()

    def chain(self, kind: str, problem: Problem | None = None) -> list[str]:
        """The processors a problem of `kind` goes through, in the static order (before
        the scheduler reorders it).

        Args:
            kind: A problem kind.
            problem: The problem itself: specialists that cannot take it are left out.

        Returns:
            Processor names, the LLM last.
        """
        return self.routing.chain(kind, problem)

    def expected_seconds(self, problem: Problem) -> float:
        """How long the fastest processor that may take `problem` is expected to work on
        it (the LLM only where no specialist may): what a server's lanes are chosen by.

        Args:
            problem: A parsed problem.

        Returns:
            Seconds, from the performance models.
        """
        chain = self.routing.chain(problem.kind, problem)
        names = [n for n in chain if n != LLM_TARGET] or chain
        return min(self.planning.estimate(n, problem).latency_s for n in names)

    def estimate(self, name: str, problem: Problem, *, batch: int = 1) -> Estimate:
        """What the performance models expect of processor `name` on `problem`.

        Args:
            name: A processor (a specialist's name, or "llm").
            problem: The problem.
            batch: The batch size it would run in.

        Returns:
            The estimate: latency, cost, verified rate and what it rests on.
        """
        return self.planning.estimate(name, problem, batch=batch)

    def solve(
        self, problem: Any, *, kind: str | None = None, timeout_s: float | None = None
    ) -> Solution:
        """Solve one problem.

        Args:
            problem: What to solve, in any form `orchestra.solve` takes.
            kind: Read the input as this kind only.
            timeout_s: Seconds the caller will wait: no attempt starts after them, and a
                processor that can stop early (the ARC search) ends by then.

        Returns:
            The Solution; errors are in it, never raised.
        """
        return self.solve_many([problem], kind=kind, timeout_s=timeout_s)[0]

    def solve_many(
        self,
        problems: Iterable[Any],
        *,
        kind: str | None = None,
        on_solution: OnSolution | None = None,
        timeout_s: float | None = None,
        deadlines: Sequence[float | None] | None = None,
    ) -> list[Solution]:
        """Solve everything, processors working side by side; results in input order.
        Synchronous: inside a running event loop (a notebook) it runs on a private loop in
        a thread; async code should await `asolve_many`.

        Args:
            problems: What to solve, each in any form `orchestra.solve` takes.
            kind: Read every input as this kind only.
            on_solution: `on_solution(index, solution)` hears of each problem the moment it
                is finished (a server answers a quick request without waiting for a slow
                neighbour in its batch).
            timeout_s: Seconds the caller will wait for all of them (see `solve`).
            deadlines: Per problem, the `time.monotonic()` after which nobody waits for
                it (a server's requests, each with its own); None entries wait.

        Returns:
            One Solution per problem, in order.
        """
        batch = list(problems)
        work = self.asolve_many(
            batch, kind=kind, on_solution=on_solution, timeout_s=timeout_s, deadlines=deadlines
        )
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(work)
        with ThreadPoolExecutor(max_workers=1) as one:
            return one.submit(asyncio.run, work).result()

    async def asolve(
        self, problem: Any, *, kind: str | None = None, timeout_s: float | None = None
    ) -> Solution:
        """`solve` for async code; the arguments are the same."""
        return (await self.asolve_many([problem], kind=kind, timeout_s=timeout_s))[0]

    async def asolve_many(
        self,
        problems: Iterable[Any],
        *,
        kind: str | None = None,
        on_solution: OnSolution | None = None,
        timeout_s: float | None = None,
        deadlines: Sequence[float | None] | None = None,
    ) -> list[Solution]:
        """`solve_many` for async code; the arguments are the same. Each item moves along
        its chain as soon as its own attempt ends."""
        loop = asyncio.get_running_loop()
        batch = list(problems)
        if deadlines is not None and len(deadlines) != len(batch):
            raise ValueError(f"{len(deadlines)} deadlines for {len(batch)} problems")
        common = None if timeout_s is None else time.monotonic() + timeout_s
        items = await loop.run_in_executor(
            self._pool, lambda: [self.routing.prepare(i, x, kind) for i, x in enumerate(batch)]
        )
        for it in items:
            own = deadlines[it.index] if deadlines is not None else None
            given = [d for d in (own, common) if d is not None]
            it.deadline = min(given) if given else None

        def finished(it: Item) -> None:
            if on_solution is not None:
                on_solution(it.index, solution(it))

        for it in items:
            if it.done:  # the input itself was bad: said at once
                finished(it)
        self.planning.schedule(items)
        flow = Flow(self.planning, self.runs, self.llm_attempts, self._pool, loop, finished)
        await flow.run(items)
        await loop.run_in_executor(self._pool, self.perf.maybe_save)
        return [solution(it) for it in items]

    def warm_up(self, *, llm: bool = False) -> list[str]:
        """Build the router and every specialist now (a server calls this before it
        listens, so no request pays for loading weights); `llm`: load the LLM too. Returns
        the specialists that could not be built (they fail their problems when used)."""
        self.router.route("warm up")
        failed = []
        for name in self.specialist_names():
            try:
                self.routing.specialist(name)
            except Exception:
                failed.append(name)
        if llm and self.llm is not None:
            self.llm.warm_up()
        return failed

    # -- accounting ------------------------------------------------------------------------

    def stats(self) -> WorkloadSplit:
        return self.accounting.snapshot()

    def reset_stats(self) -> None:
        self.accounting.reset()
