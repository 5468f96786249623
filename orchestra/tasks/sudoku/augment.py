"""Validity-preserving Sudoku symmetries, each with its inverse.

A transform relabels digits, permutes bands (and stacks) and the rows (columns) inside
them, and transposes when the boxes are square. Applied to a puzzle and its solution
alike, it yields another puzzle with the transformed solution as its unique solution.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..base import Grid
from .geometry import BOX_SHAPES
from .problem import SudokuProblem


def _invert(perm: tuple[int, ...]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def _grouped_perm(n: int, group: int, rng: random.Random) -> tuple[int, ...]:
    """Shuffle groups of `group` consecutive indices, then indices within each group."""
    groups = list(range(n // group))
    rng.shuffle(groups)
    out: list[int] = []
    for gi in groups:
        inner = list(range(gi * group, (gi + 1) * group))
        rng.shuffle(inner)
        out += inner
    return tuple(out)


@dataclass(frozen=True)
class SudokuTransform:
    """out[r][c] = digits[in[rows[r]][cols[c]]], then transposed if `transpose`.

    `digits[0] == 0` so blanks stay blank.
    """

    digits: tuple[int, ...]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    transpose: bool = False

    @property
    def size(self) -> int:
        return len(self.rows)

    def apply(self, grid: Grid) -> Grid:
        n = self.size
        if len(grid) != n:
            raise ValueError(f"transform is for {n}x{n} grids, got {len(grid)} rows")
        out = [[self.digits[grid[self.rows[r]][self.cols[c]]] for c in range(n)] for r in range(n)]
        if self.transpose:
            out = [list(col) for col in zip(*out, strict=True)]
        return out

    def apply_problem(self, problem: SudokuProblem) -> SudokuProblem:
        return SudokuProblem(grid=self.apply(problem.grid), prompt=problem.prompt)

    def inverse(self) -> SudokuTransform:
        # Transposing after a gather by (R, C) equals gathering by (C, R) after transposing,
        # so the inverse of T.G(R,C) is T.G(C^-1, R^-1).
        digits = _invert(self.digits)
        rows, cols = _invert(self.rows), _invert(self.cols)
        if self.transpose:
            return SudokuTransform(digits=digits, rows=cols, cols=rows, transpose=True)
        return SudokuTransform(digits=digits, rows=rows, cols=cols)


def identity(size: int) -> SudokuTransform:
    r = tuple(range(size))
    return SudokuTransform(digits=tuple(range(size + 1)), rows=r, cols=r)


def random_transform(size: int, rng: random.Random) -> SudokuTransform:
    """A uniformly drawn symmetry; transposition only where boxes are square (not 6x6)."""
    br, bc = BOX_SHAPES[size]
    digits = list(range(1, size + 1))
    rng.shuffle(digits)
    return SudokuTransform(
        digits=(0, *digits),
        rows=_grouped_perm(size, br, rng),
        cols=_grouped_perm(size, bc, rng),
        transpose=br == bc and rng.random() < 0.5,
    )
