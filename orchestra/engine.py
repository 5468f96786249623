"""The engine: parse -> route -> schedule -> dispatch in batches -> verify -> fall back.

Each problem gets a chain of processors: the router's target and the kind's other
processors (specialists, the exact solver, the LLM), ordered by the scheduler from the
performance models (`orchestra.schedulers`, `orchestra.perfmodel`). Every processor has
a queue and a worker: specialists take what is queued in micro-batches, the LLM serves
several items at once. An item whose answer was rejected moves to its next processor the
moment its own attempt ends, not when the slowest processor of the call is done. One
problem's failure never fails the others; every answer is verified whatever the
scheduler predicted.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import family_registry, registry
from . import schedulers as scheduling
from .accounting import Accounting
from .energy import power_w
from .llm.base import LLM, Message
from .llm.puzzles import asks_more_than_the_answer, hybrid_prompt
from .perfmodel import Estimate, PerfModels
from .problems import parse
from .render import answer_text
from .tasks.base import Problem, Verdict
from .tasks.text import TextProblem
from .types import (
    LLM_TARGET,
    Attempt,
    RouteDecision,
    Solution,
    SpecialistAnswer,
    Trace,
    WorkloadSplit,
)

Verifier = Callable[[Any, Any], Verdict]


def _error_text(e: BaseException) -> str:
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

    worker = threading.Thread(target=target, daemon=True, name=f"orchestra:{what}")
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise ProcessorTimeout(f"{what} did not answer within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


@dataclass
class _Item:
    index: int
    problem: Problem | None = None
    decision: RouteDecision | None = None
    chain: list[str] = field(default_factory=list)
    position: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    error: str | None = None
    prep_s: float = 0.0
    done: bool = False
    hybrid: Attempt | None = None  # the LLM's answer to the prose around a solved puzzle
    size: str = ""  # the family's size class (performance models)
    schedule: scheduling.ScheduleDecision | None = None

    @property
    def next_processor(self) -> str:
        return self.chain[self.position]

    @property
    def parsed(self) -> Problem:
        """The problem; items that reach a processor always have one."""
        assert self.problem is not None
        return self.problem


class Orchestra:
    """A router, a set of specialists and an optional LLM, with their accounting.

    `router`: a router or a router name ("cascade", the default: rules, then the learned
    router; "rules", "learned", "llm", "cascade+llm", or a plug-in's name).
    `specialists`: names from the registry and/or specialist instances (default: every
    registered specialist). `llm`: an `LLM`, a spec string ("local", "none",
    "hf:/path", "litellm:openai/gpt-4o-mini"), or "auto" for `$ORCHESTRA_LLM` (default
    local, the embedded SmolLM2; nothing loads until the first prose problem).
    `fallback`: per kind, the chain of processor names to try in order (default: the
    kind's specialists by priority, then "llm"). `processor_timeout_s`: how long one
    specialist batch or one LLM call may take before its problems move on (None: wait).
    `scheduler`: a policy name ("latency", the default, or `$ORCHESTRA_SCHEDULER`;
    "priority", "cost", "accuracy", or a plug-in's) or a `Scheduler`. `perf_models`: the
    `PerfModels` it reads and feeds, or a path to keep them in (default: the cache).
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
            from .llm.select import from_env, from_spec

            llm = from_env() if llm == "auto" else from_spec(llm)
        self.llm = llm
        self.max_batch = max_batch
        self.llm_concurrency = llm_concurrency
        self._local: dict[str, Any] = {}
        self._allowed: set[str] | None = None
        if specialists is not None:
            self._allowed = set()
            for s in specialists:
                if isinstance(s, str):
                    registry.info(s)  # fail now, clearly, on an unknown name
                    self._allowed.add(s)
                else:
                    if not getattr(s, "name", ""):
                        raise ValueError(f"specialist {s!r} has no name")
                    self._local[s.name] = s
                    self._allowed.add(s.name)
        self._fallback = {k: list(v) for k, v in (fallback or {}).items()}
        if router is None or isinstance(router, str):
            from routers.registry import make_router  # routers sit beside the engine

            router = make_router(
                router or "cascade",
                targets=self._first_processor,
                llm=self.llm,
            )
        self.router = router
        self.accounting = Accounting()
        self.scheduler = (
            scheduler
            if scheduler is not None and not isinstance(scheduler, str)
            else scheduling.get(scheduler)
        )
        self.perf = perf_models if isinstance(perf_models, PerfModels) else PerfModels(perf_models)
        # threads for processor batches, LLM calls and parsing; a call's event loop waits
        self._pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="orchestra")

    # -- configuration -------------------------------------------------------------------

    def _first_processor(self, kind: str, problem: Problem | None = None) -> str:
        return self.chain(kind, problem)[0]

    def specialist_names(self) -> list[str]:
        names = set(self._local)
        names |= set(registry.names()) if self._allowed is None else self._allowed
        return sorted(names)

    def _kinds_of(self, name: str) -> tuple[str, ...]:
        if name in self._local:
            return tuple(getattr(self._local[name], "kinds", ()))
        return tuple(registry.info(name).kinds)

    def _priority_of(self, name: str) -> int:
        if name in self._local:
            return int(getattr(self._local[name], "priority", 0))
        return registry.info(name).priority

    def chain(self, kind: str, problem: Problem | None = None) -> list[str]:
        """The processors a problem of `kind` goes through, in order. Given the problem,
        specialists that cannot take it (a 6x6 checkpoint for a 9x9 grid) are left out of
        the default chain; an explicit `fallback` chain is kept as configured."""
        if kind in self._fallback:
            return list(self._fallback[kind])
        names = [n for n in self.specialist_names() if kind in self._kinds_of(n)]
        names.sort(key=lambda n: (-self._priority_of(n), n))
        if problem is not None:
            names = [n for n in names if self._may_support(n, problem)]
        return [*names, LLM_TARGET]

    def _declined(self, problem: Problem, chain: list[str]) -> list[Attempt]:
        """Specialists of this kind left out of the chain that can say why, and what would
        make them take it (a checkpoint that does not know the task: train it)."""
        notes = []
        for name in self.specialist_names():
            if name in chain or problem.kind not in self._kinds_of(name):
                continue
            try:
                spec = self._specialist(name)
                why = getattr(spec, "why_not", None)
                reason = why(problem) if why is not None else None
            except Exception:
                continue
            if reason:
                device = str(getattr(spec, "device", "cpu"))
                notes.append(Attempt(processor=name, device=device, reason=f"skipped: {reason}"))
        return notes

    def _may_support(self, name: str, problem: Problem) -> bool:
        try:
            supports = getattr(self._specialist(name), "supports", None)
            return True if supports is None else bool(supports(problem))
        except Exception:  # keep it: its attempt will record why it failed
            return True

    def _specialist(self, name: str) -> Any:
        if name in self._local:
            return self._local[name]
        return registry.get_specialist(name)

    # -- solving ---------------------------------------------------------------------------

    def solve(self, problem: Any, *, kind: str | None = None) -> Solution:
        return self.solve_many([problem], kind=kind)[0]

    def solve_many(self, problems: Iterable[Any], *, kind: str | None = None) -> list[Solution]:
        """Solve everything, processors working side by side; results in input order.
        Synchronous: inside a running event loop (a notebook) it runs on a private loop in
        a thread; async code should await `asolve_many`."""
        batch = list(problems)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.asolve_many(batch, kind=kind))
        with ThreadPoolExecutor(max_workers=1) as one:
            return one.submit(asyncio.run, self.asolve_many(batch, kind=kind)).result()

    async def asolve(self, problem: Any, *, kind: str | None = None) -> Solution:
        return (await self.asolve_many([problem], kind=kind))[0]

    async def asolve_many(
        self, problems: Iterable[Any], *, kind: str | None = None
    ) -> list[Solution]:
        """Solve everything; each item moves along its chain as soon as its own attempt
        ends. Results in input order."""
        loop = asyncio.get_running_loop()
        batch = list(problems)
        items = await loop.run_in_executor(
            self._pool, lambda: [self._prepare(i, x, kind) for i, x in enumerate(batch)]
        )
        self._schedule(items)
        await _Flow(self, loop).run(items)
        await loop.run_in_executor(self._pool, self.perf.maybe_save)
        return [self._solution(it) for it in items]

    def _prepare(self, index: int, x: Any, kind: str | None) -> _Item:
        t0 = time.perf_counter()
        item = _Item(index=index)
        try:
            if kind is not None or not isinstance(x, str):
                item.problem = parse(x, kind=kind)
                item.decision = self.router.route(item.problem)
            else:  # the router reads the raw text: it may tell a trap from a broken puzzle
                item.decision = self.router.route(x)
                item.problem = parse(x, kind=item.decision.kind)
            head = LLM_TARGET if item.decision.abstained else item.decision.target
            rest = [p for p in self.chain(item.problem.kind, item.problem) if p != head]
            item.chain = [head, *rest]
            item.size = family_registry.size_class(item.problem)
            item.attempts.extend(self._declined(item.problem, item.chain))
        except ValueError as e:  # ParseError and friends: the input's fault, said plainly
            item.error, item.done = str(e), True
        except Exception as e:  # a broken router must not sink the batch either
            item.error, item.done = f"routing failed: {_error_text(e)}", True
        item.prep_s = time.perf_counter() - t0
        return item

    # -- scheduling ------------------------------------------------------------------------

    def _llm_key(self) -> str:
        """The LLM's name in the performance models (each backend learns its own)."""
        return f"{LLM_TARGET}:{getattr(self.llm, 'name', type(self.llm).__name__)}"

    def _device_of(self, name: str) -> str:
        if name == LLM_TARGET:
            return str(getattr(self.llm, "device", "remote")) if self.llm else "none"
        try:
            return str(getattr(self._specialist(name), "device", "cpu"))
        except Exception:
            return "cpu"

    def _max_batch(self, name: str) -> int:
        """Items per call of processor `name`. The LLM takes one problem per call: several
        calls run at once and a batching backend merges them itself, so its estimate is
        the time to one answer at the concurrency it was measured under."""
        if name == LLM_TARGET:
            return 1
        try:
            own = int(getattr(self._specialist(name), "max_batch", self.max_batch))
        except Exception:
            own = self.max_batch
        return max(1, min(self.max_batch, own))

    def estimate(self, name: str, problem: Problem, *, batch: int = 1) -> Estimate:
        """What the performance models expect of processor `name` on `problem`."""
        size = family_registry.size_class(problem)
        return self._estimate(name, problem, size, self._device_of(name), batch)

    def _estimate(
        self, name: str, problem: Problem, size: str, device: str, batch: int
    ) -> Estimate:
        """`estimate` with the problem's class and the processor's device already known
        (a batch's scheduling asks for every item and candidate)."""
        key = self._llm_key() if name == LLM_TARGET else name
        est = self.perf.estimate(key, problem.kind, size, device, batch=batch)
        update: dict[str, Any] = {"processor": name}
        if est.observations == 0 and name != LLM_TARGET:
            # never measured: a specialist may know its accuracy (a TRM, from its card)
            try:
                rate = self._specialist(name).expected_verified_rate(problem)
            except Exception:  # no such hook, or it failed: the prior stands
                rate = None
            if isinstance(rate, float | int) and 0.0 <= rate <= 1.0:
                update |= {"verified_rate": float(rate), "basis": f"{est.basis}; rate from card"}
        return est.model_copy(update=update)

    def _schedule(self, items: list[_Item]) -> None:
        """Order each item's chain with the scheduler, the whole batch at once. A scheduler
        that fails leaves the batch to `priority`, with its error in every trace."""
        todo = [it for it in items if not it.done]
        if not todo:
            return
        wanting: dict[str, int] = {}
        for it in todo:
            for name in it.chain:
                wanting[name] = wanting.get(name, 0) + 1
        batch = {n: min(c, self._max_batch(n)) for n, c in wanting.items()}
        # without an LLM backend its place stays last: it can only report that it is absent
        schedulable = [n for n in wanting if not (n == LLM_TARGET and self.llm is None)]
        todo = [it for it in todo if any(n in schedulable for n in it.chain)]
        devices = {n: self._device_of(n) for n in schedulable}
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
                for p in self.scheduler.plan(jobs, self._max_batch)
            ]
            if len(placements) != len(jobs):
                raise ValueError(f"returned {len(placements)} placements for {len(jobs)} jobs")
        except Exception as e:
            error = f"scheduler {policy!r} failed ({_error_text(e)}); priority placed this batch"
            policy = "priority"
            placements = scheduling.PriorityScheduler().plan(jobs, self._max_batch)
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

    def _observe(self, name: str, device: str, it: _Item, att: Attempt, batch: int) -> None:
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
        )

    def _run(self, name: str, items: list[_Item]) -> None:
        before = [len(it.attempts) for it in items]
        try:
            self._run_specialist(name, items)
        except Exception as e:  # a processor that breaks fails this round's items, not the call
            for it, n in zip(items, before, strict=True):
                if len(it.attempts) == n:
                    it.attempts.append(Attempt(processor=name, device="?", error=_error_text(e)))

    @staticmethod
    def _verify(
        problem: Problem, answer: Any, own: Verifier | None = None, evidence: Any = None
    ) -> Verdict | None:
        """The problem's family judges (a crash rejects that answer and names the family);
        a kind no family owns is judged by the specialist's own `verify`, if it has one."""
        if family_registry.family_of(problem) is not None:
            return family_registry.verify(problem, answer, evidence)
        if own is None:
            return None
        try:
            return own(problem, answer)
        except Exception as e:  # a verifier crash on odd output rejects that answer only
            return Verdict(valid=False, correct=False, reason=f"verifier failed: {e}")

    def _run_specialist(self, name: str, items: list[_Item]) -> None:
        try:
            spec = self._specialist(name)
        except Exception as e:
            for it in items:
                it.attempts.append(
                    Attempt(processor=name, device="?", error=f"cannot load: {_error_text(e)}")
                )
            return
        device = str(getattr(spec, "device", "cpu"))
        supports = getattr(spec, "supports", lambda p: p.kind in getattr(spec, "kinds", ()))
        ready = []
        for it in items:
            try:
                ok = bool(supports(it.problem))
                reason = "skipped: not supported"
            except Exception as e:
                ok, reason = False, f"skipped: supports() failed: {_error_text(e)}"
            if ok:
                ready.append(it)
            else:
                it.attempts.append(Attempt(processor=name, device=device, reason=reason))
        size = max(1, min(self.max_batch, int(getattr(spec, "max_batch", self.max_batch))))
        own_verify = getattr(spec, "verify", None)
        for start in range(0, len(ready), size):
            batch = ready[start : start + size]
            t0 = time.perf_counter()
            outputs = self._call_batch(spec, name, [it.parsed for it in batch])
            busy = time.perf_counter() - t0
            energy = busy * power_w(device) / len(batch)
            verified = rejected = errors = 0
            for it, out in zip(batch, outputs, strict=True):
                att = Attempt(processor=name, device=device, latency_s=busy, energy_j=energy)
                if isinstance(out, BaseException):
                    att.error = _error_text(out)
                    errors += 1
                else:
                    ans = out if isinstance(out, SpecialistAnswer) else SpecialistAnswer(answer=out)
                    att.answer, att.confidence, att.steps = ans.answer, ans.confidence, ans.steps
                    att.alternatives = list(ans.alternatives)
                    att.evidence = ans.evidence
                    if ans.answer is None:
                        att.reason = ans.reason or "no answer"
                    else:
                        verdict = self._verify(it.parsed, ans.answer, own_verify, ans.evidence)
                        if verdict is not None:
                            att.verified, att.reason = verdict.correct, verdict.reason
                            att.consistent = verdict.consistent
                            verified += verdict.correct is True
                            rejected += verdict.correct is False
                it.attempts.append(att)
                self._observe(name, device, it, att, len(batch))
            self.accounting.record(
                name,
                device,
                busy_s=busy,
                latencies=[busy] * len(batch),
                verified=verified,
                rejected=rejected,
                errors=errors,
                energy_j=energy * len(batch),
            )

    def _call_batch(self, spec: Any, name: str, problems: list[Problem]) -> list[Any]:
        """Answers for a batch; if the batch call fails, each problem alone, so that only
        the problem that breaks the specialist gets the error. A batch that runs out of
        time is not retried: every problem in it moves on."""

        def call(batch: list[Problem]) -> list[Any]:
            out = run_with_timeout(
                lambda: list(spec.solve_batch(batch)), self.processor_timeout_s, name
            )
            if len(out) != len(batch):
                raise RuntimeError(f"returned {len(out)} answers for {len(batch)} problems")
            return out

        try:
            return call(problems)
        except ProcessorTimeout as timeout:
            return [timeout] * len(problems)
        except Exception as batch_error:
            if len(problems) == 1:
                return [batch_error]
        results: list[Any] = []
        for p in problems:
            try:
                results.append(call([p])[0])
            except Exception as e:
                results.append(e)
        return results

    def _llm_unavailable(self) -> str | None:
        """Why the LLM cannot answer now (None: ready). Loading it here, once per call,
        keeps a one-time load out of any one problem's latency."""
        if self.llm is None:
            return "no LLM backend configured"
        try:
            self.llm.warm_up()
        except Exception as e:
            return _error_text(e)
        return None

    def _llm_attempt(self, it: _Item, unavailable: str | None) -> None:
        """One problem's try on the LLM (called from a worker thread)."""
        llm = self.llm
        if llm is None or unavailable is not None:
            name = self._llm_key() if llm is not None else LLM_TARGET
            device = self._device_of(LLM_TARGET)
            it.attempts.append(Attempt(processor=name, device=device, error=unavailable))
            return
        device, name = self._device_of(LLM_TARGET), self._llm_key()
        t0 = time.perf_counter()
        att = Attempt(processor=name, device=device)
        shared = 1
        if isinstance(it.parsed, TextProblem) and llm.supports_tools:
            try:
                run_with_timeout(
                    lambda: self._tool_answer(llm, it.parsed, att), self.processor_timeout_s, name
                )
            except Exception as e:
                att.error = _error_text(e)
            self._llm_done(it, att, name, device, t0, 1)
            return
        try:
            answer, result = run_with_timeout(
                lambda: llm.answer(it.parsed), self.processor_timeout_s, name
            )
            att.answer, att.tokens, att.cost_usd = answer, result.tokens, result.cost_usd
            shared = max(1, result.shared_with)
            judged = family_registry.family_of(it.parsed) is not None
            if answer is None:  # an unparseable reply is scored wrong
                att.verified = False if judged else None
                att.reason = "no answer could be parsed from the reply"
            else:
                verdict = self._verify(it.parsed, answer)
                if verdict is not None:
                    att.verified, att.reason = verdict.correct, verdict.reason
                    att.consistent = verdict.consistent
        except Exception as e:
            att.error = _error_text(e)
        if isinstance(it.parsed, TextProblem) and att.error is None:
            att.reason = att.reason or "answered as prose: this LLM cannot call tools"
        self._llm_done(it, att, name, device, t0, shared)

    def _llm_done(
        self, it: _Item, att: Attempt, name: str, device: str, t0: float, shared: int
    ) -> None:
        att.latency_s = time.perf_counter() - t0
        # a reply generated in a batch of n shares the device's time with n-1 others
        att.energy_j = att.latency_s * power_w(device) / shared
        it.attempts.append(att)
        self._observe(name, device, it, att, 1)
        self.accounting.record(
            name,
            device,
            busy_s=att.latency_s / shared,
            latencies=[att.latency_s],
            verified=int(att.verified is True),
            rejected=int(att.verified is False),
            errors=int(att.error is not None),
            cost_usd=att.cost_usd,
            energy_j=att.energy_j,
        )

    def _tool_answer(self, llm: LLM, problem: Any, att: Attempt) -> None:
        """A request in words through the LLM's tool calls: its formalization is parsed,
        solved by the family's exact solver and verified; the final reply is the answer."""
        from .llm.formalize import answer_with_tools, solve_formalized

        done = answer_with_tools(llm, problem.text, solve_formalized)
        att.answer, att.tool_rounds = done.text, done.rounds
        att.tokens = sum(r.tokens for r in done.results)
        att.cost_usd = sum(r.cost_usd for r in done.results)
        if done.formalization is not None:
            att.formalization, att.solved, att.verified = (
                done.formalization,
                done.answer,
                done.verified,
            )
            att.reason = f"the LLM formalized it as {done.formalization.get('kind')}; " + (
                "the solver's answer was verified" if done.verified else "no verified answer"
            )
        if done.stopped:
            att.reason = done.stopped
        elif done.formalization is None:
            att.reason = "answered as prose: the LLM called no tool"

    def _llm_workers(self) -> int:
        own = getattr(self.llm, "max_concurrency", None)
        return min(self.llm_concurrency, own) if own else self.llm_concurrency

    def _wants_hybrid(self, it: _Item) -> bool:
        """A verified puzzle answer inside prose that asks more than "solve this"."""
        if self.llm is None or it.problem is None or not it.attempts:
            return False
        last = it.attempts[-1]
        return (
            last.accepted
            and last.verified is True
            and not last.processor.startswith("llm")
            and asks_more_than_the_answer(it.problem)
        )

    def _hybrid(self, it: _Item) -> None:
        """Let the LLM answer the prose, with the verified solution in its context."""
        llm = self.llm
        assert llm is not None
        device, name = self._device_of(LLM_TARGET), self._llm_key()
        solved = it.attempts[-1]
        t0 = time.perf_counter()
        shared = 1
        att = Attempt(
            processor=name,
            device=device,
            reason=f"hybrid: answered the prose with the solution verified by {solved.processor}",
        )
        try:
            messages: list[Message] = hybrid_prompt(
                it.parsed, answer_text(it.parsed, solved.answer)
            )
            result = run_with_timeout(
                lambda: llm.complete(messages), self.processor_timeout_s, name
            )
            att.answer, att.tokens, att.cost_usd = result.text, result.tokens, result.cost_usd
            shared = max(1, result.shared_with)
        except Exception as e:
            att.error = _error_text(e)
        att.latency_s = time.perf_counter() - t0
        att.energy_j = att.latency_s * power_w(device) / shared
        it.hybrid = att
        self.accounting.record(
            name,
            device,
            busy_s=att.latency_s / shared,
            latencies=[att.latency_s],
            errors=int(att.error is not None),
            cost_usd=att.cost_usd,
            energy_j=att.energy_j,
        )

    def _solution(self, it: _Item) -> Solution:
        kind = it.problem.kind if it.problem is not None else "unknown"
        every = it.attempts + ([it.hybrid] if it.hybrid else [])
        trace = Trace(decision=it.decision, schedule=it.schedule, attempts=every)
        tried = [a for a in it.attempts if not a.reason.startswith("skipped")]
        common: dict[str, Any] = dict(
            kind=kind,
            problem=it.problem,
            trace=trace,
            latency_s=it.prep_s + sum(a.latency_s for a in every),
            cost_usd=sum(a.cost_usd for a in every),
            energy_j=sum(a.energy_j for a in every),
            text=it.hybrid.answer if it.hybrid and it.hybrid.error is None else None,
        )
        if it.error is not None:
            return Solution(error=it.error, **common)
        final = next((a for a in tried if a.accepted), None)
        error = None
        if final is None:
            with_answer = [a for a in tried if a.answer is not None]
            final = with_answer[-1] if with_answer else (tried[-1] if tried else None)
            error = "; ".join(f"{a.processor}: {a.error or a.reason}" for a in it.attempts)
        if final is None:
            return Solution(error=error, **common)
        before = [a.processor for a in tried[: tried.index(final)]]
        return Solution(
            answer=final.answer,
            alternatives=final.alternatives,
            route=final.processor,
            verified=final.verified,
            consistent=final.consistent,
            confidence=final.confidence,
            fallback_from=before,
            device=final.device,
            tokens=final.tokens,
            steps=final.steps,
            error=error,
            **common,
        )

    def warm_up(self, *, llm: bool = False) -> list[str]:
        """Build the router and every specialist now (a server calls this before it
        listens, so no request pays for loading weights); `llm`: load the LLM too. Returns
        the specialists that could not be built (they fail their problems when used)."""
        self.router.route("warm up")
        failed = []
        for name in self.specialist_names():
            try:
                self._specialist(name)
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


class _Flow:
    """One call's items moving through the processors' queues.

    Each processor gets a queue and a worker task on first use. A specialist's worker
    takes what is queued (up to its batch size) and runs it in a thread; the LLM's
    worker starts each item as soon as a slot of its concurrency is free. When an
    attempt ends, its item goes straight to its next processor's queue, or is finished.
    """

    def __init__(self, engine: Orchestra, loop: asyncio.AbstractEventLoop) -> None:
        self.engine, self.loop = engine, loop
        self.queues: dict[str, asyncio.Queue[_Item]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.left = 0
        self.finished = asyncio.Event()
        self.crash: str | None = None

    async def run(self, items: list[_Item]) -> None:
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
            self.crash = f"internal error in the engine: {_error_text(e)}"
            self.finished.set()

    def _enqueue(self, it: _Item) -> None:
        name = it.next_processor
        queue = self.queues.get(name)
        if queue is None:
            queue = self.queues[name] = asyncio.Queue()
            worker = self._llm_worker(queue) if name == LLM_TARGET else self._worker(name, queue)
            self._spawn(worker)
        queue.put_nowait(it)

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self.loop.run_in_executor(self.engine._pool, fn, *args)

    async def _worker(self, name: str, queue: asyncio.Queue[_Item]) -> None:
        size = await self._call(self.engine._max_batch, name)
        while True:
            batch = [await queue.get()]
            while len(batch) < size and not queue.empty():
                batch.append(queue.get_nowait())
            await self._call(self.engine._run, name, batch)
            for it in batch:
                self._advance(it)

    async def _llm_worker(self, queue: asyncio.Queue[_Item]) -> None:
        unavailable = await self._call(self.engine._llm_unavailable)
        slots = asyncio.Semaphore(self.engine._llm_workers())

        async def one(it: _Item) -> None:
            try:
                await self._call(self.engine._llm_attempt, it, unavailable)
            except Exception as e:  # never leave an item without its attempt
                it.attempts.append(Attempt(processor=LLM_TARGET, device="?", error=_error_text(e)))
            finally:
                slots.release()
            self._advance(it)

        while True:
            it = await queue.get()
            await slots.acquire()
            self._spawn(one(it))

    def _advance(self, it: _Item) -> None:
        it.position += 1
        last = it.attempts[-1]
        if not (last.accepted or it.position >= len(it.chain)):
            self._enqueue(it)
        elif self.engine._wants_hybrid(it):
            self._spawn(self._hybrid(it))
        else:
            self._finish(it)

    async def _hybrid(self, it: _Item) -> None:
        try:
            await self._call(self.engine._hybrid, it)
        finally:
            self._finish(it)

    def _finish(self, it: _Item) -> None:
        it.done = True
        self.left -= 1
        if self.left == 0:
            self.finished.set()


_default: Orchestra | None = None


def default() -> Orchestra:
    """The instance behind `orchestra.solve`, built on first use."""
    global _default
    if _default is None:
        _default = Orchestra()
    return _default


def set_default(engine: Orchestra | None) -> None:
    global _default
    _default = engine


def solve(problem: Any, *, kind: str | None = None) -> Solution:
    return default().solve(problem, kind=kind)


def solve_many(problems: Iterable[Any], *, kind: str | None = None) -> list[Solution]:
    return default().solve_many(problems, kind=kind)


async def asolve(problem: Any, *, kind: str | None = None) -> Solution:
    return await default().asolve(problem, kind=kind)


async def asolve_many(problems: Iterable[Any], *, kind: str | None = None) -> list[Solution]:
    return await default().asolve_many(problems, kind=kind)


def stats() -> WorkloadSplit:
    return default().stats()


def reset_stats() -> None:
    default().reset_stats()
