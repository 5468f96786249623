"""A user's grid data of the simplest kind: one step of a local rule on random 12x12
boards of 0s and 1s (cells outside the board are 0), as JSONL lines {"input", "output"}.

    python examples/local_rule_pairs.py pairs.jsonl [--rule majority] [--n 4000] [--size 12]
    orchestra train grid --data pairs.jsonl --name majority --minutes 10

Rules: `majority` (a cell becomes 1 when at least 5 of the 9 cells of its 3x3
neighbourhood are 1: a denoiser), `life` (Conway's Game of Life, one generation: a band of
neighbour counts, not one threshold). The README's grid section shows what
`orchestra train grid` with the defaults makes of them.
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def neighbours(board: np.ndarray) -> np.ndarray:
    """How many of each cell's 8 neighbours are 1."""
    padded = np.pad(board, 1)
    h, w = board.shape
    return sum(
        padded[1 + dr : 1 + dr + h, 1 + dc : 1 + dc + w]
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
        if (dr, dc) != (0, 0)
    )


def life(board: np.ndarray) -> np.ndarray:
    n = neighbours(board)
    return ((n == 3) | ((board == 1) & (n == 2))).astype(board.dtype)


def majority(board: np.ndarray) -> np.ndarray:
    return (neighbours(board) + board >= 5).astype(board.dtype)


RULES = {"majority": majority, "life": life}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--rule", choices=sorted(RULES), default="majority")
    p.add_argument("--n", type=int, default=4000)
    p.add_argument("--size", type=int, default=12)
    p.add_argument("--density", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    with open(a.out, "w") as f:
        for _ in range(a.n):
            board = (rng.random((a.size, a.size)) < a.density).astype(np.int64)
            pair = {"input": board.tolist(), "output": RULES[a.rule](board).tolist()}
            f.write(json.dumps(pair) + "\n")


if __name__ == "__main__":
    main()
