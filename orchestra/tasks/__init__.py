"""Problem families, one subpackage each, and the contracts they implement: `family.py`
(what orchestra asks of a family) and `trm.py` (what a TRM asks of one). Nothing here
imports the rest of orchestra; the generic TRM task finds its family through the registry
at run time."""

from .base import MAX_INPUT_CHARS, Grid, ParseError, Problem, Verdict
from .text import TextProblem

__all__ = ["MAX_INPUT_CHARS", "Grid", "ParseError", "Problem", "TextProblem", "Verdict"]
