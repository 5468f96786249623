"""Sudoku as a TRM task: the paper's 81-token encoding, a pool of generated puzzles drawn
under random symmetries for training, held-out puzzles from generator seeds training
never uses."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ..base import Problem, Verdict
from ..trm import TRAIN_SEED_BASE, Pair, TRMTask
from . import lists
from .augment import random_transform
from .codec import DIGIT0, SudokuCodec
from .generate import Tier, generate_many
from .problem import SudokuProblem, verify
from .solver import propagate


class SudokuSpec(TRMTask):
    family: Literal["sudoku"] = "sudoku"
    size: int = 9
    tier: Tier | None = "medium"
    clues: int | None = None
    pool: int = 2000  # base puzzles; every draw is a fresh random symmetry of one of them
    # Ask for puzzles that need search (solver nodes beyond singles); see sudoku.generate.
    min_nodes: int = Field(default=0, ge=0)
    # Train on a published list in data/ instead of the generator (e.g. extreme-train.txt,
    # the training part of Sudoku-Extreme's source; its test part is the bench's). Its last
    # `valid` puzzles are held out: keep-best and the card's held-out figure use them.
    published: str | None = None
    valid: int = Field(default=500, ge=1)
    # The share of training draws shown with some of their solution's digits as givens
    # (up to a third of the blanks), then singles propagated: the states propagation-guided
    # inference meets after it commits the cells it is sure of. On lists where the plain
    # puzzle is out of reach (extreme) they are what the network can still learn from.
    # Held-out puzzles are never revealed.
    reveal: float = Field(default=0.0, ge=0.0, le=1.0)

    @property
    def name(self) -> str:
        # puzzles that need search are the hard tier; its checkpoint sits beside the other
        hard = self.min_nodes or self.published
        return f"sudoku-{self.size}x{self.size}" + ("-hard" if hard else "")

    @property
    def codec(self) -> SudokuCodec:
        return SudokuCodec(self.size)

    def supports(self, problem: Problem) -> bool:
        return isinstance(problem, SudokuProblem) and problem.size == self.size

    def encode(self, problem: Any) -> np.ndarray:
        return self.codec.encode(problem)

    def target(self, problem: Any, answer: Any) -> np.ndarray:
        return self.codec.encode(answer)

    def decode(self, problem: Any, tokens: np.ndarray) -> Any:
        return self.codec.decode(tokens)

    def verify(self, problem: Any, answer: Any) -> Verdict:
        return verify(problem, answer)

    @property
    def propagates(self) -> bool:
        return True

    def given(self, problem: Any) -> np.ndarray:
        return self.codec.encode(problem) >= DIGIT0

    def commit(self, problem: Any, cells: dict[int, int]) -> Any | None:
        grid = [row[:] for row in problem.grid]
        for pos, token in cells.items():
            if token < DIGIT0:  # a blank or padding prediction fixes nothing
                continue
            grid[pos // self.size][pos % self.size] = int(token) - DIGIT0 + 1
        filled = propagate(grid)
        return None if filled is None else problem.model_copy(update={"grid": filled})

    def _generate(self, n: int, seed0: int, workers: int | None = None) -> list:
        return generate_many(
            n,
            self.size,
            seed=seed0,
            tier=self.tier,
            clues=self.clues,
            min_nodes=self.min_nodes,
            workers=workers,
        )

    def _parts(self) -> tuple[range, range]:
        """(training part, held-out part) of the published list, as indices into it."""
        assert self.published is not None
        listed = lists.puzzles(self.published)
        if any(p.size != self.size for p in listed):
            raise ValueError(f"{self.published} is not a list of {self.size}x{self.size} puzzles")
        if len(listed) <= self.valid:
            raise ValueError(
                f"{self.published} has {len(listed)} puzzles: fewer than valid={self.valid} "
                "held out plus some to train on"
            )
        cut = len(listed) - self.valid
        return range(cut), range(cut, len(listed))

    def heldout(self, n: int, seed: int = 0) -> list[tuple[Problem, Any]]:
        if self.published:  # one fixed held-out part: `seed` cannot draw another
            name, listed = self.published, lists.puzzles(self.published)
            return [(listed[i], lists.solution(name, i)) for i in self._parts()[1][:n]]
        return [(i.problem, i.solution) for i in self._generate(n, seed)]

    def training_source(self, seed: int) -> SudokuSource:
        if self.published:  # the training part is the list's head: index k is puzzle k
            name, listed = self.published, lists.puzzles(self.published)
            grids = [listed[k].grid for k in self._parts()[0]]
            return SudokuSource(self, grids, lambda k: lists.solution(name, k))
        base = self._generate(self.pool, TRAIN_SEED_BASE + seed * self.pool)
        return SudokuSource(self, [i.problem.grid for i in base], lambda k: base[k].solution)


class SudokuSource:
    """Training draws: puzzles under random symmetries, each with its solution looked up
    when drawn (a published list's are found as its puzzles are first drawn)."""

    def __init__(
        self,
        spec: SudokuSpec,
        grids: list[list[list[int]]],
        solution: Callable[[int], list[list[int]]],
    ):
        self.spec = spec
        self.codec = spec.codec
        self.grids = grids
        self.solution = solution

    def sample(self, n: int, rng: random.Random) -> Pair:
        xs, ys = [], []
        for _ in range(n):
            k = rng.randrange(len(self.grids))
            puzzle, solution = self.grids[k], self.solution(k)
            # without reveal the stream draws nothing extra: earlier runs' data stays the same
            if self.spec.reveal and rng.random() < self.spec.reveal:
                puzzle = revealed(puzzle, solution, rng)
            t = random_transform(self.spec.size, rng)
            xs.append(self.codec.encode(t.apply(puzzle)))
            ys.append(self.codec.encode(t.apply(solution)))
        return np.stack(xs), np.stack(ys)


def revealed(
    puzzle: list[list[int]], solution: list[list[int]], rng: random.Random
) -> list[list[int]]:
    """The puzzle with some of its blanks given their solution digits (up to a third), then
    what singles force filled in: the kind of grid inference reaches once it commits sure
    cells. Never a finished grid, which would teach nothing: a draw that singles finish is
    drawn again with half as many digits shown, down to the puzzle itself."""
    blanks = [(r, c) for r, row in enumerate(puzzle) for c, v in enumerate(row) if not v]
    shown = rng.randint(1, len(blanks) // 3) if len(blanks) >= 3 else 0
    while shown:
        grid = [row[:] for row in puzzle]
        for r, c in rng.sample(blanks, shown):
            grid[r][c] = solution[r][c]
        filled = propagate(grid)
        assert filled is not None, "digits of the solution cannot contradict the puzzle"
        if any(not v for row in filled for v in row):
            return filled
        shown //= 2
    return puzzle
