"""orchestra: route structured-reasoning problems to tiny recursive specialists and open
language to LLMs."""

from .problems import AnyProblem, parse
from .tasks.arc import ArcProblem
from .tasks.base import ParseError, Problem, Verdict
from .tasks.maze import MazeProblem
from .tasks.sudoku import SudokuProblem
from .tasks.text import TextProblem

__version__ = "0.1.0"

__all__ = [
    "AnyProblem",
    "ArcProblem",
    "MazeProblem",
    "ParseError",
    "Problem",
    "SudokuProblem",
    "TextProblem",
    "Verdict",
    "parse",
]
