"""Energy estimates: busy seconds times a power figure per device.

The figure is, in order: `ORCHESTRA_POWER_W_<DEVICE>` (e.g. `ORCHESTRA_POWER_W_CPU=45`);
for CUDA devices the board power NVML reports at that moment (through
`torch.cuda.power_draw`); for the CPU the package power measured from RAPL counters
(`/sys/class/powercap/intel-rapl:N/energy_uj`) over the last interval; else a stated
default. Every figure is labelled an estimate and carries the power it assumed.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

# Assumed draw while busy: a 2-core share of a server CPU package, a data-centre GPU's board
# power under load, and 0 for remote APIs (their energy is not ours to see).
DEFAULT_POWER_W = {"cpu": 25.0, "cuda": 350.0, "mps": 20.0, "remote": 0.0}


def _rapl_root() -> Path:
    return Path(os.environ.get("ORCHESTRA_RAPL_ROOT", "/sys/class/powercap"))


class _Rapl:
    """Average CPU package power between successive reads of the RAPL energy counters."""

    MIN_INTERVAL_S = 0.5

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[float, float] | None = None
        self._watts: float | None = None

    def _energy_uj(self) -> float | None:
        files = sorted(_rapl_root().glob("intel-rapl:[0-9]*/energy_uj"))
        files = [f for f in files if f.parent.name.count(":") == 1]  # packages, not sub-zones
        if not files:
            return None
        try:
            return sum(float(f.read_text()) for f in files)
        except (OSError, ValueError):  # unreadable without privileges on many machines
            return None

    def watts(self) -> float | None:
        with self._lock:
            now, energy = time.monotonic(), self._energy_uj()
            if energy is None:
                return None
            if self._last is not None and now - self._last[0] >= self.MIN_INTERVAL_S:
                delta = energy - self._last[1]
                if delta >= 0:  # the counter wraps around now and then
                    self._watts = delta / 1e6 / (now - self._last[0])
                self._last = (now, energy)
            elif self._last is None:
                self._last = (now, energy)
            return self._watts


_rapl = _Rapl()


def _nvml_watts(device: str) -> float | None:
    torch = sys.modules.get("torch")  # never import torch just to read a power figure
    if torch is None or not torch.cuda.is_available():
        return None
    try:
        return torch.cuda.power_draw(device) / 1000.0
    except Exception:  # no NVML, or a device that does not report power
        return None


def power_source(device: str) -> tuple[float, str]:
    """(watts, where the figure came from)."""
    family = device.split(":")[0].lower()
    env = os.environ.get(f"ORCHESTRA_POWER_W_{family.upper()}")
    if env is not None:
        try:
            return float(env), "set by environment"
        except ValueError:
            raise ValueError(
                f"ORCHESTRA_POWER_W_{family.upper()} must be a number, got {env!r}"
            ) from None
    if family == "cuda" and (w := _nvml_watts(device)) is not None:
        return w, "NVML"
    if family == "cpu" and (w := _rapl.watts()) is not None:
        return w, "RAPL"
    return DEFAULT_POWER_W.get(family, DEFAULT_POWER_W["cpu"]), "assumed"


def power_w(device: str) -> float:
    return power_source(device)[0]


def power_note() -> str:
    figures = ", ".join(
        f"{k} {w:g} W ({src})" for k in DEFAULT_POWER_W for w, src in [power_source(k)]
    )
    return f"energy is an estimate: busy seconds x power ({figures})"


def usd_per_kwh() -> float:
    """The stated electricity price that turns local energy into dollars, so that a local
    processor and a paid API compare in one unit (override: ORCHESTRA_USD_PER_KWH)."""
    raw = os.environ.get("ORCHESTRA_USD_PER_KWH", "0.15")
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"ORCHESTRA_USD_PER_KWH must be a number, got {raw!r}") from None


def local_cost(energy_j: float) -> float:
    """Dollars for `energy_j` joules at the stated electricity price."""
    return energy_j / 3.6e6 * usd_per_kwh()
