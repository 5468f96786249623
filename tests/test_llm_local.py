"""The embedded SmolLM2-135M-Instruct through transformers, offline, for real."""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import PUZZLE

from orchestra import Orchestra
from orchestra.llm import LLMError, LocalLLM, Message
from orchestra.llm.local import cache_is_valid, cache_root, embedded_gguf


@pytest.fixture(scope="module")
def local():
    llm = LocalLLM()  # converts the GGUF into the user cache on the first run of a machine
    llm.load()
    return llm


def test_embedded_model_answers_offline(local):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    r = local.complete([Message(role="user", content="What is the capital of France?")])
    assert "Paris" in r.text
    assert r.prompt_tokens > 5 and 0 < r.completion_tokens <= local.max_tokens
    assert r.model == "SmolLM2-135M-Instruct" and r.device == "cpu" and r.cost_usd == 0


def test_max_tokens_and_stop_are_respected(local):
    msgs = [Message(role="user", content="Count from 1 to 50, separated by commas.")]
    short = local.complete(msgs, max_tokens=5)
    assert short.completion_tokens <= 5
    stopped = local.complete(msgs, max_tokens=40, stop=["5"])
    assert "5" not in stopped.text


def test_cache_is_validated_and_rebuilt(local, tmp_path, monkeypatch):
    directory = local.model_dir()
    assert directory.is_relative_to(cache_root()) and cache_is_valid(directory, embedded_gguf())
    # A copy (weights hard-linked) whose tokenizer file was damaged no longer validates.
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in directory.iterdir():
        os.link(f, copy / f.name) if f.name == "model.safetensors" else shutil.copy(f, copy)
    assert cache_is_valid(copy, embedded_gguf())
    (copy / "tokenizer_config.json").write_text("{}")
    assert not cache_is_valid(copy, embedded_gguf())
    # Under a fresh cache root, a broken cache at the expected place is rebuilt.
    monkeypatch.setenv("ORCHESTRA_CACHE", str(tmp_path / "cache"))
    expected = cache_root() / "llm" / directory.name
    expected.mkdir(parents=True)
    (expected / "manifest.json").write_text("broken")
    assert LocalLLM().model_dir() == expected
    assert cache_is_valid(expected, embedded_gguf())


def test_bad_model_paths_are_clear_errors(tmp_path):
    with pytest.raises(LLMError, match="no model at"):
        LocalLLM(tmp_path / "missing")
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(LLMError, match="neither a model directory nor a .gguf"):
        LocalLLM(tmp_path / "weights.bin").model_dir()


def test_hybrid_answer_uses_the_verified_solution(local):
    engine = Orchestra(llm=local)
    sol = engine.solve(
        f"Here is my sudoku {PUZZLE} - what digit is in the top-left corner of the solution?"
    )
    assert sol.route == "trm-sudoku" and sol.verified is True
    assert sol.text  # the LLM's reply to the question
    hybrid = sol.trace.attempts[-1]
    assert hybrid.processor == "llm:SmolLM2-135M-Instruct" and hybrid.reason.startswith("hybrid")
    assert hybrid.tokens > 0
    assert engine.solve(f"Solve this sudoku: {PUZZLE}").text is None  # nothing more was asked


def test_llm_puzzle_baseline_is_scored(local):
    engine = Orchestra(llm=local, fallback={"sudoku": ["llm"]})
    sol = engine.solve("4.1.....3.4...3.")
    attempt = sol.trace.attempts[0]
    assert attempt.processor == "llm:SmolLM2-135M-Instruct" and attempt.tokens > 0
    assert attempt.verified in (True, False)  # parsed and checked, or unparseable = wrong


def test_concurrent_calls_are_generated_together_with_the_same_replies(local):
    prompts = [
        "What is the capital of France?",
        "Name three primary colours.",
        "Who wrote Romeo and Juliet?",
        "Count from 1 to 50, separated by commas.",
    ]
    one_at_a_time = LocalLLM(batch_size=1)
    one_at_a_time.load()
    alone = [
        one_at_a_time.complete([Message(role="user", content=p)], max_tokens=16) for p in prompts
    ]
    before = local.batches
    with ThreadPoolExecutor(max_workers=len(prompts)) as pool:
        together = list(
            pool.map(
                lambda p: local.complete([Message(role="user", content=p)], max_tokens=16), prompts
            )
        )
    assert local.batches - before < len(prompts) and local.largest_batch > 1
    # left padding and one forward per step change nothing in greedy replies
    assert [r.text for r in together] == [r.text for r in alone]
    assert [r.completion_tokens for r in together] == [r.completion_tokens for r in alone]
    assert [r.prompt_tokens for r in together] == [r.prompt_tokens for r in alone]
