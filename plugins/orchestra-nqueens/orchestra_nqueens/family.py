"""N-Queens completion as an orchestra family, through the same contract the built-in
families use: found by the entry point `orchestra.families: nqueens`."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any, ClassVar

from orchestra import Detection, Family, Instance, ParseError, Problem, Verdict, View
from orchestra.tasks.dihedral import dihedral_point, inverse_dihedral
from orchestra.tasks.family import STRONG, Score, reading

from . import solver
from .codec import NQueensCodec
from .problem import KIND, MAX_N, MIN_N, NQueensProblem, check, columns, verify

_ROW = re.compile(r"^[\sQq.\-_0·]+$")
_MENTION = re.compile(r"queens?\b", re.IGNORECASE)
_WRAP = {
    "train": [
        "{p}",
        "Complete this n-queens board:\n{p}",
        "{p}\nPlace the remaining queens.",
    ],
    "eval": [
        "Finish placing queens so none attack each other:\n{p}",
        "{p}\n\ncan you fill in the other queens?",
    ],
}


def _board_rows(text: str) -> list[str] | None:
    """The longest run of board-looking lines (Q for queens, . _ - 0 for empty)."""
    best: list[str] = []
    run: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip().strip("`")
        if stripped and _ROW.match(stripped) and len(stripped.replace(" ", "")) >= MIN_N:
            run.append(stripped.replace(" ", ""))
        else:
            best, run = (run if len(run) > len(best) else best), []
    best = run if len(run) > len(best) else best
    return best if len(best) >= MIN_N else None


def _empty_board(rows: list[str], text: str) -> bool:
    square = all(len(r) == len(rows) for r in rows)
    return square and (bool(_MENTION.search(text)) or len(rows) not in (4, 6, 9))


def _prose(rows: list[str], text: str) -> str | None:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return text.strip() if len(rows) < len(lines) else None


def _from_rows(rows: list[str], prompt: str | None) -> NQueensProblem:
    n = len(rows)
    for r, row in enumerate(rows, start=1):
        if len(row) != n:
            raise ParseError(
                f"row has {len(row)} squares; an N-Queens board with {n} rows is {n}x{n}",
                kind=KIND,
                row=r,
            )
    queens = [(r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch in "Qq"]
    check(n, queens)
    return NQueensProblem(n=n, queens=queens, prompt=prompt)


def _map_cols(cols: list[int], n: int, k: int) -> list[int]:
    moved = dict(dihedral_point(r, c, (n, n), k) for r, c in enumerate(cols))
    return [moved[r] for r in range(n)]


class NQueensFamily(Family):
    """N-Queens completion: some queens given, place the rest (4 <= n <= 12)."""

    name = KIND
    problem_type = NQueensProblem
    checkpoints = Path(__file__).parent / "checkpoints"
    routing_hint = "it contains a chessboard with queens (Q) to complete"
    default_preset = "nqueens-cpu"
    presets: ClassVar[dict[str, dict]] = {
        "nqueens-cpu": {
            "model": dict(hidden=128, H_cycles=2, L_cycles=3, mlp_t=True, pos_encoding="none"),
            "task": dict(
                family=KIND, label="nqueens-8", codec_options={"canvas": 8}, generator={"n": 8}
            ),
            "train": dict(batch=128, lr=1e-3, warmup=50, weight_decay=0.1, ema=0.995, compile=True),
            "about": "8x8 N-Queens completion on 2 CPU cores",
        },
    }
    bench_tasks: ClassVar[dict[str, dict]] = {f"nqueens-{n}": {"n": n} for n in (6, 8, 10, 12)}
    quick_tasks = ("nqueens-8",)

    # -- recognition ---------------------------------------------------------------------

    def detect_text(self, text: str, *, strict: bool = False) -> Detection | None:
        rows = _board_rows(text)
        empty = rows is not None and not any("Q" in r.upper() for r in rows)
        if empty and rows is not None and _empty_board(rows, text):
            # no queen given: the classic puzzle on an empty board, where the text says
            # queens or the board is square at a size no Sudoku has
            confidence = STRONG if _MENTION.search(text) else 0.8
            return reading(confidence, lambda: _from_rows(rows, _prose(rows, text)))
        if rows is None or empty:
            if strict:
                error = ParseError("no N-Queens board found (rows of Q and .)", kind=KIND)
                return Detection(confidence=STRONG, error=error)
            return None
        prose = (
            text.strip() if len(rows) < len([ln for ln in text.split("\n") if ln.strip()]) else None
        )
        try:
            return Detection(confidence=STRONG, problem=_from_rows(rows, prose))
        except ParseError as e:
            sure = strict or _MENTION.search(text) or abs(len(rows) - len(rows[0])) <= 1
            return Detection(confidence=STRONG if sure else 0.2, error=e)

    def detect_object(self, obj: Any, *, prompt: str | None = None) -> Detection | None:
        """`{"n": 8, "queens": [[r, c], ...]}` or `{"board": rows}`."""
        if not isinstance(obj, dict) or not ({"queens", "board"} & set(obj)):
            return None
        try:
            if "board" in obj:
                board = obj["board"]
                rows = board.split("\n") if isinstance(board, str) else board
                if not isinstance(rows, list) or not all(isinstance(r, str) for r in rows):
                    raise ParseError('"board" must be rows of Q and .', kind=KIND)
                return Detection(
                    confidence=STRONG,
                    problem=_from_rows([r.replace(" ", "") for r in rows], prompt),
                )
            n = obj.get("n")
            if not isinstance(n, int) or isinstance(n, bool):
                raise ParseError('"n", the side of the board, must be an integer', kind=KIND)
            queens = obj["queens"]
            if not isinstance(queens, list) or not all(
                isinstance(q, list | tuple) and len(q) == 2 and all(isinstance(v, int) for v in q)
                for q in queens
            ):
                raise ParseError('"queens" must be a list of [row, column] pairs', kind=KIND)
            cells = [(int(r), int(c)) for r, c in queens]
            check(n, cells)
            return Detection(
                confidence=STRONG, problem=NQueensProblem(n=n, queens=cells, prompt=prompt)
            )
        except ParseError as e:
            return Detection(confidence=STRONG, error=e)

    def to_text(self, problem: Problem) -> str:
        return "\n".join(" ".join(row) for row in problem.board())  # type: ignore[attr-defined]

    # -- answers -------------------------------------------------------------------------

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        return verify(problem, answer)  # type: ignore[arg-type]

    def solve(self, problem: Problem) -> Any:
        """Backtracking over rows with column and diagonal bitmasks; exact for n <= 12."""
        return solver.solve(problem)  # type: ignore[arg-type]

    def generate(self, count: int, *, seed: int = 0, **options: Any) -> list[Instance]:
        """Options: n (board side, default 8), or n_min and n_max for mixed sizes.
        Every puzzle has exactly one completion and no given queen it does not need."""
        out = []
        for i in range(count):
            rng = random.Random(f"nqueens-size:{seed + i}")
            side = options.get("n") or rng.randint(
                options.get("n_min", MIN_N), options.get("n_max", MAX_N)
            )
            problem, cols = solver.generate(side, seed + i)
            out.append(Instance(problem=problem, answer=cols))
        return out

    def random_view(self, problem: Problem, rng: random.Random) -> View:
        """One of the board's 8 symmetries (rotations and reflections)."""
        p: NQueensProblem = problem  # type: ignore[assignment]
        k, n = rng.randrange(8), p.n
        view = NQueensProblem(
            n=n,
            queens=sorted(dihedral_point(r, c, (n, n), k) for r, c in p.queens),
            prompt=p.prompt,
        )
        return View(
            view,
            forward=lambda a: _map_cols(_cols_or_raise(p, a), n, k),
            back=lambda a: _map_cols(_cols_or_raise(view, a), n, inverse_dihedral(k)),
        )

    def codec(self, **options: Any) -> NQueensCodec:
        return NQueensCodec(**options)

    def render(self, problem: Problem, answer: Any) -> str:
        cols = columns(problem, answer)  # type: ignore[arg-type]
        if isinstance(cols, str):
            return super().render(problem, answer)
        n = problem.n  # type: ignore[attr-defined]
        return "\n".join(" ".join("Q" if c == col else "." for c in range(n)) for col in cols)

    def summary(self, problem: Problem, answer: Any) -> str:
        cols = columns(problem, answer)  # type: ignore[arg-type]
        return "columns " + " ".join(str(c + 1) for c in cols) if not isinstance(cols, str) else ""

    def score(self, problem: Problem, answer: Any, expected: Any) -> Score:
        """Cells: the share of rows whose queen stands where the unique completion has it."""
        if answer is None:
            return Score(correct=False, cell=0.0, valid=False)
        v = verify(problem, answer)  # type: ignore[arg-type]
        cols = columns(problem, answer)  # type: ignore[arg-type]
        right = (
            0 if isinstance(cols, str) else sum(a == b for a, b in zip(cols, expected, strict=True))
        )
        cell = right / len(expected)
        return Score(correct=bool(v), cell=cell, valid=v.valid)

    # -- LLM -----------------------------------------------------------------------------

    def prompt(self, problem: Problem) -> str:
        p: NQueensProblem = problem  # type: ignore[assignment]
        board = "\n".join(" ".join(row) for row in p.board())
        return (
            f"Complete this {p.n}x{p.n} N-Queens puzzle. Place {p.n} queens in total, one in "
            "each row and each column, so that no two queens share a diagonal. The queens "
            f"already placed (Q) stay where they are; '.' is an empty square.\n\n{board}\n\n"
            f"Answer with the completed board only: {p.n} lines of {p.n} characters, Q for a "
            "queen and . for an empty square, separated by spaces."
        )

    def parse_reply(self, problem: Problem, text: str) -> Any:
        n = problem.n  # type: ignore[attr-defined]
        lines = [ln.strip().replace(" ", "").strip("`") for ln in text.split("\n")]
        boards = [
            ln.upper().replace("_", ".")
            for ln in lines
            if len(ln) == n and set(ln.upper()) <= {"Q", "."}
        ]
        return boards[-n:] if len(boards) >= n else None

    def format_answer(self, problem: Problem, answer: Any) -> str:
        return self.render(problem, answer)

    # -- routing -------------------------------------------------------------------------

    def routing_example(self, split: str, rng: random.Random) -> tuple[str, str]:
        seed = rng.randrange(10**6) + (0 if split == "train" else 10**7)
        problem, _ = solver.generate(rng.randint(5, 10), seed)
        shown = {
            "spaced": self.to_text(problem),
            "compact": "\n".join(problem.board()),
            "json": json.dumps({"n": problem.n, "queens": [list(q) for q in problem.queens]}),
        }
        fmt = rng.choice(sorted(shown))
        return rng.choice(_WRAP[split]).format(p=shown[fmt]), fmt


def _cols_or_raise(problem: NQueensProblem, answer: Any) -> list[int]:
    cols = columns(problem, answer)
    if isinstance(cols, str):
        raise ValueError(cols)
    return cols
