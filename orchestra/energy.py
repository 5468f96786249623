"""Energy estimates: busy seconds times an assumed power draw per device type.

These are estimates, and every figure carries the power it assumed. Override with
`ORCHESTRA_POWER_W_<DEVICE>` (e.g. `ORCHESTRA_POWER_W_CPU=45`).
"""

from __future__ import annotations

import os

# Assumed draw while busy: a 2-core share of a server CPU package, a data-centre GPU's board
# power under load, and 0 for remote APIs (their energy is not ours to see).
DEFAULT_POWER_W = {"cpu": 25.0, "cuda": 350.0, "mps": 20.0, "remote": 0.0}


def power_w(device: str) -> float:
    family = device.split(":")[0].lower()
    env = os.environ.get(f"ORCHESTRA_POWER_W_{family.upper()}")
    if env is not None:
        try:
            return float(env)
        except ValueError:
            raise ValueError(
                f"ORCHESTRA_POWER_W_{family.upper()} must be a number, got {env!r}"
            ) from None
    return DEFAULT_POWER_W.get(family, DEFAULT_POWER_W["cpu"])


def power_note() -> str:
    figures = ", ".join(f"{k} {power_w(k):g} W" for k in DEFAULT_POWER_W)
    return f"energy is an estimate: busy seconds x assumed power ({figures})"
