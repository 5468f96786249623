"""The one place orchestra keeps what it makes: `$ORCHESTRA_CACHE`, else
`$XDG_CACHE_HOME/orchestra`, else `~/.cache/orchestra`.

Under it: `llm/` (the embedded LLM converted to safetensors), `checkpoints/` (TRMs a user
trains: test-time training, `orchestra train grid`, where the registry looks), and
`perf-models.json` (what the scheduler learned; `$ORCHESTRA_PERF_MODELS` overrides the
file alone). Every module asks here, so one variable moves all of it.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "ORCHESTRA_CACHE"


def root() -> Path:
    explicit = os.environ.get(ENV)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "orchestra"


def checkpoints() -> Path:
    """Where a user's own checkpoints are written, and found."""
    return root() / "checkpoints"


def llm() -> Path:
    return root() / "llm"


def perf_models() -> Path:
    return root() / "perf-models.json"


def describe() -> str:
    """One line for `orchestra --help`."""
    return (
        f"cache: {root()} (set ${ENV} to move it): converted LLM weights, trained "
        "checkpoints, the scheduler's performance models"
    )
