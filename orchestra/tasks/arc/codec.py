"""ARC grid <-> TRM tokens on a 30x30 canvas, the paper's encoding: 0 pad, 1 end-of-grid
marker, 2..11 colours 0-9. The grid sits top-left; the marker runs along the row below it
and the column right of it, so a predicted output says its own shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base import Grid
from .problem import MAX_SIDE

PAD, EOS, COLOUR0 = 0, 1, 2


@dataclass(frozen=True)
class ArcCodec:
    canvas: int = MAX_SIDE

    @property
    def seq_len(self) -> int:
        return self.canvas * self.canvas

    @property
    def vocab_size(self) -> int:
        return COLOUR0 + 10

    def encode(self, grid: Grid) -> np.ndarray:
        a = np.asarray(grid, dtype=np.int64)
        h, w = a.shape
        if h > self.canvas or w > self.canvas:
            raise ValueError(f"a {h}x{w} grid does not fit the {self.canvas}x{self.canvas} canvas")
        out = np.full((self.canvas, self.canvas), PAD, dtype=np.int64)
        out[:h, :w] = a + COLOUR0
        if h < self.canvas:
            out[h, : min(w + 1, self.canvas)] = EOS
        if w < self.canvas:
            out[:h, w] = EOS
        return out.reshape(-1)

    def decode(self, tokens: np.ndarray) -> Grid:
        """The grid up to the first non-colour token along row 0 and column 0.

        Raises ValueError when the top-left cell is not a colour (no grid was predicted) or
        the predicted rectangle holds a non-colour token.
        """
        t = np.asarray(tokens, dtype=np.int64).reshape(self.canvas, self.canvas)
        is_colour = t >= COLOUR0
        if not is_colour[0, 0]:
            raise ValueError("no grid at the top-left of the canvas")
        w = int(np.argmin(is_colour[0])) if not is_colour[0].all() else self.canvas
        h = int(np.argmin(is_colour[:, 0])) if not is_colour[:, 0].all() else self.canvas
        block = t[:h, :w]
        if not (block >= COLOUR0).all():
            raise ValueError(f"the predicted {h}x{w} grid holds pad or marker tokens")
        return (block - COLOUR0).tolist()
