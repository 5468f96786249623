"""What binds a TRM to a problem family: the task spec a checkpoint is trained and served
with. Torch-free, so that listing checkpoints and parsing stay cheap.

The trainer and the specialist share one spec, saved into the checkpoint's config.json
(`family` names the family; the rest is the spec's own fields), so a checkpoint always
decodes its outputs the way it was trained. A family whose TRM needs nothing beyond its
codec, generator and augmentations uses `GeneratedTask`; Sudoku, mazes, ARC and the
data-driven grid family subclass `TRMTask` for what they need beyond that.

Held-out problems come from generator seeds 0.., training problems from seeds >= 10**9:
the two sets never share a seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cached_property
from typing import Any, ClassVar, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

from .base import Problem, Verdict

TRAIN_SEED_BASE = 10**9
HELDOUT_SEED_STRIDE = 1_000_003  # held-out set `seed` uses generator seeds seed * stride + i

Pair = tuple[np.ndarray, np.ndarray]  # (inputs, labels), int64 arrays of shape (n, seq_len)


class TrainingSource(Protocol):
    """Training pairs on demand; a third array of puzzle ids where the task learns one
    embedding per puzzle (ARC)."""

    def sample(self, n: int, rng: random.Random) -> tuple[np.ndarray, ...]: ...


class TRMTask(BaseModel):
    """The contract between a family and the TRM trainer and specialist.

    Subclasses set `family` (a Literal for the built-ins) and implement the abstract
    members. `inherit_network`: a run started from a checkpoint (`init`) takes that
    checkpoint's network shape instead of the preset's (ARC test-time training).
    """

    model_config = ConfigDict(protected_namespaces=())

    family: str
    inherit_network: ClassVar[bool] = False

    # -- identity ------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """The problem kind this checkpoint answers."""
        return self.family

    @property
    def name(self) -> str:
        """The checkpoint's name (two checkpoints of one name: the first found wins)."""
        raise NotImplementedError

    @property
    def codec(self) -> Any:
        """An object with `seq_len` and `vocab_size` (and the family's encode/decode)."""
        raise NotImplementedError

    @property
    def num_puzzle_ids(self) -> int:
        return 1

    # -- serving -------------------------------------------------------------------------

    def supports(self, problem: Problem) -> bool:
        raise NotImplementedError

    def distance(self, problem: Problem) -> tuple[float, ...]:
        """How far `problem` is from what this checkpoint was trained on, compared as a
        tuple (lower is nearer): a cascade of checkpoints tries the nearest first, so a
        problem does not pay for every checkpoint trained on another class of problems
        before it reaches its own. Default: every problem equally near."""
        return ()

    def encode(self, problem: Any) -> np.ndarray:
        raise NotImplementedError

    def target(self, problem: Any, answer: Any) -> np.ndarray:
        """The training target (label tokens) of a (problem, reference answer) pair."""
        raise NotImplementedError

    def decode(self, problem: Any, tokens: np.ndarray) -> Any:
        raise NotImplementedError

    @property
    def answer_map(self) -> list[int] | None:
        """Where targets carry more than the answer (hints, e.g. a maze's moves towards G
        on every cell off the path), the answer token each target token stands for;
        predictions are read from the summed probability of each group. None: every
        target token is an answer token."""
        return None

    def verify(self, problem: Any, answer: Any) -> Verdict:
        raise NotImplementedError

    # -- propagation-guided inference (optional) -----------------------------------------

    @property
    def propagates(self) -> bool:
        """Whether `commit` works: the family has a propagator and its codec writes a
        given cell as the token the answer has there (fill-in puzzles)."""
        return False

    def given(self, problem: Any) -> np.ndarray:
        """Which token positions the problem already fixes (bool, seq_len)."""
        raise NotImplementedError

    def commit(self, problem: Any, cells: dict[int, int]) -> Any | None:
        """The problem with these positions fixed to these (predicted) tokens and what the
        family's constraints then force; None when that contradicts them."""
        raise NotImplementedError

    def puzzle_ids(self, items: Sequence[Any]) -> np.ndarray | None:
        """Per-item puzzle ids where the task learns an embedding per puzzle, else None."""
        return None

    def random_view(self, problem: Problem, rng: random.Random) -> tuple[Problem, Any]:
        """A random symmetric copy and the function that maps its answer back (a later
        trajectory's diversity): the family's own augmentation."""
        view = family_of_task(self.family).random_view(problem, rng)
        return view.problem, view.back

    def stratum(self, problem: Any, answer: Any) -> int | None:
        """A difficulty measure held-out results are broken down by (a maze's path
        length), None where the task has none."""
        return None

    def heldout_kinds(self, n: int, seed: int = 0) -> list[str] | None:
        """The kind of each of `heldout(n, seed)`'s puzzles where a spec mixes several
        (a maze's style), None where it does not: results are broken down by it."""
        return None

    def why_not(self, problem: Problem) -> str | None:
        """Why this checkpoint declines a problem of its kind, if it can say."""
        return None

    # -- training ------------------------------------------------------------------------

    def heldout(self, n: int, seed: int = 0) -> list[tuple[Any, Any]]:
        raise NotImplementedError

    def training_source(self, seed: int) -> TrainingSource:
        raise NotImplementedError

    @classmethod
    def build(cls, recipe: dict, *, init: TRMTask | None = None) -> TRMTask:
        """The spec a run trains, from a preset's task dict and `task.X` overrides
        (`init`: the spec of the checkpoint the run starts from, if any)."""
        return cls.model_validate(recipe)

    @classmethod
    def from_data(cls, path: str, *, name: str | None, options: dict) -> tuple[dict, str]:
        """`orchestra train FAMILY --data FILE [--name NAME]`: the option overrides that
        train on a user's file, and the default run directory (where the specialist
        registry finds the result)."""
        raise ValueError("this family trains from its generator; it takes no --data file")


def family_of_task(family: str) -> Any:
    from orchestra.family_registry import get  # the registry sits above the families

    return get(family)


class GeneratedTask(TRMTask):
    """A TRM task from a family's codec, generator and augmentations alone: any family
    that provides those three trains and serves with no TRM code of its own.

    `codec_options` fix the canvas; `generator` the distribution of problems; `pool` > 0
    draws training problems from a fixed pool under random views (for slow generators),
    0 generates a fresh problem for every draw.
    """

    family: str
    label: str = ""
    codec_options: dict[str, Any] = {}
    generator: dict[str, Any] = {}
    pool: int = 0

    @cached_property
    def _family(self) -> Any:
        return family_of_task(self.family)

    @cached_property
    def _codec(self) -> Any:
        codec = self._family.codec(**self.codec_options)
        if codec is None:
            raise ValueError(f"family {self.family!r} has no TRM codec")
        return codec

    @property
    def name(self) -> str:
        return self.label or self.family

    @property
    def codec(self) -> Any:
        return self._codec

    def supports(self, problem: Problem) -> bool:
        fits = getattr(self._codec, "supports", None)  # a codec of one size may omit it
        return self._family.claims(problem.kind) and (fits is None or bool(fits(problem)))

    def encode(self, problem: Any) -> np.ndarray:
        return np.asarray(self._codec.encode(problem), dtype=np.int64)

    def target(self, problem: Any, answer: Any) -> np.ndarray:
        return np.asarray(self._codec.encode_answer(problem, answer), dtype=np.int64)

    def decode(self, problem: Any, tokens: np.ndarray) -> Any:
        return self._codec.decode(problem, tokens)

    def verify(self, problem: Any, answer: Any) -> Verdict:
        return self._family.verify(problem, answer)

    def heldout(self, n: int, seed: int = 0) -> list[tuple[Any, Any]]:
        made = self._family.generate(n, seed=seed * HELDOUT_SEED_STRIDE, **self.generator)
        return [(i.problem, i.answer) for i in made]

    def training_source(self, seed: int) -> GeneratedSource:
        return GeneratedSource(self, seed)


class GeneratedSource:
    """Training pairs from the family's generator, each under a random view."""

    def __init__(self, spec: GeneratedTask, seed: int):
        self.spec = spec
        self.family = spec._family
        self.pool = []
        if spec.pool:
            self.pool = self.family.generate(
                spec.pool, seed=TRAIN_SEED_BASE + seed * spec.pool, **spec.generator
            )

    def _instance(self, rng: random.Random) -> Any:
        if self.pool:
            return self.pool[rng.randrange(len(self.pool))]
        seed = TRAIN_SEED_BASE + rng.randrange(10**8)
        return self.family.generate(1, seed=seed, **self.spec.generator)[0]

    def sample(self, n: int, rng: random.Random) -> Pair:
        xs, ys = [], []
        for _ in range(n):
            inst = self._instance(rng)
            view = self.family.random_view(inst.problem, rng)
            xs.append(self.spec.encode(view.problem))
            ys.append(self.spec.target(view.problem, view.forward(inst.answer)))
        return np.stack(xs), np.stack(ys)
