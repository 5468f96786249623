"""The typed maze problem and its verifier."""

from __future__ import annotations

from typing import Any, Final, Literal

import networkx as nx
from pydantic import model_validator

from ..base import ParseError, Problem, Verdict, malformed, ok, wrong

KIND: Final = "maze"
WALL, OPEN, START, GOAL, PATH = "#", ".", "S", "G", "*"
MIN_SIDE, MAX_SIDE = 2, 64

Cell = tuple[int, int]


def check_rows(rows: list[str]) -> None:
    """Raise ParseError naming the first thing that makes `rows` no maze."""
    if not MIN_SIDE <= len(rows) <= MAX_SIDE:
        raise ParseError(f"found {len(rows)} rows; a maze has {MIN_SIDE}..{MAX_SIDE}", kind=KIND)
    width = len(rows[0])
    if not MIN_SIDE <= width <= MAX_SIDE:
        raise ParseError(
            f"found {width} columns; a maze has {MIN_SIDE}..{MAX_SIDE}", kind=KIND, row=1
        )
    counts = {START: 0, GOAL: 0}
    for r, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ParseError(
                f"row has {len(row)} cells but row 1 has {width}; a maze must be rectangular",
                kind=KIND,
                row=r,
            )
        for c, ch in enumerate(row, start=1):
            if ch not in (WALL, OPEN, START, GOAL):
                raise ParseError(
                    f"unexpected character {ch!r} (use # for walls, space or . for open, "
                    "S for the start, G for the goal)",
                    kind=KIND,
                    row=r,
                    col=c,
                    char=ch,
                )
            if ch in counts:
                counts[ch] += 1
    for mark, name in ((START, "start S"), (GOAL, "goal G")):
        if counts[mark] != 1:
            raise ParseError(f"a maze needs exactly one {name}, found {counts[mark]}", kind=KIND)


class MazeProblem(Problem):
    """A rectangular grid maze (2..64 per side): find a shortest 4-connected path S -> G.

    Attributes:
        kind: Always `maze`.
        prompt: The text the maze came with, if any.
        rows: The maze, normalised to `#` wall, `.` open, `S` start, `G` goal.
    """

    kind: Literal["maze"] = KIND
    rows: list[str]

    @model_validator(mode="after")
    def _check(self) -> MazeProblem:
        check_rows(self.rows)
        return self

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0])

    def _find(self, mark: str) -> Cell:
        for r, row in enumerate(self.rows):
            c = row.find(mark)
            if c >= 0:
                return r, c
        raise AssertionError("validated mazes hold S and G")

    @property
    def start(self) -> Cell:
        return self._find(START)

    @property
    def goal(self) -> Cell:
        return self._find(GOAL)

    def is_open(self, r: int, c: int) -> bool:
        return 0 <= r < self.height and 0 <= c < self.width and self.rows[r][c] != WALL

    def graph(self) -> nx.Graph:
        """Open cells as nodes, 4-neighbours as edges."""
        g = nx.Graph()
        for r in range(self.height):
            for c in range(self.width):
                if self.is_open(r, c):
                    g.add_node((r, c))
                    if self.is_open(r + 1, c):
                        g.add_edge((r, c), (r + 1, c))
                    if self.is_open(r, c + 1):
                        g.add_edge((r, c), (r, c + 1))
        return g

    def pretty(self) -> str:
        return "\n".join(self.rows)


def mark_path(problem: MazeProblem, path: list[Cell]) -> list[str]:
    """The maze with the path's inner cells drawn as `*`."""
    grid = [list(row) for row in problem.rows]
    for r, c in path[1:-1]:
        grid[r][c] = PATH
    return ["".join(row) for row in grid]


def path_from_marks(problem: MazeProblem, marked: list[str]) -> list[Cell] | None:
    """A shortest S -> G walk through the marked cells only, or None if they do not connect."""
    allowed = {(r, c) for r, row in enumerate(marked) for c, ch in enumerate(row) if ch == PATH}
    allowed |= {problem.start, problem.goal}
    parent: dict[Cell, Cell | None] = {problem.start: None}
    frontier = [problem.start]
    while frontier:
        nxt = []
        for r, c in frontier:
            for q in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if q in allowed and q not in parent:
                    parent[q] = (r, c)
                    nxt.append(q)
        frontier = nxt
    if problem.goal not in parent:
        return None
    path = [problem.goal]
    while (prev := parent[path[-1]]) is not None:
        path.append(prev)
    return path[::-1]


def shortest_length(problem: MazeProblem) -> int | None:
    """Moves on a shortest S -> G path (networkx), None when G is unreachable."""
    try:
        return nx.shortest_path_length(problem.graph(), problem.start, problem.goal)
    except nx.NetworkXNoPath:
        return None


def _check_marks(problem: MazeProblem, marked: list[str]) -> Verdict | list[Cell]:
    if len(marked) != problem.height or any(len(row) != problem.width for row in marked):
        return malformed(f"answer grid must be {problem.height}x{problem.width}")
    for r, (got, want) in enumerate(zip(marked, problem.rows, strict=True), start=1):
        for c, (a, b) in enumerate(zip(got, want, strict=True), start=1):
            a = OPEN if a == " " else a
            if a == PATH and b == OPEN:
                continue
            if a != b:
                return wrong(f"answer changes the maze at row {r}, column {c} ({b!r} -> {a!r})")
    path = path_from_marks(problem, marked)
    if path is None:
        return wrong("the marked cells do not connect S to G")
    n_marked = sum(row.count(PATH) for row in marked)
    if n_marked != len(path) - 2:
        return wrong(f"{n_marked} cells are marked but the path through them uses {len(path) - 2}")
    return path


def verify(problem: MazeProblem, answer: Any) -> Verdict:
    """Accept a shortest path S -> G, given as a list of (row, col) cells or as the maze with
    the path's cells marked `*` (rows, or one string with newlines)."""
    if isinstance(answer, str):
        answer = answer.split("\n")
    if isinstance(answer, list) and answer and all(isinstance(x, str) for x in answer):
        checked = _check_marks(problem, answer)
        if isinstance(checked, Verdict):
            return checked
        answer = checked
    try:
        path = [(int(r), int(c)) for r, c in answer]
    except (TypeError, ValueError):
        return malformed("answer must be a list of (row, col) cells or the maze with * marks")
    if not path or path[0] != problem.start:
        return wrong(f"path must begin at S {problem.start}")
    if path[-1] != problem.goal:
        return wrong(f"path must end at G {problem.goal}")
    for i, (r, c) in enumerate(path):
        if not problem.is_open(r, c):
            return wrong(f"step {i} enters a wall or leaves the maze at {(r, c)}")
        if i and abs(r - path[i - 1][0]) + abs(c - path[i - 1][1]) != 1:
            return wrong(f"step {i} jumps from {path[i - 1]} to {(r, c)}")
    if len(set(path)) != len(path):
        return wrong("path visits a cell twice")
    best = shortest_length(problem)
    if best is not None and len(path) - 1 != best:
        return wrong(f"path takes {len(path) - 1} moves; the shortest takes {best}")
    return ok("a shortest path from S to G")
