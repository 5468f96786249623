"""A graph as TRM tokens: its adjacency matrix on a square canvas of `canvas` nodes.
0 pad (beyond the graph), 1 no edge, 2 edge, 3 a node's colour, unknown (the diagonal),
4.. colour c as token 4 + c (a pre-coloured node in the input; every node in the target).
Only the diagonal is a target: the loss ignores the rest (label 0).

Colourings are equal up to renaming the colours, so a graph without a pre-colouring gets
anchors that fix the names: the node of highest degree is colour 0, its lowest-numbered
neighbour colour 1, their lowest-numbered common neighbour colour 2. Any colouring can be
renamed to agree with them, so they lose nothing, and what is left for the network is
propagation from the anchors (as from a Sudoku's clues). (Where the best-connected node is
in no triangle, the first triangle of the next one is taken; a graph with none gets two
anchors.) The target is the answer renamed to agree with the anchors."""

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

    @staticmethod
    def anchors(problem: ColoringProblem) -> dict[int, int]:
        """Node -> colour: the pre-colouring, or the renaming anchors (module docstring)."""
        if problem.fixed:
            return dict(problem.fixed)
        neighbours: list[set[int]] = [set() for _ in range(problem.n)]
        for u, v in problem.edges:
            neighbours[u].add(v)
            neighbours[v].add(u)
        order = sorted(range(problem.n), key=lambda v: (-len(neighbours[v]), v))
        if problem.k >= 3:  # a triangle, from the best-connected node on
            for a in order:
                for b in sorted(neighbours[a]):
                    common = neighbours[a] & neighbours[b]
                    if common:
                        return {a: 0, b: 1, min(common): 2}
        a = order[0]
        if neighbours[a] and problem.k >= 2:
            return {a: 0, min(neighbours[a]): 1}
        return {a: 0}

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
        for node, c in self.anchors(problem).items():
            a[node, node] = COLOUR0 + c
        return a.reshape(-1)

    def encode_answer(self, problem: ColoringProblem, answer: Any) -> np.ndarray:
        """The answer renamed to agree with the anchors (other colours by first use)."""
        names = {answer[node]: c for node, c in self.anchors(problem).items()}
        spare = iter(c for c in range(problem.k) if c not in names.values())
        a = np.zeros((self.canvas, self.canvas), dtype=np.int64)
        for i, c in enumerate(answer):
            if c not in names:
                names[c] = next(spare)
            a[i, i] = COLOUR0 + names[c]
        return a.reshape(-1)

    def decode(self, problem: ColoringProblem, tokens: np.ndarray) -> list[int]:
        """The colour on each node's diagonal square; -1 where no colour was predicted."""
        t = np.asarray(tokens).reshape(self.canvas, self.canvas)
        diag = [int(t[i, i]) - COLOUR0 for i in range(problem.n)]
        return [c if 0 <= c < problem.k else -1 for c in diag]
