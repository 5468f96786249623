"""Recursion meets propagation: the Sudoku propagator and the maze's dead-end filling, the
TRM tasks' `commit`, the specialist's back-off on contradictions and its beam, and the hard
sets they are measured on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra import family_registry
from orchestra.specialists.trm import TRM, TRMConfig
from orchestra.specialists.trm_specialist import TRMSpecialist
from orchestra.tasks import sudoku
from orchestra.tasks.maze.codec import T_OPEN
from orchestra.tasks.maze.generate import generate as maze_generate
from orchestra.tasks.maze.solver import solve as maze_solve
from orchestra.tasks.maze.trm import MazeSpec
from orchestra.tasks.sudoku.solver import propagate
from orchestra.tasks.sudoku.trm import SudokuSpec


@settings(max_examples=25, deadline=None)
@given(size=st.sampled_from([4, 6, 9]), seed=st.integers(0, 10_000))
def test_propagation_fills_only_what_the_clues_force(size, seed):
    inst = sudoku.generate(size, seed=seed, tier="minimal")
    filled = propagate(inst.problem)
    assert filled is not None
    for r in range(size):
        for c in range(size):
            clue, got = inst.problem.grid[r][c], filled[r][c]
            assert got in (0, inst.solution[r][c])  # a unique solution: nothing else is forced
            assert clue == 0 or got == clue


def test_propagation_reports_a_contradiction():
    inst = sudoku.generate(9, seed=1, tier="medium")
    grid = [row[:] for row in inst.problem.grid]
    r, c = next((r, c) for r in range(9) for c in range(9) if grid[r][c] == 0)
    grid[r][c] = next(v for v in grid[r] if v)  # a digit its row already has
    assert propagate(grid) is None
    # no clue repeats, yet the last cell of the top row has no digit left
    stuck = sudoku.SudokuProblem(grid=[[1, 2, 3, 0], [0] * 4, [0, 0, 0, 4], [0] * 4])
    assert family_registry.get("sudoku").propagate(stuck) is None


def test_commit_fixes_predicted_cells_or_refuses_a_contradiction():
    spec = SudokuSpec(size=9)
    inst = sudoku.generate(9, seed=3, tier="minimal")
    tokens = spec.target(inst.problem, inst.solution)
    free = np.flatnonzero(~spec.given(inst.problem))
    stronger = spec.commit(inst.problem, {int(p): int(tokens[p]) for p in free[:3]})
    assert stronger is not None
    assert spec.given(stronger).sum() >= spec.given(inst.problem).sum() + 3
    assert sudoku.solve(stronger) == inst.solution  # nothing wrong was added
    r, c = divmod(int(free[0]), 9)
    clash = next(v for v in inst.problem.grid[r] if v)
    assert spec.commit(inst.problem, {int(free[0]): clash + 1}) is None


def _model(size=4, steps=2):
    cfg = TRMConfig(
        vocab_size=size + 2,
        seq_len=size * size,
        hidden=32,
        H_cycles=1,
        L_cycles=1,
        mlp_t=True,
        pos_encoding="none",
        halt_max_steps=steps,
    )
    return TRM(cfg).eval()


def _specialist(size=4, **kw):
    return TRMSpecialist(_model(size), SudokuSpec(size=size), **kw)


def test_a_contradiction_backs_off_the_least_sure_commitment():
    spec = _specialist()
    inst = sudoku.generate(4, seed=5, tier="minimal")
    best = spec.spec.target(inst.problem, inst.solution).copy()
    free = np.flatnonzero(~spec.spec.given(inst.problem))
    wrong = int(free[0])
    right = inst.solution[wrong // 4][wrong % 4]
    best[wrong] = right % 4 + 2  # another digit's token: with the rest, a contradiction
    conf = np.full(16, 0.99)
    conf[wrong] = 0.95  # sure enough to commit, but the least sure
    commits: dict = {}
    stronger = spec._commit(inst.problem, spec.spec.given(inst.problem), commits, best, conf)
    assert stronger is not None and wrong not in commits
    assert set(commits) == set(free.tolist()) - {wrong}
    assert stronger.grid == inst.solution  # the rest, committed and propagated
    # below the threshold nothing is committed
    assert (
        spec._commit(inst.problem, spec.spec.given(inst.problem), {}, best, np.full(16, 0.5))
        is None
    )


def test_the_beam_branches_on_the_least_sure_cells_until_one_verifies():
    spec = _specialist(size=9, beam=3)
    inst = family_registry.get("sudoku").bench_set("sudoku9-search", 1, seed=0)[0]
    puzzle = inst.problem
    right = spec.spec.target(puzzle, inst.answer)
    free = np.flatnonzero(~spec.spec.given(puzzle))
    wrong = [int(free[3]), int(free[10])]
    best, second = right.copy(), right.copy()
    for p in wrong:  # the network's first choice is wrong there, its second is right
        best[p] = right[p] % 9 + 2
        second[p] = right[p]
    conf = np.full(81, 0.99)
    conf[wrong] = [0.40, 0.45]
    preds = np.zeros((1, 81), dtype=np.int64)
    assert spec._beam(puzzle, {}, best, conf, second, preds, 0)
    assert spec.spec.decode(puzzle, preds[0]) == inst.answer
    # both choices clash with a given in their row: every branch is a contradiction,
    # nothing verifies and nothing is changed
    conf = np.full(81, 0.99)
    for p in free[:3]:
        r = int(p) // 9
        clash = [v for v in puzzle.grid[r] if v]
        best[p], second[p] = clash[0] + 1, clash[1] + 1  # digit d is token d + 1
        conf[p] = 0.3
    preds[0] = 7
    assert not spec._beam(puzzle, {}, best, conf, second, preds, 0)
    assert (preds[0] == 7).all()
    with pytest.raises(ValueError, match="beam"):
        _specialist(beam=9)


def test_propagation_needs_verified_halting_and_a_propagator():
    assert _specialist().propagate  # the default where the family has one
    assert not _specialist(halt="steps").propagate
    with pytest.raises(ValueError, match="halt='verified'"):
        _specialist(halt="steps", propagate=True)


def test_hard_bench_sets():
    family = family_registry.get("sudoku")
    top = family.bench_set("sudoku9-top95", 100, seed=0)
    assert len(top) == 95 and len({i.problem.to_string() for i in top}) == 95
    assert all(sudoku.verify(i.problem, i.answer) for i in top[:5])
    search = family.bench_set("sudoku9-search", 3, seed=0)
    assert all(any(0 in row for row in propagate(i.problem)) for i in search)


def test_propagation_lifts_the_shipped_checkpoints_on_published_hard_puzzles():
    """The first puzzles of Norvig's top95, TRM only: recursion with propagation verifies
    more of them than plain recursion, at no more supervision steps."""
    from orchestra.specialists.trm_specialist import family_specialist

    family = family_registry.get("sudoku")
    puzzles = [i.problem for i in family.bench_set("sudoku9-top95", 12, seed=0)]
    results = {}
    for prop in (False, True):
        answers = family_specialist("sudoku", propagate=prop).solve_batch(puzzles)
        ok = sum(bool(sudoku.verify(p, a.answer)) for p, a in zip(puzzles, answers, strict=True))
        results[prop] = (ok, sum(a.steps for a in answers))
    assert results[True][0] > results[False][0]
    assert results[True][1] <= results[False][1]


# -- mazes: dead-end filling ---------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    style=st.sampled_from(["perfect", "open"]),
    side=st.integers(7, 25),
    seed=st.integers(0, 10_000),
)
def test_dead_end_filling_keeps_every_shortest_path(style, side, seed):
    inst = maze_generate(side, side, seed=seed, style=style)
    filled = family_registry.get("maze").propagate(inst.problem)
    assert filled is not None and len(maze_solve(filled)) == len(inst.path)
    opened = {(r, c) for r, row in enumerate(filled.rows) for c, ch in enumerate(row) if ch == "."}
    assert set(inst.path[1:-1]) <= opened  # a cell of a simple S-G path is never a dead end
    if style == "perfect":  # one path, and nothing else stays open
        assert opened == set(inst.path[1:-1])


def test_maze_commit_walls_off_path_predictions_and_refuses_a_cut():
    inst = maze_generate(15, 15, seed=3, style="open")
    spec = MazeSpec(canvas=15, height=15, width=15)
    target = spec.target(inst.problem, inst.path)
    off_path = {int(p): int(target[p]) for p in np.flatnonzero(~spec.given(inst.problem))}
    off_path = {p: t for p, t in off_path.items() if t == T_OPEN}
    stronger = spec.commit(inst.problem, off_path)
    assert stronger is not None and spec.verify(inst.problem, maze_solve(stronger))
    assert spec.given(stronger).sum() > spec.given(inst.problem).sum()
    # walling up a cell of the only remaining path cuts S from G: a contradiction
    r, c = inst.path[len(inst.path) // 2]
    assert spec.commit(stronger, {r * 15 + c: T_OPEN}) is None
    assert TRMSpecialist(
        TRM(TRMConfig(vocab_size=6, seq_len=225, hidden=16, pos_encoding="none", mlp_t=True)),
        spec,
    ).propagate  # on by default for mazes too


@pytest.mark.parametrize("propagate", [False, True])
def test_patience_stops_a_puzzle_that_repeats_a_rejected_answer(propagate):
    """A network whose head is zeroed gives the same wrong grid every step: without
    patience it spends every step failing, with patience 2 it stops after three."""
    import torch

    model = _model(steps=12)
    with torch.no_grad():
        model.head.weight.zero_()
    spec = SudokuSpec(size=4)
    puzzles = [sudoku.generate(4, seed=s, tier="minimal").problem for s in range(3)]
    spent = TRMSpecialist(model, spec, propagate=propagate).solve_batch(puzzles)
    bounded = TRMSpecialist(model, spec, propagate=propagate, patience=2).solve_batch(puzzles)
    assert [a.steps for a in spent] == [12] * 3
    assert [a.steps for a in bounded] == [3] * 3  # the first answer, then two repeats
    assert [a.answer for a in bounded] == [a.answer for a in spent]
    with pytest.raises(ValueError, match="patience"):
        TRMSpecialist(model, spec, patience=0)


def test_a_cards_give_up_step_bounds_what_a_failure_costs():
    """Under verified halting a card's measured give-up step is the step budget, so a
    puzzle the network cannot solve stops there; the paper's all-steps halting and an
    explicit `steps` are left as they are."""
    import torch

    from orchestra.specialists.trm.checkpoint import Card

    model = _model(steps=12)
    with torch.no_grad():
        model.head.weight.zero_()
    spec = SudokuSpec(size=4)
    card = Card(name="t", task={}, model={}, params=1, give_up_steps=4)
    puzzles = [sudoku.generate(4, seed=s, tier="minimal").problem for s in range(3)]
    assert [a.steps for a in TRMSpecialist(model, spec, card=card).solve_batch(puzzles)] == [4] * 3
    for options, steps in (({"halt": "steps"}, 12), ({"steps": 6}, 6)):
        answers = TRMSpecialist(model, spec, card=card, **options).solve_batch(puzzles)
        assert [a.steps for a in answers] == [steps] * 3


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(0, 7), style=st.sampled_from(["open", "braid"]))
def test_maze_targets_follow_one_local_rule_under_every_symmetry(seed, k, style):
    """Where shortest paths tie, the target is the solver's: from S, always the first
    neighbour (down, up, right, left) one move closer to G, in the maze as shown."""
    from orchestra.tasks.maze import transform
    from orchestra.tasks.maze.solver import distances

    kw = {"style": "open", "density": 0.3} if style == "open" else {"loops": 0.3}
    inst = maze_generate(13, seed=seed, **kw)
    shown = transform(inst.problem, k)
    path = maze_solve(shown)
    to_goal = distances(shown, shown.goal)
    assert path is not None and len(path) - 1 == to_goal[shown.start]
    for cell, nxt in zip(path, path[1:], strict=False):
        r, c = cell
        closer = [
            q
            for q in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1))
            if to_goal.get(q) == to_goal[cell] - 1
        ]
        assert nxt == closer[0]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000), style=st.sampled_from(["open", "braid"]), side=st.integers(9, 21)
)
def test_a_pruned_maze_keeps_its_path_as_the_solvers_choice(seed, style, side):
    """A part-solved training draw only walls up cells: the original path is still the one
    the solver picks (so the target is unchanged), and nothing off it opens."""
    import random

    from orchestra.tasks.maze.trm import pruned

    kw = {"style": "open", "density": 0.3} if style == "open" else {"loops": 0.2}
    inst = maze_generate(side, seed=seed, **kw)
    shown = pruned(inst.problem, inst.path, random.Random(seed))
    assert maze_solve(shown) == inst.path
    for before, after in zip(inst.problem.rows, shown.rows, strict=True):
        assert all(a == b or (b == "." and a == "#") for b, a in zip(before, after, strict=True))


def test_reveal_prunes_that_share_of_training_draws_and_no_held_out_maze():
    import random

    kw = dict(canvas=15, height=15, width=15, style="mixed", loops=0.1, density=0.35)

    def open_cells(reveal: float) -> tuple[int, int]:
        spec = MazeSpec(**kw, reveal=reveal)
        x, _ = spec.training_source(0).sample(40, random.Random(5))
        held = np.stack([spec.encode(p) for p, _ in spec.heldout(10)])
        return int((x == T_OPEN).sum()), int((held == T_OPEN).sum())

    plain, some, every = open_cells(0.0), open_cells(0.5), open_cells(1.0)
    assert every[0] < some[0] < plain[0]  # pruned draws have fewer open cells
    assert plain[1] == some[1] == every[1]  # held-out mazes are the generator's own
    with pytest.raises(ValueError):
        MazeSpec(**kw, reveal=1.5)
