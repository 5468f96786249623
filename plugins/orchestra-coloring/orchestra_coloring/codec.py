"""A graph as TRM tokens: its adjacency matrix on a square canvas of `canvas` nodes.
0 pad (beyond the graph), 1 no edge, 2 edge, 3 a node's colour, unknown (the diagonal),
4.. colour c as token 4 + c (a pre-coloured node in the input; every node in the target).
Only the diagonal is a target: the loss ignores the rest (label 0)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from orchestra import Problem

from .problem import ColoringProblem

PAD, NO_EDGE, EDGE, UNKNOWN, COLOUR0 = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class ColoringCodec:
    canvas: int = 10
    colours: int = 4  # the largest k the vocabulary holds

    @property
    def seq_len(self) -> int:
        return self.canvas * self.canvas

    @property
    def vocab_size(self) -> int:
        return COLOUR0 + self.colours

    def supports(self, problem: Problem) -> bool:
        return (
            isinstance(problem, ColoringProblem)
            and problem.n <= self.canvas
            and problem.k <= self.colours
        )

    def encode(self, problem: ColoringProblem) -> np.ndarray:
        if not self.supports(problem):
            raise ValueError(
                f"a graph of {problem.n} nodes and {problem.k} colours does not fit this "
                f"codec ({self.canvas} nodes, {self.colours} colours)"
            )
        n = problem.n
        a = np.full((self.canvas, self.canvas), PAD, dtype=np.int64)
        a[:n, :n] = NO_EDGE
        for u, v in problem.edges:
            a[u, v] = a[v, u] = EDGE
        for i in range(n):
            a[i, i] = UNKNOWN
        for node, c in problem.fixed:
            a[node, node] = COLOUR0 + c
        return a.reshape(-1)

    def encode_answer(self, problem: ColoringProblem, answer: Any) -> np.ndarray:
        a = np.zeros((self.canvas, self.canvas), dtype=np.int64)
        for i, c in enumerate(answer):
            a[i, i] = COLOUR0 + c
        return a.reshape(-1)

    def decode(self, problem: ColoringProblem, tokens: np.ndarray) -> list[int]:
        """The colour on each node's diagonal square; -1 where no colour was predicted."""
        t = np.asarray(tokens).reshape(self.canvas, self.canvas)
        diag = [int(t[i, i]) - COLOUR0 for i in range(problem.n)]
        return [c if 0 <= c < problem.k else -1 for c in diag]
