"""Seeded maze generation with size, style and a minimum shortest-path length.

Styles:
- "perfect": a spanning tree carved by randomised depth-first search on the odd lattice
  (one path between any two cells), optionally braided by knocking out a fraction `loops`
  of the remaining inner walls so that shortest paths must be chosen among several.
- "open": each cell is a wall with probability `density` (Maze-Hard-like clutter).
- "mixed" (`generate_styled` only): the two take turns by seed, braided on even seeds and
  open on odd ones, as Maze-Hard's kind has several routes and only a shortest one counts.
S and G are placed in one connected region at least `min_path` moves apart (Maze-Hard
asks for > 110 on 30x30); S is moved to the far end of a double sweep when that is needed.
"""

from __future__ import annotations

import random
from concurrent.futures import ProcessPoolExecutor
from typing import Literal

from pydantic import BaseModel

from .problem import GOAL, MAX_SIDE, MIN_SIDE, OPEN, START, WALL, Cell, MazeProblem
from .solver import distances, solve

Style = Literal["perfect", "open"]
AnyStyle = Literal["perfect", "open", "mixed"]
HANDOVERS = 7  # further seeds `generate_styled` tries when one finds no maze that fits


class MazeInstance(BaseModel):
    problem: MazeProblem
    path: list[Cell]  # a shortest path, S and G included
    seed: int

    @property
    def length(self) -> int:
        return len(self.path) - 1


def _perfect(h: int, w: int, loops: float, rng: random.Random) -> list[list[str]]:
    grid = [[WALL] * w for _ in range(h)]
    cells = [(r, c) for r in range(1, h - 1, 2) for c in range(1, w - 1, 2)]
    if not cells:
        return [[OPEN] * w for _ in range(h)]
    start = rng.choice(cells)
    grid[start[0]][start[1]] = OPEN
    stack = [start]
    while stack:
        r, c = stack[-1]
        nbrs = [
            (r + dr, c + dc)
            for dr, dc in ((2, 0), (-2, 0), (0, 2), (0, -2))
            if 0 < r + dr < h - 1 and 0 < c + dc < w - 1 and grid[r + dr][c + dc] == WALL
        ]
        if not nbrs:
            stack.pop()
            continue
        nr, nc = rng.choice(nbrs)
        grid[(r + nr) // 2][(c + nc) // 2] = OPEN
        grid[nr][nc] = OPEN
        stack.append((nr, nc))
    if loops > 0:
        inner = [
            (r, c)
            for r in range(1, h - 1)
            for c in range(1, w - 1)
            if grid[r][c] == WALL
            and (r % 2 != c % 2)
            and (
                (grid[r - 1][c] == OPEN and grid[r + 1][c] == OPEN)
                or (grid[r][c - 1] == OPEN and grid[r][c + 1] == OPEN)
            )
        ]
        for r, c in rng.sample(inner, round(loops * len(inner))):
            grid[r][c] = OPEN
    return grid


def _open(h: int, w: int, density: float, rng: random.Random) -> list[list[str]]:
    return [[WALL if rng.random() < density else OPEN for _ in range(w)] for _ in range(h)]


def _place(grid: list[list[str]], min_path: int, rng: random.Random) -> tuple[Cell, Cell] | None:
    open_cells = [(r, c) for r, row in enumerate(grid) for c, ch in enumerate(row) if ch == OPEN]
    if len(open_cells) < 2:
        return None
    probe = MazeProblem.model_construct(rows=["".join(row) for row in grid])
    s = rng.choice(open_cells)
    for _ in range(2):  # double sweep: the farthest cell from anywhere is near a diameter end
        dist = distances(probe, s)
        far = [q for q, d in dist.items() if d >= max(min_path, 1)]
        if far:
            return s, rng.choice(far)
        s = max(dist, key=dist.__getitem__)
    return None


def generate(
    height: int = 15,
    width: int | None = None,
    *,
    seed: int = 0,
    style: Style = "perfect",
    density: float = 0.3,
    loops: float = 0.0,
    min_path: int = 0,
    max_tries: int = 200,
) -> MazeInstance:
    """One maze with a reachable goal at least `min_path` moves from the start."""
    width = height if width is None else width
    for name, side in (("height", height), ("width", width)):
        if not MIN_SIDE <= side <= MAX_SIDE:
            raise ValueError(f"maze {name} must be in {MIN_SIDE}..{MAX_SIDE}, got {side}")
    if style not in ("perfect", "open"):
        raise ValueError(f"style must be 'perfect' or 'open', got {style!r}")
    if min_path >= height * width:
        raise ValueError(f"min_path {min_path} cannot fit in a {height}x{width} maze")
    for attempt in range(max_tries):
        rng = random.Random(f"maze:{height}x{width}:{style}:{seed}:{attempt}")
        if style == "perfect":
            grid = _perfect(height, width, loops, rng)
        else:
            grid = _open(height, width, density, rng)
        ends = _place(grid, min_path, rng)
        if ends is None:
            continue
        (sr, sc), (gr, gc) = ends
        grid[sr][sc], grid[gr][gc] = START, GOAL
        problem = MazeProblem(rows=["".join(row) for row in grid])
        path = solve(problem)
        assert path is not None
        return MazeInstance(problem=problem, path=path, seed=seed)
    raise ValueError(
        f"no {height}x{width} {style} maze with a path of >= {min_path} moves in {max_tries} "
        "tries; lower min_path or density"
    )


def style_of(style: AnyStyle, seed: int) -> Style:
    if style == "mixed":
        return "perfect" if seed % 2 == 0 else "open"
    return style


def generate_styled(
    height: int = 15, width: int | None = None, *, seed: int = 0, style: AnyStyle = "perfect", **kw
) -> MazeInstance:
    """`generate`, with the mixed style, and a seed that finds no maze hands over to
    further seeds of the same style (still deterministic): open mazes near the percolation
    density rarely hold a long path. Only when those fail too does it say the ask cannot
    be met."""
    own = style_of(style, seed)

    def one(offset: int) -> MazeInstance:  # the offset is even: a mixed seed's style stays
        return generate(height, width, seed=seed + 2 * offset * 1_000_000_007, style=own, **kw)

    for k in range(HANDOVERS):
        try:
            return one(k)
        except ValueError:
            pass
    return one(HANDOVERS)


def _one(args: tuple[int, dict]) -> MazeInstance:
    seed, kwargs = args
    return generate(seed=seed, **kwargs)


def generate_many(
    n: int, *, seed: int = 0, workers: int | None = None, **kwargs
) -> list[MazeInstance]:
    """`n` mazes with seeds seed..seed+n-1; the result does not depend on `workers`."""
    jobs = [(seed + i, kwargs) for i in range(n)]
    if workers is None:
        workers = 1 if n < 256 else None
    if workers == 1:
        return [_one(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_one, jobs, chunksize=max(1, n // 64)))
