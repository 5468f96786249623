"""Breadth-first search: the exact maze solver, the classical specialist and the ceiling."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from .problem import OPEN, WALL, Cell, MazeProblem


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


MOVES: tuple[Cell, ...] = ((1, 0), (-1, 0), (0, 1), (0, -1))  # down, up, right, left


def _toward_goal(to_goal: dict[Cell, int], cell: Cell) -> int:
    """The index in MOVES of the first neighbour one move closer to G."""
    r, c = cell
    closer = to_goal[cell] - 1
    return next(i for i, (dr, dc) in enumerate(MOVES) if to_goal.get((r + dr, c + dc)) == closer)


def solve(problem: MazeProblem) -> list[Cell] | None:
    """A shortest S -> G path as a list of cells (S and G included), None if there is none.

    Where several shortest paths tie (a maze with loops), the one returned is chosen by a
    local rule: from S, step to the first neighbour, in the order down, up, right, left,
    that is one move closer to G. A network trained on these paths learns one rule of the
    maze as it is shown, not the tie-breaks of a search order, and this holds under any
    symmetry of the maze when the path is found again after the transform."""
    start, goal = problem.start, problem.goal
    to_goal = distances(problem, goal)
    if start not in to_goal:
        return None
    path = [start]
    while path[-1] != goal:
        r, c = path[-1]
        dr, dc = MOVES[_toward_goal(to_goal, (r, c))]
        path.append((r + dr, c + dc))
    return path


def moves_to_goal(problem: MazeProblem) -> dict[Cell, int]:
    """For every cell G can be reached from (G itself excepted), the move `solve`'s rule
    takes there, as an index in MOVES: the shortest-path tree towards G, of which the
    solver's path is the branch that starts at S."""
    to_goal = distances(problem, problem.goal)
    return {cell: _toward_goal(to_goal, cell) for cell in to_goal if cell != problem.goal}


def fill_dead_ends(problem: MazeProblem, closed: Iterable[Cell] = ()) -> MazeProblem | None:
    """Dead-end filling, the maze's constraint propagation: close the cells in `closed`,
    then wall up every open cell (not S, not G) with at most one open neighbour, until
    none is left. A dead end lies on no S -> G path that visits a cell once, so every
    shortest path survives; in a perfect maze only the path is left open. None when S
    and G are no longer connected (the closed cells cut every path)."""
    grid = [list(row) for row in problem.rows]
    h, w = len(grid), len(grid[0])
    keep = {problem.start, problem.goal}
    for r, c in closed:
        if (r, c) not in keep and grid[r][c] == OPEN:
            grid[r][c] = WALL

    def neighbours(r: int, c: int) -> list[Cell]:
        return [
            (y, x)
            for y, x in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1))
            if 0 <= y < h and 0 <= x < w and grid[y][x] != WALL
        ]

    dead = deque(
        (r, c)
        for r in range(h)
        for c in range(w)
        if grid[r][c] == OPEN and len(neighbours(r, c)) <= 1
    )
    while dead:
        r, c = dead.popleft()
        if grid[r][c] != OPEN or len(neighbours(r, c)) > 1:
            continue
        grid[r][c] = WALL
        dead.extend(q for q in neighbours(r, c) if q not in keep and len(neighbours(*q)) <= 1)
    filled = problem.model_copy(update={"rows": ["".join(row) for row in grid]})
    return filled if problem.goal in distances(filled, problem.start) else None
