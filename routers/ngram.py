"""A character n-gram classifier in torch: hashed 1-4-grams -> mean embedding -> linear.

Structure is in the characters (runs of digits and dots, `#` walls, JSON brackets), so a
bag of hashed character n-grams separates puzzles from prose well, in well under a
millisecond, with no pretrained weights to download. Digits are kept (they matter) but
collapsed to one symbol in n-grams of length >= 3, so "5 3 ." and "8 1 ." look alike.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

MAX_CHARS = 2000  # a prompt's first characters carry its shape; ARC JSON can be 100 kB
_DIGIT = re.compile(r"\d")


@dataclass
class NgramConfig:
    labels: tuple[str, ...]
    buckets: int = 1 << 16
    dim: int = 32
    max_n: int = 4


def features(text: str, cfg: NgramConfig) -> list[int]:
    """Hashed n-gram ids of a text (stable across processes: crc32, not hash())."""
    text = text[:MAX_CHARS].lower()
    coarse = _DIGIT.sub("0", text)
    ids = []
    for n in range(1, cfg.max_n + 1):
        src = text if n < 3 else coarse
        for i in range(len(src) - n + 1):
            ids.append(zlib.crc32(f"{n}{src[i : i + n]}".encode()) % cfg.buckets)
    return ids or [0]


class NgramClassifier(nn.Module):
    def __init__(self, cfg: NgramConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.EmbeddingBag(cfg.buckets, cfg.dim, mode="mean")
        self.out = nn.Linear(cfg.dim, len(cfg.labels))

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.out(self.embed(ids, offsets))

    def batch(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        feats = [features(t, self.cfg) for t in texts]
        offsets = torch.tensor([0] + [len(f) for f in feats[:-1]]).cumsum(0)
        return torch.tensor([i for f in feats for i in f]), offsets

    @torch.no_grad()
    def probabilities(self, texts: list[str]) -> torch.Tensor:
        self.eval()
        return self(*self.batch(texts)).softmax(-1)

    def save(self, directory: str | Path, extra: dict) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        save_file(
            {k: v.contiguous() for k, v in self.state_dict().items()}, str(d / "model.safetensors")
        )
        (d / "config.json").write_text(
            json.dumps({"ngram": asdict(self.cfg), **extra}, indent=2) + "\n"
        )

    @classmethod
    def load(cls, directory: str | Path) -> tuple[NgramClassifier, dict]:
        d = Path(directory)
        meta = json.loads((d / "config.json").read_text())
        cfg = NgramConfig(**{**meta["ngram"], "labels": tuple(meta["ngram"]["labels"])})
        model = cls(cfg)
        model.load_state_dict(load_file(str(d / "model.safetensors")))
        return model.eval(), meta


def train(
    texts: list[str], labels: list[str], cfg: NgramConfig, *, epochs: int = 8, seed: int = 0
) -> NgramClassifier:
    torch.manual_seed(seed)
    model = NgramClassifier(cfg)
    y = torch.tensor([cfg.labels.index(t) for t in labels])
    feats = [features(t, cfg) for t in texts]
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(texts), generator=g).tolist()
        for start in range(0, len(order), 64):
            idx = order[start : start + 64]
            chunk = [feats[i] for i in idx]
            offsets = torch.tensor([0] + [len(f) for f in chunk[:-1]]).cumsum(0)
            ids = torch.tensor([i for f in chunk for i in f])
            loss = nn.functional.cross_entropy(model(ids, offsets), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()
