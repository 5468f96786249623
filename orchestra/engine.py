"""The engine: parse -> route -> dispatch to processors in batches -> verify -> fall back.

Each problem gets a chain of processors (the router's target first, then the kind's
fallback chain: preferred specialist, next specialist, the LLM). Work proceeds in rounds:
every pending problem is grouped under the next processor of its chain, all groups run at
the same time (specialists in micro-batches, the LLM with bounded concurrency), and
problems whose answer was rejected or failed move on to the next processor. One problem's
failure never fails the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import family_registry, registry
from .accounting import Accounting
from .energy import power_w
from .llm.base import LLM, Message
from .llm.puzzles import asks_more_than_the_answer, hybrid_prompt
from .problems import parse
from .render import answer_text
from .tasks.base import Problem, Verdict
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
    """

    def __init__(
        self,
        router: Any = "cascade",
        specialists: Iterable[str | Any] | None = None,
        llm: LLM | str | None = "auto",
        *,
        fallback: Mapping[str, Sequence[str]] | None = None,
        max_batch: int = 64,
        llm_concurrency: int = 4,
        processor_timeout_s: float | None = 600.0,
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
        """Solve everything, processors working side by side; results in input order."""
        items = [self._prepare(i, x, kind) for i, x in enumerate(problems)]
        while pending := [it for it in items if not it.done]:
            groups: dict[str, list[_Item]] = {}
            for it in pending:
                groups.setdefault(it.next_processor, []).append(it)
            with ThreadPoolExecutor(max_workers=len(groups)) as pool:
                for future in [pool.submit(self._run, n, g) for n, g in groups.items()]:
                    future.result()
            for it in pending:
                it.position += 1
                last = it.attempts[-1]
                if last.accepted or it.position >= len(it.chain):
                    it.done = True
        hybrid = [it for it in items if self._wants_hybrid(it)]
        if hybrid:
            self._run_hybrid(hybrid)
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
            item.attempts.extend(self._declined(item.problem, item.chain))
        except ValueError as e:  # ParseError and friends: the input's fault, said plainly
            item.error, item.done = str(e), True
        except Exception as e:  # a broken router must not sink the batch either
            item.error, item.done = f"routing failed: {_error_text(e)}", True
        item.prep_s = time.perf_counter() - t0
        return item

    def _run(self, name: str, items: list[_Item]) -> None:
        before = [len(it.attempts) for it in items]
        try:
            if name == LLM_TARGET:
                self._run_llm(items)
            else:
                self._run_specialist(name, items)
        except Exception as e:  # a processor that breaks fails this round's items, not the call
            for it, n in zip(items, before, strict=True):
                if len(it.attempts) == n:
                    it.attempts.append(Attempt(processor=name, device="?", error=_error_text(e)))

    @staticmethod
    def _verify(problem: Problem, answer: Any, own: Verifier | None = None) -> Verdict | None:
        """The problem's family judges (a crash rejects that answer and names the family);
        a kind no family owns is judged by the specialist's own `verify`, if it has one."""
        if family_registry.family_of(problem) is not None:
            return family_registry.verify(problem, answer)
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
                    if ans.answer is None:
                        att.reason = "no answer"
                    else:
                        verdict = self._verify(it.parsed, ans.answer, own_verify)
                        if verdict is not None:
                            att.verified, att.reason = verdict.correct, verdict.reason
                            verified += verdict.correct is True
                            rejected += verdict.correct is False
                it.attempts.append(att)
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

    def _run_llm(self, items: list[_Item]) -> None:
        if self.llm is None:
            for it in items:
                it.attempts.append(
                    Attempt(
                        processor=LLM_TARGET,
                        device="none",
                        error="no LLM backend configured",
                    )
                )
            return
        llm = self.llm
        device = str(getattr(llm, "device", "remote"))
        name = f"{LLM_TARGET}:{getattr(llm, 'name', type(llm).__name__)}"
        try:
            llm.warm_up()  # a one-time load is not any one problem's latency
        except Exception as e:
            for it in items:
                it.attempts.append(Attempt(processor=name, device=device, error=_error_text(e)))
            return

        def one(it: _Item) -> None:
            t0 = time.perf_counter()
            att = Attempt(processor=name, device=device)
            verdict = None
            try:
                answer, result = run_with_timeout(
                    lambda: llm.answer(it.parsed), self.processor_timeout_s, name
                )
                att.answer, att.tokens, att.cost_usd = answer, result.tokens, result.cost_usd
                judged = family_registry.family_of(it.parsed) is not None
                if answer is None:  # an unparseable reply is scored wrong
                    att.verified = False if judged else None
                    att.reason = "no answer could be parsed from the reply"
                else:
                    verdict = self._verify(it.parsed, answer)
                    if verdict is not None:
                        att.verified, att.reason = verdict.correct, verdict.reason
            except Exception as e:
                att.error = _error_text(e)
            att.latency_s = time.perf_counter() - t0
            att.energy_j = att.latency_s * power_w(device)
            it.attempts.append(att)
            self.accounting.record(
                name,
                device,
                busy_s=att.latency_s,
                latencies=[att.latency_s],
                verified=int(att.verified is True),
                rejected=int(att.verified is False),
                errors=int(att.error is not None),
                cost_usd=att.cost_usd,
                energy_j=att.energy_j,
            )

        with ThreadPoolExecutor(max_workers=self._llm_workers()) as pool:
            list(pool.map(one, items))

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

    def _run_hybrid(self, items: list[_Item]) -> None:
        """Let the LLM answer the prose, with the verified solution in its context."""
        llm = self.llm
        assert llm is not None
        device = str(getattr(llm, "device", "remote"))
        name = f"{LLM_TARGET}:{getattr(llm, 'name', type(llm).__name__)}"

        def one(it: _Item) -> None:
            solved = it.attempts[-1]
            t0 = time.perf_counter()
            att = Attempt(
                processor=name,
                device=device,
                reason="hybrid: answered the prose "
                f"with the solution verified by {solved.processor}",
            )
            try:
                messages: list[Message] = hybrid_prompt(
                    it.parsed, answer_text(it.parsed, solved.answer)
                )
                result = run_with_timeout(
                    lambda: llm.complete(messages), self.processor_timeout_s, name
                )
                att.answer, att.tokens, att.cost_usd = result.text, result.tokens, result.cost_usd
            except Exception as e:
                att.error = _error_text(e)
            att.latency_s = time.perf_counter() - t0
            att.energy_j = att.latency_s * power_w(device)
            it.hybrid = att
            self.accounting.record(
                name,
                device,
                busy_s=att.latency_s,
                latencies=[att.latency_s],
                errors=int(att.error is not None),
                cost_usd=att.cost_usd,
                energy_j=att.energy_j,
            )

        with ThreadPoolExecutor(max_workers=self._llm_workers()) as pool:
            list(pool.map(one, items))

    def _solution(self, it: _Item) -> Solution:
        kind = it.problem.kind if it.problem is not None else "unknown"
        every = it.attempts + ([it.hybrid] if it.hybrid else [])
        trace = Trace(decision=it.decision, attempts=every)
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


def stats() -> WorkloadSplit:
    return default().stats()


def reset_stats() -> None:
    default().reset_stats()
