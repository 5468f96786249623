"""What binds a TRM to a problem family: token codec, training data, held-out data.

The trainer and the specialist share one `TaskSpec`, saved into the checkpoint's
config.json, so a checkpoint always decodes its outputs the way it was trained.

Held-out puzzles come from generator seeds 0.., training puzzles from seeds >= 10**9:
the two sets never share a seed.
"""

from __future__ import annotations

import random
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from orchestra.tasks import maze, sudoku
from orchestra.tasks.base import Problem, Verdict
from orchestra.tasks.maze.problem import MIN_SIDE as MAZE_MIN_SIDE
from orchestra.tasks.sudoku.generate import Tier

from .arc_task import ArcSource, ArcSpec

TRAIN_SEED_BASE = 10**9

Pair = tuple[np.ndarray, np.ndarray]  # (inputs, labels), int64 arrays of shape (n, seq_len)


class SudokuSpec(BaseModel):
    family: Literal["sudoku"] = "sudoku"
    size: int = 9
    tier: Tier | None = "medium"
    clues: int | None = None
    pool: int = 2000  # base puzzles; every draw is a fresh random symmetry of one of them
    # Ask for puzzles that need search (solver nodes beyond singles); see sudoku.generate.
    min_nodes: int = Field(default=0, ge=0)

    @property
    def kind(self) -> str:
        return "sudoku"

    @property
    def name(self) -> str:
        # puzzles that need search are the hard tier; its checkpoint sits beside the other
        return f"sudoku-{self.size}x{self.size}" + ("-hard" if self.min_nodes else "")

    @property
    def codec(self) -> sudoku.SudokuCodec:
        return sudoku.SudokuCodec(self.size)

    def supports(self, problem: Problem) -> bool:
        return isinstance(problem, sudoku.SudokuProblem) and problem.size == self.size

    def encode(self, problem: Problem) -> np.ndarray:
        return self.codec.encode(problem)  # type: ignore[arg-type]

    def decode(self, problem: Problem, tokens: np.ndarray) -> Any:
        return self.codec.decode(tokens)

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        return sudoku.verify(problem, answer)  # type: ignore[arg-type]

    def _generate(self, n: int, seed0: int, workers: int | None = None) -> list:
        return sudoku.generate_many(
            n,
            self.size,
            seed=seed0,
            tier=self.tier,
            clues=self.clues,
            min_nodes=self.min_nodes,
            workers=workers,
        )

    def heldout(self, n: int, seed: int = 0) -> list[tuple[Problem, Any]]:
        return [(i.problem, i.solution) for i in self._generate(n, seed)]

    def training_source(self, seed: int) -> TrainingSource:
        base = self._generate(self.pool, TRAIN_SEED_BASE + seed * self.pool)
        return SudokuSource(self, base)


class SudokuSource:
    def __init__(self, spec: SudokuSpec, base: list):
        self.spec = spec
        self.codec = spec.codec
        self.inputs = np.stack([self.codec.encode(i.problem) for i in base])
        self.labels = np.stack([self.codec.encode(i.solution) for i in base])
        self.grids = [(i.problem.grid, i.solution) for i in base]

    def sample(self, n: int, rng: random.Random) -> Pair:
        xs, ys = [], []
        for _ in range(n):
            puzzle, solution = self.grids[rng.randrange(len(self.grids))]
            t = sudoku.random_transform(self.spec.size, rng)
            xs.append(self.codec.encode(t.apply(puzzle)))
            ys.append(self.codec.encode(t.apply(solution)))
        return np.stack(xs), np.stack(ys)


class MazeSpec(BaseModel):
    family: Literal["maze"] = "maze"
    canvas: int = 30  # the codec's square canvas; any maze up to this size is accepted
    height: int = 21  # training and held-out mazes
    width: int = 21
    min_side: int | None = None  # training mazes vary in size from this up to height x width
    full_share: float = 0.0  # with min_side: this share of training mazes is full size anyway
    style: Literal["perfect", "open"] = "perfect"
    loops: float = 0.0
    density: float = 0.3
    min_path: int = 0

    @model_validator(mode="after")
    def _sizes_fit(self) -> MazeSpec:
        if max(self.height, self.width) > self.canvas:
            raise ValueError(f"{self.height}x{self.width} mazes do not fit a {self.canvas} canvas")
        if not 0.0 <= self.full_share <= 1.0:
            raise ValueError(f"full_share must be in 0..1, got {self.full_share}")
        if self.min_side is not None and not (
            MAZE_MIN_SIDE <= self.min_side <= min(self.height, self.width)
        ):
            raise ValueError(
                f"min_side must be in {MAZE_MIN_SIDE}..{min(self.height, self.width)}, "
                f"got {self.min_side}"
            )
        return self

    @property
    def kind(self) -> str:
        return "maze"

    @property
    def name(self) -> str:
        return f"maze-{self.canvas}"

    @property
    def codec(self) -> maze.MazeCodec:
        return maze.MazeCodec(self.canvas, self.canvas)

    def supports(self, problem: Problem) -> bool:
        return (
            isinstance(problem, maze.MazeProblem)
            and problem.height <= self.canvas
            and problem.width <= self.canvas
        )

    def encode(self, problem: Problem) -> np.ndarray:
        return self.codec.encode(problem)  # type: ignore[arg-type]

    def decode(self, problem: Problem, tokens: np.ndarray) -> Any:
        return self.codec.decode(problem, tokens)  # type: ignore[arg-type]

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        return maze.verify(problem, answer)  # type: ignore[arg-type]

    def _generate(self, seed: int, size: tuple[int, int] | None = None) -> maze.MazeInstance:
        height, width = size or (self.height, self.width)
        return maze.generate(
            height,
            width,
            seed=seed,
            style=self.style,
            loops=self.loops,
            density=self.density,
            min_path=self.min_path,
        )

    def heldout(self, n: int, seed: int = 0) -> list[tuple[Problem, Any]]:
        out = []
        for i in range(n):
            inst = self._generate(seed * 1_000_003 + i)
            out.append((inst.problem, inst.path))
        return out

    def training_source(self, seed: int) -> TrainingSource:
        return MazeSource(self)


class MazeSource:
    """Fresh mazes on the fly (generation is cheap), each under a random symmetry. With
    `min_side`, sizes vary so the network also meets the padding a smaller maze brings."""

    def __init__(self, spec: MazeSpec):
        self.spec = spec
        self.codec = spec.codec

    def _size(self, rng: random.Random) -> tuple[int, int] | None:
        low = self.spec.min_side
        if low is None or rng.random() < self.spec.full_share:
            return None
        return rng.randint(low, self.spec.height), rng.randint(low, self.spec.width)

    def sample(self, n: int, rng: random.Random) -> Pair:
        xs, ys = [], []
        for _ in range(n):
            inst = self.spec._generate(TRAIN_SEED_BASE + rng.randrange(10**8), self._size(rng))
            k = rng.randrange(8)
            problem = maze.transform(inst.problem, k)
            path = maze.transform_path(inst.path, (inst.problem.height, inst.problem.width), k)
            xs.append(self.codec.encode(problem))
            ys.append(self.codec.encode_path(problem, path))
        return np.stack(xs), np.stack(ys)


TaskSpec = SudokuSpec | MazeSpec | ArcSpec
TrainingSource = SudokuSource | MazeSource | ArcSource


def spec_from_dict(d: dict) -> TaskSpec:
    family = d.get("family")
    if family == "sudoku":
        return SudokuSpec.model_validate(d)
    if family == "maze":
        return MazeSpec.model_validate(d)
    if family == "arc":
        return ArcSpec.model_validate(d)
    raise ValueError(f"unknown task family {family!r} in checkpoint config")
