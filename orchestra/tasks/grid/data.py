"""Reading a grid task's examples from a user's file, all or nothing: a malformed line
raises a ParseError naming the file, the line and what was wrong, before anything is
trained. Three layouts:

- JSONL: one `{"input": [[...]], "output": [[...]]}` object per line;
- CSV with `question` and `answer` columns holding strings (the Sudoku-Extreme and
  Maze-Hard files): each character is a cell, its value its index in the file's alphabet;
  a string whose length is a square (81, 900) is a square grid, any other one row;
- the TRM reference code's layout: a directory with `dataset.json`, `all__inputs.npy` and
  `all__labels.npy` (or `train/` and `test/` directories holding those), token ids as values.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from ..base import Grid, ParseError
from .problem import FAMILY, check_grid

Pair = tuple[Grid, Grid]
DEFAULT_LIMIT = 200_000  # examples read from one file (the paper's files hold millions)


class GridData(BaseModel):
    train: list[Pair]
    test: list[Pair] = []  # a held-out split that came with the file (npy layout)
    alphabet: list[str] | None = None  # CSV: the character of each value
    layout: str  # jsonl, csv or npy
    truncated: bool = False  # the file held more than `limit` examples

    @property
    def values(self) -> int:
        if self.alphabet is not None:
            return len(self.alphabet)
        cells = [v for pair in [*self.train, *self.test] for g in pair for r in g for v in r]
        return max(cells) + 1

    @property
    def same_shape(self) -> bool:
        return all(_shape(a) == _shape(b) for a, b in [*self.train, *self.test])

    @property
    def canvas(self) -> tuple[int, int]:
        grids = [g for pair in [*self.train, *self.test] for g in pair]
        h = max(len(g) for g in grids)
        w = max(len(g[0]) for g in grids)
        if not self.same_shape:  # room for the end-of-grid markers
            h, w = min(h + 1, 64), min(w + 1, 64)
        return h, w


def _shape(g: Grid) -> tuple[int, int]:
    return len(g), len(g[0])


def _fail(path: Path, line: int | None, message: str) -> ParseError:
    where = f"{path}:{line}" if line is not None else str(path)
    return ParseError(f"{where}: {message}", kind=FAMILY)


def read(path: str | Path, *, limit: int = DEFAULT_LIMIT) -> GridData:
    p = Path(path)
    if p.is_dir():
        return _read_npy(p, limit)
    if not p.is_file():
        raise _fail(p, None, "no such file or directory")
    if p.suffix.lower() == ".csv":
        return _read_csv(p, limit)
    if p.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _read_jsonl(p, limit)
    raise _fail(p, None, "unknown layout: expected .jsonl, .csv or a directory of .npy files")


def _read_jsonl(p: Path, limit: int) -> GridData:
    pairs: list[Pair] = []
    truncated = False
    with open(p, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            if len(pairs) >= limit:
                truncated = True
                break
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise _fail(p, n, f"invalid JSON: {e.msg} at column {e.colno}") from None
            if not isinstance(obj, dict) or "input" not in obj or "output" not in obj:
                raise _fail(p, n, 'expected an object with "input" and "output" grids')
            try:
                pair = (
                    check_grid(obj["input"], kind=FAMILY, what="input"),
                    check_grid(obj["output"], kind=FAMILY, what="output"),
                )
            except ParseError as e:
                raise _fail(p, n, e.reason + _at(e)) from None
            pairs.append(pair)
    if not pairs:
        raise _fail(p, None, "holds no examples")
    return GridData(train=pairs, layout="jsonl", truncated=truncated)


def _at(e: ParseError) -> str:
    parts = [f"row {e.row}" if e.row else "", f"column {e.col}" if e.col else ""]
    where = ", ".join(x for x in parts if x)
    return f" (at {where})" if where else ""


def _string_grid(text: str, alphabet: dict[str, int]) -> Grid:
    side = math.isqrt(len(text))
    values = [alphabet[ch] for ch in text]
    if side * side == len(text):
        return [values[r * side : (r + 1) * side] for r in range(side)]
    return [values]


def _read_csv(p: Path, limit: int) -> GridData:
    rows: list[tuple[int, str, str]] = []
    truncated = False
    with open(p, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = {name.strip().lower(): name for name in reader.fieldnames or []}
        if "question" not in fields or "answer" not in fields:
            raise _fail(p, 1, f"expected columns question and answer, found {reader.fieldnames}")
        for record in reader:
            n = reader.line_num
            if len(rows) >= limit:
                truncated = True
                break
            q, a = record.get(fields["question"]), record.get(fields["answer"])
            if not q or not a:
                raise _fail(p, n, "empty question or answer")
            if len(q) > 64 * 64 or len(a) > 64 * 64:
                raise _fail(p, n, f"{max(len(q), len(a))} cells; at most 4096 (64x64)")
            rows.append((n, q, a))
    if not rows:
        raise _fail(p, None, "holds no examples")
    symbols = sorted({ch for _, q, a in rows for ch in q + a})
    index = {ch: i for i, ch in enumerate(symbols)}
    pairs = [(_string_grid(q, index), _string_grid(a, index)) for _, q, a in rows]
    return GridData(train=pairs, alphabet=symbols, layout="csv", truncated=truncated)


def _npy_split(d: Path, limit: int) -> list[Pair]:
    meta_path = d / "dataset.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise _fail(meta_path, None, f"unreadable dataset metadata: {e}") from None
    try:
        inputs = np.load(d / "all__inputs.npy", allow_pickle=False)
        labels = np.load(d / "all__labels.npy", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise _fail(d, None, f"unreadable arrays: {e}") from None
    if inputs.ndim != 2 or inputs.shape != labels.shape:
        raise _fail(d, None, f"inputs {inputs.shape} and labels {labels.shape} must match, 2-D")
    ignore = int(meta.get("ignore_label_id") or 0)
    labels = np.where((labels == ignore) | (labels < 0), 0, labels)
    seq = inputs.shape[1]
    side = math.isqrt(seq)
    shape = (side, side) if side * side == seq else (1, seq)
    if max(shape) > 64:
        raise _fail(d, None, f"sequences of {seq} tokens do not fit a 64x64 grid")
    n = min(len(inputs), limit)
    return [
        (inputs[i].reshape(shape).tolist(), labels[i].reshape(shape).tolist()) for i in range(n)
    ]


def _read_npy(p: Path, limit: int) -> GridData:
    if (p / "train" / "dataset.json").is_file():
        train = _npy_split(p / "train", limit)
        test = _npy_split(p / "test", limit) if (p / "test" / "dataset.json").is_file() else []
    elif (p / "dataset.json").is_file():
        train, test = _npy_split(p, limit), []
    else:
        raise _fail(p, None, "no dataset.json here or in train/: not the TRM reference layout")
    if not train:
        raise _fail(p, None, "holds no examples")
    return GridData(train=train, test=test, layout="npy", truncated=len(train) >= limit)
