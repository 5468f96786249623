"""Answers as text a person reads in a terminal."""

from __future__ import annotations

from typing import Any

from .tasks import maze, sudoku
from .tasks.base import Problem


def _grid(grid: list[list[int]]) -> str:
    return "\n".join(" ".join(str(v) for v in row) for row in grid)


def answer_text(problem: Problem | None, answer: Any) -> str:
    if answer is None:
        return "(no answer)"
    kind = problem.kind if problem is not None else None
    try:
        if kind == "sudoku":
            return sudoku.render(answer)
        if (
            kind == "maze"
            and isinstance(answer, list)
            and answer
            and isinstance(answer[0], tuple | list)
        ):
            return "\n".join(maze.mark_path(problem, [tuple(c) for c in answer]))  # type: ignore[arg-type]
        if kind == "arc" and isinstance(answer, list):
            grids = answer if answer and isinstance(answer[0][0], list) else [answer]
            return "\n\n".join(_grid(g) for g in grids)
    except (TypeError, ValueError, IndexError, KeyError):
        pass  # an answer of an unexpected shape is shown as it is
    return answer if isinstance(answer, str) else repr(answer)


def summary(problem: Problem | None, answer: Any, width: int = 40) -> str:
    """One line: enough to recognise the answer in a table."""
    if answer is None:
        return ""
    kind = problem.kind if problem is not None else None
    if kind == "sudoku" and isinstance(answer, list):
        text = "".join(str(v) for row in answer for v in row)
    elif kind == "maze" and isinstance(answer, list):
        if all(isinstance(row, str) for row in answer):
            text = f"path of {sum(row.count('*') for row in answer) + 1} moves"
        else:
            text = f"path of {len(answer) - 1} moves"
    else:
        text = answer_text(problem, answer).replace("\n", " / ")
    return text if len(text) <= width else text[: width - 1] + "…"
