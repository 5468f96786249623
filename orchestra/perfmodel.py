"""Performance models: what each processor has cost, per problem class, as measured.

A scheduler cannot place work well on guesses; a heterogeneous runtime (StarPU's
history-based models) keeps, per task kind and worker, the time the task took last
times. orchestra keeps the same per (processor, kind, size class, device, batch bucket):
busy seconds per item, energy and API dollars per item, and how often the processor's
answer verified. The engine feeds every attempt in (`observe`); a new process starts
from the file the last one saved (`$ORCHESTRA_PERF_MODELS`, else `perf-models.json` in
the cache directory), and before any use of its own from the shipped calibration
(`orchestra/data/perf-seed.json`, written by `python -m orchestra.benchmarks.calibrate`).

Estimates never decide correctness: they only order the processors a problem tries;
every answer is still verified.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import warnings
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from .energy import local_cost, power_w

VERSION = 1
BATCH_BUCKETS = (1, 4, 16, 64)
SEED_FILE = Path(__file__).parent / "data" / "perf-seed.json"
ENV = "ORCHESTRA_PERF_MODELS"
# A processor nobody has measured: a second per item, a coin flip to verify. Deliberately
# unattractive next to anything measured, and never zero, so it still gets tried last.
PRIOR_LATENCY_S = 1.0
PRIOR_VERIFIED = 0.5
PRIOR_BASIS = "prior (never measured)"


def batch_bucket(n: int) -> int:
    """The bucket a batch of `n` items is filed under (the smallest bucket >= n)."""
    return next((b for b in BATCH_BUCKETS if n <= b), BATCH_BUCKETS[-1])


def default_path() -> Path:
    explicit = os.environ.get(ENV)
    if explicit:
        return Path(explicit)
    from . import cache

    return cache.perf_models()


class PerfKey(BaseModel):
    model_config = ConfigDict(frozen=True)

    processor: str
    kind: str
    size: str
    device: str
    batch: int

    def text(self) -> str:
        return f"{self.processor}|{self.kind}|{self.size}|{self.device}|{self.batch}"

    @classmethod
    def parse(cls, text: str) -> PerfKey:
        processor, kind, size, device, batch = text.split("|")
        return cls(processor=processor, kind=kind, size=size, device=device, batch=int(batch))


class PerfEntry(BaseModel):
    """Running means per item. `n` counts observations, capped by the model's window, so
    old measurements fade as a moving average would (a processor that got faster, a
    machine that got busier)."""

    n: float = 0.0
    latency_s: float = 0.0
    energy_j: float = 0.0
    api_usd: float = 0.0
    verified_rate: float = PRIOR_VERIFIED
    decided: float = 0.0  # observations a verifier could decide
    # ARC: how often an answer reproduced the demonstrations, and how often such an answer
    # was right where the expected output was known (the bench): whether "consistent"
    # can be trusted from this processor
    consistent_rate: float = PRIOR_VERIFIED
    consistent_seen: float = 0.0
    right_when_consistent: float = PRIOR_VERIFIED
    right_seen: float = 0.0
    source: str = "observed"  # "seed" until the first observation of this process family

    def add(
        self,
        latency_s: float,
        energy_j: float,
        api_usd: float,
        verified: bool | None,
        window: int,
        consistent: bool | None = None,
        right: bool | None = None,
    ) -> None:
        self.n = min(self.n + 1, window)
        w = 1.0 / self.n
        self.latency_s += w * (latency_s - self.latency_s)
        self.energy_j += w * (energy_j - self.energy_j)
        self.api_usd += w * (api_usd - self.api_usd)
        if verified is not None:
            self.verified_rate, self.decided = _mean(
                self.verified_rate, self.decided, verified, window
            )
        if consistent is not None:
            self.consistent_rate, self.consistent_seen = _mean(
                self.consistent_rate, self.consistent_seen, consistent, window
            )
            if consistent and right is not None:
                self.right_when_consistent, self.right_seen = _mean(
                    self.right_when_consistent, self.right_seen, right, window
                )
        self.source = "observed"


def _mean(rate: float, seen: float, outcome: bool, window: int) -> tuple[float, float]:
    """A success rate moved by one outcome: (new rate, observations, capped by `window`)."""
    seen = min(seen + 1, window)
    return rate + (float(outcome) - rate) / seen, seen


class Estimate(BaseModel):
    """What a processor is expected to cost on one item, and on what that rests.

    Attributes:
        processor: The processor's name.
        device: Where it runs (`cpu`, `cuda`, `remote`).
        latency_s: Busy seconds per item at the batch size asked about.
        batch: That batch size.
        energy_j: Estimated joules per item.
        cost_usd: API dollars plus the energy at the stated electricity price, per item.
        verified_rate: The share of its answers verified (or, with no verifier,
            consistent and right).
        observations: How many items the estimate rests on (decayed).
        basis: "measured", "seed", or what was borrowed ("other size", "prior", ...).
        consistent_rate: The share judged consistent with the demonstrations; None:
            never judged.
        right_when_consistent: How often a consistent answer was right; None: none
            checked yet.
    """

    processor: str
    device: str
    latency_s: float  # busy seconds per item at the batch size asked about
    batch: int  # that batch size
    energy_j: float
    cost_usd: float  # API dollars plus the energy at the stated electricity price
    verified_rate: float
    observations: float
    basis: str  # "measured", "seed", or what was borrowed ("other size", "prior", ...)
    consistent_rate: float | None = None  # None: never judged against demonstrations
    right_when_consistent: float | None = None  # None: no consistent answer checked yet

    @property
    def batch_latency_s(self) -> float:
        """Time until the answer: the whole batch the item rides in."""
        return self.latency_s * self.batch


class PerfModels:
    """What the scheduler knows of each processor's latency, cost and verified rate, per
    kind and size, learned from every attempt; thread-safe, persisted as versioned JSON.

    Args:
        path: Where to keep the learned models (default `$ORCHESTRA_PERF_MODELS`, else
            `perf-models.json` in the cache).
        seed: Figures measured by the project, used until this machine has its own
            (None: start empty).
        window: How many recent observations an estimate weighs.
        persist: Read and save `path` (False: this process only).
        save_every_s: Seconds between saves while learning.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        seed: Path | str | None = SEED_FILE,
        window: int = 50,
        persist: bool = True,
        save_every_s: float = 10.0,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.window = window
        self.persist = persist
        self._lock = threading.Lock()
        self._entries: dict[PerfKey, PerfEntry] = {}
        self._dirty = False
        self.save_every_s = save_every_s
        self._saved_at: float | None = None
        if seed is not None:
            self._entries.update(_read(Path(seed), source="seed", strict=False))
        if persist:
            self._entries.update(_read(self.path, source=None, strict=True))

    # -- learning --------------------------------------------------------------------

    def observe(
        self,
        processor: str,
        kind: str,
        size: str,
        device: str,
        *,
        batch: int,
        latency_s: float,
        energy_j: float,
        api_usd: float = 0.0,
        verified: bool | None = None,
        consistent: bool | None = None,
        right: bool | None = None,
    ) -> None:
        """One item's share of one batch (latency and energy per item). `consistent`: the
        answer reproduced the demonstrations (ARC); `right`: it matched a known output."""
        key = PerfKey(
            processor=processor, kind=kind, size=size, device=device, batch=batch_bucket(batch)
        )
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = PerfEntry()
            elif entry.source == "seed":  # this machine's own measurements soon outweigh it
                entry.n, entry.decided = min(entry.n, 3), min(entry.decided, 3)
                entry.consistent_seen = min(entry.consistent_seen, 3)
                entry.right_seen = min(entry.right_seen, 3)
            entry.add(latency_s, energy_j, api_usd, verified, self.window, consistent, right)
            self._dirty = True

    # -- estimating ------------------------------------------------------------------

    def estimate(
        self, processor: str, kind: str, size: str, device: str, *, batch: int = 1
    ) -> Estimate:
        """The closest measurement: the same class, else what can be borrowed (another
        batch size, size class, device or kind of the same processor), else the prior."""
        want = PerfKey(processor=processor, kind=kind, size=size, device=device, batch=batch)
        with self._lock:
            rows = [(k, e) for k, e in self._entries.items() if k.processor == processor]
            best = min(rows, key=lambda ke: _distance(ke[0], want), default=None)
            if best is not None:
                best = (best[0], best[1].model_copy())
        if best is None:
            entry, basis, same_device = PerfEntry(latency_s=PRIOR_LATENCY_S), PRIOR_BASIS, False
        else:
            key, entry = best
            borrowed = [
                what
                for what, same in (
                    ("other kind", key.kind == kind),
                    ("other size", key.size == size),
                    (f"measured on {key.device}", key.device == device),
                    (f"batch {key.batch}", batch_bucket(batch) == key.batch),
                )
                if not same
            ]
            basis = ", ".join(["seed" if entry.source == "seed" else "measured", *borrowed])
            same_device = key.device == device
        # a different device's energy (or none measured) says little: its time at our power
        energy = entry.energy_j if same_device else entry.latency_s * power_w(device)
        return Estimate(
            processor=processor,
            device=device,
            latency_s=entry.latency_s,
            batch=batch,
            energy_j=energy,
            cost_usd=entry.api_usd + local_cost(energy),
            verified_rate=entry.verified_rate if entry.decided else PRIOR_VERIFIED,
            observations=entry.n,
            basis=basis,
            consistent_rate=entry.consistent_rate if entry.consistent_seen else None,
            right_when_consistent=entry.right_when_consistent if entry.right_seen else None,
        )

    # -- persistence -----------------------------------------------------------------

    def entries(self) -> dict[PerfKey, PerfEntry]:
        with self._lock:
            return {k: e.model_copy() for k, e in self._entries.items()}

    def maybe_save(self) -> None:
        """Save what was learned, at most every `save_every_s` (a server solves many small
        batches; the file need not be rewritten for each)."""
        now = time.monotonic()
        if self._saved_at is None or now - self._saved_at >= self.save_every_s:
            self.save()

    def save(self, path: Path | str | None = None, *, machine: str = "") -> None:
        """Write atomically (a crash mid-write leaves the old file). `machine`: where the
        figures were measured (calibration files say so)."""
        if not (self.persist or path is not None):
            return
        with self._lock:
            if not (self._dirty or path is not None):
                return
            data: dict = {
                "version": VERSION,
                "machine": machine,
                # only what was measured: the seed ships with the code and may be updated
                "entries": {
                    k.text(): e.model_dump()
                    for k, e in sorted(self._entries.items(), key=lambda ke: ke[0].text())
                    if e.source != "seed"
                },
            }
            self._dirty = False
        target = Path(path) if path is not None else self.path
        self._saved_at = time.monotonic()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
            tmp.write_text(json.dumps(data, indent=1))
            os.replace(tmp, target)
        except OSError as e:  # a read-only cache costs the learning, not the answers
            warnings.warn(
                f"orchestra: cannot save performance models to {target}: {e}", stacklevel=2
            )


def _distance(have: PerfKey, want: PerfKey) -> tuple[bool, bool, bool, float]:
    return (
        have.kind != want.kind,
        have.device != want.device,
        have.size != want.size,
        abs(math.log(have.batch) - math.log(batch_bucket(want.batch))),
    )


def _read(path: Path, *, source: str | None, strict: bool) -> dict[PerfKey, PerfEntry]:
    """Entries from a file. A missing file is empty; a damaged or other-version file is
    empty with a warning when `strict` (the user's own file: it is rebuilt on the next
    save), silently so for the shipped seed."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError(
                f"version {data.get('version') if isinstance(data, dict) else '?'}"
                f", expected {VERSION}"
            )
        out = {}
        for text, raw in data["entries"].items():
            entry = PerfEntry.model_validate(raw)
            if source is not None:
                entry.source = source
            out[PerfKey.parse(text)] = entry
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as e:
        if strict:
            warnings.warn(
                f"orchestra: performance models in {path} are unreadable "
                f"({type(e).__name__}: {str(e)[:120]}); starting from the seed and "
                "rebuilding the file",
                stacklevel=3,
            )
        return {}
