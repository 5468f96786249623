"""The family contract: the registry, a family installed from outside the repository, the
guards around a family's own code, and the data-driven grid family trained from a file."""

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import PUZZLE

import orchestra
from orchestra import Family, ParseError, RegistryError, family_registry, registry
from orchestra.tasks.base import ok, wrong
from orchestra.tasks.family import Detection

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def test_families_lists_builtins_and_plugins_with_their_sources():
    found = {f.name: f for f in orchestra.families()}
    assert {"sudoku", "maze", "arc", "grid", "nqueens", "coloring"} <= set(found)
    assert found["sudoku"].source == "builtin"
    assert found["nqueens"].source == "plugin:orchestra-nqueens"
    assert found["coloring"].source == "plugin:orchestra-coloring"
    assert {"solve", "generate", "augment", "codec", "prompt"} <= set(found["nqueens"].provides)
    assert "solve" not in found["arc"].provides and "generate" not in found["arc"].provides
    # each plug-in family's exact solver is a specialist, attributed to the plug-in
    solvers = {s.name: s for s in orchestra.list_specialists()}
    assert solvers["exact-nqueens"].source == "plugin:orchestra-nqueens"
    assert solvers["exact-coloring"].kinds == ["coloring"]
    r = subprocess.run([BIN / "orchestra", "families"], capture_output=True, text=True)
    assert r.returncode == 0 and "plugin:orchestra-coloring" in r.stdout


def test_no_core_module_names_a_family():
    core = sorted((ROOT / "orchestra/engine").glob("*.py"))
    for path in [*core, ROOT / "orchestra/problems.py", ROOT / "routers/rules.py"]:
        text = path.read_text()
        for name in ("sudoku", "maze", '"arc"', "nqueens", "coloring"):
            assert name not in text.lower(), f"{path} names {name}"
    train = (ROOT / "specialists/trm/train.py").read_text()
    assert not any(f'"{n}"' in train for n in ("sudoku", "maze", "arc"))


class Doubler(Family):
    """A throwaway family: `double: 21` asks for 42."""

    name = "doubler"

    def detect_text(self, text, *, strict=False):
        if not text.startswith("double:"):
            return None
        try:
            return Detection(confidence=1.0, problem=Number(value=int(text[7:])))
        except ValueError:
            return Detection(confidence=1.0, error=ParseError("not a number", kind="doubler"))

    def verify(self, problem, answer):
        return ok() if answer == 2 * problem.value else wrong(f"{answer} is not twice")

    def solve(self, problem):
        return 2 * problem.value


class Number(orchestra.Problem):
    kind: str = "doubler"
    value: int


@pytest.fixture
def doubler():
    orchestra.register_family(Doubler)
    yield
    family_registry.unregister_family("doubler")


def test_a_family_registered_in_code_is_parsed_routed_and_solved(doubler):
    assert orchestra.parse("double: 21").kind == "doubler"
    sol = orchestra.Orchestra(llm=None).solve("double: 21")
    assert (sol.answer, sol.route, sol.verified) == (42, "exact-doubler", True)
    assert "exact-doubler" in registry.names()
    with pytest.raises(ParseError, match="not a number"):
        orchestra.parse("double: many")


def test_two_families_for_one_kind_is_a_registry_error(doubler):
    class Again(Doubler):
        pass

    with pytest.raises(RegistryError, match="already registered by family 'doubler'"):
        orchestra.register_family(Again)

    class Thief(Family):
        name = "thief"

        def kinds(self):
            return ["sudoku"]

        def verify(self, problem, answer):
            return ok()

    with pytest.raises(RegistryError, match="kind 'sudoku'"):
        orchestra.register_family(Thief)
    assert "thief" not in family_registry.names()


class Crashing(Family):
    """A family whose own code breaks in every way it can."""

    name = "crashing"

    def detect_text(self, text, *, strict=False):
        raise RuntimeError("parser bug")

    def detect_object(self, obj, *, prompt=None):
        if isinstance(obj, dict) and "crash" in obj:
            return Detection(confidence=1.0, problem=Broken(n=obj["crash"]))
        return None

    def verify(self, problem, answer):
        raise ZeroDivisionError("verifier bug")

    def solve(self, problem):
        return problem.n


class Broken(orchestra.Problem):
    kind: str = "crashing"
    n: int


@pytest.mark.filterwarnings("ignore::orchestra.family_registry.FamilyWarning")
def test_a_broken_family_fails_only_its_own_problems():
    orchestra.register_family(Crashing)
    try:
        with pytest.warns(family_registry.FamilyWarning, match="'crashing': detection failed"):
            assert orchestra.parse(PUZZLE).kind == "sudoku"  # others parse as before
        with pytest.raises(ParseError, match="family 'crashing': parser failed: RuntimeError"):
            orchestra.parse("anything", kind="crashing")
        engine = orchestra.Orchestra(llm=None)
        mine, other = engine.solve_many([{"crash": 3}, PUZZLE])
        assert mine.verified is False
        assert "family 'crashing': verifier failed: ZeroDivisionError" in mine.error
        assert other.verified is True and other.error is None
    finally:
        family_registry.unregister_family("crashing")


PLUGIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "orchestra-tmp-sorting"
        version = "0.0.1"

        [project.entry-points."orchestra.families"]
        sorting = "orchestra_tmp_sorting:Sorting"

        [project.entry-points."orchestra.specialists"]
        bad-sorter = "orchestra_tmp_sorting:BadSorter"

        [tool.setuptools]
        packages = ["orchestra_tmp_sorting"]
    """,
    "orchestra_tmp_sorting/__init__.py": '''
        """Sorting a list of numbers, as a family from outside the repository, and a
        specialist for it that answers wrong (so the chain falls back)."""
        import re

        from orchestra import BaseSpecialist, Detection, Family, Problem
        from orchestra.tasks.base import ok, wrong


        class SortProblem(Problem):
            kind: str = "sorting"
            numbers: list[int]


        class Sorting(Family):
            name = "sorting"
            problem_type = SortProblem

            def detect_text(self, text, *, strict=False):
                m = re.fullmatch(r"sort:\\s*([\\d ]+)", text.strip())
                if m is None:
                    return None
                numbers = [int(x) for x in m.group(1).split()]
                return Detection(confidence=0.9, problem=SortProblem(numbers=numbers))

            def verify(self, problem, answer):
                return ok() if answer == sorted(problem.numbers) else wrong("not sorted")

            def solve(self, problem):
                return sorted(problem.numbers)


        class BadSorter(BaseSpecialist):
            name, kinds, priority = "bad-sorter", ("sorting",), 100

            def solve_one(self, problem):
                return list(reversed(sorted(problem.numbers)))
    ''',
}


@pytest.fixture
def installed_family(tmp_path):
    for rel, text in PLUGIN.items():
        path = tmp_path / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", str(tmp_path / "pkg")], check=True
    )
    yield
    subprocess.run([*pip, "uninstall", "-y", "orchestra-tmp-sorting"], check=True)


def test_a_family_installed_from_a_directory_is_parsed_routed_verified_and_falls_back(
    installed_family,
):
    code = textwrap.dedent(
        """
        import json, orchestra
        fams = {f.name: f.source for f in orchestra.families()}
        sol = orchestra.Orchestra(llm=None).solve("sort: 3 1 2")
        none = orchestra.Orchestra(llm=None, specialists=["bad-sorter"]).solve("sort: 3 1 2")
        print(json.dumps([fams["sorting"], sol.kind, sol.route, sol.verified, sol.answer,
                          sol.fallback_from, none.verified, none.route, none.error]))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    source, kind, route, verified, answer, fell, v2, r2, err2 = json.loads(out.stdout)
    assert (source, kind) == ("plugin:orchestra-tmp-sorting", "sorting")
    assert (route, verified, answer, fell) == ("exact-sorting", True, [1, 2, 3], ["bad-sorter"])
    # without its exact solver the chain ends at the LLM; with none configured, said so
    assert v2 is False and r2 == "bad-sorter" and "no LLM backend" in err2


# -- the grid family: a task learned from a file ------------------------------------------


def _flip_examples(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        g = [[rng.randrange(2) for _ in range(3)] for _ in range(3)]
        out.append({"input": g, "output": [[1 - v for v in r] for r in g]})
    return out


def test_grid_family_trains_from_jsonl_and_solves(tmp_path, monkeypatch):
    data = tmp_path / "flip.jsonl"
    data.write_text("".join(json.dumps(x) + "\n" for x in _flip_examples(300)))
    # $ORCHESTRA_CACHE moves every cached thing, trained checkpoints included (not XDG's)
    env = {"ORCHESTRA_CACHE": str(tmp_path / "cache"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    args = ["train", "grid", "--data", str(data), "--name", "flip", "--steps", "150"]
    opts = ["--no-progress", "--set", "model.hidden=32", "--set", "batch=32"]
    r = subprocess.run(
        [BIN / "orchestra", *args, *opts],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env},
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    ckpt = tmp_path / "cache" / "checkpoints" / "flip"
    assert (ckpt / "model.safetensors").is_file() and not (tmp_path / "xdg").exists()
    # no --preset: the network was chosen by measuring each candidate on the data first
    from orchestra.specialists.trm.checkpoint import load_card

    card = load_card(ckpt)
    trials = card.probe["trials"]
    assert [t["preset"] for t in trials] == list(family_registry.get("grid").probe_presets)
    best = max(trials, key=lambda t: (t["exact"], t["cell"]))
    assert card.preset == card.probe["chosen"] == best["preset"]
    assert f"chose {best['preset']}" in r.stdout
    assert card.lineage[0].directory == str(ckpt / "probe" / best["preset"])  # trained on
    assert card.steps == 150 - sum(t["steps"] for t in trials)  # the probe's steps count
    registry.refresh()
    try:
        assert "flip" in family_registry.get("grid").kinds()
        engine = orchestra.Orchestra(llm=None)
        grid = [[1, 0, 1], [0, 0, 0], [1, 1, 1]]
        want = [[0, 1, 0], [1, 1, 1], [0, 0, 0]]
        sol = engine.solve({"kind": "flip", "grid": grid})
        assert sol.route == "trm-flip" and sol.answer == want
        assert sol.verified is None  # no expected output and no verifier: said so
        assert engine.solve({"kind": "flip", "grid": grid, "output": want}).verified is True
        assert engine.solve("1 0 1\n0 0 0\n1 1 1", kind="flip").answer == want
        bad = engine.solve({"kind": "flip", "grid": [[7, 0, 1]]})
        assert "outside task 'flip''s 0..1" in bad.error
    finally:
        registry.refresh()


def test_grid_data_errors_name_the_line_and_train_nothing(tmp_path):
    rows = [json.dumps(x) for x in _flip_examples(5)]
    rows[2] = '{"input": [[1, 0], [1]], "output": [[0, 1], [0]]}'
    data = tmp_path / "bad.jsonl"
    data.write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    r = subprocess.run(
        [BIN / "orchestra", "train", "grid", "--data", str(data), "--name", "bad", "--out", out],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2
    assert f"{data}:3: input: row has 1 cells but row 1 has 2 (at row 2)" in r.stderr
    assert not out.exists()
    r = subprocess.run(
        [BIN / "orchestra", "train", "grid", "--data", str(data), "--name", "sudoku"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2 and "the kind 'sudoku' is the sudoku family's" in r.stderr


def test_grid_data_layouts_read_the_same_examples(tmp_path):
    from orchestra.tasks.grid import read

    csv_path = tmp_path / "strings.csv"
    csv_path.write_text("source,question,answer\nx,1.2.,1324\ny,..3.,2431\n")
    d = read(csv_path)
    assert d.alphabet == [".", "1", "2", "3", "4"] and d.layout == "csv"
    assert d.train[0] == ([[1, 0], [2, 0]], [[1, 3], [2, 4]])  # 4 cells: a 2x2 grid
    npy = tmp_path / "ref"
    for split, rows in (("train", 3), ("test", 2)):
        (npy / split).mkdir(parents=True)
        x = np.arange(rows * 9).reshape(rows, 9) % 5
        np.save(npy / split / "all__inputs.npy", x)
        np.save(npy / split / "all__labels.npy", (x + 1) % 5)
        (npy / split / "dataset.json").write_text(json.dumps({"ignore_label_id": 0}))
    d = read(npy)
    assert (len(d.train), len(d.test), d.layout) == (3, 2, "npy")
    assert d.train[0][0] == [[0, 1, 2], [3, 4, 0], [1, 2, 3]]
    with pytest.raises(ParseError, match="expected columns question and answer"):
        (tmp_path / "x.csv").write_text("a,b\n1,2\n")
        read(tmp_path / "x.csv")


class Codecless(Family):
    """A family whose codec returns the wrong shape for problems with a large value."""

    name = "shapes"

    def detect_object(self, obj, *, prompt=None):
        if isinstance(obj, dict) and "shape" in obj:
            return Detection(confidence=1.0, problem=Shape(value=obj["shape"]))
        return None

    def verify(self, problem, answer):
        return ok() if answer == problem.value else wrong("no")

    def solve(self, problem):
        return problem.value

    def codec(self):
        return BadCodec()


class Shape(orchestra.Problem):
    kind: str = "shapes"
    value: int


class BadCodec:
    seq_len, vocab_size = 4, 5

    def encode(self, problem):
        return np.zeros(4 if problem.value < 3 else 7, dtype=np.int64)  # 7: the wrong shape

    def encode_answer(self, problem, answer):
        return np.full(4, answer + 1)

    def decode(self, problem, tokens):
        return int(tokens[0]) - 1


def test_a_codec_of_the_wrong_shape_fails_only_its_problem():
    import torch

    from orchestra.specialists.trm import TRM, TRMConfig
    from orchestra.specialists.trm_specialist import TRMSpecialist
    from orchestra.tasks.trm import GeneratedTask

    orchestra.register_family(Codecless)
    try:
        torch.manual_seed(0)
        cfg = TRMConfig(
            vocab_size=5,
            seq_len=4,
            hidden=16,
            heads=2,
            H_cycles=1,
            L_cycles=1,
            halt_max_steps=2,
            mlp_t=True,
            pos_encoding="none",
        )
        trm = TRMSpecialist(TRM(cfg).eval(), GeneratedTask(family="shapes"), halt="steps")
        engine = orchestra.Orchestra(specialists=[trm, "exact-shapes"], llm=None)
        good, bad = engine.solve_many([{"shape": 1}, {"shape": 5}])
        assert good.trace.attempts[0].error is None  # the TRM answered it (right or not)
        first = bad.trace.attempts[0]
        assert first.processor == trm.name and "FamilyError: family 'shapes': codec" in first.error
        assert bad.route == "exact-shapes" and bad.verified is True
    finally:
        family_registry.unregister_family("shapes")


def all_even(problem, answer):
    """A user's verifier for a grid task (registered as "all-even")."""
    return all(v % 2 == 0 for row in answer for v in row)


def test_a_grid_task_uses_its_own_verifier_when_the_output_is_unknown():
    from orchestra.tasks.grid.trm import GridSpec

    orchestra.register_grid_verifier("all-even", all_even)
    grid = family_registry.get("grid")
    grid.add_task(GridSpec(label="evens", height=2, width=2, values=5, verifier="all-even"))
    try:
        p = orchestra.parse({"grid": [[1, 2], [3, 4]]}, kind="evens")
        assert grid.verify(p, [[2, 2], [4, 0]]).correct is True
        assert grid.verify(p, [[1, 2], [4, 0]]).correct is False
        assert grid.verify(p, [[2, 2], [4]]).valid is False  # not a grid: malformed
        with pytest.raises(ValueError, match="cannot be loaded"):
            GridSpec.build({"label": "x", "data": "y.jsonl", "verifier": "no_such_module:f"})
    finally:
        grid.tasks().pop("evens")


def test_a_checkpoint_that_names_code_never_gets_it_imported(tmp_path, monkeypatch):
    """A grid task's `verifier` read from a checkpoint is data: "module:function" there is
    not imported (it once made the server import and call any function, its return value
    becoming `verified: true`); the operator may still trust one by name."""
    from orchestra.tasks.grid.trm import ENV_TRUSTED, GridSpec

    marker = tmp_path / "imported"
    (tmp_path / "rigged_probe.py").write_text(
        f"open({str(marker)!r}, 'w').close()\ndef yes(problem, answer):\n    return True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    grid = family_registry.get("grid")
    grid.add_task(
        GridSpec(label="rigged", height=2, width=2, values=5, verifier="rigged_probe:yes")
    )
    try:
        p = orchestra.parse({"grid": [[1, 2], [3, 4]]}, kind="rigged")
        with pytest.warns(UserWarning, match="not imported"):
            verdict = grid.verify(p, [[1, 1], [1, 1]])
        assert verdict.correct is None and "not imported" in verdict.reason
        assert not marker.exists()
        monkeypatch.setenv(ENV_TRUSTED, "rigged_probe:yes")  # the operator's explicit choice
        assert grid.verify(p, [[1, 1], [1, 1]]).correct is True and marker.exists()
    finally:
        grid.tasks().pop("rigged")
