"""The prepared GPU run, on the CPU with its tiny flag: every part runs and writes its
results under --out, so the script is known to work before a device is ever lent."""

from __future__ import annotations

import json

from orchestra.benchmarks import device_run


def test_device_run_tiny_writes_every_part(tmp_path):
    assert device_run.main(["--tiny", "--out", str(tmp_path), "--minutes", "5"]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["device"] == "cpu" and results["tiny"] is True
    names = {r["checkpoint"] for r in results["smoke"]}
    assert {"sudoku-9x9", "maze-30", "arc1-small"} <= names
    assert all(r["ok"] for r in results["smoke"])
    inf = results["inference"]
    assert [r["batch"] for r in inf] == [1, 4] and all(r["trm_puzzles_per_s"] > 0 for r in inf)
    assert results["training"][0]["puzzle_steps_per_s"] > 0
    trained = tmp_path / "sudoku-9x9-hard-device"
    assert results["hard"]["checkpoint"] == str(trained)
    assert (trained / "model.safetensors").is_file() and (trained / "card.json").is_file()
    config = json.loads((trained / "config.json").read_text())  # the published list, deep
    assert config["task"]["published"] == "extreme-train.txt"
    assert (config["model"]["H_cycles"], config["model"]["L_cycles"]) == (3, 6)
    assert "## Inference: TRM vs the exact solver" in (tmp_path / "report.md").read_text()
