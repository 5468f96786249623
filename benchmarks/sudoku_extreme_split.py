"""Split the published hard Sudoku lists (Sudoku-Extreme's sources) into training and
test parts, once, and write them into the Sudoku family's data with their provenance.

    python -m orchestra.benchmarks.sudoku_extreme_split [--source ../shared/data] [--test 1000]
        [--train 9000] [--seed 0]

For each list (the forum's hardest, 17-clue): shuffle with the seed, drop every puzzle
equal to an earlier one under the cheap symmetries (the 8 rotations and reflections of the
board, and any relabelling of the digits: the canonical form is the smallest of the eight
boards with digits renumbered by first appearance), then take the test part first and the
training part from the rest. Band, stack, row-in-band and column-in-stack permutations are
not checked (the full group has 3,359,232 board maps). The files are what the bench tasks
`sudoku9-extreme` and `sudoku9-17clue` read, and what `--data` trains on.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "orchestra" / "tasks" / "sudoku" / "data"
LISTS = {
    "extreme": ("sudoku9_forum_hardest.txt", "the enjoysudoku forum's hardest list (1905)"),
    "17clue": ("sudoku9_17clue.txt", "17-clue puzzles (Gordon Royle's collection)"),
}


def canonical(line: str) -> str:
    """The smallest of the 8 dihedral images, each with digits relabelled 1, 2, ... in
    reading order: equal for two puzzles that differ only by those symmetries."""
    a = np.array([0 if c == "." else int(c) for c in line], dtype=np.int8).reshape(9, 9)
    forms = []
    for k in range(4):
        for flip in (False, True):
            b = np.rot90(a, k)
            b = b.T if flip else b
            seen: dict[int, int] = {}
            out = []
            for v in b.ravel().tolist():
                if v and v not in seen:
                    seen[v] = len(seen) + 1
                out.append(seen.get(v, 0))
            forms.append("".join(map(str, out)))
    return min(forms)


def split(lines: list[str], n_test: int, n_train: int, seed: int) -> tuple[list[str], list[str]]:
    order = list(lines)
    random.Random(seed).shuffle(order)
    kept, seen = [], set()
    for line in order:
        key = canonical(line)
        if key in seen:
            continue
        seen.add(key)
        kept.append(line)
        if len(kept) == n_test + n_train:
            break
    return kept[:n_test], kept[n_test : n_test + n_train]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--source", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--train", type=int, default=9000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    source = Path(args.source)
    for name, (file, what) in LISTS.items():
        path = source / file
        if not path.is_file():
            p.error(f"{path} not found: give --source, the folder holding {file}")
        lines = [s.strip() for s in path.read_text().splitlines() if len(s.strip()) == 81]
        test, train = split(lines, args.test, args.train, args.seed)
        header = (
            f"# {what}: {{part}} part, {{n}} puzzles, from {file} ({len(lines):,} puzzles; "
            "collected in the benchmark data of the tdoku solver, t-dillon/tdoku).\n"
            "# Written by `python -m orchestra.benchmarks.sudoku_extreme_split "
            f"--seed {args.seed}`: "
            "shuffled, deduplicated under rotations, reflections and digit relabelling; the "
            "test and training parts are disjoint under those symmetries.\n"
        )
        for part, rows in (("test", test), ("train", train)):
            out = OUT / f"{name}-{part}.txt"
            out.write_text(header.format(part=part, n=len(rows)) + "\n".join(rows) + "\n")
            print(f"{out}: {len(rows)} puzzles")


if __name__ == "__main__":
    main()
