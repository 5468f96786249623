"""Maze <-> TRM tokens on a fixed canvas, the paper's vocabulary: 0 pad, 1 wall, 2 open,
3 start, 4 goal, 5 path. A maze smaller than the canvas sits in its top-left corner with
pad around it, so one checkpoint serves every size up to the canvas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import GOAL, OPEN, PATH, START, WALL, Cell, MazeProblem, mark_path

PAD, T_WALL, T_OPEN, T_START, T_GOAL, T_PATH = range(6)
_TOKEN = {WALL: T_WALL, OPEN: T_OPEN, START: T_START, GOAL: T_GOAL, PATH: T_PATH}
_CHAR = {v: k for k, v in _TOKEN.items()}


@dataclass(frozen=True)
class MazeCodec:
    height: int = 30
    width: int = 30

    @property
    def seq_len(self) -> int:
        return self.height * self.width

    @property
    def vocab_size(self) -> int:
        return 6

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
        """The training target: the maze with the path's inner cells as path tokens."""
        return self._canvas(mark_path(problem, path))

    def decode(self, problem: MazeProblem, tokens: np.ndarray) -> list[str]:
        """Predicted tokens -> the maze with predicted path cells marked `*` (for `verify`).

        Only path marks on open cells are taken; walls, S and G come from the problem, so
        a prediction can be wrong only in where it draws the path.
        """
        t = np.asarray(tokens).reshape(self.height, self.width)[: problem.height, : problem.width]
        rows = []
        for r, row in enumerate(problem.rows):
            rows.append(
                "".join(
                    PATH if ch == OPEN and t[r, c] == T_PATH else ch for c, ch in enumerate(row)
                )
            )
        return rows
