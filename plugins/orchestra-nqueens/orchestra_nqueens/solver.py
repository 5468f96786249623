"""Exact N-Queens completion by backtracking over rows with column and diagonal masks,
and the seeded generator: a random full placement, then given queens added until the
completion is unique, then dropped again while it stays unique (a minimal puzzle)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from .problem import Cell, NQueensProblem


def _completions(
    n: int, fixed: dict[int, int], order: list[int] | None = None
) -> Iterator[list[int]]:
    """Every completion of the rows in `fixed`, as columns per row; `order` shuffles the
    column tried first (random placements)."""
    cols = [-1] * n
    used_c = used_d = used_a = 0
    for r, c in fixed.items():
        cols[r] = c
        used_c |= 1 << c
        used_d |= 1 << (r + c)
        used_a |= 1 << (r - c + n - 1)
    free_rows = [r for r in range(n) if r not in fixed]
    tries = order or list(range(n))

    def place(i: int, uc: int, ud: int, ua: int) -> Iterator[list[int]]:
        if i == len(free_rows):
            yield list(cols)
            return
        r = free_rows[i]
        for c in tries:
            if uc >> c & 1 or ud >> (r + c) & 1 or ua >> (r - c + n - 1) & 1:
                continue
            cols[r] = c
            yield from place(i + 1, uc | 1 << c, ud | 1 << (r + c), ua | 1 << (r - c + n - 1))
        cols[r] = -1

    yield from place(0, used_c, used_d, used_a)


def solve(problem: NQueensProblem) -> list[int] | None:
    """The first completion (the queen's column in each row), None if there is none."""
    return next(_completions(problem.n, dict(problem.queens)), None)


def count_completions(n: int, queens: list[Cell], limit: int = 2) -> int:
    count = 0
    for _ in _completions(n, dict(queens)):
        count += 1
        if count >= limit:
            break
    return count


def generate(n: int, seed: int) -> tuple[NQueensProblem, list[int]]:
    rng = random.Random(f"nqueens:{n}:{seed}")
    order = list(range(n))
    rng.shuffle(order)
    # a random full placement: the first completion under a random column order, started
    # from a random queen in a random row
    start_row = rng.randrange(n)
    solution = None
    for c in rng.sample(range(n), n):
        solution = next(_completions(n, {start_row: c}, order), None)
        if solution is not None:
            break
    assert solution is not None  # every n >= 4 has placements through some square
    cells = [(r, solution[r]) for r in range(n)]
    rng.shuffle(cells)
    given: list[Cell] = []
    for cell in cells:  # add until the completion is unique
        given.append(cell)
        if count_completions(n, given) == 1:
            break
    for cell in list(given):  # then drop every queen the uniqueness does not need
        rest = [g for g in given if g != cell]
        if count_completions(n, rest) == 1:
            given = rest
    return NQueensProblem(n=n, queens=sorted(given)), solution
