"""Hard 9x9 Sudoku, TRM only (no fallback): plain recursion against recursion with
propagation, with and without the verifier-guided beam over the least sure cells, beside
propagation alone and the exact solver, on the same puzzles in one run.

    python -m orchestra.benchmarks.hard_sudoku [--n 100] [--sets top95,search,extreme,17clue]
                                     [--out FILE]

Sets: `top95`, Peter Norvig's 95 hard puzzles (a published list, shipped in
`orchestra/tasks/sudoku/data/`); `search`, the generator's hard tier (minimal puzzles
that singles alone cannot finish, the `sudoku9-search` bench task, seeds no training
uses); `extreme` and `17clue`, the test parts of the two published lists Sudoku-Extreme
was built from (`sudoku9-extreme`, `sudoku9-17clue`; split by
`benchmarks/sudoku_extreme_split.py`, disjoint from what `--data` trains on).

The TRM rows run the shipped 9x9 checkpoints as `trm-sudoku` does (`sudoku-9x9`, then
`sudoku-9x9-hard` on what it leaves unverified), verified halting, 1 or 4 trajectories. Reported per
method: the share verified, TRM supervision steps per puzzle (over all checkpoints and
trajectories) and seconds for the whole set, measured one after another in this process,
so the seconds compare within a table.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from orchestra import family_registry
from orchestra.benchmarks import publish
from orchestra.machine import machine
from orchestra.tasks.sudoku.solver import propagate, solve

SETS = {
    "top95": "sudoku9-top95",
    "search": "sudoku9-search",
    "extreme": "sudoku9-extreme",
    "17clue": "sudoku9-17clue",
}


def _singles(puzzles: Sequence[Any]) -> tuple[list[Any], list[int]]:
    out = []
    for p in puzzles:
        grid = propagate(p)
        out.append(grid if grid is not None and all(v for row in grid for v in row) else None)
    return out, [0] * len(puzzles)


def _exact(puzzles: Sequence[Any]) -> tuple[list[Any], list[int]]:
    return [solve(p) for p in puzzles], [0] * len(puzzles)


def _trm(
    trajectories: int, propagate: bool, beam: int = 0
) -> Callable[[Sequence[Any]], tuple[list, list]]:
    from orchestra.specialists.trm_specialist import family_specialist

    spec = family_specialist("sudoku", trajectories=trajectories, propagate=propagate, beam=beam)

    def run(puzzles: Sequence[Any]) -> tuple[list[Any], list[int]]:
        answers = spec.solve_batch(list(puzzles))
        return [a.answer for a in answers], [a.steps or 0 for a in answers]

    return run


METHODS: dict[str, Callable[[], Callable[[Sequence[Any]], tuple[list, list]]]] = {
    "propagation alone (singles, no network)": lambda: _singles,
    "TRM, plain recursion, K=1": lambda: _trm(1, False),
    "TRM, plain recursion, K=4": lambda: _trm(4, False),
    "TRM + propagation, K=1": lambda: _trm(1, True),
    "TRM + propagation, K=4": lambda: _trm(4, True),
    "TRM + propagation + beam (3 cells), K=1": lambda: _trm(1, True, 3),
    "TRM + propagation + beam (3 cells), K=4": lambda: _trm(4, True, 3),
    "exact solver (propagation + search)": lambda: _exact,
}


def measure(
    puzzles: Sequence[Any], methods: Sequence[str] | None = None
) -> list[tuple[str, float, float, float]]:
    """(method, verified share, TRM steps per puzzle, seconds) for each method (all, or
    those named)."""
    family = family_registry.get("sudoku")
    rows = []
    for label, make in METHODS.items():
        if methods is not None and label not in methods:
            continue
        method = make()
        t0 = time.perf_counter()
        answers, steps = method(puzzles)
        seconds = time.perf_counter() - t0
        pairs = zip(puzzles, answers, strict=True)
        ok = sum(a is not None and bool(family.verify(p, a)) for p, a in pairs)
        rows.append((label, ok / len(puzzles), sum(steps) / len(puzzles), seconds))
        print(f"  {label}: {ok}/{len(puzzles)} verified, {seconds:.1f} s", flush=True)
    return rows


def table(title: str, n: int, rows: Sequence[tuple[str, float, float, float]]) -> str:
    lines = [
        f"### {title} ({n} puzzles)",
        "",
        "| method | verified | TRM steps / puzzle | seconds |",
        "|---|---:|---:|---:|",
    ]
    for label, share, steps, seconds in rows:
        lines.append(f"| {label} | {share:.3f} | {steps:.1f} | {seconds:.1f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=100, help="puzzles per set (top95 has 95)")
    p.add_argument("--sets", default="top95,search", help=f"comma-separated: {', '.join(SETS)}")
    p.add_argument("--out", help="also write the markdown report to this file")
    p.add_argument(
        "--methods",
        help="only these rows, by number in the order listed (e.g. 1,2,4,8): "
        + "; ".join(f"{i} {label}" for i, label in enumerate(METHODS, start=1)),
    )
    args = p.parse_args(argv)
    labels = list(METHODS)
    chosen = None
    if args.methods:
        try:
            picks = [int(i) for i in args.methods.split(",")]
            if not all(1 <= i <= len(labels) for i in picks):
                raise ValueError(args.methods)
            chosen = [labels[i - 1] for i in picks]
        except ValueError:
            raise SystemExit(
                f"--methods takes numbers 1..{len(labels)}, got {args.methods!r}"
            ) from None
    family = family_registry.get("sudoku")
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    parts = [f"Measured with `python -m orchestra.benchmarks.hard_sudoku {shown}` on {machine()}."]
    for name in args.sets.split(","):
        if name not in SETS:
            raise SystemExit(f"no set {name!r}; known: {', '.join(SETS)}")
        puzzles = [i.problem for i in family.bench_set(SETS[name], args.n, seed=0)]
        print(f"{name}: {len(puzzles)} puzzles", flush=True)
        parts.append(table(f"{name} (`{SETS[name]}`)", len(puzzles), measure(puzzles, chosen)))
    report = "\n\n".join(parts)
    publish(report, args.out)


if __name__ == "__main__":
    main()
