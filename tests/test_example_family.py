"""The guide's "Add your own puzzle" example (docs/guide-family.md), run: the family file
is the guide's copy, and it is parsed, routed, solved, trained and benchmarked like a
built-in family."""

import sys
from pathlib import Path

import pytest

import orchestra
from orchestra import family_registry, registry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
import latin  # noqa: E402


@pytest.fixture
def latin_family(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRA_CHECKPOINTS", str(tmp_path / "checkpoints"))
    orchestra.register_family(latin.Latin)
    yield tmp_path
    family_registry.unregister_family("latin")
    registry.refresh()


def test_the_guide_shows_the_example_file_whole():
    guide = (ROOT / "docs" / "guide-family.md").read_text()
    block = guide.split("## Add your own puzzle")[1].split("```python\n")[1].split("```")[0]
    assert block == (ROOT / "examples" / "latin.py").read_text()
    assert len(block.splitlines()) + 5 < 80  # with its five lines of commands


def test_the_example_family_is_routed_trained_and_benchmarked(latin_family):
    from orchestra.benchmarks.bench.run import run
    from orchestra.specialists.trm.train import main

    puzzle = "latin: 12.. / .... / .... / ...."
    assert orchestra.parse(puzzle).kind == "latin"
    sol = orchestra.Orchestra(llm=None).solve(puzzle)
    assert (sol.route, sol.verified) == ("exact-latin", True)

    out = latin_family / "checkpoints" / "latin-4"
    args = ["latin", "--out", str(out), "--steps", "4", "--no-progress"]
    assert main([*args, "--set", "eval_n=8", "--set", "compile=false"]) == 0
    registry.refresh()
    sol = orchestra.Orchestra(llm=None).solve(puzzle)
    assert sol.trace.attempts[0].processor == "trm-latin"  # the TRM first, its solver behind
    assert sol.verified is True and sol.route in ("trm-latin", "exact-latin")

    summary = run(
        latin_family / "bench",
        tasks=["latin-4"],
        solvers=["exact", "trm"],
        limit=4,
        progress=False,
    )
    rows = {r.solver: r for r in summary.rows}
    assert rows["exact-latin"].exact == 1.0 and rows["trm-latin"].n == 4
