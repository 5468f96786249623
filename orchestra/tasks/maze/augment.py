"""The 8 dihedral symmetries of a maze, applied to the problem and to its path."""

from __future__ import annotations

import numpy as np

from ..dihedral import dihedral, dihedral_point, inverse_dihedral
from .problem import Cell, MazeProblem


def transform(problem: MazeProblem, k: int) -> MazeProblem:
    a = np.array([list(row) for row in problem.rows])
    rows = ["".join(row) for row in dihedral(a, k).tolist()]
    return MazeProblem(rows=rows, prompt=problem.prompt)


def transform_path(path: list[Cell], shape: tuple[int, int], k: int) -> list[Cell]:
    """Map a path of a maze of `shape` (height, width) through symmetry k."""
    return [dihedral_point(r, c, shape, k) for r, c in path]


def inverse(k: int) -> int:
    return inverse_dihedral(k)
