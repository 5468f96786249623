"""An N-Queens board as TRM tokens on a square canvas: 0 pad (outside an n x n board
smaller than the canvas), 1 empty square, 2 queen. The input holds the given queens, the
target the full placement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from orchestra import Problem

from .problem import NQueensProblem

PAD, EMPTY, QUEEN = 0, 1, 2


@dataclass(frozen=True)
class NQueensCodec:
    canvas: int = 8

    @property
    def seq_len(self) -> int:
        return self.canvas * self.canvas

    @property
    def vocab_size(self) -> int:
        return 3

    def supports(self, problem: Problem) -> bool:
        return isinstance(problem, NQueensProblem) and problem.n <= self.canvas

    def _board(self, n: int, cells: list[tuple[int, int]]) -> np.ndarray:
        if n > self.canvas:
            raise ValueError(f"a {n}x{n} board does not fit the {self.canvas}x{self.canvas} canvas")
        out = np.full((self.canvas, self.canvas), PAD, dtype=np.int64)
        out[:n, :n] = EMPTY
        for r, c in cells:
            out[r, c] = QUEEN
        return out.reshape(-1)

    def encode(self, problem: NQueensProblem) -> np.ndarray:
        return self._board(problem.n, problem.queens)

    def encode_answer(self, problem: NQueensProblem, answer: Any) -> np.ndarray:
        return self._board(problem.n, list(enumerate(answer)))

    def decode(self, problem: NQueensProblem, tokens: np.ndarray) -> list[int]:
        """The column of each row's queen; -1 for a row with none or several (the
        verifier then says what is wrong)."""
        t = np.asarray(tokens).reshape(self.canvas, self.canvas)[: problem.n, : problem.n]
        cols = []
        for row in t:
            where = np.flatnonzero(row == QUEEN)
            cols.append(int(where[0]) if len(where) == 1 else -1)
        return cols
