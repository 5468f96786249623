"""The `trm-maze` cascade with its checkpoints tried nearest first (by what each was trained
on: perfect or with loops, size) and in search-path order, side by side on the same mazes:
verified share and seconds per maze, TRM only.

    python -m orchestra.benchmarks.maze_cascade [--task maze-30-loops] [--n 20] [--seed 0]
        [--out FILE]

The two orders take turns maze by maze, one maze at a time, so a noisy machine weighs on
both alike. The mazes are the bench task's (seeds no training or held-out set uses).
"""

from __future__ import annotations

import argparse
import time

from orchestra import family_registry
from orchestra.benchmarks import publish
from orchestra.machine import machine


def main(argv: list[str] | None = None) -> None:
    from orchestra.specialists.trm_specialist import family_specialist

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--task", default="maze-30-loops")
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    family = family_registry.get("maze")
    mazes = [inst.problem for inst in family.bench_set(args.task, args.n, args.seed)]
    trm = family_specialist("maze")
    seconds = {True: 0.0, False: 0.0}
    verified = {True: 0, False: 0}
    steps = {True: 0, False: 0}
    for i, maze in enumerate(mazes):
        for nearest in ((True, False) if i % 2 == 0 else (False, True)):
            trm.nearest_first = nearest  # type: ignore[misc]
            t0 = time.perf_counter()
            (ans,) = trm.solve_batch([maze])
            seconds[nearest] += time.perf_counter() - t0
            verified[nearest] += bool(family.verify(maze, ans.answer).correct)
            steps[nearest] += ans.steps or 0
    n = len(mazes)
    command = (
        f"python -m orchestra.benchmarks.maze_cascade --task {args.task} --n {args.n} "
        f"--seed {args.seed}"
    )
    lines = [
        f"# The trm-maze cascade on {args.task}: nearest checkpoint first vs search-path order",
        "",
        f"Measured with `{command}` on {machine()}: TRM only, one maze at a time, the two "
        "orders taking turns.",
        "",
        "| order | verified | seconds per maze | supervision steps per maze |",
        "|---|---|---|---|",
    ]
    for nearest, label in ((False, "search-path order (before)"), (True, "nearest first")):
        lines.append(
            f"| {label} | {verified[nearest]}/{n} | {seconds[nearest] / n:.2f} | "
            f"{steps[nearest] / n:.1f} |"
        )
    ratio = seconds[True] / seconds[False]
    lines += ["", f"Seconds per maze, nearest first / before: {ratio:.2f}."]
    publish("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
