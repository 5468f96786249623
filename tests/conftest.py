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
