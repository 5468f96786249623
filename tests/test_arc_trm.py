"""ARC with the TRM: puzzle embeddings and their sparse sign-SGD, test-time training on a
user's task, the voting specialist, and the engine's advice for a task no checkpoint knows.
Real torch training throughout, on tiny networks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import orchestra
from orchestra import catalog, registry
from orchestra.benchmarks.bench.scoring import score
from orchestra.benchmarks.bench.solvers import TestTimeSolver
from orchestra.benchmarks.bench.tasks import Item
from orchestra.specialists.trm import checkpoint
from orchestra.specialists.trm.train import build_run
from orchestra.specialists.trm_arc import TRMArcSpecialist
from orchestra.tasks import arc
from orchestra.tasks.arc.trm import ArcItem, ArcSpec, arc_digest

ORCHESTRA = str(Path(sys.executable).parent / "orchestra")
MIRROR = {  # a task a person might paste: mirror each row (3x3 grids, a few colours)
    "train": [
        {"input": [[1, 0, 0], [2, 2, 0], [0, 0, 3]], "output": [[0, 0, 1], [0, 2, 2], [3, 0, 0]]},
        {"input": [[0, 4, 4], [0, 0, 1], [5, 0, 0]], "output": [[4, 4, 0], [1, 0, 0], [0, 0, 5]]},
        {"input": [[6, 0, 2], [0, 7, 0], [1, 1, 0]], "output": [[2, 0, 6], [0, 7, 0], [0, 1, 1]]},
    ],
    "test": [{"input": [[3, 0, 0], [0, 0, 8], [9, 9, 0]]}],
}
TINY = {
    "model.hidden": 64,
    "model.heads": 2,
    "model.H_cycles": 1,
    "model.L_cycles": 2,
    "model.halt_max_steps": 2,
    "task.max_side": 3,
    "task.views": 4,
    "batch": 32,
    "lr": 3e-3,
    "warmup": 10,
    "ema": 0.9,
    "compile": False,
    "progress": False,
    "eval_every": 10**9,
}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """Test-time training from scratch on the mirror task: the network and its views'
    puzzle embeddings, until the demonstrations are reproduced."""
    tmp = tmp_path_factory.mktemp("arc")
    task = tmp / "mirror.json"
    task.write_text(json.dumps(MIRROR))
    out = tmp / "run"
    over = {**TINY, "task.source": str(task), "max_steps": 300}
    run = build_run("arc", preset="arc-cpu", out=out, overrides=over, log=lambda s: None)
    result = run.train()
    return run, result, out, task


def test_test_time_training_fits_the_demonstrations(fitted):
    run, result, out, _ = fitted
    spec = run.spec
    assert spec.family == "arc" and len(spec.entries) == 1 and len(spec.entries[0].views) == 4
    # no test output in the file: the held-out check is the demonstrations themselves
    assert result.n == 3 and result.exact == 1.0
    assert run.cfg.num_puzzle_ids == 5  # id 0 unused, one per view


def test_sign_sgd_moves_only_the_puzzles_of_the_batch(fitted):
    run, *_ = fitted
    emb = run.raw.puzzle_emb.weight
    assert torch.count_nonzero(emb[0]) == 0  # id 0 is never trained
    before = emb.detach().clone()
    ids = torch.tensor([2, 2, 3])
    emb.grad = torch.randn_like(emb)
    run._puzzle_emb_step(ids)
    moved = (emb.detach() != before).any(-1)
    assert moved.tolist() == [False, False, True, True, False]
    # a sign step: every coordinate of a moved row changes by lr (plus weight decay)
    lr, wd = run._lr(run.tc.puzzle_lr), run.tc.puzzle_weight_decay
    step = (before[2] * (1 - lr * wd) - emb.detach()[2]).abs()
    assert torch.allclose(step, torch.full_like(step, lr), atol=1e-6)


def test_views_vote_back_in_the_original_frame(fitted):
    _, _, out, task = fitted
    spec_ = TRMArcSpecialist.from_checkpoint(out, device="cpu")
    problem = arc.read_tasks(task)[0]
    # every view of a demonstration input, mapped back, should give the demonstration output
    demo = problem.model_copy(
        update={"test_inputs": [p.input for p in problem.train], "test_outputs": None}
    )
    ranked = spec_.candidates([demo])[0]
    assert [r[0].grid for r in ranked] == [p.output for p in problem.train]
    assert all(r[0].votes >= 3 for r in ranked)  # at least 3 of the 4 views agree
    (answer,) = spec_.solve_batch([problem])
    assert len(answer.answer) == 1 and np.array(answer.answer[0]).shape == (3, 3)


def test_unknown_task_is_declined_with_the_way_to_learn_it(fitted, monkeypatch):
    _, _, out, task = fitted
    monkeypatch.setenv("ORCHESTRA_CHECKPOINTS", str(out))
    monkeypatch.setenv("ORCHESTRA_ARC_BUDGET", "3")  # the program search, before the LLM
    monkeypatch.setattr(catalog, "shipped", lambda: [])
    registry.refresh()
    try:
        engine = orchestra.Orchestra(llm=None)
        known = engine.solve(json.dumps(MIRROR))
        assert known.route == "trm-arc" and known.notes == []
        # outputs drawn at random, unrelated to their inputs: no program explains them,
        # however far the DSL grows, and no checkpoint knows the task
        rng = np.random.default_rng(0)
        noise = {
            "train": [
                {
                    "input": rng.integers(0, 10, (5, 5)).tolist(),
                    "output": rng.integers(0, 10, (4, 4)).tolist(),
                }
                for _ in range(3)
            ],
            "test": [{"input": rng.integers(0, 10, (5, 5)).tolist()}],
        }
        sol = engine.solve(json.dumps(noise))
        assert sol.answer is None and "no LLM backend" in sol.error
        assert any("orchestra train arc --tasks FILE" in n for n in sol.notes)
    finally:
        monkeypatch.undo()
        registry.refresh()


def test_arc_spec_checks(tmp_path):
    big = {"train": [{"input": [[1] * 9] * 9, "output": [[1]]}], "test": [{"input": [[1]]}]}
    f = tmp_path / "big.json"
    f.write_text(json.dumps(big))
    with pytest.raises(ValueError, match="larger than the 3x3 canvas"):
        build_run(
            "arc", preset="arc-cpu", out=tmp_path / "r", overrides={**TINY, "task.source": str(f)}
        )
    with pytest.raises(ValueError, match="puzzle embedding"):
        build_run(
            "arc",
            preset="arc-cpu",
            out=tmp_path / "r",
            overrides={
                **TINY,
                "task.source": str(tmp_path / "big.json"),
                "task.max_side": 9,
                "model.puzzle_emb_len": 0,
            },
        )
    spec = ArcSpec(canvas=3)
    assert spec.decode(ArcItem(input=[[1]], puzzle_id=0), np.zeros(9, dtype=np.int64)) is None


def test_checkpoint_round_trip_keeps_the_tasks(fitted):
    _, _, out, task = fitted
    model, spec = checkpoint.load(out)
    assert spec.entries[0].fingerprint == arc.read_tasks(task)[0].fingerprint()
    assert model.puzzle_emb.weight.shape[0] == spec.num_puzzle_ids


def test_cli_test_time_training_then_solve(fitted, tmp_path):
    """`orchestra train arc --tasks FILE` writes where the registry looks; the next
    `orchestra solve` of that task goes to the new checkpoint."""
    _, _, base, task = fitted
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    train = [ORCHESTRA, "train", "arc", "--tasks", str(task), "--init", str(base), "--steps", "3"]
    train += ["--no-progress", "--set", "compile=false", "--set", "train_net=false"]
    r = subprocess.run(train, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    made = list((tmp_path / "orchestra" / "checkpoints").iterdir())
    assert [d.name for d in made] == [f"arc-mirror-{arc_digest(arc.read_tasks(task))}"]
    card = json.loads((made[0] / "card.json").read_text())
    assert card["steps"] == 3 and "--tasks" in card["command"]
    # only the puzzle embeddings were trained: the network is the base checkpoint's
    a, _ = checkpoint.load(base)
    b, _ = checkpoint.load(made[0])
    assert torch.equal(a.net.blocks[0].mlp.down.weight, b.net.blocks[0].mlp.down.weight)
    solve = [ORCHESTRA, "solve", "-f", str(task), "--json", "--llm", "none"]
    r = subprocess.run(solve, capture_output=True, text=True, env=env, timeout=300)
    sol = json.loads(r.stdout)
    assert sol["kind"] == "arc"
    # the new checkpoint takes the task (not skipped), with its check of the demonstrations;
    # three steps of training rarely reproduce them, and then the program search answers
    first = next(a for a in sol["trace"]["attempts"] if a["processor"] == "trm-arc")
    assert first["evidence"]["method"] == "demonstrations"
    assert (sol["route"] == "trm-arc") == (first["consistent"] is True)
    assert sol["route"] == "trm-arc" or sol["fallback_from"] == ["trm-arc"]
    r = subprocess.run(
        [ORCHESTRA, "train", "arc", "--tasks", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode != 0 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_bench_test_time_solver_scores_pass_at_2(fitted, tmp_path):
    _, _, base, task = fitted
    problem = arc.read_tasks(task)[0]
    item = Item(
        id="mine/1", task="mine", problem=problem, expected=[[[0, 0, 3], [8, 0, 0], [0, 9, 9]]]
    )
    work = tmp_path / "ttt"
    solver = TestTimeSolver(base, seconds=2, workdir=str(work))
    assert not solver.applies(item)  # the base checkpoint knows this task already
    other = Item(id="x/1", task="x", problem=arc.load(1, "training")[0], expected=None)
    assert solver.applies(other)
    before = set(tmp_path.iterdir())
    # a caller's id names nothing on disk: ".." once wrote the run into the parent
    hostile = item.model_copy(update={"problem": problem.model_copy(update={"id": ".."})})
    (o,) = solver.run([hostile])
    assert o.error is None and o.latency_s >= 2 and solver.params
    assert set(tmp_path.iterdir()) - before == {work} and list(work.iterdir()) == []
    s = score(item, o.answer)
    assert s.valid and s.correct in (True, False)
