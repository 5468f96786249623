"""Running a specialist on a batch of items: its answers verified by the problem's
family, one failing problem kept from failing the batch, and the time and energy of the
batch shared among its items."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .. import deadlines, family_registry
from ..accounting import Accounting
from ..energy import power_w
from ..tasks.base import Problem, Verdict
from ..types import Attempt, SpecialistAnswer
from .item import Item
from .planning import Planning
from .routing import Routing
from .timeouts import ProcessorTimeout, error_text, run_with_timeout

Verifier = Callable[[Any, Any], Verdict]


def verify(
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


class SpecialistRuns:
    """Specialists run on batches of items, their answers verified.

    Args:
        routing: Where the specialists come from.
        planning: Fed every attempt.
        accounting: The engine's workload split.
        max_batch: The engine's largest batch.
        timeout_s: How long one batch may take (None: no limit).
    """

    def __init__(
        self,
        routing: Routing,
        planning: Planning,
        accounting: Accounting,
        *,
        max_batch: int,
        timeout_s: float | None,
    ) -> None:
        self.routing, self.planning, self.accounting = routing, planning, accounting
        self.max_batch, self.timeout_s = max_batch, timeout_s

    def run(self, name: str, items: list[Item]) -> None:
        """Processor `name` on `items`: one attempt appended to each, under the latest of
        their deadlines (`orchestra.deadlines`; none if any item has none)."""
        before = [len(it.attempts) for it in items]
        given = [it.deadline for it in items]
        deadline = None if None in given else max(d for d in given if d is not None)
        try:
            with deadlines.until(deadline):
                self._run_specialist(name, items)
        except Exception as e:  # a processor that breaks fails this round's items, not the call
            for it, n in zip(items, before, strict=True):
                if len(it.attempts) == n:
                    it.attempts.append(Attempt(processor=name, device="?", error=error_text(e)))

    def _run_specialist(self, name: str, items: list[Item]) -> None:
        try:
            spec = self.routing.specialist(name)
        except Exception as e:
            for it in items:
                it.attempts.append(
                    Attempt(processor=name, device="?", error=f"cannot load: {error_text(e)}")
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
                ok, reason = False, f"skipped: supports() failed: {error_text(e)}"
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
                    att.error = error_text(out)
                    errors += 1
                else:
                    ans = out if isinstance(out, SpecialistAnswer) else SpecialistAnswer(answer=out)
                    att.answer, att.confidence, att.steps = ans.answer, ans.confidence, ans.steps
                    att.alternatives = list(ans.alternatives)
                    att.evidence = ans.evidence
                    if ans.answer is None:
                        att.reason = ans.reason or "no answer"
                        att.unsolvable = ans.unsolvable
                    else:
                        verdict = verify(it.parsed, ans.answer, own_verify, ans.evidence)
                        if verdict is not None:
                            att.verified, att.reason = verdict.correct, verdict.reason
                            att.consistent = verdict.consistent
                            verified += verdict.correct is True
                            rejected += verdict.correct is False
                it.attempts.append(att)
                self.planning.observe(name, device, it, att, len(batch))
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
                lambda: list(spec.solve_batch(batch)), self.timeout_s, name
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
