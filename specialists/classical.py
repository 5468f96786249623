"""The classical specialists: exact solvers, registered like any plug-in.

They are the ceiling the benchmark compares against and the fallback after TRM: always
right when a solution exists, at a cost that grows with the puzzle.
"""

from __future__ import annotations

from orchestra.specialist import BaseSpecialist
from orchestra.tasks import maze, sudoku
from orchestra.tasks.base import Problem
from orchestra.types import SpecialistAnswer


class ExactSudoku(BaseSpecialist):
    """Constraint propagation and search; exact on every 4x4, 6x6 and 9x9 Sudoku."""

    name = "exact-sudoku"
    kinds = ("sudoku",)
    priority = 10

    def solve_one(self, problem: Problem) -> SpecialistAnswer:
        return SpecialistAnswer(answer=sudoku.solve(problem))  # type: ignore[arg-type]


class BFSMaze(BaseSpecialist):
    """Breadth-first search; exact shortest path on every maze."""

    name = "bfs-maze"
    kinds = ("maze",)
    priority = 10

    def solve_one(self, problem: Problem) -> SpecialistAnswer:
        return SpecialistAnswer(answer=maze.solve(problem))  # type: ignore[arg-type]
