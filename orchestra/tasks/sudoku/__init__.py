"""Sudoku (4x4, 6x6 with 2x3 boxes, 9x9): problem, parser, verifier, exact solver,
generator, augmentations and TRM token codec."""

from .augment import SudokuTransform, identity, random_transform
from .codec import SudokuCodec
from .generate import SudokuInstance, generate, generate_many
from .geometry import BOX_SHAPES
from .parse import from_json, from_string, parse_text
from .problem import KIND, SudokuProblem, render, verify
from .solver import SolveResult, count_solutions, solve, solve_with_stats

__all__ = [
    "BOX_SHAPES",
    "KIND",
    "SolveResult",
    "SudokuCodec",
    "SudokuInstance",
    "SudokuProblem",
    "SudokuTransform",
    "count_solutions",
    "from_json",
    "from_string",
    "generate",
    "generate_many",
    "identity",
    "parse_text",
    "random_transform",
    "render",
    "solve",
    "solve_with_stats",
    "verify",
]
