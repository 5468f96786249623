"""A grid task's TRM tokens: 0 pad, 1 end-of-grid marker, 2.. the values. The grid sits
top-left of a fixed canvas; when outputs may differ in shape from inputs, the marker runs
along the row below and the column right of the grid (as ARC's codec does), so a predicted
output says its own shape. Otherwise the output takes the input's shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base import Grid

PAD, EOS, VALUE0 = 0, 1, 2


@dataclass(frozen=True)
class GridCodec:
    height: int
    width: int
    values: int  # cell values are 0..values-1
    same_shape: bool = True

    @property
    def seq_len(self) -> int:
        return self.height * self.width

    @property
    def vocab_size(self) -> int:
        return VALUE0 + self.values

    def fits(self, grid: Grid) -> bool:
        h, w = len(grid), len(grid[0])
        small = all(v < self.values for r in grid for v in r)
        return h <= self.height and w <= self.width and small

    def encode(self, grid: Grid) -> np.ndarray:
        a = np.asarray(grid, dtype=np.int64)
        h, w = a.shape
        if h > self.height or w > self.width:
            raise ValueError(f"a {h}x{w} grid does not fit the {self.height}x{self.width} canvas")
        if a.size and int(a.max()) >= self.values:
            raise ValueError(f"value {int(a.max())} is outside 0..{self.values - 1}")
        out = np.full((self.height, self.width), PAD, dtype=np.int64)
        out[:h, :w] = a + VALUE0
        if not self.same_shape:
            if h < self.height:
                out[h, : min(w + 1, self.width)] = EOS
            if w < self.width:
                out[:h, w] = EOS
        return out.reshape(-1)

    def decode(self, tokens: np.ndarray, shape: tuple[int, int]) -> Grid | None:
        """The predicted output: `shape`'s block when outputs keep the input's shape, else
        the block the markers bound. None when no well-formed grid was predicted."""
        t = np.asarray(tokens, dtype=np.int64).reshape(self.height, self.width)
        if self.same_shape:
            h, w = shape
        else:
            is_value = t >= VALUE0
            if not is_value[0, 0]:
                return None
            w = int(np.argmin(is_value[0])) if not is_value[0].all() else self.width
            h = int(np.argmin(is_value[:, 0])) if not is_value[:, 0].all() else self.height
        block = t[:h, :w]
        if not (block >= VALUE0).all():
            return None
        return (block - VALUE0).tolist()
