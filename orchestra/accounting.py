"""Per-processor bookkeeping: the workload split, measured the way a CPU/GPU split is."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from .energy import power_note, power_w
from .types import ProcessorStats, WorkloadSplit

# A long-running server keeps the latest latencies per processor for its percentiles, not
# every one it has ever seen (found by the soak test: the list grew with every request).
LATENCY_WINDOW = 10_000


def percentile(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values): the one definition every report uses."""
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0


@dataclass
class _Tally:
    items: int = 0
    batches: int = 0
    busy_s: float = 0.0
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    verified: int = 0
    rejected: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    energy_j: float = 0.0


class Accounting:
    """Thread-safe: processors run concurrently and report here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[tuple[str, str], _Tally] = {}

    def record(
        self,
        name: str,
        device: str,
        *,
        busy_s: float,
        latencies: list[float],
        verified: int = 0,
        rejected: int = 0,
        errors: int = 0,
        cost_usd: float = 0.0,
        energy_j: float = 0.0,
    ) -> None:
        """One batch (or one LLM call) of `len(latencies)` items."""
        with self._lock:
            t = self._tallies.setdefault((name, device), _Tally())
            t.items += len(latencies)
            t.batches += 1
            t.busy_s += busy_s
            t.latencies.extend(latencies)
            t.verified += verified
            t.rejected += rejected
            t.errors += errors
            t.cost_usd += cost_usd
            t.energy_j += energy_j

    def snapshot(self) -> WorkloadSplit:
        with self._lock:
            rows = []
            for (name, device), t in sorted(self._tallies.items()):
                decided = t.verified + t.rejected
                rows.append(
                    ProcessorStats(
                        name=name,
                        device=device,
                        items=t.items,
                        batches=t.batches,
                        busy_s=t.busy_s,
                        items_per_s=t.items / t.busy_s if t.busy_s > 0 else 0.0,
                        p50_latency_s=percentile(t.latencies, 0.50),
                        p95_latency_s=percentile(t.latencies, 0.95),
                        verified=t.verified,
                        rejected=t.rejected,
                        errors=t.errors,
                        verified_rate=t.verified / decided if decided else None,
                        cost_usd=t.cost_usd,
                        energy_j=t.energy_j,
                        power_w=power_w(device),
                    )
                )
        return WorkloadSplit(processors=rows, power_note=power_note())

    def reset(self) -> None:
        with self._lock:
            self._tallies.clear()
