"""A TRM checkpoint bound to its task codec and a device, as an orchestra specialist.

Loaded once, kept resident. `solve_batch` encodes a batch, runs the supervision steps,
decodes, and reports confidence (sigmoid of the halting logit) and the steps used.

Verifier-guided multi-trajectory inference (beyond the paper): `trajectories=K` allows up
to K tries per puzzle. The first runs clean; each later one runs only on the puzzles whose
answers the task's verifier has rejected so far, diversified by noise on the latent (the
probabilistic-TRM idea) or by solving a random symmetric view that puzzle has not tried
yet and mapping the answer back. A verified answer wins, else the most confident one. So K
costs extra compute only on the puzzles the first try got wrong; `steps` reports every
supervision step spent on a puzzle. Unset, K and the diversity come from the card (what
its figures were measured with), else 1.

Halting (`halt`): the paper runs every supervision step at test time ("steps"); its
halting head can stop a puzzle early ("q"), but on Sudoku it stops too soon. By default a
puzzle stops at the first step whose answer the verifier accepts ("verified"): a verified
answer is a right one, so nothing is lost, and most puzzles are right long before the last
step. A stopped puzzle leaves the batch; the others go on. A card's `give_up_steps` (the
step by which 95% of its held-out successes had verified, `evaluate --give-up auto`) is
the default step budget under verified halting: what a puzzle the network cannot solve
costs before the fallback takes it.

Propagation (`propagate`, on by default for families whose TRM task declares a
propagator, with verified halting): between supervision steps the cells the network is
sure of become givens and the family's constraint propagation extends them, so the next
step starts from a stronger input (see `_predict_propagating`). `beam=m` (off by default:
measured without gain at m=3 on Norvig's top95, `benchmarks/hard_sudoku.py`) then
branches on the m least sure cells of a puzzle the steps left unsolved (`_beam`).

torch is imported on first use only, so listing specialists stays cheap.
"""

from __future__ import annotations

import itertools
import math
import random
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from orchestra import family_registry
from orchestra.catalog import checkpoints
from orchestra.registry import load_ref
from orchestra.specialist import BaseSpecialist
from orchestra.tasks.base import Problem
from orchestra.tasks.family import FamilyError
from orchestra.types import SpecialistAnswer

Diversify = Literal["noise", "augment"]
Halt = Literal["steps", "q", "verified"]
HALTS: tuple[str, ...] = ("steps", "q", "verified")
VIEW_DRAWS = 64  # random symmetric views drawn at most to find one a puzzle has not tried


def _no_grad(fn: Any) -> Any:
    """torch.no_grad() around a method, with torch imported only when it runs."""

    def run(*args: Any, **kwargs: Any) -> Any:
        import torch

        with torch.no_grad():
            return fn(*args, **kwargs)

    return run


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Stall:
    """Which puzzles keep giving the same answer. A network that repeats an answer the
    verifier rejected for `patience` supervision steps has settled, and the rest of its
    steps would only make failure expensive (`patience` None: never). Measured on mazes
    with loops it saved little: there the wrong answers keep changing (README)."""

    def __init__(self, patience: int | None):
        self.patience = patience
        self._last: dict[int, bytes] = {}
        self._same: dict[int, int] = {}

    def stuck(self, i: int, tokens: np.ndarray) -> bool:
        if self.patience is None:
            return False
        key = np.ascontiguousarray(tokens).tobytes()
        self._same[i] = self._same.get(i, 0) + 1 if self._last.get(i) == key else 0
        self._last[i] = key
        return self._same[i] >= self.patience


class TRMSpecialist(BaseSpecialist):
    """One TRM checkpoint."""

    kinds: ClassVar[tuple[str, ...]] = ()
    priority: ClassVar[int] = 50

    def __init__(
        self,
        model: Any,
        spec: Any,
        *,
        name: str | None = None,
        steps: int | None = None,
        halt: Halt = "verified",
        trajectories: int | None = None,
        diversify: Diversify | None = None,
        noise: float = 0.2,
        seed: int = 0,
        card: Any = None,
        max_batch: int = 256,
        propagate: bool | None = None,
        commit_at: float = 0.9,
        beam: int = 0,
        patience: int | None = None,
    ):
        # unset: the card's measured inference settings (`evaluate --card-trajectories`)
        if trajectories is None:
            trajectories = getattr(card, "trajectories", None) or 1
        if diversify is None:
            diversify = getattr(card, "diversify", None) or "noise"
        if trajectories < 1:
            raise ValueError("trajectories must be >= 1")
        if diversify not in ("noise", "augment"):
            raise ValueError(f"diversify must be 'noise' or 'augment', got {diversify!r}")
        if halt not in HALTS:
            raise ValueError(f"halt must be one of {', '.join(HALTS)}; got {halt!r}")
        self.model, self.spec, self.card = model, spec, card
        self.name = name or f"trm-{spec.name}"
        self.kinds = (spec.kind,)  # type: ignore[misc]
        self.device = str(next(model.parameters()).device)
        from .trm.model import answer_map_tensor

        # how answers are read from the network's tokens (hint vocabularies): built once
        self._answer_map = answer_map_tensor(spec.answer_map, self.device)
        if steps is None and halt == "verified":  # the card's measured give-up step
            steps = getattr(card, "give_up_steps", None)
        self.steps, self.halt = steps, halt
        self.trajectories, self.diversify, self.noise = trajectories, diversify, noise
        self.max_batch = max_batch
        self._rng = random.Random(seed)
        # latent noise of later tries: a stream of this specialist's own, the same each run
        self._noise_seed = zlib.crc32(f"{self.name}:{seed}".encode())
        if propagate and not spec.propagates:
            raise ValueError(f"family {spec.family!r} has no propagator for its TRM")
        if propagate and halt != "verified":
            raise ValueError(
                "propagate stops each puzzle at its first verified answer: it needs halt='verified'"
            )
        # on by default where the family can: it only ever adds verified answers
        self.propagate = (
            (spec.propagates and halt == "verified") if propagate is None else propagate
        )
        self.commit_at = commit_at
        if beam < 0 or beam > 8:
            raise ValueError("beam must be between 0 (off) and 8 cells")
        self.beam = beam
        if patience is not None and patience < 1:
            raise ValueError(f"patience must be >= 1 step (or None: off), got {patience}")
        self.patience = patience

    @classmethod
    def from_checkpoint(
        cls, directory: str | Path, *, device: str | None = None, **options: Any
    ) -> TRMSpecialist:
        from .trm import checkpoint

        model, spec = checkpoint.load(directory, device or _default_device())
        return cls(model, spec, card=checkpoint.load_card(directory), **options)

    def supports(self, problem: Problem) -> bool:
        return self.spec.supports(problem)

    def model_info(self, problem: Problem) -> tuple[int, float]:
        """(parameters, forward FLOPs of one supervision step for one trajectory)."""
        return self.model.num_params(), self.model.flops_per_step(1)[0]

    def solve_batch(self, problems: Sequence[Problem]) -> list[SpecialistAnswer]:
        import torch

        if not problems:
            return []
        best: list[SpecialistAnswer | None] = [None] * len(problems)
        spent = [0] * len(problems)
        pending = list(range(len(problems)))
        tried: list[set[bytes]] = [set() for _ in problems]  # each puzzle's views so far
        for k in range(self.trajectories):
            views, undos, tokens = [], [], []
            for i in pending:
                if k > 0 and self.diversify == "augment":
                    view, undo, encoded = self._fresh_view(problems[i], tried[i])
                else:
                    view, undo, encoded = problems[i], None, self._encode(problems[i])
                tried[i].add(encoded.tobytes())
                views.append(view)
                undos.append(undo)
                tokens.append(encoded)
            x = torch.from_numpy(np.stack(tokens)).to(self.device)
            noise = self.noise if (k > 0 and self.diversify == "noise") else 0.0
            gen = torch.Generator(device=self.device).manual_seed(self._noise_seed + k)
            if self.propagate:
                preds, q, used = self._predict_propagating(views, x, noise, gen)
            else:
                p, qt, u = self.model.predict(
                    x,
                    steps=self.steps,
                    early_halt=self.halt == "q",
                    latent_noise=noise,
                    accept=self._stopping(views),
                    generator=gen,
                    answer_map=self._answer_map,
                )
                preds, q, used = p.cpu().numpy(), qt.cpu().tolist(), u.cpu().tolist()
            unsolved = []
            for j, i in enumerate(pending):
                answer = self.spec.decode(views[j], preds[j])
                if undos[j] is not None:
                    answer = undos[j](answer)
                spent[i] += int(used[j])
                conf = 1 / (1 + math.exp(-q[j])) if math.isfinite(q[j]) else 0.0
                ok = self.trajectories > 1 and bool(self.spec.verify(problems[i], answer))
                kept = best[i]
                if ok or kept is None or conf > (kept.confidence or 0.0):
                    best[i] = SpecialistAnswer(answer=answer, confidence=conf)
                if self.trajectories > 1 and not ok:
                    unsolved.append(i)
            pending = unsolved
            if not pending:
                break
        out = []
        for answer, steps in zip(best, spent, strict=True):
            assert answer is not None  # every puzzle had a first try
            out.append(answer.model_copy(update={"steps": steps}))
        return out

    def _fresh_view(self, problem: Problem, tried: set[bytes]) -> tuple[Problem, Any, np.ndarray]:
        """A random symmetric view of `problem` that no earlier try of it has shown the
        network (tokens compared): without latent noise a repeated view repeats its answer,
        so a try spent on one is lost. A problem with fewer distinct views than tries
        (a symmetric maze) gets a repeat after `VIEW_DRAWS` draws."""
        for _ in range(VIEW_DRAWS):
            view, undo = self.spec.random_view(problem, self._rng)
            encoded = self._encode(view)
            if encoded.tobytes() not in tried:
                break
        return view, undo, encoded

    @_no_grad
    def _predict_propagating(
        self, views: Sequence[Problem], x: Any, noise: float, generator: Any = None
    ) -> tuple[np.ndarray, list[float], list[int]]:
        """Recursion meets propagation: after each supervision step, the cells the network
        is sure of (probability >= `commit_at`) become givens, the family's propagator
        adds what they force, and the next step starts from that stronger input (same
        latent carry). A commitment that contradicts the rules is backed off, least sure
        first. A puzzle stops at its first verified answer, which is always checked
        against the original puzzle, so a wrong commitment can cost accuracy, never
        correctness."""
        import torch

        from .trm.model import Carry, answer_logits

        spec, model = self.spec, self.model
        B = len(views)
        # each puzzle's givens so far, as (mask, tokens): they change only on a commit
        fixed = [self._givens(v) for v in views]
        commits: list[dict[int, tuple[int, float]]] = [{} for _ in views]
        carry = model.initial_carry(B)
        preds = np.zeros((B, spec.codec.seq_len), dtype=np.int64)
        q, used = [-math.inf] * B, [0] * B
        live = list(range(B))
        last: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        stall = Stall(self.patience)
        for _ in range(self.steps or model.cfg.halt_max_steps):
            rows = torch.tensor(live, device=x.device)
            carry, logits, q_step = model.forward(carry, x[rows], None, noise, generator)
            logits = answer_logits(logits.float(), self._answer_map)
            top = logits.softmax(-1).topk(2, dim=-1)
            conf_np, best_np = top.values[..., 0].cpu().numpy(), top.indices[..., 0].cpu().numpy()
            second_np = top.indices[..., 1].cpu().numpy()
            keep = []
            for j, i in enumerate(live):
                last[i] = (best_np[j], conf_np[j], second_np[j])
                used[i] += 1
                q[i] = float(q_step[j])
                if self._accepts(views[i], fixed[i], best_np[j], preds, i):
                    continue
                stronger = self._commit(views[i], fixed[i][0], commits[i], best_np[j], conf_np[j])
                if stronger is not None:
                    fixed[i] = self._givens(stronger)
                    x[i] = torch.from_numpy(fixed[i][1]).to(x.device)
                    if self._accepts(views[i], fixed[i], best_np[j], preds, i):
                        continue
                if stall.stuck(i, preds[i]):
                    continue  # the same unverified answer again: more steps would not pay
                keep.append(j)
            if len(keep) < len(live):
                k = torch.tensor(keep, dtype=torch.long, device=x.device)
                carry = Carry(y=carry.y[k], z=carry.z[k])
                live = [live[j] for j in keep]
            if not live:
                break
        for i in live if self.beam else []:
            self._beam(views[i], commits[i], *last[i], preds, i)
        return preds, q, used

    def _beam(
        self,
        view: Problem,
        commits: dict[int, tuple[int, float]],
        best: np.ndarray,
        conf: np.ndarray,
        second: np.ndarray,
        preds: np.ndarray,
        i: int,
    ) -> bool:
        """A puzzle the steps did not solve: branch on the `beam` least sure open cells
        (the network's first or second choice each), let propagation complete each
        branch, and keep the first that the verifier accepts. At most 2**beam
        propagations and no network step; `preds[i]` is unchanged when none verifies."""
        open_cells = np.flatnonzero(~np.asarray(self.spec.given(view), dtype=bool))
        cells = [int(c) for c in open_cells[np.argsort(conf[open_cells])][: self.beam]]
        before = preds[i].copy()
        base = {p: t for p, (t, _) in commits.items()}
        for picks in itertools.product((best, second), repeat=len(cells)):
            trial = {**base, **{c: int(pick[c]) for c, pick in zip(cells, picks, strict=True)}}
            stronger = self.spec.commit(view, trial)
            if stronger is not None and self._accepts(view, self._givens(stronger), best, preds, i):
                return True
        preds[i] = before
        return False

    def _givens(self, problem: Problem) -> tuple[np.ndarray, np.ndarray]:
        """(which positions the problem fixes, its tokens)."""
        return np.asarray(self.spec.given(problem), dtype=bool), self._encode(problem)

    def _accepts(
        self,
        view: Problem,
        fixed: tuple[np.ndarray, np.ndarray],
        best: np.ndarray,
        preds: np.ndarray,
        i: int,
    ) -> bool:
        """Record the network's answer with the givens so far laid over it in `preds[i]`;
        whether it solves the original puzzle."""
        guess = np.where(fixed[0], fixed[1], best)
        preds[i] = guess
        return bool(self.spec.verify(view, self.spec.decode(view, guess)))

    def _commit(
        self,
        view: Problem,
        given: np.ndarray,
        commits: dict[int, tuple[int, float]],
        best: np.ndarray,
        conf: np.ndarray,
    ) -> Problem | None:
        """The original puzzle with the sure cells (not `given` yet) fixed and propagated
        (`commits` updated in place), or None when nothing new could be committed."""
        sure = np.flatnonzero(~given & (conf >= self.commit_at))
        if not len(sure):
            return None
        trial = {**commits, **{int(p): (int(best[p]), float(conf[p])) for p in sure}}
        while trial:
            stronger = self.spec.commit(view, {p: t for p, (t, _) in trial.items()})
            if stronger is not None:
                commits.clear()
                commits.update(trial)
                return stronger
            del trial[min(trial, key=lambda p: trial[p][1])]  # back off the least sure
        return None

    def _encode(self, problem: Problem) -> np.ndarray:
        """The family's codec, checked: a wrong shape fails that problem, naming the family
        (the engine then retries the batch's other problems without it)."""
        tokens = np.asarray(self.spec.encode(problem))
        want = (self.spec.codec.seq_len,)
        if tokens.shape != want or not np.issubdtype(tokens.dtype, np.integer):
            raise FamilyError(
                f"family {self.spec.family!r}: codec returned tokens of shape "
                f"{tokens.shape} ({tokens.dtype}), expected integers of shape {want}"
            )
        return tokens.astype(np.int64)

    def _stopping(self, views: Sequence[Problem]) -> Any:
        """`accept` for `TRM.predict`: verified halting, and with `patience` a puzzle also
        stops once its answer has stayed the same for that many steps."""
        import torch

        verified = self._verifier(views) if self.halt == "verified" else None
        if self.patience is None:
            return verified
        stall = Stall(self.patience)

        def accept(rows: Any, preds: Any) -> Any:
            done = verified(rows, preds) if verified is not None else torch.zeros(len(rows))
            tokens = preds.cpu().numpy()
            stuck = [stall.stuck(i, t) for i, t in zip(rows.tolist(), tokens, strict=True)]
            return done.bool() | torch.tensor(stuck, dtype=torch.bool)

        return accept

    def _verifier(self, views: Sequence[Problem]) -> Any:
        """`accept` for `TRM.predict`: which rows' predicted tokens solve their puzzle (a
        view's answer is checked on the view itself, no mapping back needed)."""
        import torch

        def accept(rows: Any, preds: Any) -> Any:
            tokens = preds.cpu().numpy()
            return torch.tensor(
                [
                    bool(self.spec.verify(views[i], self.spec.decode(views[i], t)))
                    for i, t in zip(rows.tolist(), tokens, strict=True)
                ]
            )

        return accept


class TRMFamily(BaseSpecialist):
    """Every TRM checkpoint of one kind found on the search path, as one specialist:
    each problem goes to the first checkpoint that accepts it (e.g. by Sudoku size), and
    with `cascade`, on to the next one that accepts it while the verifier rejects the answer
    (a checkpoint trained on harder puzzles backs up a faster one; only failures pay).

    Subclassed per (family, kind) by `family_specialist`; a family may name a subclass of
    its own (`Family.trm_specialist`, ARC's voting over views)."""

    family: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    cascade: ClassVar[bool] = True
    nearest_first: ClassVar[bool] = True  # order members per problem (off: search-path order)
    priority: ClassVar[int] = 50  # tried before the exact solvers; the verifier backs it up
    member_cls: ClassVar[Any] = None  # default TRMSpecialist; ARC has its own

    def __init__(self, device: str | None = None, **options: Any):
        self.members: list[Any] = []
        seen = set()
        for d in checkpoints(self.family):
            member = (self.member_cls or TRMSpecialist).from_checkpoint(d, device=device, **options)
            if member.spec.kind != (self.kind or self.family):
                continue  # a data-driven family: another task's checkpoint
            if member.spec.name in seen:  # an earlier search path overrides a shipped one
                continue
            seen.add(member.spec.name)
            self.members.append(member)
        self.device = self.members[0].device if self.members else "cpu"

    @classmethod
    def multi_trajectory(cls) -> bool:
        """Whether its members take `trajectories=K` (verifier-guided retries)."""
        return (cls.member_cls or TRMSpecialist) is TRMSpecialist

    def _ordered(self, problem: Problem) -> list[Any]:
        """The members nearest first to what they were trained on (`TRMTask.distance`:
        a maze with loops tries the checkpoints trained on loops first), ties in the
        search-path order."""
        if not self.nearest_first:
            return list(self.members)

        def key(m: Any) -> tuple:  # a member that cannot take the problem: last, unmeasured
            return (0, m.spec.distance(problem)) if m.supports(problem) else (1, ())

        return sorted(self.members, key=key)

    def _member(self, problem: Problem) -> Any:
        return next((m for m in self._ordered(problem) if m.supports(problem)), None)

    def supports(self, problem: Problem) -> bool:
        return self._member(problem) is not None

    def model_info(self, problem: Problem) -> tuple[int, float]:
        member = self._member(problem)
        if member is None:
            raise ValueError(f"no {self.kind or self.family} checkpoint accepts this problem")
        return member.model_info(problem)

    @property
    def trajectories(self) -> int:
        return getattr(self.members[0], "trajectories", 1) if self.members else 1

    def expected_verified_rate(self, problem: Problem) -> float | None:
        """Before the scheduler has measured it on this class: the rate on the card of the
        checkpoint that would take the problem, as the specialist runs it (its tries,
        halting and give-up step) where the card has that, else one try's held-out
        verified (else exact) rate."""
        card = getattr(self._member(problem), "card", None)
        configured = getattr(card, "configured", None)
        if configured is not None:
            return float(configured.verified)
        held = getattr(card, "heldout", None)
        if held is None:
            return None
        return held.verified if held.verified is not None else held.exact

    def solve_batch(self, problems: Sequence[Problem]) -> list[SpecialistAnswer]:
        out: list[Any] = [None] * len(problems)
        groups: dict[tuple[int, ...], list[int]] = {}  # problems sharing an order of members
        for i, p in enumerate(problems):
            order = tuple(self.members.index(m) for m in self._ordered(p))
            groups.setdefault(order, []).append(i)
        for order, members in groups.items():
            self._cascade([self.members[k] for k in order], problems, set(members), out)
        if any(a is None for a in out):
            raise ValueError(f"no {self.kind or self.family} checkpoint accepts this problem")
        return out

    def _cascade(
        self, members: list[Any], problems: Sequence[Problem], todo: set[int], out: list[Any]
    ) -> None:
        """The problems `todo` through `members` in turn, each kept by the first member
        whose answer verifies (with `cascade`), else the first member that answered."""
        for m in members:
            mine = sorted(i for i in todo if m.supports(problems[i]))
            if not mine:
                continue
            for i, ans in zip(mine, m.solve_batch([problems[i] for i in mine]), strict=True):
                spent = (out[i].steps or 0) if out[i] is not None else 0
                ok = self.cascade and bool(m.spec.verify(problems[i], ans.answer))
                kept = ans if (out[i] is None or ok) else out[i]
                out[i] = kept.model_copy(update={"steps": spent + (ans.steps or 0)})
                if ok or not self.cascade:
                    todo.discard(i)


def family_specialist(family: str, kind: str | None = None, **options: Any) -> TRMFamily:
    """The `trm-<kind>` specialist: every checkpoint of `family` serving `kind` (default:
    the family's own kind). `options` go to each member (trajectories, halt, device)."""
    fam = family_registry.get(family)
    base: Any = load_ref(fam.trm_specialist) if fam.trm_specialist else TRMFamily
    kind = kind or family
    cls = type(
        f"TRM_{kind}",
        (base,),
        {
            "name": f"trm-{kind}",
            "kinds": (kind,),
            "family": family,
            "kind": kind,
            "__doc__": f"TRM checkpoints for {kind}.",
        },
    )
    return cls(**options)
