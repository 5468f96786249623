"""Problem families, one subpackage each. Depends on nothing else in orchestra."""

from .base import MAX_INPUT_CHARS, Grid, ParseError, Problem, Verdict
from .text import TextProblem

__all__ = ["MAX_INPUT_CHARS", "Grid", "ParseError", "Problem", "TextProblem", "Verdict"]
