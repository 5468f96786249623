"""Sudoku <-> TRM tokens, the paper's encoding: 0 pad, 1 blank, 2.. digits 1..n.

One codec per size: the sequence is the n*n cells in reading order (81 tokens, vocabulary
11 on 9x9, as in the paper).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base import Grid
from .geometry import BOX_SHAPES
from .problem import SudokuProblem

PAD, BLANK, DIGIT0 = 0, 1, 2


@dataclass(frozen=True)
class SudokuCodec:
    size: int = 9

    def __post_init__(self) -> None:
        if self.size not in BOX_SHAPES:
            raise ValueError(f"Sudoku size must be one of {sorted(BOX_SHAPES)}, got {self.size}")

    @property
    def seq_len(self) -> int:
        return self.size * self.size

    @property
    def vocab_size(self) -> int:
        return self.size + DIGIT0

    def encode(self, grid: Grid | SudokuProblem) -> np.ndarray:
        """Clues (0 = blank) or a full solution -> int64 tokens of length n*n."""
        if isinstance(grid, SudokuProblem):
            grid = grid.grid
        a = np.asarray(grid, dtype=np.int64)
        if a.shape != (self.size, self.size):
            raise ValueError(f"expected a {self.size}x{self.size} grid, got shape {a.shape}")
        return np.where(a == 0, BLANK, a + DIGIT0 - 1).reshape(-1)

    def decode(self, tokens: np.ndarray) -> Grid:
        """Tokens -> grid; anything that is not a digit token decodes to 0 (a blank)."""
        t = np.asarray(tokens, dtype=np.int64).reshape(self.size, self.size)
        digits = np.where((t >= DIGIT0) & (t < self.vocab_size), t - DIGIT0 + 1, 0)
        return digits.tolist()
