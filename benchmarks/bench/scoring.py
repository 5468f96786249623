"""Scoring one answer against a benchmark item: exact, per-cell, and well-formedness, as
the item's family judges it (`Family.score`: Sudoku counts blank cells, mazes the overlap
of paths, ARC is pass@2)."""

from __future__ import annotations

from typing import Any

from orchestra import family_registry
from orchestra.tasks.family import Score

from .tasks import Item

__all__ = ["Score", "score"]


def score(item: Item, answer: Any) -> Score:
    family = family_registry.family_of(item.problem)
    if family is None:  # prose: no ground truth, only whether something was said
        valid = isinstance(answer, str) and bool(answer.strip())
        return Score(correct=None, cell=None, valid=valid)
    if answer is None:
        judged = item.expected is not None
        return Score(correct=False if judged else None, cell=0.0 if judged else None, valid=False)
    try:
        return family.score(item.problem, answer, item.expected)
    except Exception:  # an answer of an odd shape must not sink the run: it scores invalid
        return Score(correct=False, cell=0.0, valid=False)
