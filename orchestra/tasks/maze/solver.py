"""Breadth-first search: the exact maze solver, the classical specialist and the ceiling."""

from __future__ import annotations

from collections import deque

from .problem import Cell, MazeProblem


def distances(problem: MazeProblem, source: Cell) -> dict[Cell, int]:
    """Moves from `source` to every reachable open cell."""
    dist = {source: 0}
    queue = deque([source])
    while queue:
        r, c = queue.popleft()
        d = dist[(r, c)] + 1
        for q in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if q not in dist and problem.is_open(*q):
                dist[q] = d
                queue.append(q)
    return dist


def solve(problem: MazeProblem) -> list[Cell] | None:
    """A shortest S -> G path as a list of cells (S and G included), None if there is none."""
    start, goal = problem.start, problem.goal
    parent: dict[Cell, Cell | None] = {start: None}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == goal:
            path = [cell]
            while (prev := parent[path[-1]]) is not None:
                path.append(prev)
            return path[::-1]
        r, c = cell
        for q in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if q not in parent and problem.is_open(*q):
                parent[q] = cell
                queue.append(q)
    return None
