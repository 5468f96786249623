"""Seeded Sudoku generation with a guaranteed unique solution and difficulty controls.

A random complete grid is dug out clue by clue in random order; a clue is removed only if
no other solution appears (one solver search per removal). Digging stops at the requested
clue count, or runs through every cell for a minimal puzzle (no clue can go).
Difficulty is measured, not assumed: the solver's search nodes on the final puzzle.
"""

from __future__ import annotations

import random
from concurrent.futures import ProcessPoolExecutor
from typing import Literal

from pydantic import BaseModel

from ..base import Grid
from .geometry import BOX_SHAPES
from .problem import SudokuProblem
from .solver import has_solution_avoiding, random_solution, solve_with_stats

Tier = Literal["easy", "medium", "hard", "minimal"]

# Clue fractions per tier; "minimal" digs until no clue can be removed.
_TIER_CLUE_FRACTION = {"easy": 0.55, "medium": 0.45, "hard": 0.36}


class SudokuInstance(BaseModel):
    """A generated puzzle with its unique solution and measured difficulty."""

    problem: SudokuProblem
    solution: Grid
    clues: int
    nodes: int  # solver search nodes: 0 means singles alone solve it
    seed: int


def _clue_target(size: int, clues: int | None, tier: Tier | None) -> int:
    if clues is not None:
        if not 0 < clues <= size * size:
            raise ValueError(f"clues must be in 1..{size * size}, got {clues}")
        return clues
    if tier is None or tier == "minimal":
        return 0
    if tier not in _TIER_CLUE_FRACTION:
        raise ValueError(f"tier must be one of easy, medium, hard, minimal; got {tier!r}")
    return round(_TIER_CLUE_FRACTION[tier] * size * size)


def generate(
    size: int = 9,
    *,
    seed: int = 0,
    clues: int | None = None,
    tier: Tier | None = "medium",
    min_nodes: int = 0,
    max_tries: int = 50,
) -> SudokuInstance:
    """One puzzle with a unique solution.

    `clues` (or a `tier`) sets how many clues to keep; fewer may be impossible while
    staying unique, in which case the puzzle is minimal and `clues` reports what stayed.
    `min_nodes` asks for puzzles that need at least that much search (retries with
    derived seeds, up to `max_tries`).
    """
    if size not in BOX_SHAPES:
        raise ValueError(f"Sudoku size must be one of {sorted(BOX_SHAPES)}, got {size}")
    target = _clue_target(size, clues, tier)
    best: SudokuInstance | None = None
    for attempt in range(max_tries):
        rng = random.Random(f"sudoku:{size}:{seed}:{attempt}")
        solution = random_solution(size, rng)
        puzzle = [row.copy() for row in solution]
        remaining = size * size
        order = list(range(size * size))
        rng.shuffle(order)
        for cell in order:
            if remaining <= target:
                break
            r, c = divmod(cell, size)
            digit = puzzle[r][c]
            if not has_solution_avoiding(puzzle, cell, digit):
                puzzle[r][c] = 0
                remaining -= 1
        nodes = solve_with_stats(puzzle).nodes
        inst = SudokuInstance(
            problem=SudokuProblem(grid=puzzle),
            solution=solution,
            clues=remaining,
            nodes=nodes,
            seed=seed,
        )
        if nodes >= min_nodes:
            return inst
        if best is None or nodes > best.nodes:
            best = inst
    assert best is not None
    return best


def _one(args: tuple[int, int, dict]) -> SudokuInstance:
    size, seed, kwargs = args
    return generate(size, seed=seed, **kwargs)


def generate_many(
    n: int, size: int = 9, *, seed: int = 0, workers: int | None = None, **kwargs
) -> list[SudokuInstance]:
    """`n` puzzles with seeds seed..seed+n-1; the result does not depend on `workers`."""
    jobs = [(size, seed + i, kwargs) for i in range(n)]
    if workers is None:
        workers = 1 if n < 64 else None  # below that, process start-up costs more than it saves
    if workers == 1:
        return [_one(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_one, jobs, chunksize=max(1, n // 64)))
