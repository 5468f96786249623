"""Mazes (rectangular ASCII grids up to 64x64): problem, parser, verifier, BFS solver,
generator, dihedral augmentations and TRM token codec."""

from .augment import inverse, transform, transform_path
from .codec import MazeCodec
from .generate import MazeInstance, generate, generate_many
from .parse import from_json, parse_text
from .problem import KIND, MazeProblem, mark_path, path_from_marks, shortest_length, verify
from .solver import distances, solve

__all__ = [
    "KIND",
    "MazeCodec",
    "MazeInstance",
    "MazeProblem",
    "distances",
    "from_json",
    "generate",
    "generate_many",
    "inverse",
    "mark_path",
    "parse_text",
    "path_from_marks",
    "shortest_length",
    "solve",
    "transform",
    "transform_path",
    "verify",
]
