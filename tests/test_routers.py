"""Routers: rules, learned (shipped), LLM (over real HTTP), cascade; evaluation; plug-ins."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PUZZLE
from openai_stub_server import StubServer

from orchestra import Orchestra, ParseError
from orchestra.llm import RemoteLLM
from orchestra.routers.cascade import CascadeRouter
from orchestra.routers.corpus import generate, labels
from orchestra.routers.evaluate import evaluate
from orchestra.routers.learned import SHIPPED, LearnedRouter
from orchestra.routers.llm import LLMRouter
from orchestra.routers.registry import make_router
from orchestra.routers.rules import RulesRouter

MAZE = "#####\n#S  #\n# # #\n#  G#\n#####"
ARC = json.dumps(
    {"train": [{"input": [[1, 0]], "output": [[0, 1]]}], "test": [{"input": [[2, 0]]}]}
)
TRAP_JSON = '{"train": "morning", "test": "evening"}'
TRAPS = [
    "1 2 3 4 5 6 7 8 9, what comes next?",
    "How do I get better at sudoku?",
    TRAP_JSON,
    "My order number is 0123456789012345678",
]
ROOT = Path(__file__).parent.parent


class Spy:
    """A real router that records being asked, then abstains."""

    name = "spy"

    def __init__(self):
        self.calls = 0

    def route(self, x):
        self.calls += 1
        return RulesRouter().route("plain prose")


def test_rules_router():
    r = RulesRouter()
    assert [r.route(x).kind for x in (PUZZLE, MAZE, ARC)] == ["sudoku", "maze", "arc"]
    d = r.route("What is the capital of France?")
    assert d.kind == "text" and d.abstained and d.target == "llm"
    with pytest.raises(ParseError):
        r.route(TRAP_JSON)  # the parser alone cannot tell a trap from a broken ARC task


def test_learned_router_on_clear_cases_and_traps():
    r = LearnedRouter()
    for x, kind in ((PUZZLE, "sudoku"), (MAZE, "maze"), (ARC, "arc")):
        d = r.route(x)
        assert d.kind == kind and not d.abstained and d.scores[kind] > 0.5
    for trap in TRAPS:
        assert r.route(trap).kind == "text"


def test_learned_router_respects_thresholds():
    r = LearnedRouter()
    r.thresholds = {**r.thresholds, "sudoku": 1.01}
    d = r.route(PUZZLE)
    assert d.abstained and d.target == "llm" and "below its threshold" in d.reason


def test_shipped_router_card_is_measured():
    card = json.loads((SHIPPED / "card.json").read_text())
    assert card["eval"]["n"] >= 1000 and card["eval"]["accuracy"] > 0.95
    assert set(card["thresholds"]) == {"sudoku", "maze", "arc", "text"}


def test_cascade_order_and_rescue_of_traps():
    spy = Spy()
    c = CascadeRouter(RulesRouter(), spy)
    assert c.route(PUZZLE).router == "cascade/rules" and spy.calls == 0  # rules decided
    c.route("plain prose")
    assert spy.calls == 1  # rules abstained, so the next stage was asked
    cascade = make_router("cascade")
    for trap in TRAPS:
        d = cascade.route(trap)
        assert d.kind == "text", trap
    assert "prose, not a broken puzzle" in cascade.route(TRAP_JSON).reason
    with pytest.raises(ParseError, match="appears twice"):
        cascade.route("55" + PUZZLE[2:])  # a broken puzzle stays an error


def test_engine_uses_the_cascade_by_default():
    engine = Orchestra(llm=None)
    sol = engine.solve(TRAP_JSON)
    assert sol.kind == "text" and sol.trace.decision.router.startswith("cascade")
    assert "no LLM backend configured" in sol.error  # routed to the LLM, not a parse error


def test_llm_router_over_http(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-000000")
    with StubServer() as s:
        router = LLMRouter(RemoteLLM("openai/x", api_base=s.base, max_retries=0))
        s.reply = "maze"
        assert router.route(MAZE).kind == "maze"
        assert "exactly one word" in s.requests[-1]["body"]["messages"][0]["content"]
        s.reply = "It could be a sudoku or a maze."
        d = router.route(MAZE)
        assert d.abstained and "unparseable" in d.reason
        s.script = ["500"]
        assert router.route(MAZE).abstained


def test_evaluation_report():
    examples = generate(120, split="eval", seed=5)
    report = evaluate(make_router("cascade"), examples)
    assert report.n == 120 and 0 <= report.accuracy <= 1
    assert sum(sum(row.values()) for row in report.confusion.values()) == 120
    assert "| true \\ predicted |" in report.table()


def test_corpus_splits_are_written_independently():
    train = {e.prompt for e in generate(300, split="train", seed=0)}
    held = generate(300, split="eval", seed=0)
    assert not train & {e.prompt for e in held}
    # every family that gives routing examples (the plug-ins' too), and prose
    assert {e.target for e in held} == set(labels())
    assert {"sudoku", "maze", "arc", "nqueens", "coloring", "text"} <= set(labels())
    assert any(e.group.startswith("text/trap") for e in held)


def test_route_eval_cli_and_router_training(tmp_path):
    orchestra_bin = str(Path(sys.executable).parent / "orchestra")
    subset = tmp_path / "eval.jsonl"
    subset.write_text(
        "".join((ROOT / "routers/data/eval.jsonl").read_text().splitlines(True)[:200])
    )
    r = subprocess.run(
        [orchestra_bin, "route", str(subset), "--eval", "--llm", "none"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "router cascade: accuracy" in r.stdout and "| true \\ predicted |" in r.stdout
    out = tmp_path / "router"
    r = subprocess.run(
        [
            orchestra_bin,
            "train",
            "router",
            "--out",
            str(out),
            "--set",
            "n=300",
            "--set",
            "n_eval=100",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    assert (out / "model.safetensors").is_file() and (out / "card.md").is_file()
    assert LearnedRouter(out).route(PUZZLE).kind in ("sudoku", "text", "maze", "arc")


def test_router_plugin_from_entry_points():
    fixture = Path(__file__).parent / "fixtures" / "orchestra-plugin-demo"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "--no-index", str(fixture)],
        check=True,
    )
    try:
        code = (
            "import orchestra; e = orchestra.Orchestra(router='always-text', llm=None);"
            f"s = e.solve({PUZZLE!r}); print(s.kind, s.trace.decision.router)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.split() == ["text", "always-text"]
    finally:
        subprocess.run([*pip, "uninstall", "-y", "orchestra-plugin-demo"], check=True)
