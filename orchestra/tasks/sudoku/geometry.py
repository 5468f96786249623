"""Which cells constrain which: rows, columns and boxes of an n x n Sudoku."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# The sizes we support and their box shapes (rows x columns of one box).
BOX_SHAPES: dict[int, tuple[int, int]] = {4: (2, 2), 6: (2, 3), 9: (3, 3)}


@dataclass(frozen=True)
class Geometry:
    size: int
    box_rows: int
    box_cols: int
    units: tuple[tuple[int, ...], ...]  # every row, column and box, as flat cell indices
    units_of: tuple[tuple[tuple[int, ...], ...], ...]  # the three units of each cell
    peers: tuple[tuple[int, ...], ...]  # cells sharing a unit with each cell

    @property
    def cells(self) -> int:
        return self.size * self.size

    def box_index(self, r: int, c: int) -> int:
        return (r // self.box_rows) * (self.size // self.box_cols) + c // self.box_cols


@cache
def geometry(size: int) -> Geometry:
    if size not in BOX_SHAPES:
        raise ValueError(f"Sudoku size must be one of {sorted(BOX_SHAPES)}, got {size}")
    br, bc = BOX_SHAPES[size]
    rows = [tuple(r * size + c for c in range(size)) for r in range(size)]
    cols = [tuple(r * size + c for r in range(size)) for c in range(size)]
    boxes = [
        tuple((r0 + dr) * size + c0 + dc for dr in range(br) for dc in range(bc))
        for r0 in range(0, size, br)
        for c0 in range(0, size, bc)
    ]
    units = tuple(rows + cols + boxes)
    units_of = tuple(tuple(u for u in units if s in u) for s in range(size * size))
    peers = tuple(
        tuple(sorted({p for u in units_of[s] for p in u} - {s})) for s in range(size * size)
    )
    return Geometry(size, br, bc, units, units_of, peers)
