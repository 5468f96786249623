"""Exact graph colouring: DSATUR order (the uncoloured node with the most distinct colours
among its neighbours, then the highest degree) with backtracking, colours tried in order
and a new colour only when it is the next unused one (so renamed colourings are not
searched twice). The generator plants a colouring and adds edges until it is the only one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from .problem import ColoringProblem, Edge


def canonical(colours: list[int]) -> list[int]:
    """Colours renamed by first appearance in node order (0 first): one name per colouring
    up to renaming."""
    names: dict[int, int] = {}
    return [names.setdefault(c, len(names)) for c in colours]


def _colourings(n: int, k: int, edges: list[Edge], fixed: dict[int, int]) -> Iterator[list[int]]:
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for u, v in edges:
        neighbours[u].add(v)
        neighbours[v].add(u)
    colour = [-1] * n
    for node, c in fixed.items():
        colour[node] = c
    free_names = not fixed  # without a pre-colouring, colourings are equal up to renaming

    def pick() -> int:
        best, key = -1, (-1, -1)
        for v in range(n):
            if colour[v] < 0:
                sat = len({colour[u] for u in neighbours[v] if colour[u] >= 0})
                if (sat, len(neighbours[v])) > key:
                    best, key = v, (sat, len(neighbours[v]))
        return best

    def search(used: int) -> Iterator[list[int]]:
        v = pick()
        if v < 0:
            yield list(colour)
            return
        taken = {colour[u] for u in neighbours[v]}
        limit = min(k, used + 1) if free_names else k
        for c in range(limit):
            if c in taken:
                continue
            colour[v] = c
            yield from search(max(used, c + 1))
        colour[v] = -1

    yield from search(max((c + 1 for c in fixed.values()), default=0))


def solve(problem: ColoringProblem) -> list[int] | None:
    """A proper colouring with at most k colours, None if there is none."""
    return next(_colourings(problem.n, problem.k, problem.edges, dict(problem.fixed)), None)


def count_colourings(problem: ColoringProblem, limit: int = 2) -> int:
    """Colourings up to renaming the colours (or exactly, with a pre-colouring)."""
    count = 0
    for _ in _colourings(problem.n, problem.k, problem.edges, dict(problem.fixed)):
        count += 1
        if count >= limit:
            break
    return count


def generate(n: int, k: int, seed: int, density: float = 0.3) -> tuple[ColoringProblem, list[int]]:
    """A graph whose only k-colouring (up to renaming) is a planted one: nodes get
    balanced random colours, each pair of differently coloured nodes an edge with
    probability `density`, then random such edges are added until no other colouring
    remains. Returns the problem and the planted colouring, canonically named."""
    rng = random.Random(f"coloring:{n}:{k}:{seed}")
    planted = [i % k for i in range(n)]
    rng.shuffle(planted)
    cross = [(u, v) for u in range(n) for v in range(u + 1, n) if planted[u] != planted[v]]
    rng.shuffle(cross)
    cut = int(density * len(cross))
    edges, spare = cross[:cut], cross[cut:]
    while True:
        problem = ColoringProblem(n=n, k=k, edges=edges)
        if count_colourings(problem) == 1:
            return problem, canonical(planted)
        if not spare:  # every cross edge is in: the complete k-partite graph is unique
            raise AssertionError("a complete k-partite graph has one colouring")
        edges = edges + [spare.pop()]
