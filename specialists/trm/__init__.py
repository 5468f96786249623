"""The Tiny Recursive Model: network, presets, training and checkpoints.

`from orchestra.specialists.trm import TRM, TRMConfig` imports torch on first access only, so
light modules of this package (presets, options) stay cheap to import.
"""

from typing import Any

__all__ = ["PRESETS", "TRM", "Carry", "TRMConfig"]


def __getattr__(name: str) -> Any:
    if name in ("TRM", "TRMConfig", "Carry"):
        from . import model

        return getattr(model, name)
    if name == "PRESETS":
        from .presets import PRESETS

        return PRESETS
    raise AttributeError(name)
