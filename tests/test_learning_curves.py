"""The learning-curve study script: one real (very short) training run per setting, read
back into a table and a plot; finished settings are not re-run."""

import json

from orchestra.benchmarks import learning_curves as lc


def test_one_setting_end_to_end_and_skip_when_done(tmp_path, capsys):
    out = tmp_path / "curves"
    args = [
        "--out",
        str(out),
        "--cpu-minutes",
        "0.1",
        "--only",
        "4x4",
        "--report",
        str(tmp_path / "r.md"),
    ]
    assert lc.main(args) == 0
    report = (tmp_path / "r.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| 4x4 |"))
    assert "123,713" in row  # the sudoku4-cpu network's parameter count
    assert (tmp_path / "r.png").stat().st_size > 0 and (out / "curves.png").is_file()
    card = json.loads((out / "4x4" / "card.json").read_text())
    steps = card["steps"]
    assert lc.main(args) == 0  # second call: nothing trained again
    assert "done already" in capsys.readouterr().out
    assert json.loads((out / "4x4" / "card.json").read_text())["steps"] == steps


def test_exact_at_reads_the_last_evaluation_before_the_mark():
    c = lc.Curve(lc.SETTINGS[0], points=[(1.0, 0.2), (2.0, 0.5), (3.0, 0.9)])
    assert c.exact_at(0.5) is None and c.exact_at(2.0) == 0.5 and c.exact_at(2.9) == 0.5
    assert c.exact_at(10) == 0.9


def test_ablation_arms_differ_only_in_recursion():
    arms = {s.label: s for s in lc.SETTINGS if "ablation" in s.groups}
    assert set(arms) == {"recursion", "single-pass", "deep", "one-shot"}
    assert {s.preset for s in arms.values()} == {"sudoku6-cpu"}
    assert "model.layers=8" in arms["deep"].overrides
