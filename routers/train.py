"""`orchestra train router`: fit the n-gram router on the generated "train" corpus,
calibrate per-class thresholds on a held-out part of it, measure it on the independent
"eval" corpus, and write the model with its card."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from .corpus import generate, labels
from .evaluate import evaluate
from .ngram import NgramConfig, train

# A class's threshold is set just above the most confident wrong call into that class on
# the calibration split, within these bounds.
MIN_THRESHOLD, MAX_THRESHOLD = 0.5, 0.99


def calibrate(model, texts: list[str], labels: list[str]) -> dict[str, float]:
    probs = model.probabilities(texts)
    thresholds = {}
    for ci, label in enumerate(model.cfg.labels):
        wrong = [
            float(p[ci])
            for p, y in zip(probs, labels, strict=True)
            if int(p.argmax()) == ci and y != label
        ]
        t = max(wrong) + 1e-3 if wrong else MIN_THRESHOLD
        thresholds[label] = min(MAX_THRESHOLD, max(MIN_THRESHOLD, t))
    return thresholds


def train_router(
    out: str | Path, *, n: int = 6000, n_eval: int = 2000, seed: int = 0, log=print
) -> dict:
    t0 = time.perf_counter()
    log(f"generating {n} training prompts and {n_eval} evaluation prompts…")
    data = generate(n, split="train", seed=seed)
    random.Random(seed).shuffle(data)
    cut = int(0.8 * len(data))
    fit, cal = data[:cut], data[cut:]
    cfg = NgramConfig(labels=labels())
    model = train([e.prompt for e in fit], [e.target for e in fit], cfg, seed=seed)
    thresholds = calibrate(model, [e.prompt for e in cal], [e.target for e in cal])
    card = {
        "data": {
            "train": len(fit),
            "calibration": len(cal),
            "eval": n_eval,
            "seed": seed,
            "generator": "orchestra.routers.corpus (train templates for fitting and calibration, "
            "eval templates for the report)",
        },
        "thresholds": thresholds,
        "train_s": round(time.perf_counter() - t0, 1),
        "command": f"orchestra train router --out {out} --set n={n} --set seed={seed}",
    }
    model.save(out, {"thresholds": thresholds})
    from .learned import LearnedRouter

    report = evaluate(LearnedRouter(out), generate(n_eval, split="eval", seed=seed + 1))
    card["eval"] = report.model_dump(exclude={"mistakes"})
    Path(out, "card.json").write_text(json.dumps(card, indent=2) + "\n")
    Path(out, "card.md").write_text(
        "# Learned router (character n-grams)\n\n"
        f"Trained by `{card['command']}` on {len(fit)} generated prompts, thresholds "
        f"calibrated on {len(cal)} more; measured on {n_eval} prompts from the separately "
        "written evaluation templates:\n\n" + report.table() + "\n"
    )
    log(report.table())
    return card
