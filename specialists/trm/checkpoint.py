"""TRM checkpoints: safetensors weights + JSON, never pickle, so loading runs no code.

DIR/model.safetensors   the EMA weights (what evaluation and inference use)
DIR/config.json         TRMConfig + the task spec (codec, data) it was trained on
DIR/card.json           how it was trained and what it measured
DIR/train_state/        raw weights, optimizer moments, step: what `--resume` needs
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, Field
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from orchestra.trm_specs import TaskSpec, spec_from_dict

from .model import TRM, TRMConfig

FORMAT = "orchestra-trm/1"


class CheckpointError(ValueError):
    """A checkpoint that is missing, corrupt, or does not match its config."""


class EvalResult(BaseModel):
    n: int
    seed: int
    exact: float  # fraction of puzzles solved exactly
    cell: float  # fraction of output tokens right
    steps: int  # supervision steps at test time
    verified: float | None = None  # fraction the task verifier accepted


class ConfiguredRate(BaseModel):
    """The verified rate of the specialist as it runs by default (its tries and how they
    differ, its halting rule, its give-up step) on a held-out set: the scheduler's prior
    for it before it has measured anything itself (`evaluate --card-trajectories`).

    Attributes:
        n: Held-out puzzles.
        seed: The held-out set's seed.
        verified: The share the verifier accepted.
        trajectories: Tries per puzzle.
        diversify: How later tries differ ("noise", "augment").
        halt: The halting rule ("verified", "propagate").
        give_up: The step a try gives up at (None: the largest measured).
    """

    n: int
    seed: int
    verified: float
    trajectories: int
    diversify: str
    halt: str
    give_up: int | None = None


class Stage(BaseModel):
    """An earlier training run this checkpoint's weights started from (`init`): a
    curriculum's cost is the sum of its stages, not the last run's steps."""

    directory: str
    name: str
    steps: int  # optimizer steps of that run alone
    wall_s: float
    command: str = ""
    notes: str = ""


class Card(BaseModel):
    name: str
    task: dict
    model: dict
    params: int
    preset: str | None = None
    seed: int = 0
    steps: int = 0  # optimizer steps
    samples: int = 0  # puzzle x supervision steps seen
    wall_s: float = 0.0
    machine: str = Field(default_factory=lambda: f"{platform.machine()}, {os.cpu_count()} CPUs")
    torch: str = torch.__version__
    heldout: EvalResult | None = None
    command: str = ""
    notes: str = ""
    lineage: list[Stage] = []  # earliest stage first; the run this card describes is not in it
    probe: dict | None = None  # the networks measured before this one was chosen (probe.py)
    # verified halting stops a puzzle here: 95% of held-out successes had verified by then
    # (`evaluate --give-up auto`), so an unsolvable puzzle costs these steps, not all
    give_up_steps: int | None = None
    # the specialist's default tries per puzzle and how later ones differ ("noise",
    # "augment"), as measured on the card (`evaluate --card-trajectories`); None: 1 try
    trajectories: int | None = Field(default=None, ge=1)
    diversify: Literal["noise", "augment"] | None = None
    # the rate of those defaults, measured with them: the scheduler's prior (not `heldout`,
    # which is one try at every step)
    configured: ConfiguredRate | None = None


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2) + "\n")
    os.replace(tmp, path)  # atomic: an interrupted save never leaves half a file


def _save_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp))
    os.replace(tmp, path)


def _load_tensors(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise CheckpointError(f"missing {path.name} in {path.parent}")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{path} is corrupt or not a safetensors file: {e}") from e


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise CheckpointError(f"missing {path.name} in {path.parent}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path} is not valid JSON: {e}") from e


def save(
    directory: str | Path,
    model: TRM,
    spec: TaskSpec,
    card: Card,
    *,
    dtype: torch.dtype = torch.float32,
) -> Path:
    """Write weights (cast to `dtype`), config and card."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _save_tensors({k: v.to(dtype) for k, v in model.state_dict().items()}, d / "model.safetensors")
    _write_json(
        d / "config.json",
        {"format": FORMAT, "model": model.cfg.to_dict(), "task": spec.model_dump()},
    )
    _write_json(d / "card.json", card.model_dump())
    return d


def load_config(directory: str | Path) -> tuple[TRMConfig, TaskSpec]:
    d = Path(directory)
    if not d.is_dir():
        raise CheckpointError(f"no checkpoint directory {d}")
    cfg = _read_json(d / "config.json")
    if cfg.get("format") != FORMAT:
        raise CheckpointError(
            f"{d} is not an orchestra TRM checkpoint (format {cfg.get('format')!r})"
        )
    try:
        return TRMConfig.from_dict(cfg["model"]), spec_from_dict(cfg["task"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{d}/config.json does not describe a TRM: {e}") from e


def load_card(directory: str | Path) -> Card | None:
    path = Path(directory) / "card.json"
    return Card.model_validate(_read_json(path)) if path.is_file() else None


def load_weights(model: TRM, tensors: dict[str, torch.Tensor], where: str) -> None:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise CheckpointError(
            f"{where} does not match its config: missing {missing}, unexpected {extra}"
        )
    for k, v in tensors.items():
        if v.shape != expected[k].shape:
            raise CheckpointError(
                f"{where}: {k} has shape {tuple(v.shape)}, "
                f"the config needs {tuple(expected[k].shape)}"
            )
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in tensors.items()})


def load(directory: str | Path, device: str | torch.device = "cpu") -> tuple[TRM, TaskSpec]:
    """The model (in eval mode, fp32, on `device`) and the task spec it was trained on."""
    d = Path(directory)
    cfg, spec = load_config(d)
    model = TRM(cfg)
    load_weights(model, _load_tensors(d / "model.safetensors"), str(d / "model.safetensors"))
    return model.to(device).eval(), spec


# -- training state (resume) --------------------------------------------------------------


def save_state(
    directory: str | Path, raw: TRM, optimizer: torch.optim.Optimizer, info: dict
) -> None:
    """Raw weights, optimizer moments and loop counters, without pickle."""
    d = Path(directory) / "train_state"
    d.mkdir(parents=True, exist_ok=True)
    _save_tensors(raw.state_dict(), d / "raw.safetensors")
    opt = optimizer.state_dict()
    tensors, scalars = {}, {}
    for idx, state in opt["state"].items():
        for key, value in state.items():
            if torch.is_tensor(value):
                tensors[f"{idx}.{key}"] = value
            else:
                scalars[f"{idx}.{key}"] = value
    _save_tensors(tensors, d / "optimizer.safetensors")
    _write_json(
        d / "state.json", {"info": info, "param_groups": opt["param_groups"], "scalars": scalars}
    )


def load_state(directory: str | Path, raw: TRM, optimizer: torch.optim.Optimizer) -> dict:
    d = Path(directory) / "train_state"
    if not d.is_dir():
        raise CheckpointError(f"{directory} has no train_state/ to resume from")
    load_weights(raw, _load_tensors(d / "raw.safetensors"), str(d / "raw.safetensors"))
    meta = _read_json(d / "state.json")
    state: dict[int, dict[str, Any]] = {}
    for name, value in _load_tensors(d / "optimizer.safetensors").items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    for name, value in meta["scalars"].items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    return meta["info"]
