"""The scheduler's side of the engine: what each processor is expected to cost on an
item (the performance models, a card's rate where nothing was measured), the batch's
chains ordered by the scheduling policy, and every attempt fed back to the models."""

from __future__ import annotations

from typing import Any

from .. import family_registry
from .. import schedulers as scheduling
from ..llm.base import LLM
from ..perfmodel import Estimate, PerfModels
from ..tasks.base import Problem
from ..types import LLM_TARGET, Attempt
from .item import Item
from .routing import Routing
from .timeouts import error_text


class Planning:
    """What each processor is expected to cost, the batch's chains in the scheduler's
    order, and every attempt fed back to the performance models.

    Args:
        routing: The engine's processors.
        llm: The LLM backend (None: none).
        scheduler: The scheduling policy.
        perf: The performance models it reads and feeds.
        max_batch: The engine's largest batch.
    """

    def __init__(
        self,
        routing: Routing,
        *,
        llm: LLM | None,
        scheduler: scheduling.Scheduler,
        perf: PerfModels,
        max_batch: int,
    ) -> None:
        self.routing, self.llm, self.scheduler, self.perf = routing, llm, scheduler, perf
        self.max_batch = max_batch

    def llm_key(self) -> str:
        """The LLM's name in the performance models (each backend learns its own)."""
        return f"{LLM_TARGET}:{getattr(self.llm, 'name', type(self.llm).__name__)}"

    def device_of(self, name: str) -> str:
        """Where processor `name` runs."""
        if name == LLM_TARGET:
            return str(getattr(self.llm, "device", "remote")) if self.llm else "none"
        try:
            return str(getattr(self.routing.specialist(name), "device", "cpu"))
        except Exception:
            return "cpu"

    def max_batch_of(self, name: str) -> int:
        """Items per call of processor `name`. The LLM takes one problem per call: several
        calls run at once and a batching backend merges them itself, so its estimate is
        the time to one answer at the concurrency it was measured under."""
        if name == LLM_TARGET:
            return 1
        try:
            own = int(getattr(self.routing.specialist(name), "max_batch", self.max_batch))
        except Exception:
            own = self.max_batch
        return max(1, min(self.max_batch, own))

    def estimate(self, name: str, problem: Problem, *, batch: int = 1) -> Estimate:
        """What the performance models expect of processor `name` on `problem`."""
        size = family_registry.size_class(problem)
        return self._estimate(name, problem, size, self.device_of(name), batch)

    def _estimate(
        self, name: str, problem: Problem, size: str, device: str, batch: int
    ) -> Estimate:
        """`estimate` with the problem's class and the processor's device already known
        (a batch's scheduling asks for every item and candidate)."""
        key = self.llm_key() if name == LLM_TARGET else name
        est = self.perf.estimate(key, problem.kind, size, device, batch=batch)
        update: dict[str, Any] = {"processor": name}
        if est.observations == 0 and name != LLM_TARGET:
            # never measured: a specialist may know its accuracy (a TRM, from its card) and
            # its time (a search, from its deadline)
            spec = None
            try:
                spec = self.routing.specialist(name)
                rate = spec.expected_verified_rate(problem)
            except Exception:  # no such hook, or it failed: the prior stands
                rate = None
            if isinstance(rate, float | int) and 0.0 <= rate <= 1.0:
                update |= {"verified_rate": float(rate), "basis": f"{est.basis}; rate from card"}
            try:
                seconds = spec.expected_latency_s(problem) if spec is not None else None
            except Exception:
                seconds = None
            if isinstance(seconds, float | int) and seconds > 0:
                basis = update.get("basis", est.basis)
                update |= {"latency_s": float(seconds), "basis": f"{basis}; its own time"}
        return est.model_copy(update=update)

    def schedule(self, items: list[Item]) -> None:
        """Order each item's chain with the scheduler, the whole batch at once. A scheduler
        that fails leaves the batch to `priority`, with its error in every trace."""
        todo = [it for it in items if not it.done]
        if not todo:
            return
        wanting: dict[str, int] = {}
        for it in todo:
            for name in it.chain:
                wanting[name] = wanting.get(name, 0) + 1
        batch = {n: min(c, self.max_batch_of(n)) for n, c in wanting.items()}
        # without an LLM backend its place stays last: it can only report that it is absent
        schedulable = [n for n in wanting if not (n == LLM_TARGET and self.llm is None)]
        todo = [it for it in todo if any(n in schedulable for n in it.chain)]
        devices = {n: self.device_of(n) for n in schedulable}
        jobs = [
            scheduling.Job(
                index=k,
                kind=it.parsed.kind,
                size=it.size,
                candidates=[
                    self._estimate(n, it.parsed, it.size, devices[n], batch[n])
                    for n in it.chain
                    if n in schedulable
                ],
            )
            for k, it in enumerate(todo)
        ]
        policy, error = self.scheduler.name, None
        try:
            placements = [
                p
                if isinstance(p, scheduling.Placement)
                else scheduling.Placement.model_validate(p, from_attributes=True)
                for p in self.scheduler.plan(jobs, self.max_batch_of)
            ]
            if len(placements) != len(jobs):
                raise ValueError(f"returned {len(placements)} placements for {len(jobs)} jobs")
        except Exception as e:
            error = f"scheduler {policy!r} failed ({error_text(e)}); priority placed this batch"
            policy = "priority"
            placements = scheduling.PriorityScheduler().plan(jobs, self.max_batch_of)
        for it, job, placement in zip(todo, jobs, placements, strict=True):
            order = scheduling.checked(placement, job)
            order += [n for n in it.chain if n not in order]
            note = placement.note
            if it.decision is not None and it.decision.abstained:  # unsure of the kind
                order, note = it.chain, "the router abstained: the LLM first"
            it.chain = order
            it.schedule = scheduling.ScheduleDecision(
                policy=policy,
                candidates=job.candidates,
                scores=placement.scores,
                unit=placement.unit,
                order=order,
                note=note,
                error=error,
            )

    def observe(self, name: str, device: str, it: Item, att: Attempt, batch: int) -> None:
        """Feed one attempt to the performance models: its share of the batch's time and
        energy, and whether the answer verified (an error or no answer counts as not)."""
        if it.problem is None or att.reason.startswith("skipped"):
            return
        verified = att.verified
        if verified is None and att.consistent is not None:  # ARC: how often consistent
            verified = att.consistent
        if att.error is not None or att.answer is None:
            verified = False if family_registry.family_of(it.problem) is not None else None
        self.perf.observe(
            name,
            it.problem.kind,
            it.size,
            device,
            batch=batch,
            latency_s=att.latency_s / max(batch, 1),
            energy_j=att.energy_j,
            api_usd=att.cost_usd,
            verified=verified,
            consistent=att.consistent,
            right=att.verified if att.consistent else None,
        )
