"""`arc-search`: the CPU-side ARC processor. Each task's program search runs in a process
of its own (a local pool, or a Ray cluster when one is given), within a per-task budget;
the answer carries its program, which the ARC family re-runs on the demonstrations
before the engine accepts it.

Registered through the `orchestra.specialists` entry point, as a plug-in's specialist is.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, ClassVar

from orchestra import deadlines
from orchestra.specialist import BaseSpecialist
from orchestra.tasks.base import Evidence, Problem
from orchestra.types import SpecialistAnswer

from .outcome import TaskOutcome, run_task, start_worker
from .pool import worker_pool


@dataclass(frozen=True)
class SearchProgress:
    """How a batch of searches goes: `done` of `total` tasks ended, `elapsed_s` seconds
    since it started, each task's `budget_s`."""

    done: int
    total: int
    elapsed_s: float
    budget_s: float


ENV_BUDGET = "ORCHESTRA_ARC_BUDGET"  # seconds per task
ENV_WORKERS = "ORCHESTRA_ARC_WORKERS"
ENV_RAY = "ORCHESTRA_RAY_ADDRESS"
ENV_PROPOSER = "ORCHESTRA_ARC_PROPOSER"  # an LLM spec ("litellm:openai/...") to propose
DEFAULT_BUDGET_S = 60.0
DEFAULT_DEPTH = 3


class ArcSearch(BaseSpecialist):
    """Program search over the ARC DSL on the CPU: answers that reproduce every
    demonstration, with the program that made them."""

    name = "arc-search"
    kinds: ClassVar[tuple[str, ...]] = ("arc",)
    priority: ClassVar[int] = 40  # after a TRM that knows the task, before the LLM
    description: ClassVar[str] = (
        "program search over the ARC DSL on the CPU; answers consistent with every "
        "demonstration, the program in the trace"
    )
    device = "cpu"

    def __init__(
        self,
        *,
        budget_s: float | None = None,
        max_depth: int = DEFAULT_DEPTH,
        workers: int | None = None,
        ray_address: str | None = None,
        proposer: Any = None,
        progress: Callable[[SearchProgress], None] | None = None,
    ):
        """Args:
            budget_s: Seconds per task (default `$ORCHESTRA_ARC_BUDGET`, else 60).
            max_depth: The deepest program the search enumerates.
            workers: Search processes (default `$ORCHESTRA_ARC_WORKERS`, else the cores).
            ray_address: Search on this Ray cluster instead of a local pool.
            proposer: An LLM (or its spec) that proposes DSL programs to check first.
            progress: Called about once a second while a batch searches, and as each task
                ends, with a `SearchProgress` (tasks done of total, seconds spent, budget).

        Raises:
            ValueError: a budget that is not positive.
        """
        self.budget_s = float(budget_s or os.environ.get(ENV_BUDGET) or DEFAULT_BUDGET_S)
        if self.budget_s <= 0:
            raise ValueError(f"the search budget must be positive, not {self.budget_s:g} s")
        self.max_depth = max_depth
        self.workers = int(workers or os.environ.get(ENV_WORKERS) or os.cpu_count() or 1)
        self.ray_address = ray_address or os.environ.get(ENV_RAY) or None
        spec = proposer if proposer is not None else os.environ.get(ENV_PROPOSER)
        if isinstance(spec, str):
            from orchestra.llm.select import from_spec

            spec = from_spec(spec)
        self.proposer = spec
        self.progress = progress
        # A batch runs `workers` tasks at a time: keep a batch within a few budgets, so
        # the engine's per-batch timeout never cuts a search short.
        self.max_batch = max(1, self.workers * 4)
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()  # the engine may run two batches at once

    def expected_latency_s(self, problem: Any) -> float:
        """What a task costs before anything is measured: a search runs to its deadline
        unless it finds a program first (the engine's estimate until it has its own).

        Args:
            problem: An ARC task.

        Returns:
            The per-task budget in seconds.
        """
        return self.budget_s

    # -- running ------------------------------------------------------------------------

    def _executor(self) -> ProcessPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                # spawned: the workers start from a clean process, never a fork of one that
                # holds torch's or the engine's threads, and never re-run the caller's script
                self._pool = worker_pool(self.workers, start_worker, (os.getpid(),))
                atexit.register(self.close)  # before the interpreter tears its modules down
            return self._pool

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def _payload(self, problem: Any, extra: Sequence[str]) -> dict[str, Any]:
        return {
            "pairs": [(p.input, p.output) for p in problem.train],
            "tests": list(problem.test_inputs),
            "budget_s": self.budget_s,
            # the caller's deadline, as wall-clock time: a search that starts late (behind
            # others in the pool) takes what is left of it, never more than its budget
            "deadline_at": deadlines.wall_deadline(),
            "max_depth": self.max_depth,
            "extra": list(extra),
        }

    def outcomes(self, problems: Sequence[Problem]) -> list[TaskOutcome]:
        """Each task's search, spread over the workers (or the Ray cluster)."""
        proposals = [self._proposals(p) for p in problems]
        payloads = [
            self._payload(p, [t for t, _ in good])
            for p, (good, _) in zip(problems, proposals, strict=True)
        ]
        if self.ray_address:
            results = _on_ray(self.ray_address, payloads)
        elif len(payloads) == 1 and self.workers == 1:
            results = [run_task(payloads[0])]
        else:
            pool = self._executor()
            futures: list[Future[TaskOutcome]] = [pool.submit(run_task, p) for p in payloads]
            self._report(futures)
            results = []
            for f in futures:
                try:
                    results.append(f.result())
                except Exception as e:  # a worker killed (memory bound): this task only
                    self.close()
                    results.append(TaskOutcome(error=f"search process failed: {e}"))
        for r, (_, rejected) in zip(results, proposals, strict=True):
            if rejected:
                r.reason = "; ".join([r.reason, *rejected]) if r.reason else "; ".join(rejected)
        return results

    def _report(self, futures: list[Future[TaskOutcome]]) -> None:
        """Tell `progress` how the batch goes until every future is done (the caller
        waits on the futures meanwhile; a failing callback stops the reports only)."""
        report = self.progress
        if report is None:
            return
        t0 = time.monotonic()

        def tick() -> None:
            while True:
                done = sum(f.done() for f in futures)
                try:
                    report(SearchProgress(done, len(futures), time.monotonic() - t0, self.budget_s))
                except Exception:
                    return
                if done == len(futures):
                    return
                wait(futures, timeout=1.0, return_when=FIRST_COMPLETED)

        threading.Thread(target=tick, name="arc-search-progress", daemon=True).start()

    def solve_batch(self, problems: Sequence[Problem]) -> list[SpecialistAnswer]:
        return [_answer(o) for o in self.outcomes(problems)]

    # -- LLM proposals -------------------------------------------------------------------

    def _proposals(self, problem: Any) -> tuple[list[tuple[str, str]], list[str]]:
        """Programs the proposer LLM offers, in the DSL (parsed here; never code), and the
        parser's message for each that is malformed."""
        if self.proposer is None:
            return [], []
        from .propose import propose

        return propose(self.proposer, problem)


def _answer(o: TaskOutcome) -> SpecialistAnswer:
    if o.error is not None:
        raise RuntimeError(o.error)
    stats = f"{o.evaluated:,} candidates in {o.seconds:.1f} s, depth {o.depth}"
    if o.dropped:  # the search was narrower than usual: say where
        stats += f"; left out as too slow here: {', '.join(o.dropped[:3])}"
        stats += f" and {len(o.dropped) - 3} more" if len(o.dropped) > 3 else ""
    if not o.attempts:
        return SpecialistAnswer(
            answer=None, reason=f"no program: {o.reason} ({stats})", busy_s=o.seconds
        )
    memorised = bool(o.memorised and o.memorised[0])
    note = "; only programs whose learned table is memorised" if memorised else ""
    evidence = Evidence(
        method="program",
        program=o.programs[0],
        alternatives=o.programs[1:],
        detail=f"{o.found} consistent program(s){note}; {stats}",
    )
    return SpecialistAnswer(
        answer=o.attempts[0],
        alternatives=o.attempts[1:],
        confidence=0.3 if memorised else 1.0,
        evidence=evidence,
        busy_s=o.seconds,
    )


def _on_ray(address: str, payloads: list[dict[str, Any]]) -> list[TaskOutcome]:
    """The searches as Ray tasks on the given cluster (the `ray` extra)."""
    from orchestra.extras import needs

    with needs("ray", "a search on a Ray cluster"):
        import ray
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    remote = ray.remote(run_task)
    return list(ray.get([remote.remote(p) for p in payloads]))
