"""ARC training data: augmented, de-duplicated views of real tasks (there is no ARC task
generator; the paper trains on augmentations of the given tasks)."""

from __future__ import annotations

from collections.abc import Iterable

from .augment import augmentations
from .problem import ArcProblem


def generate(tasks: Iterable[ArcProblem], per_task: int = 8, *, seed: int = 0) -> list[ArcProblem]:
    """Up to `per_task` distinct views of every task, the original first; each view gets
    the id `<task>:<transform>` so that a puzzle embedding can be learned per view."""
    out = []
    for task in tasks:
        for t, view in augmentations(task, per_task, seed=seed):
            out.append(view.model_copy(update={"id": f"{task.id}:{t.name}"}))
    return out
