"""Held-out exact accuracy against training minutes, for several TRM settings side by side,
and the recursion ablation (the paper's central claim) at CPU scale.

    python -m orchestra.benchmarks.learning_curves --out runs/curves [--cpu-minutes 10] [--only a,b]
                                         [--report docs/learning-curves.md]

Each setting is one `orchestra train` run (a subprocess, so a crash or Ctrl-C loses one
setting, and a finished setting is skipped on the next call). Budget and x axis are the
training process's CPU time (evaluations excluded: `cpu_s` in metrics.jsonl), so a setting
is neither helped nor hurt by whatever else the shared machine was doing. That holds only
for a process that does not spin: an OpenMP pool of 2 threads on a busy 2-core machine
burns CPU time waiting (measured here: 3x the CPU time per optimizer step). So each run has
one thread (`--threads 1`) and two runs go side by side (`--jobs 2`). Why these settings:

* ablation: the same 6x6 task and budget for recursion (T=2, n=3), the same network run
  once per supervision step (T=1, n=1: equal parameters, a quarter of the compute), a
  network four times deeper run once (T=1, n=1, 8 layers: the recursion's forward compute
  per supervision step, four times its block parameters), and no recursion at all (one
  supervision step);
* the knobs the literature says matter on a small budget: batch size (more optimizer
  steps), width, the stablemax loss, and task size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from orchestra.machine import machine


@dataclass(frozen=True)
class Setting:
    label: str
    preset: str
    overrides: tuple[str, ...] = ()
    about: str = ""
    groups: tuple[str, ...] = ("curves",)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "recursion",
        "sudoku6-cpu",
        (),
        "T=2, n=3, 2 layers (the shipped 6x6 preset)",
        ("ablation", "curves"),
    ),
    Setting(
        "single-pass",
        "sudoku6-cpu",
        ("model.H_cycles=1", "model.L_cycles=1"),
        "T=1, n=1: same parameters, 1/4 of the compute per step",
        ("ablation",),
    ),
    Setting(
        "deep",
        "sudoku6-cpu",
        ("model.H_cycles=1", "model.L_cycles=1", "model.layers=8"),
        "T=1, n=1, 8 layers: the recursion's forward compute, 4x the block",
        ("ablation",),
    ),
    Setting(
        "one-shot",
        "sudoku6-cpu",
        ("model.H_cycles=1", "model.L_cycles=1", "model.halt_max_steps=1", "eval_steps=1"),
        "T=1, n=1, one supervision step: no recursion anywhere",
        ("ablation",),
    ),
    Setting("batch-32", "sudoku6-cpu", ("batch=32",), "4x more optimizer steps per sample"),
    Setting("hidden-64", "sudoku6-cpu", ("model.hidden=64",), "half the width"),
    Setting("stablemax", "sudoku6-cpu", ("loss=stablemax",), "the paper's loss"),
    Setting("4x4", "sudoku4-cpu", (), "a smaller task (4x4 minimal, hidden 64, T=2, n=2)"),
)
EVAL = ("eval_every=100", "eval_n=200", "eval_steps=16")


@dataclass
class Curve:
    setting: Setting
    points: list[tuple[float, float]] = field(default_factory=list)  # (CPU minutes, exact)
    card: dict = field(default_factory=dict)

    def exact_at(self, minutes: float) -> float | None:
        """The last evaluation at or before `minutes` of training (None if none yet)."""
        seen = [e for m, e in self.points if m <= minutes + 1e-9]
        return seen[-1] if seen else None


def train(s: Setting, out: Path, cpu_minutes: float, threads: int) -> None:
    run_dir = out / s.label
    if (run_dir / "card.json").is_file() and json.loads((run_dir / "card.json").read_text()).get(
        "heldout"
    ):
        print(f"{s.label}: done already, skipped", flush=True)
        return
    cmd = [
        sys.executable,
        "-m",
        "orchestra.specialists.trm.train",
        "sudoku",
        "--preset",
        s.preset,
        "--out",
        str(run_dir),
        "--no-progress",
        "--set",
        f"cpu_minutes={cpu_minutes}",
    ]
    for o in (*EVAL, *s.overrides):
        cmd += ["--set", o]
    if (run_dir / "train_state").is_dir():
        cmd.append("--resume")
    print(f"{s.label}: {' '.join(cmd[3:])}", flush=True)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    t0 = time.monotonic()
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "train.log", "a") as log:
        subprocess.run(cmd, check=True, env=env, stdout=log, stderr=subprocess.STDOUT)
    print(f"{s.label}: done in {time.monotonic() - t0:.0f} s", flush=True)


def read(s: Setting, out: Path) -> Curve:
    run_dir = out / s.label
    curve = Curve(s)
    for line in (run_dir / "metrics.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if "eval_exact" in rec:
            curve.points.append((rec["cpu_s"] / 60, rec["eval_exact"]))
    curve.card = json.loads((run_dir / "card.json").read_text())
    return curve


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def table(curves: list[Curve], marks: list[float]) -> str:
    from orchestra.specialists.trm import TRM, TRMConfig

    head = "| setting | what changes | params | fwd MFLOP per puzzle-step | optimizer steps | "
    head += " | ".join(f"exact @ {m:g} CPU-min" for m in marks) + " | final exact |\n"
    head += "|---|---|---:|---:|---:|" + "---:|" * len(marks) + "---:|\n"
    rows = []
    for c in curves:
        cfg = TRMConfig.from_dict(c.card["model"])
        fwd, _ = TRM.flops_per_step(_Shell(cfg))  # type: ignore[arg-type]
        final = (c.card.get("heldout") or {}).get("exact")
        cells = " | ".join(_fmt(c.exact_at(m)) for m in marks)
        rows.append(
            f"| {c.setting.label} | {c.setting.about} | {c.card['params']:,} | {fwd / 1e6:,.1f} "
            f"| {c.card['steps']:,} | {cells} | {_fmt(final)} |"
        )
    return head + "\n".join(rows) + "\n"


class _Shell:
    """`TRM.flops_per_step` reads only `cfg`: no need to build the network to count."""

    def __init__(self, cfg):
        self.cfg = cfg


def plot(curves: list[Curve], path: Path) -> None:
    from orchestra.extras import needs

    with needs("bench", "the benchmark plots"):
        import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [("ablation", "recursion ablation (6x6 minimal Sudoku)"), ("curves", "settings")]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, (group, title) in zip(axes, groups, strict=True):
        for c in curves:
            if group in c.setting.groups and c.points:
                xs, ys = zip(*c.points, strict=True)
                ax.plot(xs, ys, marker=".", label=c.setting.label)
        ax.set_title(title)
        ax.set_xlabel("training CPU minutes (one thread, evaluations excluded)")
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
    axes[0].set_ylabel("held-out exact (200 puzzles, 16 steps)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="runs/curves", help="run directories, one per setting")
    p.add_argument("--cpu-minutes", type=float, default=10.0, help="CPU-time budget per setting")
    p.add_argument("--only", help="comma-separated setting labels (default: all)")
    p.add_argument("--jobs", type=int, default=2, help="settings trained side by side")
    p.add_argument("--threads", type=int, default=1, help="torch threads per setting")
    p.add_argument("--report", help="also write the markdown report (and its .png) here")
    p.add_argument("--no-train", action="store_true", help="report on the runs already in --out")
    args = p.parse_args(argv)
    chosen = SETTINGS
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {s.label for s in SETTINGS}
        if unknown:
            p.error(f"unknown settings {sorted(unknown)}; known: {[s.label for s in SETTINGS]}")
        chosen = tuple(s for s in SETTINGS if s.label in wanted)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.no_train:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for f in [pool.submit(train, s, out, args.cpu_minutes, args.threads) for s in chosen]:
                f.result()
    curves = [read(s, out) for s in chosen if (out / s.label / "card.json").is_file()]
    if not curves:
        p.error(f"no finished runs in {out}")
    span = max(m for c in curves for m, _ in c.points) if any(c.points for c in curves) else 1
    marks = [round(span * f, 1) for f in (0.25, 0.5, 1.0)]
    report = (
        f"# TRM learning curves\n\nMeasured by `python -m orchestra.benchmarks.learning_curves "
        f"--cpu-minutes {args.cpu_minutes:g}` on {machine()}: one run per setting, two at a "
        "time; held-out exact on 200 puzzles at 16 supervision steps (one-shot: 1), EMA "
        "weights; minutes are the training process's CPU time (one thread per run, two runs "
        "side by side).\n\n" + table(curves, marks)
    )
    (out / "report.md").write_text(report)
    plot(curves, out / "curves.png")
    if args.report:
        dest = Path(args.report)
        png = dest.with_suffix(".png")
        dest.write_text(report + f"\n![learning curves]({png.name})\n")
        plot(curves, png)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
