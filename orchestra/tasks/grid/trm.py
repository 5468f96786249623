"""A grid task as a TRM task: the codec sized from the user's file, training pairs from
it, held-out pairs from its own test split or a fixed share of it. The spec keeps what
serving needs (canvas, values, alphabet, verifier, a few examples for the LLM prompt), so
a checkpoint serves its task without the file."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel

from ...extension_points import Plugin
from ...refs import NamedFactories
from ..base import Grid, ParseError, Problem, Verdict
from ..dihedral import dihedral
from ..trm import Pair, TRMTask, family_of_task
from .codec import GridCodec
from .data import DEFAULT_LIMIT, GridData, read
from .problem import FAMILY, GridProblem

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
EXAMPLES = 3  # demonstration pairs kept for the LLM prompt


class GridExample(BaseModel):
    input: Grid
    output: Grid


class GridSpec(TRMTask):
    family: Literal["grid"] = "grid"
    label: str = ""  # the task's name: the kind its problems carry
    data: str = ""  # the file it was trained on (needed to train and to measure, not to serve)
    height: int = 0  # canvas, derived from the data
    width: int = 0
    values: int = 0  # cell values 0..values-1
    same_shape: bool = True  # every output has its input's shape
    alphabet: list[str] | None = None  # CSV data: the character of each value
    verifier: str | None = None  # "module:function" judging (problem, answer)
    holdout: float = 0.1  # share of the file held out when it has no test split
    limit: int = DEFAULT_LIMIT
    augment: Literal["none", "dihedral"] = "none"  # dihedral: the task keeps its meaning
    examples: list[GridExample] = []
    split_seed: int = 0

    requires_data: ClassVar[bool] = True

    @property
    def kind(self) -> str:
        return self.label

    @property
    def name(self) -> str:
        return self.label

    @property
    def codec(self) -> GridCodec:
        return GridCodec(self.height, self.width, self.values, self.same_shape)

    def supports(self, problem: Problem) -> bool:
        return (
            isinstance(problem, GridProblem)
            and problem.kind == self.label
            and self.codec.fits(problem.grid)
        )

    def encode(self, problem: Any) -> np.ndarray:
        return self.codec.encode(problem.grid)

    def target(self, problem: Any, answer: Any) -> np.ndarray:
        return self.codec.encode(answer)

    def decode(self, problem: Any, tokens: np.ndarray) -> Any:
        return self.codec.decode(tokens, problem.shape)

    def verify(self, problem: Any, answer: Any) -> Verdict:
        return family_of_task(FAMILY).verify(problem, answer)

    # -- data ----------------------------------------------------------------------------

    @cached_property
    def _data(self) -> GridData:
        if not self.data:
            raise ValueError(f"grid task {self.label!r} names no data file")
        return read(self.data, limit=self.limit)

    @cached_property
    def _split(self) -> tuple[list, list]:
        d = self._data
        if d.test:
            return d.train, d.test
        order = list(range(len(d.train)))
        random.Random(f"grid-split:{self.split_seed}").shuffle(order)
        n_held = max(1, round(self.holdout * len(order))) if len(order) > 1 else 0
        held = sorted(order[:n_held])
        kept = sorted(order[n_held:]) or held
        return [d.train[i] for i in kept], [d.train[i] for i in held]

    def _problem(self, grid: Grid, output: Grid | None = None) -> GridProblem:
        return GridProblem(kind=self.label, grid=grid, output=output)

    def heldout(self, n: int, seed: int = 0) -> list[tuple[Any, Any]]:
        """The file's test split, or the share of it training never sees."""
        return [(self._problem(i, o), o) for i, o in self._split[1][:n]]

    def training_source(self, seed: int) -> GridSource:
        return GridSource(self, self._split[0])

    @classmethod
    def build(cls, recipe: dict, *, init: TRMTask | None = None) -> GridSpec:
        """Read the data file and size the codec to it (all of it is read and checked
        before anything is trained)."""
        spec = cls.model_validate(recipe)
        if not NAME.match(spec.label):
            raise ValueError(
                f"grid task name {spec.label!r}: use lowercase letters, digits, - or _, "
                "starting with a letter (it becomes the problems' kind)"
            )
        owner = _owner(spec.label)
        if owner is not None:
            raise ValueError(f"the kind {spec.label!r} is the {owner}: choose another name")
        if spec.verifier:
            load_verifier(spec.verifier, trusted=True)  # the operator's own option: fail now
        data = spec._data
        h, w = data.canvas
        train, _ = spec._split
        examples = [GridExample(input=i, output=o) for i, o in train[:EXAMPLES]]
        derived = {
            "height": h,
            "width": w,
            "values": data.values,
            "same_shape": data.same_shape,
            "alphabet": data.alphabet,
            "examples": examples,
            "data": str(Path(spec.data).resolve()),
        }
        if init is not None and isinstance(init, GridSpec):
            derived |= {"height": init.height, "width": init.width}
        return cls.model_validate({**spec.model_dump(), **derived})

    @classmethod
    def from_data(cls, path: str, *, name: str | None, options: dict) -> tuple[dict, str]:
        from orchestra import catalog

        if not name:
            raise ValueError("give --name NAME: the task's name becomes its problems' kind")
        return {"task.data": path, "task.label": name}, str(catalog.user_dir() / name)


def _owner(kind: str) -> str | None:
    """Who already owns `kind` other than a grid task: prose, or another family."""
    from orchestra import family_registry

    if kind == family_registry.TEXT_KIND:
        return "prose (text)"
    if kind in family_registry.names():
        return f"{kind} family's"
    family = family_registry.for_kind(kind)
    if family is not None and family.name != FAMILY:
        return f"{family.name} family's"
    return None


ENV_TRUSTED = "ORCHESTRA_TRUSTED_VERIFIERS"  # "module:function" refs an operator allows
VERIFIER_GROUP = "orchestra.grid_verifiers"
_VERIFIERS = NamedFactories(VERIFIER_GROUP)


class UntrustedVerifier(ValueError):
    """A grid task names a verifier that no installed code provides: it is not imported."""


def register_grid_verifier(name: str, fn: Callable[[Any, Any], Any]) -> None:
    """Make `fn(problem, answer)` the verifier grid tasks name as `name` (in code; a package
    does the same through the entry-point group `orchestra.grid_verifiers`).

    Args:
        name: What a task's `verifier` says (`orchestra train grid --verifier NAME`).
        fn: Returns a `Verdict`, or a truth value (True: right).
    """
    _VERIFIERS.register(name, fn)


def load_verifier(ref: str, *, trusted: bool = False) -> Any:
    """The verifier a grid task names. A checkpoint's metadata is data, never code: a name
    resolves only to a verifier registered in code or installed as an entry point, and a
    "module:function" reference is imported only when the operator typed it (`trusted`:
    `orchestra train grid --verifier`) or listed it in `$ORCHESTRA_TRUSTED_VERIFIERS`.

    Args:
        ref: The name, or a "module:function" reference.
        trusted: The operator gave `ref` on the command line.

    Returns:
        The verifier.

    Raises:
        UntrustedVerifier: nothing installed provides `ref`, and nobody trusted it.
        ValueError: a trusted reference that cannot be loaded or is not callable.
    """
    import importlib

    found = _VERIFIERS.find(ref)
    if found is not None:
        fn = found.load() if isinstance(found, Plugin) else found
    else:
        module, _, attr = ref.partition(":")
        allowed = {r.strip() for r in os.environ.get(ENV_TRUSTED, "").split(",") if r.strip()}
        if not (trusted or ref in allowed):
            raise UntrustedVerifier(
                f"verifier {ref!r} is not installed: not imported (register it with "
                f"orchestra.register_grid_verifier or the {VERIFIER_GROUP!r} entry points, "
                f"or list it in ${ENV_TRUSTED})"
            )
        if not module or not attr:
            raise ValueError(f"--verifier expects NAME or module:function, got {ref!r}")
        try:
            fn = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise ValueError(f"verifier {ref!r} cannot be loaded: {e}") from None
    if not callable(fn):
        raise ValueError(f"verifier {ref!r} is not callable")
    return fn


class GridSource:
    """Training pairs from the file, optionally under random dihedral transforms."""

    def __init__(self, spec: GridSpec, pairs: list):
        self.spec = spec
        codec = spec.codec
        if not pairs:
            raise ParseError(f"grid task {spec.label!r}: no training examples", kind=FAMILY)
        self.pairs = pairs
        self.encoded = [(codec.encode(i), codec.encode(o)) for i, o in pairs]

    def sample(self, n: int, rng: random.Random) -> Pair:
        xs, ys = [], []
        codec = self.spec.codec
        for _ in range(n):
            j = rng.randrange(len(self.pairs))
            if self.spec.augment == "dihedral" and codec.height == codec.width:
                k = rng.randrange(8)
                i, o = (dihedral(np.asarray(g), k).tolist() for g in self.pairs[j])
                xs.append(codec.encode(i))
                ys.append(codec.encode(o))
            else:
                x, y = self.encoded[j]
                xs.append(x)
                ys.append(y)
        return np.stack(xs), np.stack(ys)
