"""Exact Sudoku solver: constraint propagation (naked and hidden singles) plus depth-first
search on the cell with the fewest candidates.

Candidates are bitmasks (bit d-1 set when digit d is still possible). The solver is the
classical specialist, the generator's uniqueness check and the benchmark's ceiling; its
search-node count is the difficulty score of a puzzle.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from pydantic import BaseModel

from ..base import Grid
from .geometry import Geometry, geometry
from .problem import SudokuProblem


class SolveResult(BaseModel):
    """First solution (None if the clues admit none) and how much search it took."""

    solution: Grid | None
    nodes: int  # branching decisions made; 0 = solved by propagation alone


def _eliminate(cand: list[int], s: int, bit: int, g: Geometry) -> bool:
    if not cand[s] & bit:
        return True
    cand[s] &= ~bit
    rest = cand[s]
    if rest == 0:
        return False
    if rest & (rest - 1) == 0:  # naked single: the last digit leaves every peer
        for p in g.peers[s]:
            if not _eliminate(cand, p, rest, g):
                return False
    for unit in g.units_of[s]:  # hidden single: the digit has one place left in a unit
        places = [q for q in unit if cand[q] & bit]
        if not places:
            return False
        if len(places) == 1 and cand[places[0]] != bit:
            if not _assign(cand, places[0], bit, g):
                return False
    return True


def _assign(cand: list[int], s: int, bit: int, g: Geometry) -> bool:
    others = cand[s] & ~bit
    while others:
        b = others & -others
        others ^= b
        if not _eliminate(cand, s, b, g):
            return False
    return True


def _initial(flat: list[int], g: Geometry) -> list[int] | None:
    cand = [(1 << g.size) - 1] * g.cells
    for s, v in enumerate(flat):
        if v and not _assign(cand, s, 1 << (v - 1), g):
            return None
    return cand


def _search(
    cand: list[int], g: Geometry, rng: random.Random | None, nodes: list[int]
) -> Iterator[list[int]]:
    best, best_count = -1, g.size + 1
    for s, m in enumerate(cand):
        k = m.bit_count()
        if 1 < k < best_count:
            best, best_count = s, k
            if k == 2:
                break
    if best < 0:
        yield cand
        return
    bits = []
    m = cand[best]
    while m:
        b = m & -m
        m ^= b
        bits.append(b)
    if rng is not None:
        rng.shuffle(bits)
    for b in bits:
        nodes[0] += 1
        trial = cand.copy()
        if _assign(trial, best, b, g):
            yield from _search(trial, g, rng, nodes)


def _to_grid(cand: list[int], size: int) -> Grid:
    digits = [m.bit_length() for m in cand]
    return [digits[r * size : (r + 1) * size] for r in range(size)]


def _flat(problem: SudokuProblem | Grid) -> tuple[list[int], Geometry]:
    grid = problem.grid if isinstance(problem, SudokuProblem) else problem
    return [v for row in grid for v in row], geometry(len(grid))


def solve_with_stats(
    problem: SudokuProblem | Grid, *, rng: random.Random | None = None
) -> SolveResult:
    flat, g = _flat(problem)
    nodes = [0]
    cand = _initial(flat, g)
    if cand is None:
        return SolveResult(solution=None, nodes=0)
    first = next(_search(cand, g, rng, nodes), None)
    return SolveResult(solution=None if first is None else _to_grid(first, g.size), nodes=nodes[0])


def propagate(problem: SudokuProblem | Grid) -> Grid | None:
    """Every digit that naked and hidden singles force, filled in (0 where a cell still has
    several candidates); None when the clues contradict each other. No guessing: what it
    fills is implied by the clues, so a wrong digit here means a wrong clue."""
    flat, g = _flat(problem)
    cand = _initial(flat, g)
    if cand is None:
        return None
    return _to_grid([m if m & (m - 1) == 0 else 0 for m in cand], g.size)


def solve(problem: SudokuProblem) -> Grid | None:
    """The first solution, or None when the clues admit none."""
    return solve_with_stats(problem).solution


def count_solutions(problem: SudokuProblem | Grid, limit: int = 2) -> int:
    """Number of solutions, counting stops at `limit` (2 answers "is it unique?")."""
    flat, g = _flat(problem)
    cand = _initial(flat, g)
    if cand is None:
        return 0
    count = 0
    for _ in _search(cand, g, None, [0]):
        count += 1
        if count >= limit:
            break
    return count


def has_solution_avoiding(grid: Grid, cell: int, digit: int) -> bool:
    """Whether some solution puts another digit than `digit` at flat index `cell`.

    Removing a clue keeps the solution unique exactly when this is False, which is one
    search instead of counting to two.
    """
    flat, g = _flat(grid)
    flat[cell] = 0
    cand = _initial(flat, g)
    if cand is None or not _eliminate(cand, cell, 1 << (digit - 1), g):
        return False
    return next(_search(cand, g, None, [0]), None) is not None


def random_solution(size: int, rng: random.Random) -> Grid:
    """A uniformly shuffled search over the empty grid: a random complete Sudoku."""
    g = geometry(size)
    cand = [(1 << size) - 1] * g.cells
    full = next(_search(cand, g, rng, [0]))
    return _to_grid(full, size)
