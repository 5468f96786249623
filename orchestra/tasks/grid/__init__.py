"""The data-driven grid family: any input -> output grid task learned from a file of
examples (JSONL, CSV strings, or the TRM reference code's npy layout). Each trained task
is its own kind, named at training time."""

from .codec import GridCodec
from .data import GridData, read
from .problem import GridProblem

__all__ = ["GridCodec", "GridData", "GridProblem", "read"]
