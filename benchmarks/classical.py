"""Exact solvers and generators: how fast the classical ceiling and the data pipeline are.

    python -m orchestra.benchmarks.classical [--n 200] [--out FILE]

Everything is measured side by side in one run on the same machine, so the ratios hold
even when absolute speeds drift on a shared host.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from orchestra.benchmarks import publish
from orchestra.machine import machine
from orchestra.tasks import maze, sudoku

# Published "hardest" 9x9 puzzles (AI Escargot, Inkala 2012, two from Norvig's essay).
# Each is checked for a unique solution before it is timed.
FAMOUS_HARD = (
    "1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3..",
    "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..",
    "85...24..72......9..4.........1.7..23.5...9...4...........8..7..17..........36.4.",
    "..53.....8......2..7..1.5..4....53...1..7...6..32...8..6.5....9..4....3......97..",
)


def _rate(fn: Callable[[], object], items: int, repeat: int = 3) -> float:
    """Best of `repeat` runs, in items per second."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return items / best


def solver_rows(n: int) -> list[tuple[str, int, float]]:
    easy = [i.problem for i in sudoku.generate_many(n, 9, seed=10_000, tier="easy")]
    minimal = sudoku.generate_many(n, 9, seed=20_000, tier="minimal")
    hard = [i.problem for i in minimal if i.nodes >= 3]
    famous = [sudoku.from_string(s) for s in FAMOUS_HARD]
    famous = [p for p in famous if sudoku.count_solutions(p) == 1]
    rows = []
    for label, puzzles in (
        ("9x9 easy (45 clues)", easy),
        ("9x9 minimal (about 24 clues)", [i.problem for i in minimal]),
        ("9x9 minimal needing >= 3 search nodes", hard),
        ("9x9 published hardest (AI Escargot, Inkala, Norvig)", famous * 25),
    ):
        rate = _rate(lambda ps=puzzles: [sudoku.solve(p) for p in ps], len(puzzles))
        rows.append((label, len(puzzles), rate))
    return rows


def generator_rows(n: int) -> list[tuple[str, int, float]]:
    rows = []
    for workers in (1, 2):
        rate = _rate(
            lambda w=workers: sudoku.generate_many(n, 9, seed=30_000, tier="minimal", workers=w),
            n,
            repeat=1,
        )
        rows.append((f"generate 9x9 minimal, {workers} worker(s)", n, rate))
    for workers in (1, 2):
        rate = _rate(
            lambda w=workers: maze.generate_many(
                4 * n, seed=40_000, height=30, min_path=110, workers=w
            ),
            4 * n,
            repeat=1,
        )
        rows.append((f"generate 30x30 maze (path >= 110), {workers} worker(s)", 4 * n, rate))
    return rows


def table(title: str, rows: Sequence[tuple[str, int, float]], base: float) -> str:
    lines = [f"### {title}", "", "| what | items | items/s | relative |", "|---|---:|---:|---:|"]
    for label, count, rate in rows:
        lines.append(f"| {label} | {count} | {rate:,.0f} | {rate / base:.2f}x |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=200, help="puzzles per row (default 200)")
    p.add_argument("--out", help="also write the markdown report to this file")
    args = p.parse_args(argv)
    solve = solver_rows(args.n)
    gen = generator_rows(args.n)
    report = "\n\n".join(
        [
            f"Measured with `python -m orchestra.benchmarks.classical --n {args.n}` "
            f"on {machine()}.",
            table("Exact Sudoku solver (relative to the easy tier)", solve, solve[0][2]),
            table("Generators (relative to one worker)", gen[:2], gen[0][2]),
            table("", gen[2:], gen[2][2]).replace("### \n\n", ""),
        ]
    )
    publish(report, args.out)


if __name__ == "__main__":
    main()
