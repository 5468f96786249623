import pytest

# A classic 9x9 puzzle (Wikipedia's example) and its solution.
PUZZLE = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79"
SOLUTION = "534678912672195348198342567859761423426853791713924856961537284287419635345286179"


def rows(s: str, n: int = 9) -> list[list[int]]:
    return [[0 if ch == "." else int(ch) for ch in s[r * n : (r + 1) * n]] for r in range(n)]


@pytest.fixture
def puzzle() -> str:
    return PUZZLE


@pytest.fixture
def solution() -> list[list[int]]:
    return rows(SOLUTION)


@pytest.fixture(autouse=True)
def _own_performance_models_and_static_order(tmp_path_factory, monkeypatch):
    """Each test learns into its own performance-model file: what one test's solving
    taught the scheduler must not reorder the next test's chains, nor the user's cache."""
    path = tmp_path_factory.mktemp("perf") / "perf-models.json"
    monkeypatch.setenv("ORCHESTRA_PERF_MODELS", str(path))
    # Tests of the engine's mechanics (fallback, batching, faults) pin the static order;
    # the tests of scheduling choose their policy explicitly (tests/test_scheduling.py).
    monkeypatch.setenv("ORCHESTRA_SCHEDULER", "priority")
