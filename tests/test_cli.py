"""The `orchestra` command on real inputs and on bad ones (clear message, non-zero exit)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import PUZZLE

from orchestra import family_registry
from orchestra import parse as orchestra_parse
from orchestra.tasks import sudoku

ORCHESTRA = str(Path(sys.executable).parent / "orchestra")


def run(*args, stdin=None):
    return subprocess.run(
        [ORCHESTRA, *args], capture_output=True, text=True, input=stdin, timeout=120
    )


def test_solve_text_and_json():
    r = run("solve", PUZZLE)
    assert r.returncode == 0, r.stderr
    assert "route: trm-sudoku" in r.stdout and "verified" in r.stdout
    assert " 5 3 4 | 6 7 8 | 9 1 2" in r.stdout
    r = run("solve", "--json", PUZZLE)
    sol = json.loads(r.stdout)
    assert sol["route"] == "trm-sudoku" and sol["verified"] is True
    assert sol["answer"][0] == [5, 3, 4, 6, 7, 8, 9, 1, 2]


def test_solve_from_file_and_stdin(tmp_path):
    f = tmp_path / "maze.txt"
    f.write_text("#####\n#S  #\n# # #\n#  G#\n#####\n")
    r = run("solve", "-f", str(f))
    assert r.returncode == 0 and "kind: maze" in r.stdout and "verified" in r.stdout
    assert "*" in r.stdout
    r = run("solve", "-f", "-", stdin=PUZZLE)
    assert r.returncode == 0 and "trm-sudoku" in r.stdout


def test_solve_bad_inputs():
    r = run("solve", "55" + PUZZLE[2:])
    assert r.returncode == 1
    assert "digit 5 appears twice in row 1" in r.stderr and "Traceback" not in r.stderr
    r = run("solve", "-f", "/no/such/file")
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run("solve")
    assert r.returncode == 2 and "give the problem" in r.stderr
    r = run("solve", "--llm", "none", "Tell me a joke")
    assert r.returncode == 1 and "no LLM backend configured" in r.stderr
    r = run("solve", "--llm", "gpt4", "Tell me a joke")
    assert r.returncode == 2 and "unknown LLM spec" in r.stderr
    env = {**os.environ, "ORCHESTRA_LLM": "bogus"}
    r = subprocess.run([ORCHESTRA, "solve", PUZZLE], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "unknown LLM spec 'bogus'" in r.stderr
    r = run("frobnicate")
    assert r.returncode == 2


def test_route_jsonl(tmp_path):
    f = tmp_path / "prompts.jsonl"
    lines = [
        {"prompt": PUZZLE},
        {"prompt": "#####\n#S  #\n#  G#\n#####"},
        {"prompt": "What is a sudoku?"},
        {
            "prompt": json.dumps(
                {"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[1]]}]}
            )
        },
    ]
    f.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    r = run("route", str(f))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["kind"] for x in rows] == ["sudoku", "maze", "text", "arc"]
    assert [x["target"] for x in rows] == ["trm-sudoku", "trm-maze", "llm", "arc-search"]
    assert rows[0]["scores"]["sudoku"] == 1.0 and rows[2]["router"] == "cascade/learned"
    f.write_text('{"prompt": "hi"}\nnot json\n{"text": "x"}\n{"prompt": "55' + PUZZLE[2:] + '"}\n')
    r = run("route", str(f))
    assert r.returncode == 1 and "3 line(s)" in r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows[0]["kind"] == "text"
    assert [x["line"] for x in rows[1:]] == [2, 3, 4] and all("error" in x for x in rows[1:])
    assert run("route", str(tmp_path / "missing.jsonl")).returncode == 2


def test_specialists_listing():
    r = run("specialists", "--json")
    names = {s["name"]: s for s in json.loads(r.stdout)}
    assert names["exact-sudoku"]["kinds"] == ["sudoku"] and "bfs-maze" in names
    assert "exact-sudoku" in run("specialists").stdout


def test_demo_runs_the_mixed_workload():
    r = run("demo", "--json", "--llm", "none")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    results = report["results"]
    # every installed family with demo puzzles, the plug-ins in this repo among them
    shown = {f.name for f in family_registry.all_families() if f.quick_tasks} | {"text"}
    assert {x["kind"] for x in results} == shown
    assert shown >= {"sudoku", "maze", "arc", "nqueens", "coloring", "text"}
    for x in results:
        if x["kind"] not in ("arc", "text"):  # an exact solver stands behind each
            assert x["verified"] is True
        elif x["label"].startswith("ARC-AGI-1 training"):  # a task the shipped checkpoint knows
            first = x["trace"]["attempts"][0]
            assert first["processor"] == "trm-arc" and first["answer"] is not None
        elif x["label"].startswith("ARC-AGI-1 eval"):  # unseen: the program search answers
            assert x["route"] == "arc-search" and x["consistent"] is True
            assert any(a["evidence"] and a["evidence"]["program"] for a in x["trace"]["attempts"])
        else:  # no LLM yet: said plainly, never a made-up answer
            assert x["answer"] is None and "no LLM backend" in x["error"]
    procs = {p["name"]: p for p in report["workload_split"]["processors"]}
    sudoku_items = sum(p["items"] for n, p in procs.items() if n in ("exact-sudoku", "trm-sudoku"))
    assert sudoku_items == sum(x["kind"] == "sudoku" for x in results)
    six = next(x for x in results if x["label"].startswith("sudoku 6x6"))
    assert six["route"] == "trm-sudoku" and six["steps"] and six["confidence"] is not None
    routes = {x["label"].split(" (")[0]: x["route"] for x in results if x["kind"] == "maze"}
    assert routes == {"maze 9x15": "trm-maze", "maze 30x30": "trm-maze"}  # 21 and 30 canvases
    assert any("LLM" in m for m in report["missing"])
    table = run("demo", "--llm", "none", "--scheduler", "latency")
    assert table.returncode == 0, table.stderr
    first = table.stdout[: table.stdout.index("2. the same puzzles, TRM first")]
    assert "parsed as sudoku; latency: exact-sudoku ~" in first  # the reason line
    assert "split(halves_h) |> or" in first  # the unseen ARC task's program
    second = table.stdout[
        table.stdout.index("2. the same puzzles") : table.stdout.index("3. workload")
    ]
    assert "trm-sudoku" in second and "(exact-sudoku)" in second and "the TRM verified" in second
    assert "workload split over both passes" in table.stdout


def test_solve_explain_shows_estimates_and_the_choice():
    six = sudoku.generate(6, seed=1).problem.to_string()
    hard = (Path(__file__).parents[1] / "orchestra/tasks/sudoku/data/top95.txt").read_text()
    hard = next(line for line in hard.splitlines() if line and not line.startswith("#"))
    for puzzle, size in ((six, "6x6"), (hard, "9x9/few-givens")):
        r = run("solve", "--explain", "--scheduler", "latency", "--llm", "none", puzzle)
        assert r.returncode == 0, r.stderr
        assert "scheduler: latency" in r.stdout
        table = r.stdout[r.stdout.index("scheduler: latency") :]
        assert "trm-sudoku (cpu)" in table and "exact-sudoku (cpu)" in table
        assert "seed" in table and "1.000" in table  # the calibration's verified rate
        assert size in str(family_registry.size_class(orchestra_parse(puzzle)))
    r = run("solve", "--scheduler", "fastest", "--llm", "none", six)
    assert r.returncode != 0 and "no scheduler 'fastest'" in r.stderr
    assert "Traceback" not in r.stderr
