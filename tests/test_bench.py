"""The benchmark suite: scorers, resume, the report's separation of reported figures, and a
tiny suite end to end."""

import json
import subprocess
import sys
from pathlib import Path

from conftest import PUZZLE, SOLUTION, rows

from orchestra.benchmarks.bench import reference
from orchestra.benchmarks.bench.run import run
from orchestra.benchmarks.bench.scoring import score
from orchestra.benchmarks.bench.tasks import Item, build
from orchestra.tasks import arc, maze, sudoku
from orchestra.tasks.text import TextProblem


def test_sudoku_scores():
    item = Item(
        id="s", task="t", problem=sudoku.SudokuProblem(grid=rows(PUZZLE)), expected=rows(SOLUTION)
    )
    right = score(item, rows(SOLUTION))
    assert right.correct and right.cell == 1.0 and right.valid
    wrong = rows(SOLUTION)
    wrong[0][2], wrong[0][3] = wrong[0][3], wrong[0][2]
    s = score(item, wrong)
    assert s.correct is False and s.valid and 0.9 < s.cell < 1.0
    assert score(item, None).correct is False and not score(item, None).valid
    assert not score(item, [[1]]).valid


def test_maze_scores_accept_any_shortest_path():
    m = maze.MazeProblem(rows=["#####", "#S..#", "#...#", "#..G#", "#####"])
    item = Item(id="m", task="t", problem=m, expected=[(1, 1), (1, 2), (1, 3), (2, 3), (3, 3)])
    other = [(1, 1), (2, 1), (3, 1), (3, 2), (3, 3)]
    assert score(item, other).correct and score(item, other).cell == 1.0
    detour = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 3), (2, 3), (3, 3)]
    s = score(item, detour)
    assert s.correct is False and 0 < s.cell < 1


def test_arc_scores_are_pass_at_2():
    task = arc.load(1, "evaluation")[0]
    item = Item(id="a", task="t", problem=task.without_outputs(), expected=task.test_outputs)
    wrong = [[[(v + 1) % 10 for v in row] for row in g] for g in task.test_outputs]
    assert score(item, task.test_outputs).correct
    assert not score(item, wrong).correct
    assert score(item, [wrong, task.test_outputs]).correct  # the second attempt counts
    assert score(item, None).correct is False


def test_orchestra_rows_score_both_arc_attempts():
    """The full orchestra's ARC answer keeps the specialist's second attempt, as the
    specialist's own row does."""
    from orchestra import Orchestra
    from orchestra.benchmarks.bench.solvers import OrchestraSolver
    from orchestra.specialist import BaseSpecialist
    from orchestra.types import SpecialistAnswer

    task = arc.load(1, "evaluation")[0]
    wrong = [[[(v + 1) % 10 for v in row] for row in g] for g in task.test_outputs]

    class RightOnSecondTry(BaseSpecialist):
        name = "right-on-second-try"
        kinds = ("arc",)

        def solve_batch(self, problems):
            return [
                SpecialistAnswer(answer=wrong, alternatives=[task.test_outputs]) for _ in problems
            ]

    item = Item(id="a", task="t", problem=task.without_outputs(), expected=task.test_outputs)
    [out] = OrchestraSolver(Orchestra(specialists=[RightOnSecondTry()])).run([item])
    assert out.route == "right-on-second-try"
    assert score(item, out.answer).correct


def test_prose_has_no_ground_truth():
    s = score(Item(id="p", task="t", problem=TextProblem(text="hi")), "hello")
    assert s.correct is None and s.valid and s.cell is None


def test_tiny_suite_end_to_end_and_resume(tmp_path):
    kw = dict(
        tasks=["sudoku4-minimal", "maze-21", "mixed"],
        solvers=["exact", "orchestra"],
        limit=4,
        llm=None,
        progress=False,
    )
    summary = run(tmp_path, **kw)
    by = {(r.task, r.solver): r for r in summary.rows}
    assert by[("sudoku4-minimal", "exact-sudoku")].exact == 1.0
    assert by[("maze-21", "orchestra")].routing_accuracy == 1.0
    assert by[("mixed", "orchestra")].n == 4
    for name in (
        "samples.jsonl",
        "summary.json",
        "report.md",
        "accuracy_vs_cost.png",
        "accuracy_vs_latency.png",
        "workload_split.png",
    ):
        assert (tmp_path / name).is_file(), name
    lines = (tmp_path / "samples.jsonl").read_text().splitlines()
    sample = json.loads(lines[0])
    assert {"id", "answer", "correct", "latency_s", "tokens", "cost_usd"} <= set(sample)
    # Resume: nothing finished is run again; a larger limit adds only the new problems.
    run(tmp_path, **kw)
    assert len((tmp_path / "samples.jsonl").read_text().splitlines()) == len(lines)
    run(tmp_path, **{**kw, "limit": 5, "tasks": ["sudoku4-minimal"]})
    after = [json.loads(x) for x in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert len(after) == len(lines) + 2  # one more Sudoku for each of the two solvers
    keys = [(s["task"], s["solver"], s["id"]) for s in after]
    assert len(keys) == len(set(keys))


def test_report_keeps_reported_figures_apart(tmp_path):
    run(tmp_path, tasks=["sudoku4-minimal"], solvers=["exact"], limit=2, llm=None, progress=False)
    text = (tmp_path / "report.md").read_text()
    measured, _, reported = text.partition("## Reported in the papers")
    assert reported and "not measured here" in reported
    for row in reference.REPORTED:
        assert row.method not in measured
        assert f"| {row.method} |" in reported


def test_task_sets_are_seeded_and_disjoint_from_training():
    """A bench set is the same for a seed and another for another seed, and shares no
    puzzle with what the shipped checkpoint trained on or was held out on: the 6x6 Sudoku
    card's training pool (its first 200 puzzles, before their random symmetries) and its
    held-out set; 300 mazes drawn as the 21x21 maze card's training draws them, under any
    of the 8 symmetries."""
    import random

    from orchestra.specialists import CHECKPOINTS
    from orchestra.tasks.maze.augment import transform
    from orchestra.tasks.maze.trm import MazeSpec
    from orchestra.tasks.sudoku.trm import SudokuSpec
    from orchestra.tasks.trm import TRAIN_SEED_BASE

    a, b = build("sudoku6-minimal", 30, seed=0), build("sudoku6-minimal", 30, seed=0)
    assert [x.problem for x in a] == [x.problem for x in b]
    assert [x.problem for x in build("sudoku6-minimal", 3, seed=1)] != [x.problem for x in a[:3]]

    card = json.loads((Path(CHECKPOINTS) / "sudoku-6x6" / "card.json").read_text())
    spec = SudokuSpec(**{**card["task"], "pool": 200})
    trained = {str(g) for g in spec.training_source(card["seed"]).grids}
    held = {str(p.grid) for p, _ in spec.heldout(200)}
    bench = {str(x.problem.grid) for x in a}
    assert len(trained) == 200 and len(bench) == 30
    assert not bench & trained and not bench & held

    card = json.loads((Path(CHECKPOINTS) / "maze-21" / "card.json").read_text())
    spec = MazeSpec(**card["task"])
    rng = random.Random(card["seed"])
    seen = {  # drawn as training draws them: generator seeds of the training range
        tuple(spec._generate(TRAIN_SEED_BASE + rng.randrange(10**8)).problem.rows)
        for _ in range(300)
    }
    mazes = build("maze-21", 30, seed=0)
    views = {tuple(transform(m.problem, k).rows) for m in mazes for k in range(8)}
    assert len(seen) == 300 and not views & seen


def test_paper_csv_importer(tmp_path):
    inst = sudoku.generate(9, seed=3)
    grid = inst.problem.to_string()
    answer = "".join(str(v) for row in inst.solution for v in row)
    m = maze.generate(30, seed=2, min_path=110)
    question = "".join(row.replace(".", " ") for row in m.problem.rows)
    marked = "".join(
        r.replace(".", " ").replace("*", "o") for r in maze.mark_path(m.problem, m.path)
    )
    path = tmp_path / "paper.csv"
    path.write_text(
        f"source,question,answer,rating\nx,{grid},{answer},3\ny,{question},{marked},0\n"
    )
    s_item, m_item = build(f"file:{path}", 10)
    assert s_item.problem == inst.problem and score(s_item, inst.solution).correct
    assert m_item.problem == m.problem and score(m_item, m.path).correct


def test_scheduler_comparison_end_to_end(tmp_path):
    """A small mixed-large workload under two policies in one run: the same verified
    answers, the split and the plot written, the bad policy name refused up front."""
    items = build("mixed-large", 40, seed=0)
    tasks = {it.id.split("/")[1] for it in items}
    assert {"sudoku9-top95", "maze-21", "nqueens-8", "prose"} <= tasks and len(items) >= 20
    assert build("mixed-large", 40, seed=0) == items  # seeded

    exe = str(Path(sys.executable).parent / "orchestra")
    args = [
        "bench",
        "--tasks",
        "mixed-large",
        "--limit",
        "30",
        "--interactive",
        "3",
        "--llm",
        "none",
        "--no-progress",
        "--out",
        str(tmp_path),
    ]
    r = subprocess.run(
        [exe, *args, "--schedulers", "priority,cost"], capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr
    results = {x["policy"]: x for x in json.loads((tmp_path / "schedulers.json").read_text())}
    assert results["priority"]["verified"] == results["cost"]["verified"] > 0
    assert results["priority"]["share"] != results["cost"]["share"]  # the placement moved
    assert any(p.startswith("trm-") for p in results["priority"]["tried"])
    report = (tmp_path / "schedulers.md").read_text()
    assert "| cost |" in report and "One request at a time" in report
    assert (tmp_path / "schedulers.png").stat().st_size > 0
    r = subprocess.run(
        [exe, *args, "--schedulers", "priority,fastest"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and "no scheduler 'fastest'" in r.stderr
    assert "Traceback" not in r.stderr
