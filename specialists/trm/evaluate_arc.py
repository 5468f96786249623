"""Measure an ARC checkpoint the way the ARC Prize scores: pass@2 per task, after voting.

    python -m orchestra.specialists.trm.evaluate_arc DIR [--steps 16] [--update-card]

For every task the checkpoint knows (with known test outputs): predictions on all its
views, mapped back and voted; a task scores the fraction of its test inputs whose expected
output is among the top 2 (pass@2) or is the top 1 (pass@1). Also reported: the identity
view alone (what voting adds) and how well the demonstrations themselves are reproduced
(what training fitted). The test inputs are never trained on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from orchestra.tasks import arc

from . import checkpoint


def measure(directory: str | Path, *, steps: int | None = None) -> dict:
    from ..trm_arc import TRMArcSpecialist

    specialist = TRMArcSpecialist.from_checkpoint(directory, device="cpu", steps=steps)
    problems = [p for p in specialist.spec.problems() if p.test_outputs is not None]
    if not problems:
        raise SystemExit(f"{directory}: none of its tasks has known test outputs to score")
    t0 = time.perf_counter()
    ranked = specialist.candidates(problems)
    seconds = time.perf_counter() - t0
    # The identity view alone: a one-view specialist over the same weights.
    one_view = specialist.spec.model_copy(
        update={
            "entries": [
                e.model_copy(update={"views": e.views[:1]}) for e in specialist.spec.entries
            ]
        }
    )
    identity = TRMArcSpecialist(specialist.model, one_view, steps=steps)
    single = identity.candidates(problems)
    demos = [
        p.model_copy(update={"test_inputs": [d.input for d in p.train], "test_outputs": None})
        for p in problems
    ]
    fitted = identity.candidates(demos)

    def score(cands: list, truth: list[list], k: int) -> float:
        per_task = [
            arc.pass_at_k([[c.grid for c in test] for test in task], want, k=k)
            for task, want in zip(cands, truth, strict=True)
        ]
        return sum(per_task) / len(per_task)

    truth = [p.test_outputs for p in problems]
    demo_truth = [[d.output for d in p.train] for p in problems]
    views = sum(len(e.views) for e in specialist.spec.entries) / len(specialist.spec.entries)
    return {
        "tasks": len(problems),
        "test_inputs": sum(len(p.test_inputs) for p in problems),
        "views_per_task": round(views, 2),
        "steps": steps or specialist.model.cfg.halt_max_steps,
        "pass@1": score(ranked, truth, 1),
        "pass@2": score(ranked, truth, 2),
        "identity_view_pass@1": score(single, truth, 1),
        "demonstrations_fitted": score(fitted, demo_truth, 1),
        "seconds": round(seconds, 2),
    }


def card_markdown(card: checkpoint.Card, result: dict, command: str) -> str:
    from orchestra.machine import machine

    spec, r = card.task, result
    return "\n".join(
        [
            f"# TRM specialist: {card.name}",
            "",
            f"{card.params:,} parameters (attention, hidden {card.model['hidden']}, "
            f"T={card.model['H_cycles']}, n={card.model['L_cycles']}, "
            f"{card.model['halt_max_steps']} supervision steps, one learned puzzle embedding per "
            f"task view: {card.model['num_puzzle_ids'] - 1:,} views of {len(spec['entries'])} "
            f"tasks from `{spec['source']}`, {spec['canvas']}x{spec['canvas']} canvas), trained "
            f"by `{card.command}` (preset {card.preset}, seed {card.seed}): {card.steps:,} "
            f"optimizer steps, {card.wall_s / 60:.0f} minutes on {card.machine}, torch "
            f"{card.torch}, fp32, EMA weights.",
            "",
            f"Measured by `{command}` on {machine()}. Training saw only the demonstration pairs "
            "(under every view); the scores are on the tasks' test inputs, which it never saw. "
            "This checkpoint knows only these tasks: any other ARC task needs test-time "
            "training (`orchestra train arc --tasks FILE`).",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| tasks scored (test inputs) | {result['tasks']} ({result['test_inputs']}) |",
            f"| pass@2, views voted (ARC Prize scoring) | {result['pass@2']:.4f} |",
            f"| pass@1, views voted | {result['pass@1']:.4f} |",
            f"| pass@1, identity view only (no voting) | {r['identity_view_pass@1']:.4f} |",
            f"| demonstrations reproduced (identity view) | {r['demonstrations_fitted']:.4f} |",
            f"| seconds for all test inputs x views ({result['views_per_task']} per task) | "
            f"{result['seconds']} |",
            "",
            "For scale, as reported (not measured here): the paper's TRM scores 44.6% pass@2 on "
            "the ARC-AGI-1 evaluation set, with about 1,000 views of every task and a 30x30 "
            "canvas (Jolicoeur-Martineau 2025).",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("directory")
    p.add_argument("--steps", type=int, help="test-time supervision steps (default N_sup)")
    p.add_argument("--update-card", action="store_true", help="write card.json and card.md")
    args = p.parse_args(argv)
    torch.set_grad_enabled(False)
    result = measure(args.directory, steps=args.steps)
    print(json.dumps(result, indent=2))
    if args.update_card:
        card = checkpoint.load_card(args.directory)
        if card is None:
            raise SystemExit(f"{args.directory} has no card.json")
        card.heldout = checkpoint.EvalResult(
            n=result["test_inputs"],
            seed=0,
            exact=result["pass@2"],
            cell=result["pass@1"],
            steps=result["steps"],
            verified=result["pass@2"],
        )
        meaning = "ARC: heldout.exact is pass@2 after voting, heldout.cell is pass@1"
        if meaning not in card.notes:
            card.notes = f"{meaning}. {card.notes}".strip()
        Path(args.directory, "card.json").write_text(card.model_dump_json(indent=2) + "\n")
        command = "python -m orchestra.specialists.trm.evaluate_arc " + " ".join(
            argv or sys.argv[1:]
        )
        Path(args.directory, "card.md").write_text(card_markdown(card, result, command))


if __name__ == "__main__":
    main()
