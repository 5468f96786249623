"""The 8 symmetries of a rectangle grid (rotations and reflections), with their inverses.

Mazes and ARC grids keep their meaning under all eight; the TRM reference code augments
with exactly this group. Transform k is `rot90(k % 4)` followed by a left-right flip when
k >= 4.
"""

from __future__ import annotations

import numpy as np

DIHEDRAL = tuple(range(8))
# inverse[k] undoes k: rotations invert to the opposite rotation, reflections to themselves.
_INVERSE = (0, 3, 2, 1, 4, 5, 6, 7)


def dihedral(grid: np.ndarray, k: int) -> np.ndarray:
    """Apply symmetry k (0..7) to the first two axes of `grid`."""
    if k not in DIHEDRAL:
        raise ValueError(f"dihedral transform must be 0..7, got {k}")
    out = np.rot90(grid, k % 4)
    if k >= 4:
        out = np.fliplr(out)
    return np.ascontiguousarray(out)


def inverse_dihedral(k: int) -> int:
    if k not in DIHEDRAL:
        raise ValueError(f"dihedral transform must be 0..7, got {k}")
    return _INVERSE[k]


def dihedral_point(r: int, c: int, shape: tuple[int, int], k: int) -> tuple[int, int]:
    """Where cell (r, c) of a grid of `shape` lands under symmetry k."""
    h, w = shape
    for _ in range(k % 4):  # one counter-clockwise quarter turn, as np.rot90 does
        r, c = w - 1 - c, r
        h, w = w, h
    if k >= 4:
        c = w - 1 - c
    return r, c
