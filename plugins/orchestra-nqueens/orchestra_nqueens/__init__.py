"""N-Queens completion as an orchestra family, from outside orchestra: some queens are
given on an n x n board (4 <= n <= 12); place the others so that no two share a row, a
column or a diagonal. Generated puzzles have exactly one completion."""

from .family import NQueensFamily
from .problem import NQueensProblem, verify
from .solver import count_completions, solve

__all__ = ["NQueensFamily", "NQueensProblem", "count_completions", "solve", "verify"]
