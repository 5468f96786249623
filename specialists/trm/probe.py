"""Choosing a network by measurement: a short run of each candidate preset on the user's
own data, then the winner trained on from where its probe stopped.

Why: no one network suits every grid task. This project's learning curves show attention
learning nothing in short CPU budgets on grids where a convolution, which hears only a
cell's neighbours, learns a local rule in minutes; a token-mixing MLP sits between. Which
one a user's file needs is an empirical question, so the trainer asks it of the data
instead of fixing a default. A family opts in by naming `probe_presets`; `--preset` skips
the probe.

The probe ranks by held-out exact rate, then per-cell accuracy (after a minute, whole
answers are often all wrong while cells already say which network is learning). The
held-out pairs are the run's own, so the final figure has seen one choice among a few
made on it; the card keeps every trial (`Card.probe`), so a reader can weigh that.
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .presets import all_presets

PROBE_DIR = "probe"  # under the run directory: one level below the checkpoint search path
SHARE = 0.08  # of --minutes, per candidate
MIN_S, MAX_S, DEFAULT_S = 20.0, 90.0, 45.0


class Trial(BaseModel):
    preset: str
    about: str
    exact: float
    cell: float
    steps: int
    seconds: float
    params: int


class ProbeReport(BaseModel):
    """What was tried, what won, and why: printed, and kept in the card (`probe`)."""

    trials: list[Trial]
    chosen: str

    @property
    def seconds_each(self) -> float:
        return max(t.seconds for t in self.trials)

    @property
    def winner(self) -> Trial:
        return next(t for t in self.trials if t.preset == self.chosen)

    def why(self) -> str:
        w = self.winner
        others = "; ".join(
            f"{t.preset} {t.exact:.3f} exact / {t.cell:.3f} cell"
            for t in self.trials
            if t.preset != self.chosen
        )
        return (
            f"chose {w.preset} ({w.about}): held-out {w.exact:.3f} exact, {w.cell:.3f} cell "
            f"after {w.seconds:.0f} s ({w.steps} steps), against {others}"
        )


def trial_budget(over: dict, n: int) -> dict:
    """Each candidate's share of the run's budget: a fixed share of --minutes (within
    bounds) or of --steps, never more than a third of the run in all; without a budget, a
    fixed time."""
    if over.get("max_steps"):
        steps = int(over["max_steps"])
        return {"max_steps": max(1, min(round(SHARE * steps), steps // (3 * n))), "minutes": None}
    minutes = over.get("minutes")
    if minutes is None:
        return {"minutes": DEFAULT_S / 60, "max_steps": None}
    seconds = max(MIN_S, min(MAX_S, SHARE * 60 * minutes, 60 * minutes / (3 * n)))
    return {"minutes": seconds / 60, "max_steps": None}


def remaining(over: dict, report: ProbeReport, elapsed_s: float) -> dict:
    """The winner's budget: what the probe left of the run's (it trains on from its probe)."""
    if over.get("max_steps"):
        used = sum(t.steps for t in report.trials)
        return {"max_steps": max(int(over["max_steps"]) - used, report.winner.steps)}
    if over.get("minutes") is not None:
        return {"minutes": max(float(over["minutes"]) - elapsed_s / 60, report.seconds_each / 60)}
    return {}


def rank(trial: Trial) -> tuple[float, float]:
    return (trial.exact, trial.cell)


def probe(
    task: str,
    presets: Sequence[str],
    *,
    build: Callable[..., Any],
    out: Path,
    overrides: dict,
    log: Callable[[str], None] = print,
) -> ProbeReport:
    """Train each preset for its share of the budget into out/probe/NAME and measure it
    held out. `build` is `train.build_run` (passed in: train.py calls this module)."""
    known = all_presets()
    # one evaluation, at the end
    over = {**overrides, **trial_budget(overrides, len(presets)), "progress": False}
    over["eval_every"] = 10**9
    trials = []
    for name in presets:
        directory = out / PROBE_DIR / name
        shutil.rmtree(directory, ignore_errors=True)  # a probe starts fresh every time
        t0 = time.monotonic()
        run = build(task, preset=name, out=directory, overrides=over, log=lambda _: None)
        result = run.train()
        if result is None:  # stopped by the user: nothing chosen
            raise KeyboardInterrupt
        trial = Trial(
            preset=name,
            about=known[name].about,
            exact=result.exact,
            cell=result.cell,
            steps=run.step,
            seconds=round(time.monotonic() - t0, 1),
            params=run.raw.num_params(),
        )
        log(
            f"probe {name}: held-out {trial.exact:.3f} exact, {trial.cell:.3f} cell after "
            f"{trial.steps} steps ({trial.seconds:.0f} s, {trial.params:,} parameters)"
        )
        trials.append(trial)
    return ProbeReport(trials=trials, chosen=max(trials, key=rank).preset)


def wanted(args: argparse.Namespace, over: dict, presets: Sequence[str]) -> bool:
    """Probe unless the user chose (a preset, a starting checkpoint) or is resuming."""
    return bool(presets) and not args.preset and not args.resume and "init" not in over
