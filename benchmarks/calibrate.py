"""Calibration: measure every processor on every problem class, and ship the result as the
performance models a new installation starts from (`orchestra/data/perf-seed.json`).

    python -m orchestra.benchmarks.calibrate [--n 16] [--llm-n 1] \
        [--out orchestra/data/perf-seed.json]

For each task below, each processor that can take its problems solves them alone (the
chain pinned to that one processor, verification on): `--n` problems in one batch, and
four one at a time, so that the models hold both batch sizes. The LLM answers `--llm-n`
problems per task (a 135M model verifies no puzzle; its time is what matters). The
machine is recorded in the file; scheduling on another machine starts from these figures
and learns its own within a few calls.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from orchestra import Orchestra
from orchestra.perfmodel import SEED_FILE, PerfModels
from orchestra.tasks.text import TextProblem
from orchestra.types import LLM_TARGET

from .bench.tasks import PROSE, build

TASKS = [
    "sudoku4-minimal",
    "sudoku6-minimal",
    "sudoku9-medium",
    "sudoku9-search",
    "sudoku9-top95",
    "maze-21",
    "maze-30",
    "nqueens-8",
    "coloring-10",
    "arc1-small",
]
CALIBRATION_SEED = 7_000_000  # apart from the bench sets (5,000,000+) and training streams
SINGLES = 4


def calibrate(n: int, llm_n: int, out: Path, tasks: list[str]) -> PerfModels:
    models = PerfModels(Path(tempfile.mkdtemp()) / "models.json", seed=None, persist=False)
    base = Orchestra(llm="local", perf_models=models, scheduler="priority")
    for task in tasks:
        items = [it.problem for it in build(task, n, seed=CALIBRATION_SEED)]
        kind = items[0].kind
        for name in base.chain(kind, items[0]):
            engine = Orchestra(
                llm=base.llm,
                perf_models=models,
                scheduler="priority",
                fallback={kind: [name]},
                max_batch=64,
            )
            t0 = time.perf_counter()
            batch = items[:llm_n] if name == LLM_TARGET else items
            engine.solve_many(batch, kind=kind)
            singles = [] if name == LLM_TARGET else items[:SINGLES]
            for p in singles:
                engine.solve(p, kind=kind)
            print(
                f"{task:16s} {name:16s} {len(batch) + len(singles):3d} problems "
                f"{time.perf_counter() - t0:7.1f} s",
                flush=True,
            )
    prose = [TextProblem(text=PROSE[i % len(PROSE)]) for i in range(4)]
    t0 = time.perf_counter()
    base.solve_many(prose)
    print(
        f"{'prose':16s} {'llm':16s} {len(prose):3d} problems {time.perf_counter() - t0:7.1f} s",
        flush=True,
    )
    models.save(out, machine=f"{platform.machine()}, {os.cpu_count()} cores")
    return models


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=16, help="problems per task in the batch run")
    p.add_argument("--llm-n", type=int, default=1, help="problems per task for the LLM")
    p.add_argument("--tasks", default=",".join(TASKS))
    p.add_argument("--out", default=str(SEED_FILE))
    args = p.parse_args(argv)
    out = Path(args.out)
    calibrate(args.n, args.llm_n, out, args.tasks.split(","))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
