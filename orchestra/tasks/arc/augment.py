"""ARC symmetries: the 8 dihedral transforms and colour permutations that keep 0 (the
background) fixed, each invertible so predictions made on an augmented view can be mapped
back to the original frame and voted on."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from ..base import Grid
from ..dihedral import dihedral, inverse_dihedral
from .problem import COLOURS, ArcPair, ArcProblem


@dataclass(frozen=True)
class ArcTransform:
    k: int = 0  # dihedral transform 0..7
    colours: tuple[int, ...] = tuple(range(COLOURS))  # colours[old] = new, colours[0] == 0

    def __post_init__(self) -> None:
        if sorted(self.colours) != list(range(COLOURS)) or self.colours[0] != 0:
            raise ValueError("colours must permute 0-9 and keep 0 fixed")

    def grid(self, grid: Grid) -> Grid:
        a = np.asarray(grid, dtype=np.int64)
        return np.asarray(self.colours)[dihedral(a, self.k)].tolist()

    def problem(self, problem: ArcProblem) -> ArcProblem:
        outs = problem.test_outputs
        return problem.model_copy(
            update={
                "train": [
                    ArcPair(input=self.grid(p.input), output=self.grid(p.output))
                    for p in problem.train
                ],
                "test_inputs": [self.grid(g) for g in problem.test_inputs],
                "test_outputs": None if outs is None else [self.grid(g) for g in outs],
            }
        )

    def inverse(self) -> ArcTransform:
        inv = [0] * COLOURS
        for old, new in enumerate(self.colours):
            inv[new] = old
        # Relabelling colours commutes with moving cells, so undoing both is undoing each.
        return ArcTransform(k=inverse_dihedral(self.k), colours=tuple(inv))

    @property
    def name(self) -> str:
        return f"d{self.k}-c{''.join(map(str, self.colours))}"


def random_transform(rng: random.Random) -> ArcTransform:
    colours = list(range(1, COLOURS))
    rng.shuffle(colours)
    return ArcTransform(k=rng.randrange(8), colours=(0, *colours))


def augmentations(
    problem: ArcProblem, n: int, *, seed: int = 0, include_identity: bool = True
) -> list[tuple[ArcTransform, ArcProblem]]:
    """Up to `n` distinct augmented views of a task (identity first when asked).

    Views that produce the same demonstrations (a symmetric task) are dropped, so the list
    can be shorter than `n`.
    """
    rng = random.Random(f"arc-aug:{problem.id}:{seed}")
    out: list[tuple[ArcTransform, ArcProblem]] = []
    seen: set[str] = set()
    candidates = [ArcTransform()] if include_identity else []
    tries = 0
    while len(out) < n and tries < 20 * n:
        t = candidates.pop() if candidates else random_transform(rng)
        tries += 1
        view = t.problem(problem)
        key = repr([(p.input, p.output) for p in view.train] + [view.test_inputs])
        if key in seen:
            continue
        seen.add(key)
        out.append((t, view))
    return out
