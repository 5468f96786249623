"""Voting over predictions made on augmented views of one ARC test input, and pass@k.

The paper predicts on every augmented view, maps each prediction back to the original
frame, and submits the two answers most views agree on. Agreement across views is the
signal: a rule the model really learned gives the same grid from every symmetric copy.
Ties on the count go to the candidate whose views were more confident on average (the
halting head's probability).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from ..base import Grid


class Candidate(BaseModel):
    """One distinct predicted grid and the views that voted for it."""

    grid: Grid
    votes: int
    confidence: float  # mean over its votes


def vote(predictions: Iterable[tuple[Grid | None, float]]) -> list[Candidate]:
    """Distinct grids ranked by votes, then by mean confidence; `None` (a view that
    produced no well-formed grid) abstains."""
    tally: dict[str, tuple[Grid, list[float]]] = {}
    for grid, confidence in predictions:
        if grid is None:
            continue
        key = repr(grid)
        tally.setdefault(key, (grid, []))[1].append(float(confidence))
    ranked = [
        Candidate(grid=g, votes=len(c), confidence=sum(c) / len(c)) for g, c in tally.values()
    ]
    ranked.sort(key=lambda c: (-c.votes, -c.confidence))
    return ranked


def top(predictions: Iterable[tuple[Grid | None, float]], k: int = 2) -> list[Grid]:
    """The `k` grids to submit (fewer when the views agreed on fewer)."""
    return [c.grid for c in vote(predictions)[:k]]


def pass_at_k(attempts: Sequence[Sequence[Grid]], expected: Sequence[Grid], k: int = 2) -> float:
    """The ARC Prize score of one task: the fraction of its test inputs for which one of the
    first `k` attempts equals the expected output exactly. `attempts[i]` holds the ranked
    attempts for test input `i`."""
    if len(attempts) != len(expected):
        raise ValueError(f"{len(attempts)} attempt list(s) for {len(expected)} test input(s)")
    if not expected:
        raise ValueError("a task has at least one test input")
    hits = sum(
        any(a == want for a in tries[:k]) for tries, want in zip(attempts, expected, strict=True)
    )
    return hits / len(expected)
