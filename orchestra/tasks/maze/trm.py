"""Mazes as a TRM task: the paper's tokens on a fixed canvas (any maze up to it), fresh
generated mazes under random symmetries for training, held-out mazes from seeds training
never uses."""

from __future__ import annotations

import random
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ..base import Problem, Verdict
from ..trm import HELDOUT_SEED_STRIDE, TRAIN_SEED_BASE, Pair, TRMTask
from .augment import transform
from .codec import T_MOVES, T_OPEN, T_START, T_WALL, Labels, MazeCodec
from .generate import MazeInstance, generate_styled, style_of
from .problem import MIN_SIDE, OPEN, Cell, MazeProblem, verify
from .solver import fill_dead_ends, solve


def _heldout_seed(seed: int, i: int) -> int:
    return seed * HELDOUT_SEED_STRIDE + i


def has_loops(rows: list[str]) -> bool:
    """Whether the open cells hold a cycle: a perfect maze's open cells form a tree, with
    one side shared between open neighbours fewer than there are open cells (per region)."""
    grid = np.array([list(r) for r in rows]) != "#"
    cells = int(grid.sum())
    sides = int((grid[:, 1:] & grid[:, :-1]).sum() + (grid[1:] & grid[:-1]).sum())
    return sides >= cells


class MazeSpec(TRMTask):
    family: Literal["maze"] = "maze"
    canvas: int = 30  # the codec's square canvas; any maze up to this size is accepted
    height: int = 21  # training and held-out mazes
    width: int = 21
    min_side: int | None = None  # training mazes vary in size from this up to height x width
    full_share: float = 0.0  # with min_side: this share of training mazes is full size anyway
    # "mixed": braided (perfect with `loops`) and open random-wall (`density`) mazes taking
    # turns by seed, as Maze-Hard's kind has several routes and only a shortest one counts
    style: Literal["perfect", "open", "mixed"] = "perfect"
    loops: float = 0.0
    density: float = 0.3
    min_path: int = 0
    # The share of training draws shown part-solved: a random share of the open cells off
    # the path walled up, then dead ends filled, so fewer routes are left to compare. These
    # are the mazes propagation-guided inference meets once it walls up the cells the
    # network is sure of; on 30x30 mazes with loops, where the whole maze is out of reach at
    # first, they are what the network can learn from. Held-out mazes are never pruned.
    reveal: float = Field(default=0.0, ge=0.0, le=1.0)
    # what targets hold beyond the maze (codec.py): "path" (the paper's), "directions"
    # (the path, and every other open cell's move towards G), "moves" (every open cell's
    # move; the answer is the walk along them from S). Both hints make the vocabulary 10.
    labels: Labels = "path"

    @model_validator(mode="after")
    def _sizes_fit(self) -> MazeSpec:
        if max(self.height, self.width) > self.canvas:
            raise ValueError(f"{self.height}x{self.width} mazes do not fit a {self.canvas} canvas")
        if not 0.0 <= self.full_share <= 1.0:
            raise ValueError(f"full_share must be in 0..1, got {self.full_share}")
        if self.style == "mixed" and self.loops <= 0:
            raise ValueError("style 'mixed' braids half its mazes: set loops > 0 (e.g. 0.1)")
        if self.min_side is not None and not (
            MIN_SIDE <= self.min_side <= min(self.height, self.width)
        ):
            raise ValueError(
                f"min_side must be in {MIN_SIDE}..{min(self.height, self.width)}, "
                f"got {self.min_side}"
            )
        return self

    @property
    def name(self) -> str:
        # trained on mazes with loops: its checkpoint sits beside the perfect-maze one
        loops = self.style != "perfect" or self.loops > 0
        return f"maze-{self.canvas}" + ("-loops" if loops else "")

    @property
    def codec(self) -> MazeCodec:
        return MazeCodec(self.canvas, self.canvas, labels=self.labels)

    def supports(self, problem: Problem) -> bool:
        return (
            isinstance(problem, MazeProblem)
            and problem.height <= self.canvas
            and problem.width <= self.canvas
        )

    def distance(self, problem: Problem) -> tuple[float, ...]:
        """A maze with loops is far from a checkpoint trained on perfect mazes and the
        other way round (first); then the difference in area from the training mazes."""
        if not isinstance(problem, MazeProblem):
            return (2.0, 0)  # not a maze: as far as a checkpoint can be
        rows = problem.rows
        trained_loops = self.style != "perfect" or self.loops > 0
        area = len(rows) * len(rows[0])
        return (float(has_loops(rows) != trained_loops), abs(area - self.height * self.width))

    def encode(self, problem: Problem) -> np.ndarray:
        return self.codec.encode(problem)  # type: ignore[arg-type]

    def target(self, problem: Problem, answer: Any) -> np.ndarray:
        return self.codec.encode_path(problem, answer)  # type: ignore[arg-type]

    def decode(self, problem: Problem, tokens: np.ndarray) -> Any:
        return self.codec.decode(problem, tokens)  # type: ignore[arg-type]

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        return verify(problem, answer)  # type: ignore[arg-type]

    @property
    def answer_map(self) -> list[int] | None:
        return self.codec.answer_map

    @property
    def propagates(self) -> bool:
        return True

    def given(self, problem: Any) -> np.ndarray:
        """Everything but the open cells: walls, S, G and padding read the same in the
        answer (only open cells can become path). With "moves", S is not given: its move
        starts the walk."""
        predicted = (T_OPEN, T_START) if self.labels == "moves" else (T_OPEN,)
        return ~np.isin(self.codec.encode(problem), predicted)

    def commit(self, problem: Any, cells: dict[int, int]) -> Any | None:
        """Open cells predicted off the path are walled up, then dead ends filled; cells
        predicted on the path stay open (the input has no token to fix them with). With
        "directions" a move marks a cell off the path; with "moves" it does not (every
        reachable cell has one), so only cells predicted unreachable are walled and dead-end
        filling does the rest."""
        off_path = {T_WALL, T_OPEN, *(T_MOVES if self.labels == "directions" else ())}
        closed = [divmod(pos, self.canvas) for pos, token in cells.items() if token in off_path]
        inside = [(r, c) for r, c in closed if r < problem.height and c < problem.width]
        return fill_dead_ends(problem, inside)

    def style_of(self, seed: int) -> Literal["perfect", "open"]:
        return style_of(self.style, seed)

    def _generate(self, seed: int, size: tuple[int, int] | None = None) -> MazeInstance:
        height, width = size or (self.height, self.width)
        # a smaller training maze (min_side) asks for a path shorter by its share of the
        # area: 110 moves cannot fit a 15x15 maze, 27 can
        min_path = self.min_path * height * width // (self.height * self.width)
        return generate_styled(
            height,
            width,
            seed=seed,
            style=self.style,
            loops=self.loops,
            density=self.density,
            min_path=min_path,
        )

    def stratum(self, problem: Any, answer: Any) -> int | None:
        return len(answer) - 1  # moves on the shortest path

    def heldout_kinds(self, n: int, seed: int = 0) -> list[str] | None:
        if self.style != "mixed":
            return None
        named = {"perfect": "braided", "open": "open"}
        return [named[self.style_of(_heldout_seed(seed, i))] for i in range(n)]

    def heldout(self, n: int, seed: int = 0) -> list[tuple[Problem, Any]]:
        out: list[tuple[Problem, Any]] = []
        for i in range(n):
            inst = self._generate(_heldout_seed(seed, i))
            out.append((inst.problem, inst.path))
        return out

    def training_source(self, seed: int) -> MazeSource:
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
            problem = inst.problem
            # without reveal the stream draws nothing extra: earlier runs' data stays the same
            if self.spec.reveal and rng.random() < self.spec.reveal:
                problem = pruned(problem, inst.path, rng)
            k = rng.randrange(8)
            problem = transform(problem, k)
            # found again in the transformed maze, not carried over: where shortest paths
            # tie, the target is the one the solver's local rule picks in the frame shown
            path = solve(problem)
            assert path is not None  # a symmetry keeps S and G connected
            xs.append(self.codec.encode(problem))
            ys.append(self.codec.encode_path(problem, path))
        return np.stack(xs), np.stack(ys)


PRUNE_MOST = 0.3  # the largest share of off-path cells `pruned` walls up


def pruned(problem: MazeProblem, path: list[Cell], rng: random.Random) -> MazeProblem:
    """The maze with a random share of its open cells off `path` walled up (the share
    squared-uniform up to PRUNE_MOST, so most draws keep most routes), then dead ends
    filled. `path` survives, and it stays a shortest path (walls only lengthen routes)
    and the one the solver's local rule picks: a cell before it in that rule's order was
    not closer to G, and walls make no cell closer."""
    on = set(path)
    share = PRUNE_MOST * rng.random() ** 2
    closed = [
        (r, c)
        for r, row in enumerate(problem.rows)
        for c, ch in enumerate(row)
        if ch == OPEN and (r, c) not in on and rng.random() < share
    ]
    filled = fill_dead_ends(problem, closed)
    assert filled is not None, "the path is left open, so S and G stay connected"
    return filled
