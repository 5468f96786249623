"""Schedulers: who tries each problem first, decided from the performance models.

The router says what a problem is; the scheduler says which of the processors that can
take it goes first, second, ... (every answer is still verified, and a rejected one
still falls back). A scheduler sees a whole batch at once, as a heterogeneous runtime's
policy sees its ready tasks, with each candidate's estimate (`orchestra.perfmodel`).

Built-in policies, registered through the same entry-point group a plug-in uses
(`orchestra.schedulers`, see pyproject.toml):

- `priority`: the static order (the router's choice, then specialists by priority, the
  LLM last): what orchestra did before it measured anything.
- `cost`: least expected dollars to a verified answer (API dollars plus local energy at
  the stated electricity price). Trying processor a (cost c, verified rate p) before the
  rest of the chain (expected cost C') costs c + (1-p) C'; ordering by c/p minimises it.
- `latency`: least expected time to a verified answer for the whole batch, counting the
  queue each processor already has from this batch (the dmda idea: each item goes where
  it is expected to finish first, given the work placed before it).
- `accuracy`: the highest verified rate first.

A plug-in implements `Scheduler.plan` and registers a factory under `orchestra.schedulers`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from .perfmodel import Estimate
from .refs import NamedFactories

ENTRY_POINT_GROUP = "orchestra.schedulers"
ENV = "ORCHESTRA_SCHEDULER"
# Measured best for one interactive request (docs/scheduling.md): time to a verified
# answer is what a person waiting for it feels.
DEFAULT = "latency"


class Job(BaseModel):
    """One problem to place: its class and the processors that may take it, in the static
    order (the router's choice first), each with its estimate at the batch size it
    would run in.

    Attributes:
        index: The problem's position in the batch.
        kind: The problem's kind.
        size: Its size class (`Family.size_class`).
        candidates: The processors that may take it, in the static order, each with its
            estimate.
    """

    index: int
    kind: str
    size: str
    candidates: list[Estimate]


class Placement(BaseModel):
    """A scheduler's answer for one job: the order to try, and per processor the figure
    the policy compared (seconds, dollars, a rate: `unit` says which).

    Attributes:
        order: The processors to try, first first.
        scores: The figure the policy compared, per processor.
        unit: What `scores` are (seconds, dollars, a rate).
        note: One line on why.
    """

    order: list[str]
    scores: dict[str, float] = Field(default_factory=dict)
    unit: str = ""
    note: str = ""


class ScheduleDecision(BaseModel):
    """What went into one problem's placement, kept in its trace (`--explain`).

    Attributes:
        policy: The scheduler's name.
        candidates: The estimates it was given.
        scores: The figure it compared, per processor.
        unit: What `scores` are.
        order: The order it chose (made safe: every candidate once).
        note: One line on why.
        error: A scheduler that failed; `priority` then placed the batch.
    """

    policy: str
    candidates: list[Estimate]
    scores: dict[str, float] = Field(default_factory=dict)
    unit: str = ""
    order: list[str]
    note: str = ""
    error: str | None = None  # a scheduler that failed: `priority` placed this batch


@runtime_checkable
class Scheduler(Protocol):
    name: str

    def plan(self, jobs: Sequence[Job], max_batch: Callable[[str], int]) -> list[Placement]:
        """One placement per job, in order. `max_batch(processor)`: how many items that
        processor takes per batch (latency policies count queueing with it)."""
        ...


class SchedulerError(LookupError):
    pass


def _chain_expectation(estimates: Sequence[Estimate], value: Callable[[Estimate], float]) -> float:
    """Expected total of `value` over a chain tried in order until one verifies."""
    total, reach = 0.0, 1.0
    for e in estimates:
        total += reach * value(e)
        reach *= 1.0 - e.verified_rate
    return total


def _by_ratio(estimates: Sequence[Estimate], value: Callable[[Estimate], float]) -> list[Estimate]:
    """The order minimising the expected total: value / verified rate, ascending (ties in
    the static order)."""
    position = {e.processor: i for i, e in enumerate(estimates)}
    return sorted(
        estimates,
        key=lambda e: (value(e) / max(e.verified_rate, 1e-6), position[e.processor]),
    )


class PriorityScheduler:
    name = "priority"

    def plan(self, jobs: Sequence[Job], max_batch: Callable[[str], int]) -> list[Placement]:
        return [
            Placement(
                order=[e.processor for e in j.candidates],
                scores={e.processor: float(i) for i, e in enumerate(j.candidates)},
                unit="rank",
                note="static priority",
            )
            for j in jobs
        ]


class AccuracyScheduler:
    name = "accuracy"

    def plan(self, jobs: Sequence[Job], max_batch: Callable[[str], int]) -> list[Placement]:
        out = []
        for j in jobs:
            position = {e.processor: i for i, e in enumerate(j.candidates)}
            order = sorted(j.candidates, key=lambda e: (-e.verified_rate, position[e.processor]))
            out.append(
                Placement(
                    order=[e.processor for e in order],
                    scores={e.processor: e.verified_rate for e in j.candidates},
                    unit="verified rate",
                    note="highest verified rate first",
                )
            )
        return out


class CostScheduler:
    name = "cost"

    def plan(self, jobs: Sequence[Job], max_batch: Callable[[str], int]) -> list[Placement]:
        out = []
        for j in jobs:
            order = _by_ratio(j.candidates, lambda e: e.cost_usd)
            # per candidate: the expected cost if it went first, the rest in the best order
            scores = {
                e.processor: _chain_expectation(
                    [e, *[o for o in order if o is not e]], lambda x: x.cost_usd
                )
                for e in j.candidates
            }
            out.append(
                Placement(
                    order=[e.processor for e in order],
                    scores=scores,
                    unit="$ to verified",
                    note="least expected cost to a verified answer",
                )
            )
        return out


class LatencyScheduler:
    name = "latency"

    def plan(self, jobs: Sequence[Job], max_batch: Callable[[str], int]) -> list[Placement]:
        """Jobs with the longest best case are placed first (they constrain the batch most);
        each goes to the first processor that makes its expected finish earliest, given
        the busy time already placed on every processor."""
        busy: dict[str, float] = {}
        placements: dict[int, Placement] = {}

        def best_case(j: Job) -> float:
            return min((e.latency_s for e in j.candidates), default=0.0)

        def finish(e: Estimate) -> float:
            # nothing returns before its batch ends; behind a queue, one item's share more
            return max(busy.get(e.processor, 0.0) + e.latency_s, e.batch_latency_s)

        for j in sorted(jobs, key=best_case, reverse=True):
            scores = {}
            for e in j.candidates:
                rest = _by_ratio([o for o in j.candidates if o is not e], _wait)
                scores[e.processor] = finish(e) + (1 - e.verified_rate) * _chain_expectation(
                    rest, finish
                )
            head = min(j.candidates, key=lambda e: scores[e.processor])
            rest = _by_ratio([o for o in j.candidates if o is not head], _wait)
            busy[head.processor] = busy.get(head.processor, 0.0) + head.latency_s
            placements[j.index] = Placement(
                order=[head.processor, *[e.processor for e in rest]],
                scores=scores,
                unit="s to verified",
                note="earliest expected verified answer, counting this batch's queues",
            )
        return [placements[j.index] for j in jobs]


def _wait(e: Estimate) -> float:
    """Seconds until an item's answer: its whole batch runs before any item returns."""
    return e.batch_latency_s


# -- the registry ------------------------------------------------------------------------

_registry = NamedFactories(ENTRY_POINT_GROUP)


def register_scheduler(name: str, factory: Callable[[], Scheduler]) -> None:
    """Make a scheduling policy available by name, in code (tests, notebooks); installed
    packages use the entry-point group `orchestra.schedulers`.

    Args:
        name: What `Orchestra(scheduler=NAME)` and `--scheduler NAME` say.
        factory: Called with no arguments; returns a `Scheduler` (`name`, `plan`).
    """
    _registry.register(name, factory)


def names() -> list[str]:
    return _registry.names()


def get(name: str | None = None) -> Scheduler:
    """A scheduler by name (None: `$ORCHESTRA_SCHEDULER`, else the default)."""
    name = name or os.environ.get(ENV) or DEFAULT
    found = _registry.find(name)
    if found is None:
        raise SchedulerError(f"no scheduler {name!r}; known: {', '.join(names())}")
    factory: Any = found
    if not callable(found):  # an entry point (code registers callables)
        try:
            factory = found.load()
        except Exception as e:
            raise SchedulerError(
                f"scheduler {name!r} cannot be loaded from {found.value!r}: {type(e).__name__}: {e}"
            ) from e
    scheduler = factory()
    if not isinstance(scheduler, Scheduler):
        raise SchedulerError(f"scheduler {name!r} has no name or plan(jobs, max_batch)")
    return scheduler


def checked(placement: Any, job: Job) -> list[str]:
    """A plug-in's order made safe: every candidate exactly once (what it left out goes
    last in the static order, what it invented is dropped). Nothing a scheduler says can
    remove a processor from the chain, nor skip verification."""
    allowed = [e.processor for e in job.candidates]
    order = [p for p in dict.fromkeys(getattr(placement, "order", []) or []) if p in allowed]
    return order + [p for p in allowed if p not in order]
