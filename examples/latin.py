import random

import orchestra
from orchestra.tasks.base import ok, wrong


class LatinProblem(orchestra.Problem):
    kind: str = "latin"
    grid: list[list[int]]  # 0 = blank


class LatinCodec:  # 4x4 as TRM tokens: 0 pad, 1 blank, 1 + v for the digit v
    seq_len, vocab_size = 16, 6

    def encode(self, problem):
        return [v + 1 for row in problem.grid for v in row]

    def encode_answer(self, problem, answer):
        return [v + 1 for row in answer for v in row]

    def decode(self, problem, tokens):
        return [[int(t) - 1 for t in tokens[r * 4 : r * 4 + 4]] for r in range(4)]


class Latin(orchestra.Family):
    name, problem_type, default_preset = "latin", LatinProblem, "latin-cpu"
    bench_tasks = {"latin-4": {"n": 4}}
    presets = {
        "latin-cpu": {
            "model": {"hidden": 64, "mlp_t": True, "pos_encoding": "none"},
            "task": {"family": "latin", "label": "latin-4", "generator": {"n": 4}},
            "train": {"batch": 64},
        }
    }

    def detect_text(self, text, *, strict=False):  # "latin: 12.. / .3.. / ...."
        if not text.startswith("latin:"):
            return None
        rows = [[int(c) if c.isdigit() else 0 for c in r.strip()] for r in text[6:].split("/")]
        return orchestra.Detection(confidence=0.9, problem=LatinProblem(grid=rows))

    def verify(self, problem, answer):
        n = len(problem.grid)
        lines = [*answer, *([row[c] for row in answer] for c in range(n))]
        kept = all(problem.grid[r][c] in (0, answer[r][c]) for r in range(n) for c in range(n))
        latin = all(sorted(x) == [*range(1, n + 1)] for x in lines)
        return ok() if kept and latin else wrong("not a Latin square keeping the givens")

    def solve(self, problem, i=0):  # backtracking, cell by cell
        g, n = [list(r) for r in problem.grid], len(problem.grid)
        if i == n * n:
            return g
        r, c = divmod(i, n)
        given = problem.grid[r][c]
        for v in [given] if given else range(1, n + 1):
            if given or (v not in g[r] and v not in [row[c] for row in g]):
                g[r][c] = v
                if (done := self.solve(LatinProblem(grid=g), i + 1)) is not None:
                    return done
        return None

    def generate(self, count, *, seed=0, n=4):  # a shuffled cyclic square, half blanked
        out = []
        for i in range(count):
            rng = random.Random(seed + i)
            rows, cols, syms = (rng.sample(range(n), n) for _ in range(3))
            full = [[syms[(rows[r] + cols[c]) % n] + 1 for c in range(n)] for r in range(n)]
            grid = [[v if rng.random() < 0.5 else 0 for v in row] for row in full]
            out.append(orchestra.Instance(problem=LatinProblem(grid=grid), answer=full))
        return out

    def codec(self):
        return LatinCodec()
