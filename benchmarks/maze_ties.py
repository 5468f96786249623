"""How often shortest paths tie in mazes with loops, and which generator settings can hold
a long path: the facts behind the maze task's tie-break rule (README, "Mazes with loops").

    python -m orchestra.benchmarks.maze_ties [--n 30] [--side 30] [--min-path 110]

Per style of the held-out mixed mazes (`MazeSpec(style="mixed")`, loops 0.1, density 0.4):
the share whose shortest path is unique, and the median count of cells that lie on some
shortest path but not on the solver's. Then, per setting, the share of seeds for which
`generate` finds a maze with such a path in its own tries.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence

from orchestra.machine import machine
from orchestra.tasks.maze.generate import generate
from orchestra.tasks.maze.solver import distances
from orchestra.tasks.maze.trm import MazeSpec

SETTINGS = (
    ("perfect", "loops", 0.1),
    ("perfect", "loops", 0.3),
    ("open", "density", 0.3),
    ("open", "density", 0.4),
)


def ties(problem, path) -> int:
    """Cells on some shortest S -> G path beyond those of one path (0: the path is unique)."""
    start, goal = path[0], path[-1]
    from_s, to_g = distances(problem, start), distances(problem, goal)
    best = from_s[goal]
    on = sum(1 for c, d in from_s.items() if c in to_g and d + to_g[c] == best)
    return on - len(path)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=30, help="mazes per style, seeds per setting")
    p.add_argument("--side", type=int, default=30)
    p.add_argument("--min-path", type=int, default=110)
    args = p.parse_args(argv)
    spec = MazeSpec(
        canvas=args.side,
        height=args.side,
        width=args.side,
        style="mixed",
        loops=0.1,
        density=0.4,
        min_path=args.min_path,
    )
    extra: dict[str, list[int]] = {"perfect": [], "open": []}
    for i, (problem, path) in enumerate(spec.heldout(2 * args.n)):
        extra[spec.style_of(i)].append(ties(problem, path))
    print(f"{args.side}x{args.side}, shortest path >= {args.min_path}, on {machine()}")
    print("| held-out mixed mazes | n | unique shortest path | median extra cells on ties |")
    print("|---|---:|---:|---:|")
    for style, name in (("perfect", "braided (loops 0.1)"), ("open", "open (density 0.4)")):
        xs = extra[style]
        unique = sum(x == 0 for x in xs) / len(xs)
        print(f"| {name} | {len(xs)} | {unique:.2f} | {statistics.median(xs):g} |")
    print()
    print("| generator setting | seeds | share that holds such a path |")
    print("|---|---:|---:|")
    for style, key, value in SETTINGS:
        ok = 0
        for seed in range(args.n):
            try:
                generate(args.side, seed=seed, style=style, min_path=args.min_path, **{key: value})  # type: ignore[arg-type]
                ok += 1
            except ValueError:
                pass
        print(f"| {style}, {key} {value} | {args.n} | {ok / args.n:.2f} |")


if __name__ == "__main__":
    main()
