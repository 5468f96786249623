"""The ARC DSL: a typed language of grid transformations that the project interprets
itself (`language`), built on whole-array grid operations (`primitives`). Programs found
by search, or proposed by an LLM, are text in this language; `consistent` is the check
every candidate must pass: it reproduces every demonstration of its task."""

from __future__ import annotations

from .language import NAMES, OPS, Program, ProgramError, Step, describe, parse
from .primitives import Inapplicable

__all__ = [
    "NAMES",
    "OPS",
    "Inapplicable",
    "Program",
    "ProgramError",
    "Step",
    "describe",
    "parse",
]
