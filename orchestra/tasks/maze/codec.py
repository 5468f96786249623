"""Maze <-> TRM tokens on a fixed canvas, the paper's vocabulary: 0 pad, 1 wall, 2 open,
3 start, 4 goal, 5 path. A maze smaller than the canvas sits in its top-left corner with
pad around it, so one checkpoint serves every size up to the canvas.

`labels` says what the training targets hold beyond the maze itself:
- "path" (the paper's): the path's inner cells as path tokens.
- "directions": the path as well, and every open cell off it labelled with the move
  towards G that the solver's rule takes there (6 down, 7 up, 8 right, 9 left; open where
  G cannot be reached): the shortest-path tree the path is a branch of. Most of the tree
  is decided near where it is drawn, so the loss speaks to every open cell instead of the
  path alone (a hint, in the sense of neural algorithmic reasoning); the answer is still
  read from the path tokens.
- "moves": every open cell G can be reached from, S and the path included, labelled with
  its move, and no path tokens: the answer is the route that starts at S and follows the
  network's moves until it reaches G (a walk along its own arrows, one move a cell, with no
  search and no distances: a wrong arrow, a wall or a repeated cell ends it short of G, and
  the verifier rejects it). The network then has to compute the tree, not also trace the
  branch from S, which is the half of the work that cannot start before the tree is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .problem import GOAL, OPEN, PATH, START, WALL, Cell, MazeProblem, mark_path
from .solver import MOVES, moves_to_goal

PAD, T_WALL, T_OPEN, T_START, T_GOAL, T_PATH = range(6)
T_MOVES = (6, 7, 8, 9)  # down, up, right, left (solver.MOVES' order)
_TOKEN = {WALL: T_WALL, OPEN: T_OPEN, START: T_START, GOAL: T_GOAL, PATH: T_PATH}
_CHAR = {v: k for k, v in _TOKEN.items()}
Labels = Literal["path", "directions", "moves"]


@dataclass(frozen=True)
class MazeCodec:
    height: int = 30
    width: int = 30
    labels: Labels = "path"

    @property
    def seq_len(self) -> int:
        return self.height * self.width

    @property
    def vocab_size(self) -> int:
        return 6 if self.labels == "path" else 10

    @property
    def answer_map(self) -> list[int] | None:
        """With "directions", a move towards G stands for an open cell off the path."""
        if self.labels != "directions":
            return None
        return [PAD, T_WALL, T_OPEN, T_START, T_GOAL, T_PATH, *[T_OPEN] * 4]

    def _canvas(self, rows: list[str]) -> np.ndarray:
        h, w = len(rows), len(rows[0])
        if h > self.height or w > self.width:
            raise ValueError(
                f"a {h}x{w} maze does not fit this codec's {self.height}x{self.width} canvas"
            )
        canvas = np.full((self.height, self.width), PAD, dtype=np.int64)
        canvas[:h, :w] = [[_TOKEN[ch] for ch in row] for row in rows]
        return canvas.reshape(-1)

    def encode(self, problem: MazeProblem) -> np.ndarray:
        return self._canvas(problem.rows)

    def encode_path(self, problem: MazeProblem, path: list[Cell]) -> np.ndarray:
        """The training target of a maze and its path, as `labels` says."""
        if self.labels == "path":
            return self._canvas(mark_path(problem, path))
        target = self._canvas(problem.rows if self.labels == "moves" else mark_path(problem, path))
        relabel = (T_OPEN, T_START) if self.labels == "moves" else (T_OPEN,)
        for (r, c), move in moves_to_goal(problem).items():
            if target[r * self.width + c] in relabel:
                target[r * self.width + c] = T_MOVES[move]
        return target

    def decode(self, problem: MazeProblem, tokens: np.ndarray) -> list[str]:
        """Predicted tokens -> the maze with predicted path cells marked `*` (for `verify`).

        Only path marks on open cells are taken (with "moves": the cells the walk from S
        along the predicted moves passes); walls, S and G come from the problem, so a
        prediction can be wrong only in where it draws the path.
        """
        t = np.asarray(tokens).reshape(self.height, self.width)[: problem.height, : problem.width]
        if self.labels == "moves":
            marked = _walk(problem, t)
        else:
            marked = {(r, c) for r, c in zip(*np.nonzero(t == T_PATH), strict=True)}
        return [
            "".join(PATH if ch == OPEN and (r, c) in marked else ch for c, ch in enumerate(row))
            for r, row in enumerate(problem.rows)
        ]


def _walk(problem: MazeProblem, moves: np.ndarray) -> set[Cell]:
    """The cells passed on the way from S following `moves` (tokens on the maze's own
    grid), until G, or until a step leaves the open cells or comes back to one."""
    cell, seen = problem.start, {problem.start}
    while cell != problem.goal:
        token = int(moves[cell])
        if token not in T_MOVES:
            break
        dr, dc = MOVES[T_MOVES.index(token)]
        cell = (cell[0] + dr, cell[1] + dc)
        if cell in seen or not problem.is_open(*cell):
            break
        seen.add(cell)
    return seen - {problem.start, problem.goal}
