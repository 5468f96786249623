"""The ARC DSL: a typed language of grid transformations that the project interprets
itself (`language`), built on whole-array grid operations (`primitives`). Programs found
by search, or proposed by an LLM, are text in this language; `consistent` is the check
every candidate must pass: it reproduces every demonstration of its task."""

from __future__ import annotations

from . import language
from .language import NAMES, OPS, Op, Program, ProgramError, Step, describe, parse, register_op
from .primitives import Inapplicable

# Last, when every name above exists: a plug-in's op module may import this package.
language.installed_ops()

__all__ = [
    "NAMES",
    "OPS",
    "Op",
    "Inapplicable",
    "Program",
    "ProgramError",
    "Step",
    "describe",
    "parse",
    "register_op",
]
