"""Task specs by family: what a checkpoint's config.json `task` names, resolved through
the family registry. The specs themselves live with their families
(`orchestra.tasks.<family>.trm`, or `orchestra.tasks.trm.GeneratedTask` for a family that
brings only a codec, a generator and augmentations)."""

from __future__ import annotations

from typing import Any

from . import family_registry
from .refs import load_ref
from .tasks.trm import TRAIN_SEED_BASE, GeneratedTask, TRMTask

TaskSpec = TRMTask

__all__ = ["TRAIN_SEED_BASE", "TaskSpec", "spec_class", "spec_from_dict"]


def spec_class(family: str) -> type[TRMTask]:
    """The spec class a family's checkpoints are trained and served with."""
    fam = family_registry.get(family)
    if fam.trm_task:
        cls: Any = load_ref(fam.trm_task)
        return cls
    if not fam.has("codec"):
        raise ValueError(f"family {family!r} has no TRM codec: it cannot be learned by a TRM")
    return GeneratedTask


def spec_from_dict(d: dict) -> TRMTask:
    family = d.get("family")
    if not isinstance(family, str):
        raise ValueError(f"checkpoint config names no task family: {d!r:.80}")
    try:
        cls = spec_class(family)
    except LookupError as e:  # RegistryError: the family is not installed here
        raise ValueError(f"unknown task family {family!r} in checkpoint config: {e}") from None
    return cls.model_validate(d)
