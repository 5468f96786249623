"""Deep-supervision training of a TRM, in the reference code's form.

A batch is B slots, each holding one puzzle and its carried (y, z). Every optimizer step
is one supervision step for every slot; slots whose puzzle halted (Q > 0, or N_sup steps
reached) are refilled with fresh puzzles and a fresh carry, the others keep going. The
loss is cross-entropy on the answer tokens + 0.5 x BCE of Q against "the whole answer is
right". AdamW, linear warm-up then constant, gradient clipping, and an EMA of the weights
that is what gets evaluated and saved. Per-puzzle embeddings (tasks that learn one per
puzzle) are not in AdamW: they take sparse sign-SGD steps at their own learning rate
(`Run._puzzle_emb_step`). Test-time training (`init`, `train_net`) starts from another
checkpoint's network. The task itself (codec, data) is the family's (`TRMTask`).

Runs on CPU (fp32), one GPU (bf16 autocast) or many through `accelerate launch -m
orchestra.specialists.trm.train ...`. Checkpoints every few minutes; `--resume` continues. On the
command line, Ctrl-C or SIGTERM ends the current step, saves, and exits: nothing is lost.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import random
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

from orchestra import family_registry
from orchestra.trm_specs import TaskSpec, spec_class

from . import checkpoint, options, probe
from .checkpoint import Card, EvalResult, Stage
from .model import TRM, TRMConfig, answer_logits, answer_map_tensor
from .presets import all_presets

IGNORE = -100
BEST = "best"  # the run directory's checkpoint of its best held-out evaluation
STOPPED = 130  # exit status of a run stopped by a signal (saved, not finished): as after Ctrl-C


@dataclass
class TrainConfig:
    batch: int = 128
    lr: float = 1e-3
    warmup: int = 50
    # "cosine": after warm-up the rate falls to a tenth by the end of the budget (--steps or
    # --minutes), so a short run ends settled instead of mid-swing; "none": it stays flat
    decay: Literal["none", "cosine"] = "none"
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    ema: float = 0.995
    grad_clip: float = 1.0
    halt_explore: float = 0.1  # chance a sample must run a random minimum of steps
    q_weight: float = 0.5
    loss: Literal["softmax", "stablemax"] = "softmax"
    max_steps: int | None = None
    minutes: float | None = None
    cpu_minutes: float | None = None  # stop after this much training CPU time (shared machines)
    eval_every: int = 200
    eval_n: int = 250
    eval_seed: int = 0
    eval_steps: int | None = None  # supervision steps at test time (default N_sup)
    checkpoint_minutes: float = 5.0
    seed: int = 0
    device: str | None = None  # default: cuda if available, else cpu
    compile: bool = False  # torch.compile the training step (faster where it compiles)
    puzzle_lr: float = 1e-2  # sign-SGD step of the per-puzzle embeddings
    puzzle_weight_decay: float = 0.1
    init: str | None = None  # checkpoint whose network weights start this run (test-time training)
    train_net: bool = True  # False: learn only the puzzle embeddings of the new tasks
    progress: bool = True

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown training options: {sorted(unknown)}")
        return cls(**d)


# -- loss ---------------------------------------------------------------------------------


def _log_stablemax(x: torch.Tensor) -> torch.Tensor:
    """log of stablemax: s(x) = x + 1 for x >= 0, 1 / (1 - x) below; normalised."""
    x = x.double()
    s = torch.where(x >= 0, x + 1, 1 / (1 - x))
    return torch.log(s / s.sum(-1, keepdim=True))


def token_loss(logits: torch.Tensor, labels: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-sequence mean cross-entropy over labelled tokens, shape (B,)."""
    mask = labels != IGNORE
    safe = labels.clamp(min=0)
    if kind == "stablemax":
        logp = _log_stablemax(logits).gather(-1, safe.unsqueeze(-1)).squeeze(-1)
        per_tok = -logp.float()
    else:
        per_tok = F.cross_entropy(logits.float().transpose(1, 2), safe, reduction="none")
    per_tok = per_tok * mask
    return per_tok.sum(-1) / mask.sum(-1).clamp(min=1)


def exact_rows(logits_or_preds: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    preds = logits_or_preds.argmax(-1) if logits_or_preds.dim() == 3 else logits_or_preds
    mask = labels != IGNORE
    return ((preds == labels) | ~mask).all(-1)


def answer_labels(labels: torch.Tensor, answer_map: torch.Tensor | None) -> torch.Tensor:
    """Masked target labels -> the answer tokens they stand for (IGNORE stays)."""
    if answer_map is None:
        return labels
    return torch.where(labels == IGNORE, labels, answer_map[labels.clamp(min=0)])


def mask_labels(labels: np.ndarray) -> np.ndarray:
    """No loss on the canvas outside the answer (label token 0, pad in every codec). An
    output can be larger than its input, so it is the label's padding that counts."""
    return np.where(labels == 0, IGNORE, labels)


# -- evaluation ---------------------------------------------------------------------------


@torch.no_grad()
def evaluate(
    model: TRM,
    spec: TaskSpec,
    heldout: Sequence,
    *,
    steps: int | None = None,
    batch: int = 256,
) -> EvalResult:
    """Exact and per-token accuracy on held-out puzzles, plus the verifier's acceptance."""
    steps = steps or model.cfg.halt_max_steps
    return evaluate_steps(model, spec, heldout, [steps], batch=batch)[steps]


@torch.no_grad()
def evaluate_steps(
    model: TRM, spec: TaskSpec, heldout: Sequence, steps: Sequence[int], *, batch: int = 256
) -> dict[int, EvalResult]:
    """`evaluate` after each of several supervision-step counts, from one recursion: the
    answer after s steps does not depend on how many steps follow, so 1, 4 and 16 steps cost
    16, not 21."""
    device = next(model.parameters()).device
    model.eval()
    wanted = sorted(set(steps))
    if not wanted or wanted[0] < 1:
        raise ValueError(f"supervision steps must be >= 1, got {list(steps)}")
    tally = {s: [0, 0, 0, 0] for s in wanted}  # exact, right cells, cells, verified
    groups = answer_map_tensor(spec.answer_map, device)
    for start in range(0, len(heldout), batch):
        chunk = heldout[start : start + batch]
        x = torch.from_numpy(np.stack([spec.encode(p) for p, _ in chunk])).to(device)
        y = mask_labels(np.stack([spec.target(p, a) for p, a in chunk]))
        yt = answer_labels(torch.from_numpy(y).to(device), groups)  # scored as answers
        mask = yt != IGNORE
        ids = _puzzle_ids(spec, [p for p, _ in chunk], device)
        carry = model.initial_carry(len(chunk))
        for step in range(1, wanted[-1] + 1):
            carry, logits, _ = model(carry, x, ids)
            if step not in tally:
                continue
            preds = answer_logits(logits, groups).argmax(-1)
            t = tally[step]
            t[0] += int(exact_rows(preds, yt).sum())
            t[1] += int(((preds == yt) & mask).sum())
            t[2] += int(mask.sum())
            for (p, _), row in zip(chunk, preds.cpu().numpy(), strict=True):
                t[3] += bool(spec.verify(p, spec.decode(p, row)))
    n = len(heldout)
    return {
        s: EvalResult(n=n, seed=-1, exact=e / n, cell=c / max(total, 1), steps=s, verified=v / n)
        for s, (e, c, total, v) in tally.items()
    }


def _rank(result: EvalResult) -> tuple[float, float, float]:
    """The order keep-best uses: the verifier's acceptance first (where targets are more
    than the answer, or shortest paths tie, an accepted answer need not be the target's
    every token), then exact, then cell accuracy between equals."""
    verified = result.exact if result.verified is None else result.verified
    return (verified, result.exact, result.cell)


def _puzzle_ids(spec: TaskSpec, items: Sequence, device) -> torch.Tensor | None:
    """Per-item puzzle ids for tasks that learn one embedding per puzzle, else None."""
    ids = spec.puzzle_ids(list(items))
    return None if ids is None else torch.from_numpy(ids).to(device)


# -- training -----------------------------------------------------------------------------


def learning_rate(base: float, step: int, warmup: int, decay: str, progress: float | None) -> float:
    """Linear warm-up over `warmup` steps; then flat, or with "cosine" down to a tenth of
    `base` as `progress` (the budget spent, 0..1) reaches 1."""
    rate = base * min(1.0, (step + 1) / max(1, warmup))
    if decay == "cosine" and progress is not None and step >= warmup:
        rate *= 0.1 + 0.45 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))
    return rate


def ema_decay(target: float, step: int) -> float:
    """The EMA's decay at `step`: (1 + step) / (10 + step) until that reaches the target.
    With a fixed 0.99 from the start, a run of a few hundred CPU steps would be judged and
    saved on weights still mostly those it began with; long runs are unchanged after the
    first thousands of steps (not in the paper's description: a short-budget measure)."""
    return min(target, (1 + step) / (10 + step))


def _ema_update(ema: TRM, model: TRM, decay: float) -> None:
    with torch.no_grad():
        e: list[torch.Tensor] = list(ema.parameters())
        p = [x.detach().to(y.dtype) for x, y in zip(model.parameters(), e, strict=True)]
        torch._foreach_lerp_(e, p, 1 - decay)


GROWABLE = ("embed.weight", "head.weight")  # one row per token: a vocabulary can grow


def _init_from(model: TRM, directory: str) -> None:
    """Copy a checkpoint's network weights into `model`; the puzzle embeddings stay fresh
    (the new run's puzzles are other puzzles). The two networks must have the same shape,
    but for a larger vocabulary: a curriculum stage may add tokens (e.g. maze targets with
    directions), whose rows keep their fresh initialisation while the old ones carry over."""
    tensors = checkpoint._load_tensors(Path(directory) / "model.safetensors")
    own = model.state_dict()
    for name, value in tensors.items():
        if name.startswith("puzzle_emb."):
            continue
        mine = own.get(name)
        if (
            name in GROWABLE
            and mine is not None
            and mine.shape[1:] == value.shape[1:]
            and mine.shape[0] > value.shape[0]
        ):
            mine[: value.shape[0]].copy_(value)
            continue
        if mine is None or mine.shape != value.shape:
            raise checkpoint.CheckpointError(
                f"{directory} does not fit this network: {name} "
                f"{tuple(value.shape)} vs {tuple(mine.shape) if mine is not None else 'missing'}"
            )
        own[name].copy_(value)


def _lineage(directory: str) -> list[Stage]:
    """The stages behind the starting checkpoint, then that checkpoint itself: the steps and
    minutes of this run alone would understate a curriculum's total."""
    card = checkpoint.load_card(directory)
    if card is None:
        return [Stage(directory=directory, name=Path(directory).name, steps=0, wall_s=0.0)]
    here = card.model_dump(include={"name", "steps", "wall_s", "command", "notes"})
    return [*card.lineage, Stage(directory=directory, **here)]


def _device(requested: str | None) -> str:
    if requested:
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


class Run:
    """One training run writing to `out` (checkpoint, card, metrics.jsonl)."""

    def __init__(
        self,
        model_cfg: TRMConfig,
        spec: TaskSpec,
        train_cfg: TrainConfig,
        out: str | Path,
        *,
        preset: str | None = None,
        command: str = "",
        resume: bool = False,
        log: Callable[[str], None] = print,
    ):
        from orchestra.extras import needs

        with needs("train", "TRM training"):
            from accelerate import Accelerator

        if model_cfg.seq_len != spec.codec.seq_len or model_cfg.vocab_size != spec.codec.vocab_size:
            raise ValueError(
                f"model expects seq_len {model_cfg.seq_len}, vocab {model_cfg.vocab_size}; the "
                f"task {spec.name} has seq_len {spec.codec.seq_len}, vocab {spec.codec.vocab_size}"
            )
        self.cfg, self.spec, self.tc = model_cfg, spec, train_cfg
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.preset, self.command, self.log = preset, command, log
        device = _device(train_cfg.device)
        self.acc = Accelerator(
            cpu=device == "cpu", mixed_precision="bf16" if device.startswith("cuda") else "no"
        )
        torch.manual_seed(train_cfg.seed)
        model = TRM(model_cfg)
        # a resumed run's card knows its lineage (`init` may have moved on since) and how
        # its network was chosen (`probe.py`)
        card = checkpoint.load_card(self.out) if resume else None
        self.lineage: list[Stage] = card.lineage if card else []
        self.probe: dict | None = card.probe if card else None
        if train_cfg.init and not resume:  # test-time training or a curriculum's next stage
            _init_from(model, train_cfg.init)
        if train_cfg.init and not self.lineage:
            self.lineage = _lineage(train_cfg.init)
        self.ema = copy.deepcopy(model).eval()
        for p in self.ema.parameters():
            p.requires_grad_(False)
        decay: list[torch.nn.Parameter] = []
        no_decay: list[torch.nn.Parameter] = []
        for name, p in model.named_parameters():
            if name.startswith("puzzle_emb."):
                continue  # sign-SGD of its own (`_puzzle_emb_step`)
            p.requires_grad_(train_cfg.train_net)  # Adam skips parameters without gradients
            (no_decay if p.dim() < 2 or name.endswith("bias") else decay).append(p)
        opt = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": train_cfg.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=train_cfg.lr,
            betas=(train_cfg.beta1, train_cfg.beta2),
        )
        self.step = self.samples = 0
        self.wall_s = 0.0
        self.eval_s = 0.0  # part of wall_s spent on held-out evaluation
        self.cpu_s = 0.0  # process CPU time spent training (all threads, evaluations excluded)
        if resume:
            info = checkpoint.load_state(self.out, model, opt)
            checkpoint.load_weights(
                self.ema, checkpoint._load_tensors(self.out / "model.safetensors"), "EMA weights"
            )
            self.step, self.samples, self.wall_s = info["step"], info["samples"], info["wall_s"]
            self.eval_s = info.get("eval_s", 0.0)
            self.cpu_s = info.get("cpu_s", 0.0)
            log(f"resumed from {self.out} at step {self.step}")
        self.model, self.opt = self.acc.prepare(model, opt)
        self.raw: TRM = self.acc.unwrap_model(self.model)
        if train_cfg.compile:
            self.model = torch.compile(self.model)
        self.ema.to(self.acc.device)
        self.heldout = spec.heldout(train_cfg.eval_n, train_cfg.eval_seed)
        self.source = spec.training_source(train_cfg.seed + 1000 * self.acc.process_index)
        self.best: EvalResult | None = None  # the best held-out evaluation, kept in out/best
        self.best_step = 0
        kept = checkpoint.load_card(self.out / BEST) if resume else None
        if kept is not None and kept.heldout is not None:
            self.best, self.best_step = kept.heldout, kept.steps
        self.stop_requested = False  # set by `stop_on_signals`; the loop ends at the next step
        self.elapsed_s = self.wall_s  # wall time of the run so far (read by a timed decay)

    def _lr(self, base: float | None = None) -> float:
        base = self.tc.lr if base is None else base
        return learning_rate(base, self.step, self.tc.warmup, self.tc.decay, self._progress())

    def _progress(self) -> float | None:
        """How much of the budget is spent (0..1), by steps or by time; None without one."""
        tc = self.tc
        if tc.max_steps:
            return self.step / tc.max_steps
        if tc.minutes:
            return self.elapsed_s / (60 * tc.minutes)
        return None

    def _puzzle_emb_step(self, ids: torch.Tensor) -> None:
        """Sparse sign-SGD on the puzzle embeddings, as the paper does: only the rows of
        this batch's puzzles move, each by a fixed step against the sign of its gradient
        (with decoupled weight decay), at its own learning rate. Thousands of rows each
        seen rarely would get almost nothing from Adam's running moments."""
        emb = getattr(self.raw, "puzzle_emb", None)
        if emb is None or emb.weight.grad is None:
            return
        with torch.no_grad():
            w, g = emb.weight, emb.weight.grad
            rows = ids.unique()
            lr = self._lr(self.tc.puzzle_lr)
            w[rows] = w[rows] * (1 - lr * self.tc.puzzle_weight_decay) - lr * g[rows].sign()
            emb.weight.grad = None

    def train(self) -> EvalResult | None:
        """Train to the configured end, evaluate, and save the final checkpoint. Returns
        None when `stop_requested` ended it early: the state is saved for `--resume`,
        without the held-out evaluation (minutes on CPU, not what a user stopping wants)."""
        tc, B, N = self.tc, self.tc.batch, self.cfg.halt_max_steps
        dev = self.acc.device
        inputs = torch.zeros(B, self.cfg.seq_len, dtype=torch.long, device=dev)
        labels = torch.full_like(inputs, IGNORE)
        ids = torch.zeros(B, dtype=torch.long, device=dev)  # per-puzzle ids; 0 otherwise
        steps = torch.zeros(B, dtype=torch.long, device=dev)
        halted = torch.ones(B, dtype=torch.bool, device=dev)
        carry = self.raw.initial_carry(B)
        groups = answer_map_tensor(self.spec.answer_map, dev)
        start, last_ckpt = time.monotonic(), time.monotonic()
        wall0 = self.wall_s
        cpu_mark = time.process_time()
        metrics = open(self.out / "metrics.jsonl", "a", buffering=1)  # readable while training
        progress = _Progress(tc.progress and self.acc.is_main_process, tc.max_steps)
        try:
            while not self.stop_requested:
                elapsed = self.elapsed_s = wall0 + time.monotonic() - start
                if tc.max_steps is not None and self.step >= tc.max_steps:
                    break
                if tc.minutes is not None and elapsed >= 60 * tc.minutes:
                    break
                if tc.cpu_minutes is not None and self.cpu_s >= 60 * tc.cpu_minutes:
                    break
                # Data and exploration noise are derived from (seed, step): a resumed run
                # continues the same stream.
                rng = random.Random(f"{tc.seed}:{self.acc.process_index}:{self.step}")
                n_new = int(halted.sum())
                if n_new:
                    x, y, *pid = self.source.sample(n_new, rng)
                    inputs[halted] = torch.from_numpy(x).to(dev)
                    labels[halted] = torch.from_numpy(mask_labels(y)).to(dev)
                    if pid:
                        ids[halted] = torch.from_numpy(pid[0]).to(dev)
                    steps[halted] = 0
                    carry = self.raw.reset_carry(carry, halted)
                for g in self.opt.param_groups:
                    g["lr"] = self._lr()
                self.model.train()
                with self.acc.autocast():
                    carry, logits, q = self.model(carry, inputs, ids)
                    lm = token_loss(logits, labels, tc.loss)
                    # halting learns "the answer is right", hints or not
                    right = exact_rows(
                        answer_logits(logits.detach(), groups), answer_labels(labels, groups)
                    )
                    q_loss = F.binary_cross_entropy_with_logits(
                        q.float(), right.float(), reduction="none"
                    )
                    loss = (lm + tc.q_weight * q_loss).mean()
                self.opt.zero_grad(set_to_none=True)
                self.acc.backward(loss)
                if tc.grad_clip:
                    self.acc.clip_grad_norm_(self.model.parameters(), tc.grad_clip)
                self.opt.step()
                self._puzzle_emb_step(ids)
                _ema_update(self.ema, self.raw, ema_decay(tc.ema, self.step))
                self.step += 1
                self.samples += B
                with torch.no_grad():
                    steps += 1
                    halted = steps >= N
                    if N > 1:
                        halted |= q.detach() > 0
                        gen = torch.Generator().manual_seed(rng.randrange(2**63))
                        explore = torch.rand(B, generator=gen) < tc.halt_explore
                        min_steps = torch.randint(2, N + 1, (B,), generator=gen)
                        halted &= ~explore.to(dev) | (steps >= min_steps.to(dev))
                record = {
                    "step": self.step,
                    "loss": float(loss.detach()),
                    "lm": float(lm.detach().mean()),
                    "q": float(q_loss.detach().mean()),
                    "train_exact": float(right.float().mean()),
                    "lr": self._lr(),
                    "wall_s": wall0 + time.monotonic() - start,
                }
                self.cpu_s += time.process_time() - cpu_mark
                if self.acc.is_main_process and (self.step % tc.eval_every == 0):
                    t_eval = time.monotonic()
                    result = self.evaluate()
                    self.eval_s += time.monotonic() - t_eval
                    record |= {"eval_exact": result.exact, "eval_cell": result.cell}
                    if result.verified is not None:
                        record["eval_verified"] = result.verified
                    # training time without the evaluations: the x axes of learning curves
                    record["train_s"] = wall0 + time.monotonic() - start - self.eval_s
                    record["cpu_s"] = self.cpu_s
                    verified = (
                        "" if result.verified is None else f", verified {result.verified:.3f}"
                    )
                    self.log(
                        f"step {self.step}: held-out exact {result.exact:.3f}, "
                        f"cell {result.cell:.3f}{verified}"
                    )
                    self._keep_if_best(result)
                cpu_mark = time.process_time()
                metrics.write(json.dumps(record) + "\n")
                progress.update(self.step, record)
                if time.monotonic() - last_ckpt >= 60 * tc.checkpoint_minutes:
                    self.wall_s = wall0 + time.monotonic() - start
                    self.save(final=False)
                    last_ckpt = time.monotonic()
        finally:
            progress.close()
            metrics.close()
        self.wall_s = wall0 + time.monotonic() - start
        if self.stop_requested:
            self.save(final=False)
            return None
        result = self.evaluate()
        self.save(final=True, result=result)
        self._keep_if_best(result)
        return result

    def _keep_if_best(self, result: EvalResult) -> None:
        """Keep the EMA weights of the best held-out evaluation so far in `out/best/`, a
        checkpoint of its own: a run that later diverges loses nothing it had reached. Ties
        on exact go to cell accuracy: on hard held-out sets (long loop mazes, extreme
        Sudoku) exact stays at 0 for hours, and keeping the first evaluation would keep the
        least trained weights."""
        if not self.acc.is_main_process:
            return
        if self.best is not None and _rank(result) <= _rank(self.best):
            return
        self.best, self.best_step = result, self.step
        card = self._card(
            result,
            f"the EMA weights at the best held-out evaluation of the run in {self.out} "
            f"(step {self.step}; the run's own checkpoint is its latest state)",
        )
        checkpoint.save(self.out / BEST, self.ema, self.spec, card)

    def evaluate(self) -> EvalResult:
        r = evaluate(self.ema, self.spec, self.heldout, steps=self.tc.eval_steps)
        return r.model_copy(update={"seed": self.tc.eval_seed})

    def _card(self, result: EvalResult | None, notes: str) -> Card:
        return Card(
            name=self.spec.name,
            task=self.spec.model_dump(),
            model=self.cfg.to_dict(),
            params=self.raw.num_params(),
            preset=self.preset,
            seed=self.tc.seed,
            steps=self.step,
            samples=self.samples,
            wall_s=round(self.wall_s, 1),
            heldout=result,
            command=self.command,
            notes=notes,
            lineage=self.lineage,
            probe=self.probe,
        )

    def save(self, *, final: bool, result: EvalResult | None = None) -> None:
        if not self.acc.is_main_process:
            return
        notes = "" if final else "intermediate checkpoint; training was still running."
        best = self.best
        if best is not None and (result is None or _rank(best) > _rank(result)):
            notes += (
                f" The best held-out evaluation so far (exact {best.exact:.3f}, cell "
                f"{best.cell:.3f}, step {self.best_step}) is kept in {BEST}/."
            ).rstrip()
        card = self._card(result, notes.strip())
        checkpoint.save(self.out, self.ema, self.spec, card)
        info = {
            "step": self.step,
            "samples": self.samples,
            "wall_s": self.wall_s,
            "eval_s": self.eval_s,
            "cpu_s": self.cpu_s,
            "train": asdict(self.tc),
        }
        checkpoint.save_state(self.out, self.raw, self.opt, info)


class _Progress:
    """A rich progress bar with loss, training accuracy and steps/s (or nothing)."""

    def __init__(self, enabled: bool, total: int | None):
        self.bar: Any = None
        self.t0, self.s0 = time.monotonic(), None  # type: tuple[float, int | None]
        if enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("train"),
                BarColumn(),
                TextColumn("{task.completed} steps"),
                TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(),
            )
            self.task = self.bar.add_task("train", total=total, info="")
            self.bar.start()

    def update(self, step: int, rec: dict) -> None:
        if self.bar is None:
            return
        if self.s0 is None:
            self.s0, self.t0 = step, time.monotonic()
        rate = (step - self.s0) / max(time.monotonic() - self.t0, 1e-9)
        info = f"loss {rec['loss']:.3f}  train-exact {rec['train_exact']:.2f}  {rate:.2f} steps/s"
        self.bar.update(self.task, completed=step, info=info)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# -- command line -------------------------------------------------------------------------


@contextlib.contextmanager
def stop_on_signals(run: Run, log: Callable[[str], None] = print) -> Iterator[None]:
    """Ctrl-C or SIGTERM asks `run` to stop after its current step and save, so a killed
    hours-long CPU run loses nothing; a second Ctrl-C aborts at once. Handlers can only be
    set from the main thread: elsewhere (a benchmark worker) signals keep their defaults."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kinds = (signal.SIGINT, signal.SIGTERM)
    before = {k: signal.getsignal(k) for k in kinds}

    def ask(signum: int, frame: object) -> None:
        if run.stop_requested:
            raise KeyboardInterrupt
        run.stop_requested = True
        log(f"{signal.Signals(signum).name}: saving after this step (Ctrl-C again aborts)")

    for k in kinds:
        signal.signal(k, ask)
    try:
        yield
    finally:
        for k, handler in before.items():
            signal.signal(k, handler)


def build_run(
    task: str,
    *,
    preset: str | None,
    out: str | Path,
    resume: bool = False,
    overrides: dict | None = None,
    command: str = "",
    log: Callable[[str], None] = print,
) -> Run:
    """Resolve preset + overrides (`model.X`, `task.X`, or training option names)."""
    out = Path(out)
    overrides = dict(overrides or {})
    if resume:
        model_cfg, spec = checkpoint.load_config(out)
        state = json.loads((out / "train_state" / "state.json").read_text())
        train = {**state["info"]["train"], **overrides}
        card = checkpoint.load_card(out)
        if card is not None:  # the card keeps the original command and preset
            preset = preset or card.preset
            first = card.command.split("; resumed")[0]
            command = f"{first}; resumed with {command}" if first else command
        return Run(
            model_cfg,
            spec,
            TrainConfig.from_dict(train),
            out,
            preset=preset,
            command=command,
            resume=True,
            log=log,
        )
    try:
        family = family_registry.get(task)
    except LookupError as e:
        raise ValueError(f"cannot train {task!r}: {e}") from None
    presets = all_presets()
    if preset is None:
        preset = family.default_preset
        if preset is None:
            raise ValueError(f"family {task!r} names no default preset; give --preset")
    if preset not in presets:
        raise ValueError(f"no preset {preset!r}; known: {', '.join(sorted(presets))}")
    p = presets[preset]
    if p.task["family"] != task:
        raise ValueError(f"preset {preset!r} trains {p.task['family']}, not {task}")
    model_over = {k[6:]: v for k, v in overrides.items() if k.startswith("model.")}
    task_over = {k[5:]: v for k, v in overrides.items() if k.startswith("task.")}
    train_over = {k: v for k, v in overrides.items() if "." not in k}
    train_cfg = TrainConfig.from_dict({**p.train, **train_over})
    cls = spec_class(task)
    model = dict(p.model)
    init_spec = None
    if train_cfg.init:
        init_cfg, init_spec = checkpoint.load_config(train_cfg.init)
        if init_spec.family != task:
            raise ValueError(
                f"{train_cfg.init} is a {init_spec.family} checkpoint, not a {task} one"
            )
        if cls.inherit_network:  # test-time training: the checkpoint's network, as it is
            model = init_cfg.to_dict()
    spec = cls.build({**p.task, **task_over}, init=init_spec)
    # the task fixes the sequence, the vocabulary and the per-puzzle ids
    derived = {"seq_len": spec.codec.seq_len, "vocab_size": spec.codec.vocab_size}
    derived |= grid_width({**model, **model_over}, getattr(spec.codec, "width", 0), derived)
    if spec.num_puzzle_ids > 1:
        derived["num_puzzle_ids"] = spec.num_puzzle_ids
    model_cfg = TRMConfig(**{**model, **derived, **model_over})
    if spec.num_puzzle_ids > 1 and model_cfg.puzzle_emb_len < 1:
        raise ValueError(
            f"{spec.name} learns one embedding per puzzle: give it a puzzle embedding, "
            "model.puzzle_emb_len >= 1"
        )
    return Run(model_cfg, spec, train_cfg, out, preset=preset, command=command, log=log)


def grid_width(model: dict, width: int, sized: dict) -> dict:
    """A convolution reads the tokens as a grid `width` wide: say so where the canvas is
    not square (a square one is read right by default)."""
    if model.get("conv") and width and width**2 != sized["seq_len"]:
        return {"grid_width": width}
    return {}


def _data_defaults(args: argparse.Namespace, over: dict) -> tuple[dict, str]:
    """`orchestra train FAMILY --data FILE`: the family's task spec says how a user's file
    becomes a run (test-time training on the tasks in it; a new task named --name),
    and where its checkpoint goes so that the specialist registry finds it."""
    data_over, default_out = spec_class(args.task).from_data(
        args.data, name=args.name, options=over
    )
    return {**data_over, **over}, args.out or default_out


def _probe_presets(task: str) -> tuple[str, ...]:
    try:
        return tuple(family_registry.get(task).probe_presets)
    except LookupError:
        return ()  # build_run says what is wrong with the name


def run_from_args(args: argparse.Namespace) -> EvalResult | None:
    # `orchestra train TASK ...` or `python -m orchestra.specialists.trm.train TASK ...`
    given = sys.argv[2:] if Path(sys.argv[0]).name == "orchestra" else sys.argv[1:]
    command = "orchestra train " + " ".join(shlex.quote(a) for a in given)
    over = options.overrides(args)
    out = args.out
    if args.data and not args.resume:
        over, out = _data_defaults(args, over)
    if not out:
        raise ValueError("give --out, the run directory")
    preset, report = args.preset, None
    candidates = _probe_presets(args.task)
    if probe.wanted(args, over, candidates):
        t0 = time.monotonic()
        print(f"measuring {len(candidates)} networks on the data first (--preset NAME skips this)")
        report = probe.probe(args.task, candidates, build=build_run, out=Path(out), overrides=over)
        print(report.why())
        preset = report.chosen
        over = {**over, **probe.remaining(over, report, time.monotonic() - t0)}
        over["init"] = str(Path(out) / probe.PROBE_DIR / preset)
    run = build_run(
        args.task,
        preset=preset,
        out=out,
        resume=args.resume,
        overrides=over,
        command=command,
    )
    if report is not None:
        run.probe = report.model_dump()
    with stop_on_signals(run):
        result = run.train()
    if result is None:
        print(
            f"stopped at step {run.step}; checkpoint in {out}. Continue with "
            f"`orchestra train {args.task} --out {shlex.quote(str(out))} --resume`"
        )
        return None
    print(
        f"held-out exact {result.exact:.4f} (cell {result.cell:.4f}, {result.n} puzzles, "
        f"{result.steps} supervision steps); checkpoint in {out}"
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m orchestra.specialists.trm.train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    options.add_arguments(p)
    return 0 if run_from_args(p.parse_args(argv)) is not None else STOPPED


if __name__ == "__main__":
    sys.exit(main())
