"""The LLM's attempts: a puzzle answered directly, a request in words through tool calls,
and the hybrid answer (the prose around a puzzle a specialist solved, with the verified
solution in the LLM's context)."""

from __future__ import annotations

import time
from typing import Any

from .. import family_registry
from ..accounting import Accounting
from ..energy import power_w
from ..llm.base import LLM, Message
from ..llm.puzzles import asks_more_than_the_answer, hybrid_prompt
from ..render import answer_text
from ..tasks.base import Problem, ReplyCheck
from ..tasks.text import TextProblem
from ..types import LLM_TARGET, Attempt
from .item import Item
from .planning import Planning
from .specialist_runs import verify
from .timeouts import error_text, run_with_timeout


class LLMAttempts:
    """The LLM's tries: puzzles answered directly, words through tool calls, and the
    hybrid reply around a verified answer. The backend is the planning's (`llm`).

    Args:
        planning: The LLM backend's name and device; fed every attempt.
        accounting: The engine's workload split.
        concurrency: The most LLM calls in flight at once.
        timeout_s: How long one call may take (None: no limit).
    """

    def __init__(
        self,
        planning: Planning,
        accounting: Accounting,
        *,
        concurrency: int,
        timeout_s: float | None,
    ) -> None:
        self.planning, self.accounting = planning, accounting
        self.concurrency, self.timeout_s = concurrency, timeout_s

    @property
    def llm(self) -> LLM | None:
        return self.planning.llm

    def unavailable(self) -> str | None:
        """Why the LLM cannot answer now (None: ready). Loading it here, once per call,
        keeps a one-time load out of any one problem's latency."""
        if self.llm is None:
            return "no LLM backend configured"
        try:
            self.llm.warm_up()
        except Exception as e:
            return error_text(e)
        return None

    def attempt(self, it: Item, unavailable: str | None) -> None:
        """One problem's try on the LLM (called from a worker thread)."""
        llm = self.llm
        if llm is None or unavailable is not None:
            name = self.planning.llm_key() if llm is not None else LLM_TARGET
            device = self.planning.device_of(LLM_TARGET)
            it.attempts.append(Attempt(processor=name, device=device, error=unavailable))
            return
        device, name = self.planning.device_of(LLM_TARGET), self.planning.llm_key()
        t0 = time.perf_counter()
        att = Attempt(processor=name, device=device)
        shared = 1
        if isinstance(it.parsed, TextProblem) and llm.supports_tools:
            try:
                run_with_timeout(
                    lambda: self._tool_answer(llm, it.parsed, att), self.timeout_s, name
                )
            except Exception as e:
                att.error = error_text(e)
            self._done(it, att, name, device, t0, 1)
            return
        try:
            answer, result = run_with_timeout(
                lambda: llm.answer(it.parsed), self.timeout_s, name
            )
            att.answer, att.tokens, att.cost_usd = answer, result.tokens, result.cost_usd
            shared = max(1, result.shared_with)
            judged = family_registry.family_of(it.parsed) is not None
            if answer is None:  # an unparseable reply is scored wrong
                att.verified = False if judged else None
                att.reason = "no answer could be parsed from the reply"
            else:
                verdict = verify(it.parsed, answer)
                if verdict is not None:
                    att.verified, att.reason = verdict.correct, verdict.reason
                    att.consistent = verdict.consistent
        except Exception as e:
            att.error = error_text(e)
        if isinstance(it.parsed, TextProblem) and att.error is None:
            att.reason = att.reason or "answered as prose: this LLM cannot call tools"
        self._done(it, att, name, device, t0, shared)

    def _done(
        self, it: Item, att: Attempt, name: str, device: str, t0: float, shared: int
    ) -> None:
        att.latency_s = time.perf_counter() - t0
        # a reply generated in a batch of n shares the device's time with n-1 others
        att.energy_j = att.latency_s * power_w(device) / shared
        it.attempts.append(att)
        self.planning.observe(name, device, it, att, 1)
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
        from ..llm.formalize import answer_with_tools, solve_formalized

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

    def workers(self) -> int:
        """How many LLM calls may run at once: the engine's bound, or the backend's own."""
        own = getattr(self.llm, "max_concurrency", None)
        return min(self.concurrency, own) if own else self.concurrency

    def wants_hybrid(self, it: Item) -> bool:
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

    def hybrid(self, it: Item) -> None:
        """Let the LLM answer the prose, with the verified solution in its context."""
        llm = self.llm
        assert llm is not None
        device, name = self.planning.device_of(LLM_TARGET), self.planning.llm_key()
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
                lambda: llm.complete(messages), self.timeout_s, name
            )
            att.answer, att.tokens, att.cost_usd = result.text, result.tokens, result.cost_usd
            shared = max(1, result.shared_with)
            att.reply_check = _check_reply(it.parsed, solved.answer, result.text)
        except Exception as e:
            att.error = error_text(e)
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


def _check_reply(problem: Problem, answer: Any, reply: str) -> ReplyCheck | None:
    """The family's check of an LLM sentence against the verified answer; a family whose
    check fails leaves the sentence unchecked (it is shown as unverified either way)."""
    family = family_registry.family_of(problem)
    if family is None:
        return None
    try:
        return family.check_reply(problem, answer, reply)
    except Exception:
        return None
