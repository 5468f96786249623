"""An item's attempts made into the `Solution` the caller gets."""

from __future__ import annotations

from typing import Any

from ..types import Solution, Trace
from .item import Item


def solution(it: Item) -> Solution:
    """The item's result: the first accepted attempt, else the last with an answer and
    every processor's reason, with the whole trace and the summed costs."""
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
        text_check=it.hybrid.reply_check if it.hybrid and it.hybrid.error is None else None,
    )
    if it.error is not None:
        return Solution(error=it.error, **common)
    proof = next((a for a in tried if a.unsolvable), None)
    if proof is not None:
        return Solution(
            error=f"no solution exists: {proof.reason}",
            unsolvable=True,
            route=proof.processor,
            device=proof.device,
            **common,
        )
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
