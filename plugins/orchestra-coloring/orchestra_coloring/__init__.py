"""Graph k-colouring as an orchestra family, from outside orchestra: colour the nodes of a
graph with k colours so that no edge joins two nodes of one colour. Generated graphs have
a planted colouring that is their only one (up to renaming the colours)."""

from .family import ColoringFamily
from .problem import ColoringProblem, verify
from .solver import count_colourings, solve

__all__ = ["ColoringFamily", "ColoringProblem", "count_colourings", "solve", "verify"]
