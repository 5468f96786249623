"""Scoring one answer against a benchmark item: exact, per-cell, and well-formedness."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from orchestra.tasks import arc, maze, sudoku

from .tasks import Item


class Score(BaseModel):
    correct: bool | None  # None: no ground truth (prose)
    cell: float | None  # fraction of cells right (blank cells for Sudoku, path cells for mazes)
    valid: bool  # a well-formed answer of the right shape was produced


def _path_cells(problem: maze.MazeProblem, answer: Any) -> set | None:
    if isinstance(answer, list) and answer and all(isinstance(r, str) for r in answer):
        return {(r, c) for r, row in enumerate(answer) for c, ch in enumerate(row) if ch == "*"}
    try:
        return {(int(r), int(c)) for r, c in answer[1:-1]}
    except (TypeError, ValueError):
        return None


def score(item: Item, answer: Any) -> Score:
    p = item.problem
    if answer is None:
        judged = item.expected is not None
        return Score(correct=False if judged else None, cell=0.0 if judged else None, valid=False)
    if isinstance(p, sudoku.SudokuProblem):
        v = sudoku.verify(p, answer)
        blanks = [(r, c) for r in range(p.size) for c in range(p.size) if not p.grid[r][c]]
        cell = 0.0
        if v.valid and blanks:
            cell = sum(answer[r][c] == item.expected[r][c] for r, c in blanks) / len(blanks)
        return Score(correct=bool(v), cell=cell, valid=v.valid)
    if isinstance(p, maze.MazeProblem):
        v = maze.verify(p, answer)
        # Another shortest path is as right as the expected one; a wrong answer gets the
        # overlap (intersection over union) of its path cells with the expected path's.
        got, want = _path_cells(p, answer), set(map(tuple, item.expected[1:-1]))
        if bool(v):
            cell = 1.0
        else:
            cell = len(got & want) / len(got | want) if got is not None and (got | want) else 0.0
        return Score(correct=bool(v), cell=cell, valid=v.valid)
    if isinstance(p, arc.ArcProblem):
        attempts = (
            answer if isinstance(answer, list) and answer and _is_attempts(answer) else [answer]
        )
        truth = p.model_copy(update={"test_outputs": item.expected})
        verdicts = [arc.verify(truth, a) for a in attempts[:2]]  # pass@2, as the ARC Prize scores
        cells = []
        for a in attempts[:1]:
            grids = a if isinstance(a, list) and a and isinstance(a[0][0], list) else [a]
            for got, want in zip(grids, item.expected, strict=False):
                same = (
                    isinstance(got, list)
                    and len(got) == len(want)
                    and all(isinstance(r, list) and len(r) == len(want[0]) for r in got)
                )
                total = len(want) * len(want[0])
                cells.append(
                    sum(
                        a == b
                        for ra, rb in zip(got, want, strict=True)
                        for a, b in zip(ra, rb, strict=True)
                    )
                    / total
                    if same
                    else 0.0
                )
        return Score(
            correct=any(bool(v) for v in verdicts),
            cell=sum(cells) / max(len(cells), 1),
            valid=any(v.valid for v in verdicts),
        )
    return Score(correct=None, cell=None, valid=isinstance(answer, str) and bool(answer.strip()))


def _is_attempts(answer: list) -> bool:
    """A list of up to two attempts, each a list of grids (rather than one list of grids)."""
    try:
        return isinstance(answer[0][0][0], list)
    except (IndexError, TypeError):
        return False
